"""A partner firm's pipeline for its dashboard, in a fixed number of queries."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum, Window

from deals.models import DealRegistration, RegistrationStatus
from deals.models.registrations import ACTIVE_STATUSES
from partners.models import PartnerFirm

EXPIRY_WARNING_DAYS = 14
EXPIRING_SHOWN = 5


@dataclass
class Pipeline:
    open_count: int
    # per currency, (minor units, currency): a firm may register deals in several programs
    open_value: list[tuple[int, str]]
    expiring: list[DealRegistration]
    expiring_count: int
    won: int
    lost: int
    # (status label, count) for every status with a registration, in the workflow's order
    by_status: list[tuple[str, int]]

    @property
    def win_rate(self) -> int | None:
        """Won out of decided (won + lost), in whole per cent; None before any decision."""
        decided = self.won + self.lost
        return round(100 * self.won / decided) if decided else None


def expiring_registrations(
    firm: PartnerFirm, *, today: datetime.date
) -> QuerySet[DealRegistration]:
    """Approved registrations whose protection ends within EXPIRY_WARNING_DAYS, soonest first."""
    return DealRegistration.objects.filter(
        firm=firm,
        status=RegistrationStatus.APPROVED,
        expires_on__gte=today,
        expires_on__lte=today + datetime.timedelta(days=EXPIRY_WARNING_DAYS),
    ).order_by("expires_on", "pk")  # registration_firm_idx narrows it to the firm's approved


def pipeline_of(firm: PartnerFirm, *, today: datetime.date) -> Pipeline:
    """Counts by status, open value, win rate and what expires soon: two queries."""
    counts: dict[str, int] = {}
    open_value: dict[str, int] = {}
    for row in (
        DealRegistration.objects.filter(firm=firm)
        .values("status", "currency")
        .annotate(count=Count("pk"), value=Sum("estimated_value_minor"))
        .order_by()
    ):
        counts[row["status"]] = counts.get(row["status"], 0) + row["count"]
        if row["status"] in ACTIVE_STATUSES and row["value"]:
            open_value[row["currency"]] = open_value.get(row["currency"], 0) + row["value"]
    # the first few, each carrying how many there are in all (a window: one query)
    shown = list(
        expiring_registrations(firm, today=today).annotate(total=Window(Count("pk")))[
            :EXPIRING_SHOWN
        ]
    )
    return Pipeline(
        open_count=sum(counts.get(s, 0) for s in ACTIVE_STATUSES),
        open_value=sorted((minor, currency) for currency, minor in open_value.items()),
        expiring=shown,
        expiring_count=shown[0].total if shown else 0,
        won=counts.get(RegistrationStatus.WON, 0),
        lost=counts.get(RegistrationStatus.LOST, 0),
        by_status=[(s.label, counts[s.value]) for s in RegistrationStatus if counts.get(s.value)],
    )
