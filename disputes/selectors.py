"""Reads of disputes: who sees which, what may be disputed, the queue's order, in words."""

import datetime

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from commissions.models import CommissionLine
from deals.models import DealRegistration, RegistrationStatus
from disputes.clock import Clock, clock_of
from disputes.models import UNDECIDED, Dispute, DisputeKind, DisputeStatus
from partners.models import PartnerContact, PartnerFirm
from tenants.holiday_calendar import vendor_holidays
from tenants.models import Tenant
from tiers.models import TierEvaluation


def disputes_of_firm(firm: PartnerFirm) -> QuerySet[Dispute]:
    """A partner firm's disputes, newest first."""
    return (
        Dispute.objects.filter(firm=firm)
        .select_related("program", "firm")
        .order_by("-filed_at", "-id")
    )


def disputes_of_tenant(tenant: Tenant) -> QuerySet[Dispute]:
    """Every dispute of the vendor, newest first (staff and API keys)."""
    return (
        Dispute.objects.filter(tenant=tenant)
        .select_related("program", "firm")
        .order_by("-filed_at", "-id")
    )


def disputes_visible_to(*, tenant: Tenant, contact: PartnerContact | None) -> QuerySet[Dispute]:
    """A partner contact sees their firm's; staff and API keys (None) see the tenant's."""
    return disputes_of_firm(contact.firm) if contact is not None else disputes_of_tenant(tenant)


def with_queue_order(disputes: QuerySet[Dispute], today: datetime.date) -> QuerySet[Dispute]:
    """Overdue first (response, then decision), then undecided by deadline, then decided."""
    undecided = Q(status__in=UNDECIDED)
    rank = Case(
        When(undecided & Q(responded_at__isnull=True, response_due_on__lt=today), then=Value(0)),
        When(undecided & Q(resolution_due_on__lt=today), then=Value(1)),
        When(undecided, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return disputes.annotate(queue_rank=rank).order_by("queue_rank", "response_due_on", "pk")


def overdue_count(tenant: Tenant, today: datetime.date) -> int:
    undecided = Dispute.objects.filter(tenant=tenant, status__in=UNDECIDED)
    return undecided.filter(
        Q(responded_at__isnull=True, response_due_on__lt=today) | Q(resolution_due_on__lt=today)
    ).count()


def disputable_subject(firm: PartnerFirm, kind: str, pk: int):
    """The firm's evaluation, rejected registration or commission line with `pk`, or None."""
    if kind == DisputeKind.EVALUATION:
        return (
            TierEvaluation.objects.filter(enrolment__firm=firm, pk=pk)
            .select_related("enrolment__program", "program_version")
            .first()
        )
    if kind == DisputeKind.REGISTRATION:
        return DealRegistration.objects.filter(firm=firm, pk=pk).select_related("program").first()
    if kind == DisputeKind.COMMISSION:
        return (
            CommissionLine.objects.filter(firm=firm, pk=pk)
            .select_related("order__customer", "order_line", "version", "program")
            .first()
        )
    return None


def undecided_subject_keys(firm: PartnerFirm) -> set[str]:
    """`kind:id` of what the firm has disputed and is still waiting on (no second button)."""
    return set(
        Dispute.objects.filter(firm=firm, status__in=UNDECIDED).values_list(
            "subject_key", flat=True
        )
    )


def is_disputable_registration(registration: DealRegistration) -> bool:
    return registration.status == RegistrationStatus.REJECTED


def with_clocks(disputes, tenant: Tenant, today: datetime.date) -> list[Dispute]:
    """The disputes, each with `clock` (one holiday calendar look-up for the list)."""
    holidays = vendor_holidays(tenant)
    rows = list(disputes)
    for dispute in rows:
        dispute.clock = clock_of(dispute, today=today, holidays=holidays)
    return rows


def clock_for(dispute: Dispute, today: datetime.date) -> Clock:
    return clock_of(dispute, today=today, holidays=vendor_holidays(dispute.tenant))


def subject_in_words(dispute: Dispute) -> str:
    """ "Tier evaluation 2025-Q1", "Registration of Acme", "Commission on order 12 (CONNECT)"."""
    evidence = dispute.evidence or {}
    if dispute.kind == DisputeKind.EVALUATION:
        evaluation = evidence.get("evaluation", {})
        labels = ", ".join(r.get("label", "") for r in evidence.get("results", []))
        run = evaluation.get("run_name") or evaluation.get("run_key", "")
        return f"Tier evaluation {run}: {labels}"
    if dispute.kind == DisputeKind.REGISTRATION:
        return f"Rejected registration of {evidence.get('registration', {}).get('company_name')}"
    line = evidence.get("line", {})
    customer = line.get("customer") or f"order {line.get('order_id')}"
    return f"Commission on {customer} ({line.get('product_code', '')})"


def timeline_of(dispute: Dispute):
    return dispute.timeline.select_related("by").order_by("at", "pk")


DECIDED = (DisputeStatus.UPHELD, DisputeStatus.DISMISSED)
