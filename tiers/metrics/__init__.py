"""Set-based metric implementations: one function per key of programs.metrics.METRICS.

Each computes the value for *every* enrolment given, over one window, in a bounded
number of queries (never one per partner), and returns the ids it counted as evidence.
"""

import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.postgres.aggregates import ArrayAgg
from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import BigIntegerField, Func, IntegerField, Q, QuerySet

from partners.models import Enrolment


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


EVIDENCE_IDS = 200  # the ids a count keeps as its evidence, lowest first

Counted = dict[int, tuple[int, list[int]]]  # firm id -> (how many, the lowest ids)


def by_firm(enrolments: list[Enrolment], counts: Counted) -> dict[int, Measure]:
    """Per-firm counts (`counted`) -> a count Measure for each enrolment of those firms."""
    none: tuple[int, list[int]] = (0, [])
    return {
        e.pk: Measure(Decimal(counts.get(e.firm_id, none)[0]), counts.get(e.firm_id, none)[1])
        for e in enrolments
    }


class _Lowest(Func):
    """The first EVIDENCE_IDS elements of an ordered array."""

    template = f"(%(expressions)s)[1:{EVIDENCE_IDS}]"
    output_field = ArrayField(BigIntegerField())


class _Cardinality(Func):
    function = "cardinality"
    output_field = IntegerField()


def counted(rows: QuerySet, firm: str = "firm_id", record: str = "pk") -> Counted:
    """The distinct `record`s of the rows per `firm`: how many, and the lowest ids.

    On PostgreSQL the database counts: one row per firm comes back, not one per record
    (a million at 100,000 partners). Elsewhere Python counts the same.
    """
    rows = rows.order_by()
    if connection.vendor == "postgresql":
        # One aggregate: PostgreSQL computes identical aggregates of a query once.
        ids = ArrayAgg(record, distinct=record != "pk", order_by=record)  # pk: distinct already
        per_firm = rows.values(firm).annotate(n=_Cardinality(ids), ids=_Lowest(ids))
        return {row[firm]: (row["n"], row["ids"]) for row in per_firm}
    ids: dict[int, set[int]] = defaultdict(set)
    for firm_id, pk in rows.values_list(firm, record):
        ids[firm_id].add(pk)
    return counts_of(ids)


def counts_of(ids: dict[int, Iterable[int]]) -> Counted:
    """Distinct record ids per firm -> `Counted`."""
    counts = {}
    for firm_id, found in ids.items():
        distinct = sorted(set(found))
        counts[firm_id] = (len(distinct), distinct[:EVIDENCE_IDS])
    return counts


def zone_of(enrolments: list[Enrolment]) -> zoneinfo.ZoneInfo:
    """The vendor's time zone: windows are the vendor's calendar days."""
    return zoneinfo.ZoneInfo(enrolments[0].tenant.time_zone if enrolments else "UTC")


def day_start(day: datetime.date, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)


def local_date(moment: datetime.datetime, zone: zoneinfo.ZoneInfo) -> datetime.date:
    return moment.astimezone(zone).date()


def firm_ids(enrolments: list[Enrolment]) -> set[int]:
    """The enrolments' firms, as a value for `firm_id__in_ids=`."""
    return {e.firm_id for e in enrolments}


def in_window(field: str, start: datetime.date | None, end: datetime.date) -> Q:
    """`field` within [start, end]; no start means everything up to the end."""
    q = Q(**{f"{field}__lte": end})
    return q & Q(**{f"{field}__gte": start}) if start else q


def ratio(numerator: int, denominator: int) -> Decimal:
    return Decimal(0) if denominator == 0 else (Decimal(numerator) / Decimal(denominator))


from tiers.metrics import deals, partners  # noqa: E402,F401  (registers the implementations)
