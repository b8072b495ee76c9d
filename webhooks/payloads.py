"""From a domain event's delivery to the webhook messages it announces.

Each builder re-reads what the event names (payloads carry ids) and returns, per object,
its event type, a key naming the object, and the `data` as its serializer renders it.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable
from typing import NamedTuple

from django.db.models import Prefetch

from commissions.models import (
    Claim,
    CommissionLine,
    EntryKind,
    LedgerEntry,
    PayoutBatch,
    PayoutLine,
)
from deals.api.orders import money_text
from deals.models import DealRegistration, Order, Refund, RegistrationStatus
from disputes.models import Dispute
from disputes.selectors import subject_in_words
from partners.models import Application, ApplicationStatus, Enrolment
from programs.models import Tier
from programs.selectors import version_in_force
from tenants import events
from webhooks import serializers as s
from webhooks.catalogue import EventType


class Announcement(NamedTuple):
    event_type: str
    object_key: str
    data: dict


def _applications(delivery: events.Delivery) -> list[Announcement]:
    applications = Application.objects.filter(pk__in=delivery.ids("application_id"))
    by_id = {a.pk: a for a in applications.select_related("program", "firm", "applicant")}
    announced = []
    for payload in delivery.payloads:
        application = by_id.get(payload["application_id"])
        if application is None:
            continue
        decision = payload.get("decision")
        event_type = (
            EventType.APPLICATION_DECIDED
            if decision in (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED)
            else EventType.APPLICATION_SUBMITTED
        )
        data = s.ApplicationData(application).data  # a decided application never changes
        announced.append(Announcement(event_type, f"application:{application.pk}", data))
    return announced


_REGISTRATION_TYPES = {
    events.REGISTRATION_SUBMITTED: EventType.REGISTRATION_SUBMITTED,
    events.REGISTRATION_EXPIRING: EventType.REGISTRATION_EXPIRING,
    events.REGISTRATION_EXPIRED: EventType.REGISTRATION_EXPIRED,
}
_DECISION_TYPES = {
    RegistrationStatus.APPROVED: EventType.REGISTRATION_APPROVED,
    RegistrationStatus.REJECTED: EventType.REGISTRATION_REJECTED,
}


def _registrations(delivery: events.Delivery) -> list[Announcement]:
    registrations = DealRegistration.objects.filter(pk__in=delivery.ids("registration_id"))
    by_id = {r.pk: r for r in registrations.select_related("program", "firm")}
    announced = []
    for payload in delivery.payloads:
        registration = by_id.get(payload["registration_id"])
        event_type = (
            _DECISION_TYPES.get(payload.get("decision"))
            if delivery.event == events.REGISTRATION_DECIDED
            else _REGISTRATION_TYPES[delivery.event]
        )
        if registration is None or event_type is None:
            continue
        announced.append(
            Announcement(
                event_type,
                f"registration:{registration.pk}",
                s.RegistrationData(registration).data,
            )
        )
    return announced


def _orders(delivery: events.Delivery) -> list[Announcement]:
    orders = (
        Order.objects.filter(pk__in=delivery.ids("order_id"), completed_on__isnull=False)
        .select_related("customer", "firm")
        .prefetch_related("lines")
        .order_by("pk")
    )
    return [
        Announcement(EventType.ORDER_COMPLETED, f"order:{order.pk}", s.OrderData(order).data)
        for order in orders
    ]


def _tier_changes(delivery: events.Delivery) -> list[Announcement]:
    enrolments = Enrolment.objects.filter(pk__in=delivery.ids("enrolment_id"))
    by_id = {e.pk: e for e in enrolments.select_related("firm", "program")}
    changes = []  # (enrolment, payload, day, version in force that day)
    versions = {}
    for payload in delivery.payloads:
        enrolment = by_id.get(payload["enrolment_id"])
        if enrolment is None:
            continue
        on = datetime.date.fromisoformat(payload["valid_from"])
        if (enrolment.program_id, on) not in versions:
            versions[(enrolment.program_id, on)] = version_in_force(enrolment.program, on)
        changes.append((enrolment, payload, on, versions[(enrolment.program_id, on)]))
    known = {version.pk for version in versions.values() if version is not None}
    names = dict(  # every tier name the delivery needs, in one query
        ((version_id, key), name)
        for version_id, key, name in Tier.objects.filter(version_id__in=known).values_list(
            "version_id", "key", "name"
        )
    )

    def tier_ref(version, key: str) -> dict | None:
        if not key:
            return None
        return {"key": key, "name": names.get((version.pk if version else None, key), key)}

    announced = []
    for enrolment, payload, on, version in changes:
        data = {
            "enrolment_id": enrolment.pk,
            "partner": enrolment.firm,
            "program": enrolment.program,
            "tier": tier_ref(version, payload["tier"]),
            "previous_tier": tier_ref(version, payload["previous_tier"]),
            "effective_on": on,
        }
        announced.append(
            Announcement(
                EventType.TIER_CHANGED,
                f"enrolment:{enrolment.pk}:{payload['tier']}:{on}",
                s.TierChangeData(data).data,
            )
        )
    return announced


def _accruals(delivery: events.Delivery) -> list[Announcement]:
    lines = (
        CommissionLine.objects.filter(order_id__in=delivery.ids("order_id"))
        .select_related("order", "firm", "program")
        .order_by("pk")
    )
    grouped: dict[tuple[int, int], list[CommissionLine]] = {}
    for line in lines:
        grouped.setdefault((line.order_id, line.program_id), []).append(line)
    announced = []
    for payload in delivery.payloads:
        same = grouped.get((payload["order_id"], payload["program_id"]))
        if not same:
            continue
        first = same[0]
        earned = sum(line.amount_minor for line in same if line.earned)
        data = {
            "order_id": first.order_id,
            "order_external_id": first.order.external_id,
            "partner": first.firm,
            "program": first.program,
            "completed_on": first.completed_on,
            "currency": first.currency,
            "amount": money_text(earned, first.currency),
            "lines": same,
        }
        announced.append(
            Announcement(
                EventType.COMMISSION_ACCRUED,
                f"accrual:order:{first.order_id}:program:{first.program_id}",
                s.CommissionAccruedData(data).data,
            )
        )
    return announced


def _clawbacks(delivery: events.Delivery) -> list[Announcement]:
    refunds = Refund.objects.filter(pk__in=delivery.ids("refund_id")).select_related("order__firm")
    entries_of = defaultdict(list)  # every refund's clawback entries, in one query
    for entry in LedgerEntry.objects.filter(refund__in=refunds, kind=EntryKind.CLAWBACK).order_by(
        "pk"
    ):
        entries_of[entry.refund_id].append(entry)
    announced = []
    for refund in refunds.order_by("pk"):
        entries = entries_of[refund.pk]
        if not entries:
            continue
        currency = refund.order.currency
        data = {
            "refund_id": refund.pk,
            "refund_external_id": refund.external_id,
            "order_id": refund.order_id,
            "partner": refund.order.firm,
            "refunded_on": refund.refunded_on,
            "refund_amount": money_text(refund.amount_minor, currency),
            "currency": currency,
            "amount": money_text(sum(e.amount_minor for e in entries), currency),
            "entries": entries,
        }
        announced.append(
            Announcement(
                EventType.COMMISSION_CLAWED_BACK,
                # a later refund of the same order is its own message; this one's entries are fixed
                f"clawback:refund:{refund.pk}",
                s.CommissionClawedBackData(data).data,
            )
        )
    return announced


def _claims(delivery: events.Delivery) -> list[Announcement]:
    claims = Claim.objects.filter(pk__in=delivery.ids("claim_id")).select_related("firm", "program")
    return [
        Announcement(EventType.CLAIM_DECIDED, f"claim:{claim.pk}", s.ClaimData(claim).data)
        for claim in claims.order_by("pk")
        if claim.status != Claim.Status.SUBMITTED
    ]


def _batches(delivery: events.Delivery) -> list[Announcement]:
    event_type = (
        EventType.PAYOUT_BATCH_PAID
        if delivery.event == events.PAYOUT_BATCH_PAID
        else EventType.PAYOUT_BATCH_APPROVED
    )
    lines = PayoutLine.objects.select_related("firm", "batch").order_by("firm__name", "pk")
    batches = (
        PayoutBatch.objects.filter(pk__in=delivery.ids("batch_id"))
        .select_related("program")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("pk")
    )
    announced = []
    for batch in batches:
        payable = sum(line.payable_minor for line in batch.lines.all())
        batch.total_payable = money_text(payable, batch.currency)
        announced.append(
            Announcement(
                event_type, f"{event_type}:batch:{batch.pk}", s.PayoutBatchData(batch).data
            )
        )
    return announced


_DISPUTE_TYPES = {
    events.DISPUTE_FILED: EventType.DISPUTE_FILED,
    events.DISPUTE_ESCALATED: EventType.DISPUTE_ESCALATED,
    events.DISPUTE_RESOLVED: EventType.DISPUTE_RESOLVED,
}


def _disputes(delivery: events.Delivery) -> list[Announcement]:
    event_type = _DISPUTE_TYPES[delivery.event]
    disputes = Dispute.objects.filter(pk__in=delivery.ids("dispute_id")).select_related(
        "firm", "program"
    )
    announced = []
    for dispute in disputes.order_by("pk"):
        dispute.subject = subject_in_words(dispute)
        dispute.subject_id = (
            dispute.evaluation_id or dispute.registration_id or dispute.commission_line_id
        )
        announced.append(
            # one message per dispute and step: filed, escalated and resolved happen once each
            Announcement(
                event_type, f"{event_type}:dispute:{dispute.pk}", s.DisputeData(dispute).data
            )
        )
    return announced


BUILDERS: dict[str, Callable[[events.Delivery], list[Announcement]]] = {
    events.APPLICATION_SUBMITTED: _applications,
    events.APPLICATION_DECIDED: _applications,
    events.REGISTRATION_SUBMITTED: _registrations,
    events.REGISTRATION_DECIDED: _registrations,
    events.REGISTRATION_EXPIRING: _registrations,
    events.REGISTRATION_EXPIRED: _registrations,
    events.ORDER_COMPLETED: _orders,
    events.TIER_CHANGED: _tier_changes,
    events.COMMISSION_ACCRUED: _accruals,
    events.COMMISSION_CLAWED_BACK: _clawbacks,
    events.CLAIM_DECIDED: _claims,
    events.PAYOUT_BATCH_APPROVED: _batches,
    events.PAYOUT_BATCH_PAID: _batches,
    events.DISPUTE_FILED: _disputes,
    events.DISPUTE_ESCALATED: _disputes,
    events.DISPUTE_RESOLVED: _disputes,
}


#: the event types each domain event can announce (nothing is built when no endpoint wants one)
TYPES_OF = {
    events.APPLICATION_SUBMITTED: {EventType.APPLICATION_SUBMITTED},
    events.APPLICATION_DECIDED: {EventType.APPLICATION_DECIDED},
    events.REGISTRATION_SUBMITTED: {EventType.REGISTRATION_SUBMITTED},
    events.REGISTRATION_DECIDED: set(_DECISION_TYPES.values()),
    events.REGISTRATION_EXPIRING: {EventType.REGISTRATION_EXPIRING},
    events.REGISTRATION_EXPIRED: {EventType.REGISTRATION_EXPIRED},
    events.ORDER_COMPLETED: {EventType.ORDER_COMPLETED},
    events.TIER_CHANGED: {EventType.TIER_CHANGED},
    events.COMMISSION_ACCRUED: {EventType.COMMISSION_ACCRUED},
    events.COMMISSION_CLAWED_BACK: {EventType.COMMISSION_CLAWED_BACK},
    events.CLAIM_DECIDED: {EventType.CLAIM_DECIDED},
    events.PAYOUT_BATCH_APPROVED: {EventType.PAYOUT_BATCH_APPROVED},
    events.PAYOUT_BATCH_PAID: {EventType.PAYOUT_BATCH_PAID},
    events.DISPUTE_FILED: {EventType.DISPUTE_FILED},
    events.DISPUTE_ESCALATED: {EventType.DISPUTE_ESCALATED},
    events.DISPUTE_RESOLVED: {EventType.DISPUTE_RESOLVED},
}


def announcements(delivery: events.Delivery) -> list[Announcement]:
    """Every webhook message one domain delivery announces, in the order of its payloads."""
    return BUILDERS[delivery.event](delivery)
