"""Reads for the console home: payouts per month and the partners held, one query each."""

import datetime

from django.db.models import QuerySet, Sum

from commissions.models import BatchStatus, PayoutLine


def payouts_by_month(batches: QuerySet, *, since: datetime.date) -> list[dict]:
    """Per batch month and currency from `since`: what is payable (minor units)."""
    return list(
        PayoutLine.objects.filter(batch__in=batches.filter(period__gte=since))
        .order_by()
        .values("batch__period", "batch__currency")
        .annotate(payable_minor=Sum("payable_minor"))
        .order_by("batch__period", "batch__currency")
    )


def held_lines(batches: QuerySet, *, limit: int) -> list[PayoutLine]:
    """The held partner lines of batches not yet paid, newest month first, with the reason."""
    return list(
        PayoutLine.objects.filter(
            batch__in=batches.exclude(status=BatchStatus.PAID), status=PayoutLine.Status.HELD
        )
        .select_related("batch", "batch__program", "firm")
        .order_by("-batch__period", "firm__name")[:limit]
    )
