"""Reads of commissions for a partner firm or for the vendor's staff."""

from django.db.models import QuerySet, Sum

from commissions.models import Claim, CommissionLine, LedgerEntry, PayoutLine
from partners.models import PartnerFirm


def commission_lines_of(firm: PartnerFirm | None) -> QuerySet[CommissionLine]:
    """A firm's calculated lines (every firm's for staff: `firm=None`), newest first."""
    lines = CommissionLine.objects.select_related("order__customer", "order_line", "program")
    lines = lines.filter(firm=firm) if firm is not None else lines
    return lines.order_by("-completed_on", "-pk")


def statements_of(firm: PartnerFirm | None) -> QuerySet[PayoutLine]:
    lines = PayoutLine.objects.select_related("batch__program", "firm")
    lines = lines.filter(firm=firm) if firm is not None else lines
    return lines.order_by("-batch__period", "batch__program__name")


def claims_of(firm: PartnerFirm | None) -> QuerySet[Claim]:
    claims = Claim.objects.select_related("program")
    return claims.filter(firm=firm) if firm is not None else claims


def balances_of(firm: PartnerFirm) -> list[dict]:
    """Per program and currency: what the vendor owes the firm now (sum of its entries)."""
    return list(
        LedgerEntry.objects.filter(firm=firm)
        .values("program__name", "currency")
        .annotate(balance_minor=Sum("amount_minor"))
        .order_by("program__name")
    )
