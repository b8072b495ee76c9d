"""Countries for people: ISO 3166 codes as their English names (Babel's CLDR data)."""

from babel import Locale

_TERRITORIES = dict(Locale("en").territories)


def country_name(code: str) -> str:
    """ "AU" -> "Australia"; an unknown code stays as it is; none -> "—"."""
    return _TERRITORIES.get((code or "").upper(), code) if code else "—"


def country_choices() -> list[tuple[str, str]]:
    """Every ISO 3166 country as (code, name), by name."""
    return sorted(
        ((code, name) for code, name in _TERRITORIES.items() if len(code) == 2 and code.isalpha()),
        key=lambda choice: choice[1],
    )
