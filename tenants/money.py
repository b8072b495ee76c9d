"""Money: parsing, minor units by the currency's ISO 4217 exponent, the one rounding, display.

Amounts are `Decimal` in code and integer minor units at rest (DESIGN invariant 5).
The exponent comes from the currency (JPY 0, USD 2, KWD 3), never from a constant 100.

Rounding happens only where the docs say so (docs/commissions.md: a commission line,
a clawback share, withholding, a pro-rated fee), always through `round_minor`:
ROUND_HALF_UP, i.e. a tie goes away from zero (2.005 USD -> 2.01, -2.005 -> -2.01).
An amount a person or system typed is never rounded: `to_minor` refuses one with more
decimals than its currency has.

Display is the amount, then the ISO code ("1,234.50 USD", "-1,235 JPY"): a symbol alone
("$") would not tell USD, AUD and CAD apart, and one tenant's partners may see several.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import get_currency_precision
from django.conf import settings

from tenants.errors import ApplicationError

ROUNDING = ROUND_HALF_UP
DISPLAY_PATTERN = "#,##0.00 ¤¤"  # babel swaps in the currency's own number of decimals
NUMBER_PATTERN = "#,##0.00"


class InvalidAmount(ApplicationError):
    """An amount that is not a number, or is more precise than its currency."""

    code = "invalid_amount"


@lru_cache(maxsize=256)
def exponent(currency: str) -> int:
    """The currency's number of decimals (ISO 4217 minor unit): JPY 0, USD 2, KWD 3."""
    return get_currency_precision(currency.upper())


def minor_unit(currency: str) -> Decimal:
    """The currency's minor unit, with its number of decimals: 0.01 USD, 1 JPY, 0.001 KWD.

    Minor units times it are the amount, exactly and in the currency's decimals (a
    product's scale is the sum of its factors': -1250 * 0.01 = -12.50).
    """
    return Decimal(1).scaleb(-exponent(currency))


def parse(value: str | Decimal | int) -> Decimal:
    """A finite Decimal from a str, Decimal or int; InvalidAmount for anything else."""
    if isinstance(value, bool) or not isinstance(value, str | Decimal | int):
        # a float may already be off (0.1 + 0.2); refuse it rather than guess
        raise InvalidAmount(f"{value!r} is not an amount; give digits such as 1234.50.")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise InvalidAmount(f"{value!r} is not an amount; give digits such as 1234.50.") from None
    if not amount.is_finite():
        raise InvalidAmount(f"{value!r} is not an amount; give digits such as 1234.50.")
    return amount


def round_minor(value: Decimal) -> int:
    """A fractional count of minor units rounded to a whole one, half-up (the one rounding)."""
    return int(value.quantize(Decimal(1), rounding=ROUNDING))


def is_exact(amount: Decimal, currency: str) -> bool:
    """Whether `amount` has no more decimals than the currency has (an unknown one: 2)."""
    value = amount.scaleb(exponent(currency))
    return value == value.to_integral_value()


def to_minor(amount: str | Decimal | int, currency: str) -> int:
    """An exact amount in major units as integer minor units; InvalidAmount if too precise."""
    value = parse(amount)
    if not is_exact(value, currency):
        places = exponent(currency)
        raise InvalidAmount(
            f"{amount} has more decimals than {currency.upper()} allows ({places})."
        )
    return int(value.scaleb(exponent(currency)))


def rounded_to_minor(amount: str | Decimal | int, currency: str) -> int:
    """An amount in major units rounded half-up to the currency's minor unit, as an integer."""
    return round_minor(parse(amount).scaleb(exponent(currency)))


def round_amount(amount: str | Decimal | int, currency: str) -> Decimal:
    """An amount in major units rounded half-up to the currency's decimals: 2.005 USD -> 2.01."""
    return from_minor(rounded_to_minor(amount, currency), currency)


def from_minor(amount_minor: int, currency: str) -> Decimal:
    """Integer minor units as a Decimal with the currency's decimals: 35000 USD -> 350.00."""
    places = exponent(currency)
    return Decimal(int(amount_minor)).scaleb(-places).quantize(Decimal(1).scaleb(-places))


@lru_cache(maxsize=32)
def _locale(code: str) -> Locale:
    return Locale.parse(code.replace("-", "_"))


def display_locale() -> Locale:
    """Django's LANGUAGE_CODE as a babel locale (en-us -> en_US); tenants have no locale yet."""
    return _locale(settings.LANGUAGE_CODE)


def format_amount(amount: Decimal, currency: str, *, locale: Locale | str | None = None) -> str:
    """An amount in major units for people: "1,234.50 USD", "-1,235 JPY", "1,234.500 KWD"."""
    return _format(amount, currency, DISPLAY_PATTERN, locale)


def format_minor(amount_minor: int, currency: str, *, locale: Locale | str | None = None) -> str:
    """Integer minor units for people: 35000, "USD" -> "350.00 USD"."""
    return _format_exact(from_minor(amount_minor, currency), currency, DISPLAY_PATTERN, locale)


def format_minor_number(
    amount_minor: int, currency: str, *, locale: Locale | str | None = None
) -> str:
    """Minor units as a grouped number without the code, for a column headed by the currency."""
    return _format_exact(from_minor(amount_minor, currency), currency, NUMBER_PATTERN, locale)


@lru_cache(maxsize=32)
def _symbols(locale: Locale) -> tuple[str, str]:
    """(group, decimal) separators of the locale's Latin digits, from babel's CLDR data."""
    symbols = locale.number_symbols["latn"]
    return symbols["group"], symbols["decimal"]


def _format(amount: Decimal, currency: str, pattern: str, locale: Locale | str | None) -> str:
    """The amount in the fixed pattern: digits grouped by three, the currency's decimals,
    the locale's separators (and " USD" for DISPLAY_PATTERN). The pattern is fixed, so
    only the symbols come from the locale: this runs thousands of times per statement
    or accrual run, where babel's general pattern engine costs ~20 us a call."""
    # round by our rule first (half-up), never babel's half-even
    return _format_exact(round_amount(amount, currency), currency, pattern, locale)


def _format_exact(exact: Decimal, currency: str, pattern: str, locale: Locale | str | None) -> str:
    """`_format` of an amount that already has exactly the currency's decimals (minor units
    converted by `from_minor`), so it skips the rounding."""
    where = _locale(locale) if isinstance(locale, str) else locale or display_locale()
    group, decimal = _symbols(where)
    text = f"{abs(exact):,.{exponent(currency)}f}"
    if (group, decimal) != (",", "."):
        text = text.replace(",", "\0").replace(".", decimal).replace("\0", group)
    if exact < 0:
        text = "-" + text  # the pattern's own sign, as babel writes it (not U+2212)
    return f"{text} {currency.upper()}" if pattern == DISPLAY_PATTERN else text
