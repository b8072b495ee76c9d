"""Countries by name in portal pages: "AU" reads "Australia"."""

from django import template

from tenants import countries

register = template.Library()


@register.filter
def country_name(code: str) -> str:
    """ "AU" -> "Australia"; an unknown code as it is; none -> "—"."""
    return countries.country_name(code)
