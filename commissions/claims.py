"""Claims for unpaid, underpaid or overpaid commissions, inside the program's window."""

import datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from commissions import ledger
from commissions.models import Claim, EntryKind
from deals.models import Order
from partners.models import PartnerFirm
from partners.terms import add_months
from programs.models import Program
from programs.selectors import version_in_force
from tenants import events
from tenants.errors import ApplicationError, Conflict
from tenants.models import Tenant
from tenants.money import InvalidAmount, format_minor, to_minor


def _minor_or_none(amount: Decimal | str, currency: str) -> int | None:
    """A decimal amount in minor units, or None when it is not an exact amount in `currency`."""
    try:
        return to_minor(amount, currency)
    except InvalidAmount:
        return None


def claim_deadline(program: Program, event_on: datetime.date) -> datetime.date | None:
    """The last day a claim about an event of `event_on` is accepted (None = no window)."""
    months = ledger.policy_in_force(program, event_on).claims_window_months
    return add_months(event_on, months) if months else None


@transaction.atomic
def claim_submit(
    *,
    tenant: Tenant,
    firm: PartnerFirm,
    program: Program,
    kind: str,
    event_on: datetime.date,
    amount: Decimal | str,
    description: str,
    today: datetime.date,
    order: Order | None = None,
    user: AbstractBaseUser | None = None,
) -> Claim:
    """Accept a claim made within the window after the event; refuse it with the deadline."""
    errors = {}
    if kind not in Claim.Kind.values:
        errors["kind"] = [f"One of: {', '.join(Claim.Kind.values)}."]
    amount_minor = _minor_or_none(amount, program.currency) or 0
    if amount_minor <= 0:
        errors["amount"] = [f"A positive amount in {program.currency}, e.g. 350.00."]
    if not description.strip():
        errors["description"] = ["Say what the claim is about."]
    if event_on > today:
        errors["event_on"] = ["The event cannot be in the future."]
    if errors:
        raise ApplicationError("The claim is incomplete.", fields=errors)
    deadline = claim_deadline(program, event_on)
    if deadline is not None and today > deadline:
        raise ApplicationError(
            f"Claims must be made within the program's window after the event: for an event "
            f"on {event_on:%Y-%m-%d} the last day was {deadline:%Y-%m-%d}.",
            fields={"event_on": ["Outside the claims window."]},
        )
    claim = Claim(
        tenant=tenant,
        firm=firm,
        program=program,
        order=order,
        kind=kind,
        event_on=event_on,
        submitted_on=today,
        amount_minor=amount_minor,
        currency=program.currency,
        description=description.strip(),
        submitted_by=user,
    )
    claim.full_clean()
    claim.save()
    return claim


@transaction.atomic
def claim_decide(
    *,
    tenant: Tenant,
    claim: Claim,
    approve: bool,
    reason: str,
    user: AbstractBaseUser | None,
    today: datetime.date,
) -> Claim:
    """Approve (an adjustment entry is booked) or reject (a reason is required) a claim."""
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if claim.status != Claim.Status.SUBMITTED:
        raise Conflict(f"This claim was already {claim.get_status_display().lower()}.")
    if not approve and not reason.strip():
        raise ApplicationError("Say why the claim is rejected.", fields={"reason": ["Required."]})
    claim.status = Claim.Status.APPROVED if approve else Claim.Status.REJECTED
    claim.decided_by, claim.decided_at = user, timezone.now()
    claim.decision_reason = reason.strip()
    claim.save()
    if approve:
        sign = -1 if claim.kind == Claim.Kind.OVERPAID else 1
        version = version_in_force(claim.program, today)
        ledger.entries_book(
            tenant,
            [
                ledger.entry(
                    tenant=tenant,
                    program=claim.program,
                    firm_id=claim.firm_id,
                    currency=claim.currency,
                    kind=EntryKind.ADJUSTMENT,
                    amount_minor=sign * claim.amount_minor,
                    key=f"claim:{claim.pk}",
                    occurred_on=today,
                    closed=ledger.closed_periods(claim.program),
                    due_on=ledger.due_day(ledger.policy_of(version), today),
                    memo=(
                        f"Approved {claim.get_kind_display().lower()} claim: "
                        f"{format_minor(claim.amount_minor, claim.currency)}"
                    ),
                    claim=claim,
                    version=version,
                )
            ],
        )
    events.emit(events.CLAIM_DECIDED, tenant_id=tenant.pk, claim_id=claim.pk)
    return claim


@transaction.atomic
def correction_book(
    *,
    tenant: Tenant,
    firm: PartnerFirm,
    program: Program,
    kind: str,
    amount: Decimal | str,
    reason: str,
    key: str,
    today: datetime.date,
    user: AbstractBaseUser | None,
    currency: str | None = None,
) -> bool:
    """Finance books an offset (owed back by the partner) or an adjustment (either sign).

    `key` is the caller's idempotency key (a form's token): submitting twice books once.
    `currency` is the program's unless the correction is of an entry in another one (a
    commission line keeps its order's currency).
    """
    currency = currency or program.currency
    if kind not in (EntryKind.OFFSET, EntryKind.ADJUSTMENT):
        raise ApplicationError("Book an offset or an adjustment.", fields={"kind": ["Invalid."]})
    amount_minor = _minor_or_none(amount, currency)
    if amount_minor is None:
        raise ApplicationError("Give an amount, e.g. -120.00.", fields={"amount": ["Invalid."]})
    if amount_minor == 0 or (kind == EntryKind.OFFSET and amount_minor > 0):
        raise ApplicationError(
            "An offset is a negative amount (owed back); an adjustment is not zero.",
            fields={"amount": ["Wrong sign."]},
        )
    if not reason.strip():
        raise ApplicationError("Say why.", fields={"reason": ["Required."]})
    version = version_in_force(program, today)
    booked = ledger.entries_book(
        tenant,
        [
            ledger.entry(
                tenant=tenant,
                program=program,
                firm_id=firm.pk,
                currency=currency,
                kind=kind,
                amount_minor=amount_minor,
                key=f"correction:{key}",
                occurred_on=today,
                closed=ledger.closed_periods(program),
                due_on=ledger.due_day(ledger.policy_of(version), today),
                memo=reason.strip(),
                version=version,
                created_by=user,
            )
        ],
    )
    return bool(booked)
