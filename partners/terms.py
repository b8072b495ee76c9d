"""Term arithmetic per a program's term policy (pure functions on dates)."""

import calendar
import datetime

ONE_DAY = datetime.timedelta(days=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` moved by whole months, clamped to the month's end (Jan 31 + 1 month = Feb 28)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _program_year_end(policy: dict, on: datetime.date) -> datetime.date:
    month, day = (int(part) for part in policy["program_year_start"].split("-"))
    start = datetime.date(on.year, month, day)
    if start > on:
        start = start.replace(year=on.year - 1)
    return add_months(start, 12) - ONE_DAY


def first_term(policy: dict, start: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first term of an enrolment that starts on `start`.

    program_year: from the start to the end of that program year (IPsoft: Dec 31);
    acceptance / effective_date: `length_months` from the start (Entimo 36, CIMcloud 12).
    """
    if policy["anchor"] == "program_year":
        return start, _program_year_end(policy, start)
    return start, add_months(start, policy["length_months"]) - ONE_DAY


def next_term(policy: dict, previous_end: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The renewal term that follows a term ending on `previous_end`."""
    start = previous_end + ONE_DAY
    return start, add_months(start, policy["length_months"]) - ONE_DAY


def non_renewal_effective_on(
    policy: dict, *, given_on: datetime.date, term_end: datetime.date
) -> datetime.date:
    """The term end at which a non-renewal notice given on `given_on` ends the enrolment.

    Notice must arrive at least `non_renewal_notice_days` before the renewal date (the
    day after the term ends; IPsoft: 30 days before January 1). A late notice ends the
    enrolment at the end of the following term instead.
    """
    days = policy["non_renewal_notice_days"]
    latest = term_end + ONE_DAY - datetime.timedelta(days=days)
    if given_on <= latest:
        return term_end
    return next_term(policy, term_end)[1]
