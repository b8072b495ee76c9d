"""Template filters over tenants.money (domain code imports tenants.money, not these)."""

from django import template

from tenants import money

register = template.Library()


@register.filter
def minor_units(amount_minor: int | None, currency: str) -> str:
    """12345, "USD" -> "123.45 USD"; None -> "—"."""
    if amount_minor is None:
        return "—"
    return money.format_minor(amount_minor, currency)


@register.filter
def minor_number(amount_minor: int | None, currency: str) -> str:
    """12345, "USD" -> "123.45", for a table whose heading names the currency."""
    if amount_minor is None:
        return "—"
    return money.format_minor_number(amount_minor, currency)
