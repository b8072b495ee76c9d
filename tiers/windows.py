"""Evaluation periods and the windows requirements are measured over."""

import datetime
from dataclasses import dataclass

from partners.terms import ONE_DAY, add_months
from programs.fees import program_year_start


@dataclass(frozen=True)
class Period:
    """What an evaluation run covers: a calendar quarter, a year, or 'as of' a day."""

    key: str
    start: datetime.date
    end: datetime.date
    kind: str  # quarter | year | as_of

    @property
    def quarter(self) -> int:
        return (self.end.month - 1) // 3 + 1


def quarter_containing(day: datetime.date) -> Period:
    q = (day.month - 1) // 3
    start = datetime.date(day.year, 3 * q + 1, 1)
    return Period(f"{day.year}-Q{q + 1}", start, add_months(start, 3) - ONE_DAY, "quarter")


def year_containing(day: datetime.date) -> Period:
    return Period(
        str(day.year), datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31), "year"
    )


def as_of(day: datetime.date) -> Period:
    return Period(f"asof-{day:%Y-%m-%d}", day, day, "as_of")


def parse_period(text: str) -> Period:
    """'2025-Q1', '2025' or '2025-04-15' / 'asof-2025-04-15' (as of that day)."""
    text = text.removeprefix("asof-")
    if "-Q" in text:
        year, quarter = text.split("-Q")
        return quarter_containing(datetime.date(int(year), 3 * int(quarter) - 2, 1))
    if len(text) == 4 and text.isdigit():
        return year_containing(datetime.date(int(text), 1, 1))
    return as_of(datetime.date.fromisoformat(text))


def window(
    kind: str, months: int | None, period: Period, version
) -> tuple[datetime.date | None, datetime.date]:
    """(first day or None for 'since the start', last day) of a requirement's window."""
    end = period.end
    if kind == "calendar_quarter":
        return quarter_containing(end).start, end
    if kind == "calendar_year":
        return datetime.date(end.year, 1, 1), end
    if kind == "program_year":
        return program_year_start(version, end), end
    if kind == "trailing_months":
        return add_months(end, -months) + ONE_DAY, end
    if kind == "preceding_term":
        return add_months(end, -version.term["length_months"]) + ONE_DAY, end
    if kind == "at_date":
        return end, end
    return None, end  # since_enrolment: everything up to the end
