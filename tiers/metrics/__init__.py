"""Set-based metric implementations: one function per key of programs.metrics.METRICS.

Each computes the value for *every* enrolment given, over one window, in a bounded
number of queries (never one per partner), and returns the ids it counted as evidence.
"""

import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.db.models.expressions import RawSQL

from partners.models import Enrolment
from tenants.bulk import id_set


@dataclass
class Measure:
    value: Decimal
    evidence: list[int] = field(default_factory=list)


MetricFunction = Callable[
    [list[Enrolment], datetime.date | None, datetime.date, dict], dict[int, Measure]
]
IMPLEMENTATIONS: dict[str, MetricFunction] = {}


def metric(key: str) -> Callable[[MetricFunction], MetricFunction]:
    def register(function: MetricFunction) -> MetricFunction:
        IMPLEMENTATIONS[key] = function
        return function

    return register


def by_firm(enrolments: list[Enrolment], counted: dict[int, list[int]]) -> dict[int, Measure]:
    """Per-firm record ids -> a count Measure for each enrolment of those firms."""
    return {
        e.pk: Measure(Decimal(len(counted.get(e.firm_id, []))), counted.get(e.firm_id, [])[:200])
        for e in enrolments
    }


def zone_of(enrolments: list[Enrolment]) -> zoneinfo.ZoneInfo:
    """The vendor's time zone: windows are the vendor's calendar days."""
    return zoneinfo.ZoneInfo(enrolments[0].tenant.time_zone if enrolments else "UTC")


def day_start(day: datetime.date, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)


def local_date(moment: datetime.datetime, zone: zoneinfo.ZoneInfo) -> datetime.date:
    return moment.astimezone(zone).date()


def firm_ids(enrolments: list[Enrolment]) -> RawSQL | list[int]:
    """The enrolments' firms, as a value for `firm_id__in=`."""
    return id_set({e.firm_id for e in enrolments})


def grouped(rows) -> dict[int, list[int]]:
    """(firm id, record id) rows -> record ids per firm."""
    by: dict[int, list[int]] = defaultdict(list)
    for firm_id, pk in rows:
        by[firm_id].append(pk)
    return by


def in_window(field: str, start: datetime.date | None, end: datetime.date) -> Q:
    """`field` within [start, end]; no start means everything up to the end."""
    q = Q(**{f"{field}__lte": end})
    return q & Q(**{f"{field}__gte": start}) if start else q


def ratio(numerator: int, denominator: int) -> Decimal:
    return Decimal(0) if denominator == 0 else (Decimal(numerator) / Decimal(denominator))


from tiers.metrics import deals, partners  # noqa: E402,F401  (registers the implementations)
