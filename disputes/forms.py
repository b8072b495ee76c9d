"""Forms of the portal (filing) and the console (answer, uphold, dismiss)."""

from django import forms

from disputes.services import REGISTRATION_OUTCOMES
from tenants.validation import TEXT_MAX_LENGTH


class FileForm(forms.Form):
    reason = forms.CharField(
        label="What is wrong, and what should it be?",
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    results = forms.MultipleChoiceField(
        label="The requirement results you dispute",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, results=(), **kwargs):
        super().__init__(*args, **kwargs)
        if results:
            self.fields["results"].choices = [(str(r.pk), r.choice_label) for r in results]
        else:
            del self.fields["results"]


class RespondForm(forms.Form):
    message = forms.CharField(
        label="Your answer to the partner",
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class DismissForm(forms.Form):
    reason = forms.CharField(
        label="Why the dispute is dismissed (the partner reads it)",
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class UpholdForm(forms.Form):
    """One form for the three kinds; the fields of the dispute's kind are kept."""

    note = forms.CharField(
        label="Note to the partner",
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    tier = forms.ChoiceField(label="Corrected tier")
    valid_from = forms.DateField(
        label="Effective from",
        required=False,
        help_text="Empty: the day the program's rule would have applied the result "
        "(never inside a closed month).",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    amount = forms.DecimalField(
        label="Adjustment",
        decimal_places=None,
        help_text="Booked into the next open month; negative if the partner owes it back.",
    )
    outcome = forms.ChoiceField(
        label="What happens to the registration",
        choices=list(REGISTRATION_OUTCOMES.items()),
        widget=forms.RadioSelect,
    )

    KEPT = {
        "evaluation": ("note", "tier", "valid_from"),
        "commission": ("note", "amount"),
        "registration": ("note", "outcome"),
    }

    def __init__(self, *args, kind: str, tiers=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in self.KEPT[kind]:
                del self.fields[name]
        if "tier" in self.fields:
            self.fields["tier"].choices = list(tiers)
