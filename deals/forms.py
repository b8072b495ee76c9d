from decimal import Decimal

from django import forms

from deals.models import DealRegistration, SalesActivity
from partners.form_helpers import CountrySelect, refuse_over_long_input
from tenants.validation import (
    COUNTRY_FIELD_ERRORS,
    max_length_of,
    normalized_country,
    text_limits_of,
)


class RegistrationForm(forms.Form):
    program = forms.ChoiceField(label="Program", required=False)
    company_name = forms.CharField(
        label="Prospect company", **text_limits_of(DealRegistration, "company_name")
    )
    domain = forms.CharField(
        label="Web domain",
        required=False,
        help_text="e.g. acme.com",
        **text_limits_of(DealRegistration, "domain"),
    )
    country = forms.CharField(
        label="Country",
        max_length=max_length_of(DealRegistration, "country"),
        error_messages=COUNTRY_FIELD_ERRORS,
        widget=CountrySelect(),
    )
    contact_name = forms.CharField(
        label="Contact name", required=False, **text_limits_of(DealRegistration, "contact_name")
    )
    contact_email = forms.EmailField(label="Contact e-mail", required=False)
    products = forms.CharField(
        label="Products of interest",
        required=False,
        **text_limits_of(DealRegistration, "products"),
    )
    estimated_value = forms.DecimalField(
        label="Estimated value",
        required=False,
        min_value=Decimal(0),
        decimal_places=None,  # as many as the program's currency has: the service checks
        max_digits=14,
    )
    expected_close_on = forms.DateField(
        label="Expected close date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    notes = forms.CharField(
        label="Notes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        **text_limits_of(DealRegistration, "notes"),
    )

    def __init__(self, *args, programs=(), **kwargs):
        super().__init__(*args, **kwargs)
        refuse_over_long_input(self)
        if len(programs) > 1:  # a firm in several programs says which one the deal is for
            self.fields["program"].choices = [(p.slug, p.name) for p in programs]
            self.fields["program"].required = True
        else:
            del self.fields["program"]

    def clean_country(self) -> str:
        return normalized_country(self.cleaned_data["country"])


class ExtensionForm(forms.Form):
    reason = forms.CharField(
        label="Why do you need more time?",
        widget=forms.Textarea(attrs={"rows": 3}),
        **text_limits_of(DealRegistration, "extension_reason"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_over_long_input(self)


class SalesActivityForm(forms.Form):
    kind = forms.ChoiceField(label="Call", choices=SalesActivity.Kind.choices)
    occurred_on = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    vendor_attended = forms.BooleanField(
        label="The vendor took part in the call", required=False, initial=True
    )
    notes = forms.CharField(label="Notes", required=False, **text_limits_of(SalesActivity, "notes"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_over_long_input(self)
