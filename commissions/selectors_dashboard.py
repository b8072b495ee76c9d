"""A partner firm's money at a glance: balance, next payout, last payment, earnings by month."""

import datetime
from dataclasses import dataclass

from django.db.models import Sum
from django.db.models.functions import TruncMonth

from commissions.ledger import month_start
from commissions.models import (
    SETTLED_BY_BATCH,
    BatchStatus,
    CommissionLine,
    EntryKind,
    LedgerEntry,
    PayoutLine,
)
from commissions.selectors import balances_of
from partners.models import PartnerFirm
from programs.models import Tier

EARNINGS_MONTHS = 12


@dataclass
class MonthEarnings:
    month: datetime.date  # its first day
    amount_minor: int
    currency: str


@dataclass
class Payment:
    amount_minor: int
    currency: str
    paid_on: datetime.date
    reference: str


@dataclass
class Money:
    balances: list[dict]
    next_payout: PayoutLine | None
    last_payment: Payment | None
    # per currency, one entry per month of the last EARNINGS_MONTHS, oldest first
    earnings: dict[str, list[MonthEarnings]]


def months_back(today: datetime.date, count: int) -> list[datetime.date]:
    """The first days of the `count` months ending with today's, oldest first."""
    months = [month_start(today)]
    while len(months) < count:
        months.insert(0, month_start(months[0] - datetime.timedelta(days=1)))
    return months


def money_of(firm: PartnerFirm, *, today: datetime.date) -> Money:
    """Four queries, however long the firm's ledger and payout history are."""
    payable = PayoutLine.objects.filter(firm=firm, status=PayoutLine.Status.PAYABLE).select_related(
        "batch__program"
    )
    return Money(
        balances=balances_of(firm),
        next_payout=payable.exclude(batch__status=BatchStatus.PAID)
        .order_by("batch__due_on", "pk")
        .first(),
        last_payment=last_payment_of(firm),
        earnings=earnings_by_month(firm, today=today),
    )


def earnings_by_month(firm: PartnerFirm, *, today: datetime.date) -> dict[str, list[MonthEarnings]]:
    """What the firm earned (accruals less clawbacks and corrections) per booking month."""
    months = months_back(today, EARNINGS_MONTHS)
    totals: dict[str, dict[datetime.date, int]] = {}
    for row in (
        LedgerEntry.objects.filter(
            firm=firm, kind__in=SETTLED_BY_BATCH, booked_on__gte=months[0], booked_on__lte=today
        )
        .annotate(month=TruncMonth("booked_on"))
        .values("month", "currency")
        .annotate(amount=Sum("amount_minor"))
        .order_by()
    ):
        month = row["month"]
        if isinstance(month, datetime.datetime):  # some backends truncate to a timestamp
            month = month.date()
        totals.setdefault(row["currency"], {})[month] = row["amount"]
    return {
        currency: [MonthEarnings(m, by_month.get(m, 0), currency) for m in months]
        for currency, by_month in sorted(totals.items())
    }


def last_payment_of(firm: PartnerFirm) -> Payment | None:
    """The firm's latest payout as booked: the day it was paid and the payment run's reference."""
    entry = (
        LedgerEntry.objects.filter(firm=firm, kind=EntryKind.PAYOUT)
        .select_related("batch")
        .order_by("-occurred_on", "-pk")
        .first()
    )
    if entry is None:
        return None
    return Payment(
        amount_minor=-entry.amount_minor,  # a payout entry settles what was owed: negative
        currency=entry.currency,
        paid_on=entry.occurred_on,
        reference=entry.batch.payment_reference if entry.batch else "",
    )


def with_tier_names(lines: list[CommissionLine]) -> list[CommissionLine]:
    """The lines, each with `tier_name`: the tier it was paid at, as its version names it."""
    names = {
        (version_id, key): name
        for version_id, key, name in Tier.objects.filter(
            version_id__in={line.version_id for line in lines}
        ).values_list("version_id", "key", "name")
    }
    for line in lines:
        line.tier_name = names.get((line.version_id, line.tier_key), line.tier_key)
    return lines
