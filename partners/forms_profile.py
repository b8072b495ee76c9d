"""The portal form a partner admin edits the firm's directory profile with."""

from django import forms

from partners.form_helpers import refuse_over_long_input
from partners.models import PartnerFirm, PartnerProfile
from tenants.validation import text_limits_of


class ProfileForm(forms.Form):
    description = forms.CharField(
        label="What your firm does",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Shown on your public profile in the partner directory: who you serve, "
        "where, and with which of the vendor's products.",
        **text_limits_of(PartnerProfile, "description"),
    )
    website = forms.URLField(
        label="Website",
        required=False,
        assume_scheme="https",
        help_text="Your firm's site, e.g. https://example.com.",
        **text_limits_of(PartnerFirm, "website"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_over_long_input(self)
