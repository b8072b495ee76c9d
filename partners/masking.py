"""Masking of account numbers, IBANs and PayPal e-mails for every page, API and export."""

MASK = "••••"


def mask(value: str) -> str:
    """The last four characters after a mask ("•••• 6789"); an e-mail keeps its domain."""
    value = (value or "").strip()
    if "@" in value:
        local, _, domain = value.rpartition("@")
        return f"{local[:1]}{MASK}@{domain}"
    return f"{MASK} {value[-4:]}" if len(value) > 4 else MASK
