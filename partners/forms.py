"""Portal forms of the partner lifecycle."""

from django import forms

from partners.form_helpers import CountrySelect, refuse_over_long_input
from partners.models import Application
from partners.selectors.vocabularies import Vocabulary, choices_of
from programs.models import ProgramVersion, Track
from programs.policies import policies_of
from tenants.validation import (
    COUNTRY_FIELD_ERRORS,
    max_length_of,
    normalized_country,
    normalized_territories,
    text_limits_of,
)


class ApplicationForm(forms.Form):
    firm_name = forms.CharField(label="Firm name", **text_limits_of(Application, "firm_name"))
    website = forms.URLField(label="Website", required=False, assume_scheme="https")
    country = forms.CharField(
        label="Country",
        max_length=max_length_of(Application, "country"),
        error_messages=COUNTRY_FIELD_ERRORS,
        widget=CountrySelect(),
    )
    territories = forms.CharField(
        label="Territories",
        required=False,
        help_text="Where you sell: two-letter country codes separated by commas (US, CA).",
    )
    tracks = forms.MultipleChoiceField(label="Tracks", required=False)
    directory_consent = forms.BooleanField(
        label="List our firm and tier in the vendor's public partner directory", required=False
    )
    message = forms.CharField(
        label="Anything the vendor should know",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        **text_limits_of(Application, "message"),
    )
    accept_agreement = forms.BooleanField(
        label="I accept the program agreement shown above on behalf of my firm",
        required=True,
        error_messages={"required": "You must accept the program agreement to apply."},
    )

    def __init__(self, *args, version: ProgramVersion, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_over_long_input(self)
        policy = version.track_policy
        if not policies_of(version).registration.agreement_required:
            # the program asks for no signed agreement to join (its terms still apply)
            self.fields["accept_agreement"].required = False
            self.fields["accept_agreement"].label = "I have read the program terms shown above"
        tracks = Track.objects.filter(version=version).order_by("position")
        self.fields["tracks"].choices = [
            (t.key, t.name + (" — we will contact you" if t.enrolment == "contact_request" else ""))
            for t in tracks
        ]
        if policy["selection"] == "none":
            del self.fields["tracks"]
        elif policy["selection"] == "one":
            self.fields["tracks"] = forms.ChoiceField(
                label="Classification",
                choices=self.fields["tracks"].choices,
                widget=forms.RadioSelect,
            )
        else:
            choices = self.fields["tracks"].choices
            self.fields["tracks"] = forms.MultipleChoiceField(
                label="Modules (choose one or more)",
                choices=choices,
                widget=forms.CheckboxSelectMultiple,
            )
        if version.registration.get("directory_consent") == "implied_by_registration":
            self.fields["directory_consent"].disabled = True
            self.fields["directory_consent"].initial = True
            self.fields[
                "directory_consent"
            ].help_text = (
                "By registering you agree that your firm's name and tier may be published."
            )

    def clean_country(self) -> str:
        return normalized_country(self.cleaned_data["country"])

    def clean_territories(self) -> list[str]:
        return normalized_territories(self.cleaned_data["territories"].split(","))

    def clean_tracks(self) -> list[str]:
        value = self.cleaned_data.get("tracks")
        return [value] if isinstance(value, str) else list(value or [])


class KindChoiceField(forms.ChoiceField):
    """A select of one vocabulary: the kinds of the firm's programs, shown by their labels."""

    def __init__(self, noun: str, **kwargs):
        article = "an" if noun[0] in "aeiou" else "a"
        message = f"'%(value)s' is not {article} {noun} of your programs."
        super().__init__(choices=(), error_messages={"invalid_choice": message}, **kwargs)

    def offer(self, kinds: Vocabulary, *, blank: str | None = None) -> None:
        self.choices = ([("", blank)] if blank is not None else []) + choices_of(kinds)
