"""Reads of commissions for a partner firm or for the vendor's staff."""

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Coalesce

from commissions.models import Claim, CommissionLine, LedgerEntry, PayoutBatch, PayoutLine
from partners.models import PartnerFirm
from tenants.models import Tenant


def commission_lines_of(firm: PartnerFirm | None) -> QuerySet[CommissionLine]:
    """A firm's calculated lines (every firm's for staff: `firm=None`), newest first."""
    lines = CommissionLine.objects.select_related("order__customer", "order_line", "program")
    lines = lines.filter(firm=firm) if firm is not None else lines
    return lines.order_by("-completed_on", "-pk")


def statements_of(firm: PartnerFirm | None) -> QuerySet[PayoutLine]:
    lines = PayoutLine.objects.select_related("batch__program", "firm")
    lines = lines.filter(firm=firm) if firm is not None else lines
    # pk breaks ties (every line of a batch shares its period), so pages never skip a line
    return lines.order_by("-batch__period", "batch__program__name", "pk")


def claims_of(firm: PartnerFirm | None) -> QuerySet[Claim]:
    claims = Claim.objects.select_related("program").order_by("-submitted_on", "-pk")
    return claims.filter(firm=firm) if firm is not None else claims


def payout_batches_of(tenant: Tenant) -> QuerySet[PayoutBatch]:
    """The tenant's batches, newest month first, each with its lines' count and totals."""
    return (
        PayoutBatch.objects.filter(tenant=tenant)
        .select_related("program")
        .annotate(
            line_count=Count("lines"),
            total_net_minor=Coalesce(Sum("lines__net_minor"), 0),
            total_payable_minor=Coalesce(Sum("lines__payable_minor"), 0),
        )
        .order_by("-period", "program", "pk")
    )


def payout_lines_of(batch: PayoutBatch) -> QuerySet[PayoutLine]:
    """One batch's partner lines, by firm name."""
    return (
        PayoutLine.objects.filter(batch=batch)
        .select_related("batch__program", "firm")
        .order_by("firm__name", "pk")
    )


def balances_of(firm: PartnerFirm) -> list[dict]:
    """Per program and currency: what the vendor owes the firm now (sum of its entries)."""
    return list(
        LedgerEntry.objects.filter(firm=firm)
        .values("program__name", "currency")
        .annotate(balance_minor=Sum("amount_minor"))
        .order_by("program__name")
    )
