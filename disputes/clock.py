"""A dispute's clocks: deadlines in business days on the vendor's holiday calendar."""

import datetime
from collections.abc import Container
from dataclasses import dataclass

from partners.selectors.activities import WEEKDAYS_PER_WEEK, business_days_between
from programs.policies import policies_of
from programs.schema import DisputePolicy
from programs.selectors import version_in_force
from tenants.holiday_calendar import vendor_holidays
from tenants.models import Tenant

ONE_DAY = datetime.timedelta(days=1)


def is_business_day(day: datetime.date, holidays: Container[datetime.date] | None) -> bool:
    return day.weekday() < WEEKDAYS_PER_WEEK and (holidays is None or day not in holidays)


def add_business_days(
    day: datetime.date, count: int, holidays: Container[datetime.date] | None
) -> datetime.date:
    """The day `count` business days after `day` (the inverse of business_days_between)."""
    for _ in range(count):
        day += ONE_DAY
        while not is_business_day(day, holidays):
            day += ONE_DAY
    return day


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time())


def business_days_left(
    today: datetime.date, due: datetime.date, holidays: Container[datetime.date] | None
) -> int:
    """Business days from today to the deadline: 0 on the day itself, negative once past."""
    if today <= due:
        return business_days_between(_midnight(today), _midnight(due), holidays=holidays)
    return -business_days_between(_midnight(due), _midnight(today), holidays=holidays)


def dispute_policy(program, on: datetime.date) -> DisputePolicy:
    """The SLA of the program version in force (the format's defaults without a version)."""
    version = version_in_force(program, on)
    if version is None:
        return DisputePolicy(source="the format's default (no version in force)")
    return policies_of(version).disputes


def deadlines(
    tenant: Tenant, program, filed_on: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """(response due, resolution due) for a dispute filed on `filed_on`."""
    policy = dispute_policy(program, filed_on)
    holidays = vendor_holidays(tenant)
    return (
        add_business_days(filed_on, policy.response_business_days, holidays),
        add_business_days(filed_on, policy.resolution_business_days, holidays),
    )


@dataclass(frozen=True)
class Clock:
    """What the partner and the manager read: which deadline runs, and how far it is."""

    label: str  # "Response due" / "Decision due" / "Decided"
    due_on: datetime.date | None
    days_left: int | None
    overdue: bool

    @property
    def text(self) -> str:
        if self.due_on is None:
            return self.label
        if self.days_left is None:
            return f"{self.label} {self.due_on:%Y-%m-%d}"
        if self.days_left > 0:
            left = f"{self.days_left} business day{'s' if self.days_left != 1 else ''} left"
        elif self.days_left == 0:
            left = "due today"
        else:
            late = -self.days_left
            left = f"overdue by {late} business day{'s' if late != 1 else ''}"
        return f"{self.label} {self.due_on:%Y-%m-%d}: {left}"


def clock_of(dispute, *, today: datetime.date, holidays: Container[datetime.date] | None) -> Clock:
    """The running clock of a dispute on `today` (the response first, then the decision);
    `holidays` is vendor_holidays(tenant), looked up once for a whole list."""
    if not dispute.is_undecided:
        return Clock(f"Decided {dispute.resolved_at:%Y-%m-%d}", None, None, False)
    if dispute.responded_at is None:
        label, due = "Response due", dispute.response_due_on
    else:
        label, due = "Decision due", dispute.resolution_due_on
    left = business_days_left(today, due, holidays)
    return Clock(label, due, left, left < 0)
