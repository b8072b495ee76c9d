"""Countries for people: ISO 3166-1 codes (pycountry) shown by their English names (Babel's CLDR).

Which codes exist is ISO's list, not CLDR's: CLDR's territories also hold codes ISO does not
assign to a country (ZZ "Unknown Region", XA/XB pseudo-locales, EU, UN, XK, QO, IC, …), and
those are refused as a country or territory. Names stay CLDR's, which read the way people
write them ("Bolivia", not pycountry's "Bolivia, Plurinational State of").
"""

import pycountry
from babel import Locale

_TERRITORIES = dict(Locale("en").territories)
ISO_COUNTRY_CODES = frozenset(country.alpha_2 for country in pycountry.countries)


def country_name(code: str) -> str:
    """ "AU" -> "Australia"; an unknown code stays as it is; none -> "—"."""
    return _TERRITORIES.get((code or "").upper(), code) if code else "—"


def is_country_code(code: str) -> bool:
    """Whether `code` is an ISO 3166-1 alpha-2 country code ("US"; case as given)."""
    return code in ISO_COUNTRY_CODES


def country_choices() -> list[tuple[str, str]]:
    """Every ISO 3166-1 country as (code, name), by name."""
    return sorted(
        ((code, _TERRITORIES.get(code, code)) for code in ISO_COUNTRY_CODES),
        key=lambda choice: choice[1],
    )
