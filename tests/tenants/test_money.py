"""tenants.money: minor units by the currency's exponent, the one rounding, display."""

from decimal import Decimal

import pytest

from tenants import money
from tenants.errors import ApplicationError
from tenants.templatetags.money import minor_number, minor_units


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("1234", "JPY", 1234),
        ("1234.567", "KWD", 1_234_567),
        ("0.001", "KWD", 1),
        ("1234.50", "USD", 123_450),
        ("-12.50", "EUR", -1250),
        ("0", "USD", 0),
    ],
)
def test_amounts_go_to_minor_units_and_back_by_the_currencys_exponent(amount, currency, minor):
    assert money.to_minor(amount, currency) == minor
    assert money.from_minor(minor, currency) == Decimal(amount)
    assert money.to_minor(money.from_minor(minor, currency), currency) == minor


def test_from_minor_keeps_the_currencys_decimals():
    assert str(money.from_minor(35_000, "USD")) == "350.00"
    assert str(money.from_minor(35_000, "JPY")) == "35000"
    assert str(money.from_minor(35_000, "KWD")) == "35.000"


@pytest.mark.parametrize(
    ("amount", "currency"), [("1.5", "JPY"), ("1.0005", "KWD"), ("2.005", "USD")]
)
def test_an_exact_amount_with_more_decimals_than_its_currency_is_refused(amount, currency):
    with pytest.raises(money.InvalidAmount, match=f"more decimals than {currency}"):
        money.to_minor(amount, currency)


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("2.005", "USD", 201),  # half-up, not half-even (which gives 200)
        ("2.015", "USD", 202),
        ("2.0049", "USD", 200),
        ("-2.005", "USD", -201),  # ties go away from zero
        ("2.5", "JPY", 3),
        ("0.0005", "KWD", 1),
    ],
)
def test_rounding_is_half_up_to_the_minor_unit(amount, currency, minor):
    assert money.rounded_to_minor(amount, currency) == minor


def test_round_minor_rounds_fractional_minor_units_half_up():
    assert money.round_minor(Decimal("0.5")) == 1
    assert money.round_minor(Decimal("2.5")) == 3
    assert money.round_minor(Decimal("-0.5")) == -1
    assert money.round_minor(Decimal("299999.49")) == 299_999
    assert money.round_amount("2.005", "USD") == Decimal("2.01")


@pytest.mark.parametrize("value", ["abc", "", "1,000.00", "12 USD", "NaN", "Infinity", None, 1.5])
def test_what_is_not_an_amount_is_a_clear_application_error(value):
    with pytest.raises(money.InvalidAmount, match="is not an amount") as caught:
        money.parse(value)
    assert isinstance(caught.value, ApplicationError)
    assert caught.value.code == "invalid_amount"


def test_parse_accepts_str_decimal_and_int():
    assert money.parse(" 12.50 ") == Decimal("12.50")
    assert money.parse(Decimal("3")) == 3
    assert money.parse(7) == 7


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [
        (123_450, "USD", "1,234.50 USD"),
        (-123_450, "USD", "-1,234.50 USD"),
        (123_456_789, "USD", "1,234,567.89 USD"),
        (1_234_567, "JPY", "1,234,567 JPY"),
        (-5, "JPY", "-5 JPY"),
        (1_234_567, "KWD", "1,234.567 KWD"),
        (0, "EUR", "0.00 EUR"),
    ],
)
def test_amounts_are_shown_with_thousands_the_currencys_decimals_and_its_code(
    minor, currency, text
):
    assert money.format_minor(minor, currency) == text


def test_formatting_follows_the_locale_and_rounds_half_up():
    assert money.format_minor(123_450, "EUR", locale="de_DE") == "1.234,50 EUR"
    assert money.format_amount(Decimal("2.005"), "USD") == "2.01 USD"
    assert money.format_minor_number(-300_000, "USD") == "-3,000.00"


def test_the_template_filters_wrap_the_module():
    assert minor_units(35_000, "USD") == "350.00 USD"
    assert minor_units(35_000, "JPY") == "35,000 JPY"
    assert minor_units(None, "USD") == "—"
    assert minor_number(35_000, "KWD") == "35.000"


@pytest.mark.parametrize(
    ("currency", "unit", "amount"),
    [("USD", "0.01", "-12.50"), ("JPY", "1", "-1250"), ("KWD", "0.001", "-1.250")],
)
def test_minor_units_times_the_minor_unit_are_the_amount_in_its_decimals(currency, unit, amount):
    assert str(money.minor_unit(currency)) == unit
    product = -1250 * money.minor_unit(currency)
    assert str(product) == amount == str(money.from_minor(-1250, currency))
