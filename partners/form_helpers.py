"""What every portal form shares: countries chosen by name, long input refused out loud."""

from django import forms

from tenants.countries import country_choices


class CountrySelect(forms.Select):
    """A country chosen by its name; the form still receives (and checks) the ISO code."""

    def __init__(self, attrs=None):
        super().__init__(attrs, choices=[("", "Choose a country"), *country_choices()])


def refuse_over_long_input(form: forms.Form) -> None:
    """Drop the browsers' `maxlength`: it cuts pasted text silently; the form's check says so.

    The field's max_length still holds: a longer value is refused with "Ensure this value
    has at most N characters (it has M)", next to the field.
    """
    for field in form.fields.values():
        field.widget.attrs.pop("maxlength", None)
