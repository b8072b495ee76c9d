"""What text, country and date input must be: one set of checks for model, form, API and import.

The model field is the single source: its max_length and validators are what a portal form,
an API serializer and a CSV import carry (`max_length_of`, `text_validators_of`), and a test
walks the forms and serializers to keep it so. Services call `full_clean()`, so the console
and any other caller meet the same checks. Date ranges are judged at input (they depend on
the day of entry, which a later save must not re-judge) by `date_range_problem`, from the one
table `DATE_RANGES`.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db.models import Model

from tenants.countries import is_country_code
from tenants.text_input import unsafe_text_message

# Free text people type (notes, messages, reasons): long enough for any real note, short
# enough that a 2 MB paste is refused, never cut.
TEXT_MAX_LENGTH = 10_000
# What a spreadsheet runs as a formula when the value starts a cell (CSV injection). Names
# end up in exports; notes do not start with them in a way that matters and keep "- item".
FORMULA_STARTS = ("=", "+", "-", "@")


def validate_plain_text(value: str) -> None:
    """Refuse control characters and bidi overrides/isolates (tenants/text_input.py)."""
    message = unsafe_text_message(value or "")
    if message:
        raise ValidationError(message, code="unsafe_text")


def validate_name(value: str) -> None:
    """A name (company, firm, contact, customer): plain text that cannot start a formula."""
    validate_plain_text(value)
    first = (value or "").strip()[:1]
    if first and first in FORMULA_STARTS:
        raise ValidationError(
            f"Starts with {first!r}, which a spreadsheet would run as a formula; "
            "remove that character.",
            code="formula",
        )


COUNTRY_CODE_HINT = "Use the two-letter ISO code, e.g. US."
# a form's or serializer's country field: what it says when given more than two letters
COUNTRY_FIELD_ERRORS = {"max_length": f"Not a country code. {COUNTRY_CODE_HINT}"}


def _not_a_country(value: str) -> ValidationError:
    return ValidationError(
        f"{value!r} is not a country in ISO 3166; use the two-letter ISO code, e.g. US.",
        code="country",
    )


def validate_country_code(value: str) -> None:
    """A country: an ISO 3166-1 alpha-2 code, any case (services store it in capitals)."""
    if value and not is_country_code(value.strip().upper()):
        raise _not_a_country(value)


def normalized_country(value: str) -> str:
    """`value` as a stored country code (" us" -> "US"); ValidationError if ISO has no such."""
    code = (value or "").strip().upper()
    if code and not is_country_code(code):
        raise _not_a_country(value.strip())
    return code


def normalized_territories(values: list[str]) -> list[str]:
    """Territories as stored: distinct ISO country codes, sorted; every bad one named."""
    codes = [(value or "").strip().upper() for value in values]
    bad = [
        value.strip()
        for value, code in zip(values, codes, strict=True)
        if code and not is_country_code(code)
    ]
    if bad:
        shown = ", ".join(repr(value) for value in bad)
        raise ValidationError(
            f"Territory {shown} is not a country in ISO 3166; a designated territory is a "
            "country's two-letter ISO code, e.g. US.",
            code="territory",
        )
    return sorted({code for code in codes if code})


def validate_territories(value) -> None:
    """A stored territory list: ISO country codes, the way customers' countries are kept."""
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError("Territories are a list of country codes.", code="territory")
    if normalized_territories(value) != sorted(set(value)):
        raise ValidationError("Territories are stored as capital country codes.", code="territory")


def max_length_of(model: type[Model], name: str) -> int | None:
    """The model field's length limit, for the form, serializer and import of that field."""
    return model._meta.get_field(name).max_length


def text_validators_of(model: type[Model], name: str) -> list:
    """The model field's content validators (names, plain text), without the length ones
    that a form or serializer field adds itself from max_length."""
    skipped = (MaxLengthValidator, ProhibitNullCharactersValidator)
    return [v for v in model._meta.get_field(name).validators if not isinstance(v, skipped)]


def text_limits_of(model: type[Model], name: str) -> dict:
    """`max_length` and `validators` for a form or serializer field mirroring a model field."""
    return {"max_length": max_length_of(model, name), "validators": text_validators_of(model, name)}


@dataclass(frozen=True)
class DateRange:
    """Where a date may fall: `before` the day of entry (or the record's start), and `after`
    the latest reference day, in days."""

    label: str
    before: int
    after: int

    def bounds(self, since: datetime.date, until: datetime.date | None = None):
        return (
            since - datetime.timedelta(days=self.before),
            (until or since) + datetime.timedelta(days=self.after),
        )


YEAR = 365
DATE_RANGES = {
    # a prospect expected to close last week is a late entry; five years is a long sale
    "expected_close_on": DateRange("Expected close date", before=7, after=5 * YEAR),
    # a call up to a year before registering (the calls that found the lead) and never later
    # than today: an earlier quarter's call is recorded, and simply not counted this quarter
    "occurred_on": DateRange("Call date", before=YEAR, after=0),
}


def date_range_problem(
    field: str,
    value: datetime.date | None,
    *,
    since: datetime.date,
    until: datetime.date | None = None,
) -> str | None:
    """The message when `value` is outside `field`'s range around since/until; None if inside."""
    if value is None:
        return None
    date_range = DATE_RANGES[field]
    earliest, latest = date_range.bounds(since, until)
    if earliest <= value <= latest:
        return None
    return f"{date_range.label} must be between {earliest:%Y-%m-%d} and {latest:%Y-%m-%d}."


# A model's free-text field: `models.TextField(blank=True, **FREE_TEXT)`.
FREE_TEXT = {
    "max_length": TEXT_MAX_LENGTH,
    "validators": [MaxLengthValidator(TEXT_MAX_LENGTH), validate_plain_text],
}
