"""An ended partner's final payment: held by the payout batches until finance releases it.

A program says so with `commissions.final_payment_hold` (CIMcloud 003 §8.1: "CIMcloud may
withhold Partner's final Payment for a reasonable time to ensure that the correct amount is
paid"). While held, the partner's entries stay unsettled, so each month's batch carries them
forward; finance's release is an append-only record (who, when, why), and the first batch
built after it pays what was held, once (an entry settles in one batch only).
"""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from commissions.models import (
    SETTLED_BY_BATCH,
    FinalPaymentRelease,
    LedgerEntry,
    PayoutBatch,
    PayoutLine,
)
from partners.models import Enrolment
from programs.models import Program
from programs.policies import policies_of
from programs.selectors import version_in_force
from tenants.errors import ApplicationError, Conflict
from tenants.models import Tenant
from tenants.money import format_minor


def final_payment_hold_reason(enrolment: Enrolment) -> str:
    """Why the payout line is held, in words finance and the partner read."""
    ended = f" on {enrolment.ended_on:%Y-%m-%d}" if enrolment.ended_on else ""
    return (
        f"Final payment: the partnership ended{ended} ({enrolment.get_status_display().lower()})"
        "; held until finance releases it, to make sure the correct amount is paid."
    )


def final_payment_holds(
    *, program: Program, firm_ids: list[int], cutoff: datetime.date
) -> dict[int, Enrolment]:
    """Firm id -> its ended enrolment, for the firms whose final payment is still held."""
    version = version_in_force(program, cutoff)
    if version is None or not policies_of(version).commissions.final_payment_hold:
        return {}
    latest: dict[int, Enrolment] = {}
    for enrolment in Enrolment.objects.filter(program=program, firm_id__in_ids=firm_ids).order_by(
        "approved_at", "pk"
    ):
        latest[enrolment.firm_id] = enrolment
    ended = {firm: e for firm, e in latest.items() if not e.is_live}
    released = set(
        FinalPaymentRelease.objects.filter(enrolment__in=ended.values()).values_list(
            "enrolment_id", flat=True
        )
    )
    return {firm: e for firm, e in ended.items() if e.pk not in released}


def held_final_payments(batch: PayoutBatch) -> QuerySet[PayoutLine]:
    """The batch's lines holding a final payment that finance has not released yet."""
    return (
        batch.lines.filter(
            final_payment_of__isnull=False,
            final_payment_of__final_payment_release__isnull=True,
        )
        .select_related("firm", "final_payment_of")
        .order_by("firm__name")
    )


def _held_minor(enrolment: Enrolment) -> int:
    """What no batch has settled yet for the partner in the program (the held amount)."""
    unsettled = LedgerEntry.objects.filter(
        program_id=enrolment.program_id,
        firm_id=enrolment.firm_id,
        kind__in=SETTLED_BY_BATCH,
        settlement__isnull=True,
    )
    return unsettled.aggregate(total=Sum("amount_minor"))["total"] or 0


@transaction.atomic
def final_payment_release(
    *,
    tenant: Tenant,
    enrolment: Enrolment,
    note: str,
    user: AbstractBaseUser | None,
    batch: PayoutBatch | None = None,
) -> FinalPaymentRelease:
    """Finance releases an ended partner's held final payment; the next batch pays it."""
    if enrolment.tenant_id != tenant.pk:
        raise ApplicationError("This partner belongs to another vendor.")
    if not note.strip():
        raise ApplicationError(
            "Say why the final payment may now be paid (e.g. the amount was checked).",
            fields={"note": ["Required."]},
        )
    # one release per enrolment: the row lock orders two clicks, the unique key settles it
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    existing = FinalPaymentRelease.objects.filter(enrolment=enrolment).first()
    if existing is not None:
        raise Conflict(
            f"The final payment of {enrolment.firm} was already released on "
            f"{existing.released_at:%Y-%m-%d}."
        )
    if not PayoutLine.objects.filter(final_payment_of=enrolment).exists():
        raise Conflict(f"No final payment of {enrolment.firm} is held.")
    release = FinalPaymentRelease(
        tenant=tenant,
        enrolment=enrolment,
        program_id=enrolment.program_id,
        firm_id=enrolment.firm_id,
        batch=batch,
        held_minor=_held_minor(enrolment),
        currency=enrolment.program.currency,
        note=note.strip(),
        released_by=user,
        released_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            release.save()
    except IntegrityError:
        raise Conflict(f"The final payment of {enrolment.firm} was already released.") from None
    return release


def release_text(release: FinalPaymentRelease) -> str:
    """ "Released 2026-07-02 by finance@…: <note> (held 3,000.00 USD)"."""
    who = release.released_by or "unknown"
    held = format_minor(release.held_minor, release.currency)
    return f"Released {release.released_at:%Y-%m-%d} by {who}: {release.note} (held {held})"
