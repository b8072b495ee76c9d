from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def minor_units(amount_minor: int | None, currency: str = "") -> str:
    """12345, "USD" -> "123.45 USD" (amounts are stored as integer minor units)."""
    if amount_minor is None:
        return "—"
    value = (Decimal(amount_minor) / 100).quantize(Decimal("0.01"))
    text = f"{value:,.2f}"
    return f"{text} {currency}".strip()
