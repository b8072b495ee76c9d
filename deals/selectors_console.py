"""Reads for the console home: review load, pipeline, win rate and orders, one query each.

Each takes the rows the viewer may see (the console list's queryset), so a figure never
counts what its list would not show."""

import datetime

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from deals.models import RegistrationStatus

TO_REVIEW = (RegistrationStatus.SUBMITTED, RegistrationStatus.UNDER_REVIEW)
OPEN_STATUSES = (*TO_REVIEW, RegistrationStatus.APPROVED)


def review_load(registrations: QuerySet) -> tuple[int, int]:
    """(registrations waiting for a decision, how many of them have a possible conflict)."""
    totals = registrations.filter(status__in=TO_REVIEW).aggregate(
        waiting=Count("pk", distinct=True),
        conflicted=Count("pk", distinct=True, filter=Q(matches__isnull=False)),
    )
    return totals["waiting"], totals["conflicted"]


def pipeline_by_month(registrations: QuerySet) -> list[dict]:
    """Open registrations per expected close month and currency: count and value (minor)."""
    return list(
        registrations.filter(status__in=OPEN_STATUSES)
        .order_by()
        .annotate(month=TruncMonth("expected_close_on"))
        .values("month", "currency")
        .annotate(count=Count("pk"), value_minor=Sum("estimated_value_minor"))
        .order_by("month", "currency")
    )


def closed_counts(registrations: QuerySet, *, since: datetime.date) -> tuple[int, int]:
    """(won, lost) among registrations closed on or after `since`."""
    totals = registrations.filter(closed_on__gte=since).aggregate(
        won=Count("pk", filter=Q(status=RegistrationStatus.WON)),
        lost=Count("pk", filter=Q(status=RegistrationStatus.LOST)),
    )
    return totals["won"], totals["lost"]


def completed_between(orders: QuerySet, start: datetime.date, end: datetime.date) -> int:
    """Orders completed from `start` to `end`, both included."""
    return orders.filter(completed_on__range=(start, end)).count()
