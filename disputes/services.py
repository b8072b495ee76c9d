"""Writes of disputes: filing with frozen evidence, the vendor's answer, the decision's effect.

An upheld dispute's effect goes through the owning app's service (tiers.tier_override,
deals.registration_reopen / registration_approve, commissions.correction_book), in the
same transaction as the decision: when the effect is refused (a closed month, a bad
amount), the decision is not recorded either.
"""

import datetime
import os
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from commissions.claims import correction_book
from commissions.models import CommissionLine, EntryKind, LedgerEntry
from deals.models import DealRegistration, RegistrationStatus
from deals.services.registrations import registration_approve, registration_reopen
from disputes import evidence as frozen
from disputes import notifications
from disputes.clock import deadlines
from disputes.models import (
    SETTLES_SUBJECT,
    UNDECIDED,
    Dispute,
    DisputeAttachment,
    DisputeEvent,
    DisputeKind,
    DisputeStatus,
    DisputeStep,
)
from partners.models import Enrolment, PartnerFirm
from partners.models.enrolment import ENDED_STATUSES
from partners.uploads import checked_upload
from programs.models import Tier
from tenants import events
from tenants.errors import ApplicationError, Conflict
from tenants.models import Tenant
from tenants.money import format_minor
from tenants.tasks import tenant_today
from tiers.engine import Outcome
from tiers.models import TierEvaluation
from tiers.services import effective_date, first_open_day, tier_override
from tiers.windows import as_of, parse_period

MAX_ATTACHMENTS = 5

Subject = TierEvaluation | DealRegistration | CommissionLine


def _kind_of(subject: Subject) -> str:
    if isinstance(subject, TierEvaluation):
        return DisputeKind.EVALUATION
    if isinstance(subject, DealRegistration):
        return DisputeKind.REGISTRATION
    return DisputeKind.COMMISSION


def _enrolment_of(firm: PartnerFirm, program) -> Enrolment | None:
    return (
        Enrolment.objects.filter(firm=firm, program=program)
        .exclude(status__in=ENDED_STATUSES)
        .order_by("-pk")
        .first()
    ) or Enrolment.objects.filter(firm=firm, program=program).order_by("-pk").first()


def _step(dispute: Dispute, step: str, user, text: str = "") -> None:
    DisputeEvent.objects.create(
        tenant=dispute.tenant, dispute=dispute, step=step, by=user, text=text[:2000]
    )


def _evidence_and_links(subject: Subject, result_ids) -> tuple[dict, dict]:
    """(frozen evidence, the dispute's links) for the subject; raises on bad input."""
    if isinstance(subject, TierEvaluation):
        wanted = {int(i) for i in result_ids or ()}
        every = list(subject.results.order_by("pk"))
        results = [r for r in every if r.pk in wanted]
        # an evaluation without requirement results is disputed as a whole
        if (every and not wanted) or len(results) != len(wanted):
            raise ApplicationError(
                "Choose the requirement results you dispute (at least one of this evaluation).",
                fields={"results": ["Choose at least one requirement of this evaluation."]},
            )
        links = {"evaluation": subject, "enrolment": subject.enrolment}
        return frozen.evaluation_evidence(subject, results), links
    if isinstance(subject, DealRegistration):
        if subject.status != RegistrationStatus.REJECTED:
            raise Conflict(
                f"Only a rejected registration can be disputed; this one is "
                f"{subject.get_status_display().lower()}."
            )
        return frozen.registration_evidence(subject), {"registration": subject}
    return frozen.commission_evidence(subject), {"commission_line": subject}


def _checked_attachments(attachments) -> list[tuple[UploadedFile, str, str]]:
    attachments = [a for a in attachments or () if a]
    if len(attachments) > MAX_ATTACHMENTS:
        message = f"Attach at most {MAX_ATTACHMENTS} files."
        raise ApplicationError(message, fields={"attachments": [message]})
    return [(a, *checked_upload(a, field="attachments")) for a in attachments]


@transaction.atomic
def dispute_file(
    *,
    tenant: Tenant,
    firm: PartnerFirm,
    user: AbstractBaseUser | None,
    subject: Subject,
    reason: str,
    result_ids=(),
    attachments=(),
    today: datetime.date | None = None,
) -> Dispute:
    """A partner disputes its evaluation, rejected registration or commission line.

    The subject must be the firm's (callers find it through selectors.disputable_subject).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("Say what is wrong.", fields={"reason": ["A reason is required."]})
    kind = _kind_of(subject)
    evidence, links = _evidence_and_links(subject, result_ids)
    checked = _checked_attachments(attachments)
    program = subject.enrolment.program if kind == DisputeKind.EVALUATION else subject.program
    today = today or tenant_today(tenant)
    response_due, resolution_due = deadlines(tenant, program, today)
    enrolment = links.pop("enrolment", None) or _enrolment_of(firm, program)
    dispute = Dispute(
        tenant=tenant,
        kind=kind,
        firm=firm,
        program=program,
        enrolment=enrolment,
        subject_key=f"{kind}:{subject.pk}",
        evidence=evidence,
        reason=reason,
        filed_by=user,
        filed_on=today,
        assigned_to=enrolment.partner_manager if enrolment else None,
        response_due_on=response_due,
        resolution_due_on=resolution_due,
        **links,
    )
    try:
        dispute.full_clean(exclude=["subject_key", "evidence"])
    except ValidationError as exc:
        raise ApplicationError(
            "; ".join(exc.messages), fields=getattr(exc, "message_dict", {})
        ) from None
    _refuse_duplicate(dispute)
    try:
        with transaction.atomic():
            dispute.save()
    except IntegrityError:  # a concurrent filing of the same subject won the race
        _refuse_duplicate(dispute)  # raises when it did
        raise  # any other integrity error is not a duplicate: as it is
    for upload, content_type, extension in checked:
        name = os.path.basename(upload.name or "")[-200:] or f"attachment.{extension}"
        upload.name = f"dispute-{dispute.pk}.{extension}"
        DisputeAttachment.objects.create(
            tenant=tenant,
            dispute=dispute,
            file=upload,
            original_name=name,
            content_type=content_type,
            size=upload.size,
        )
    _step(dispute, DisputeStep.FILED, user, reason)
    events.emit(events.DISPUTE_FILED, tenant_id=tenant.pk, dispute_id=dispute.pk)
    notifications.notify_filed(dispute)
    return dispute


def _refuse_duplicate(dispute: Dispute) -> None:
    """One undecided dispute per subject; and none after one was upheld (its correction is
    applied: a second would correct, or pay, the same thing twice). A dismissed one may be
    filed again, with what the first lacked."""
    others = Dispute.objects.filter(subject_key=dispute.subject_key).exclude(pk=dispute.pk)
    other = others.filter(status__in=SETTLES_SUBJECT).order_by("pk").first()
    if other is None:
        return
    if other.status == DisputeStatus.UPHELD:
        raise Conflict(
            f"This was already upheld in dispute {other.pk} and corrected; ask your partner "
            "manager if the correction is not right."
        )
    raise Conflict(
        f"This is already disputed (dispute {other.pk}); the vendor has not decided yet."
    )


def _claim(dispute: Dispute, *, frm: tuple[str, ...], **changes) -> Dispute:
    """Move the dispute if it is still in one of `frm` (a second click or worker does nothing)."""
    claimed = Dispute.objects.filter(pk=dispute.pk, status__in=frm).update(**changes)
    if claimed != 1:
        raise Conflict("This dispute has already been decided.")
    return Dispute.objects.select_related("tenant", "firm", "program").get(pk=dispute.pk)


def _decide(dispute: Dispute, status: str, user, note: str) -> Dispute:
    """Claim the undecided dispute as `status`; a decision is also the first answer when
    none was given (one UPDATE)."""
    now = timezone.now()
    return _claim(
        dispute,
        frm=UNDECIDED,
        status=status,
        resolved_at=now,
        resolved_by=user,
        resolution_note=note,
        responded_at=Coalesce(F("responded_at"), Value(now)),
    )


@transaction.atomic
def dispute_respond(
    *, tenant: Tenant, dispute: Dispute, user: AbstractBaseUser, message: str
) -> Dispute:
    """The vendor answers (stops the response clock; the decision clock keeps running)."""
    message = (message or "").strip()
    if not message:
        raise ApplicationError(
            "Write the answer the partner reads.", fields={"message": ["Required."]}
        )
    dispute = _claim(
        dispute,
        frm=(DisputeStatus.OPEN,),
        status=DisputeStatus.IN_REVIEW,
        responded_at=timezone.now(),
    )
    _step(dispute, DisputeStep.RESPONDED, user, message)
    notifications.notify_responded(dispute)
    return dispute


def tier_correction_day(dispute: Dispute, tier: str) -> datetime.date:
    """The day the evaluation's result would have taken effect had it found `tier`: the
    program's own rule (immediately, the notification date, the next term), never earlier
    than the first day after the program's latest closed month."""
    evaluation = dispute.evaluation
    version = evaluation.program_version
    ranks = dict(Tier.objects.filter(version=version).values_list("key", "rank"))
    outcome = Outcome(
        enrolment=evaluation.enrolment,
        current_tier=evaluation.current_tier,
        resulting_tier=tier,
        next_tier="",
        meets_entry=True,
        ranks=ranks,
    )
    if outcome.change == "none":  # the tier it already holds: from the evaluation's day
        day = evaluation.effective_on or evaluation.as_of
    else:
        evaluated_on = timezone.localdate(evaluation.created_at)
        try:
            period = parse_period(evaluation.run_key)
        except ValueError:  # "Evaluate now" and event runs: evaluated as of their day
            period = as_of(evaluation.as_of)
        day = effective_date(version, outcome, period, evaluated_on)
    return first_open_day(evaluation.enrolment.program, day)


def _apply_tier(dispute, user, note, tier, valid_from, today) -> str:
    if not tier:
        raise ApplicationError("Choose the corrected tier.", fields={"tier": ["Required."]})
    valid_from = valid_from or tier_correction_day(dispute, tier)
    assignment = tier_override(
        tenant=dispute.tenant,
        enrolment=dispute.enrolment,
        tier=tier,
        reason=f"Dispute {dispute.pk} upheld: {note}" if note else f"Dispute {dispute.pk} upheld",
        user=user,
        valid_from=valid_from,
        today=today,
    )
    dispute.tier_assignment = assignment
    name = (
        Tier.objects.filter(version__program=dispute.program, key=tier)
        .order_by("-version__number")
        .values_list("name", flat=True)
        .first()
        or tier
    )
    return f"Tier corrected to {name} from {valid_from:%Y-%m-%d} (appended to the tier history)."


def _apply_adjustment(dispute, user, note, amount, today) -> str:
    try:
        value = Decimal(str(amount)) if amount not in (None, "") else None
    except InvalidOperation:
        value = None
    if value is None:
        raise ApplicationError(
            "Give the adjustment, e.g. 120.00 (negative if the partner owes it back).",
            fields={"amount": ["Required."]},
        )
    key = f"dispute:{dispute.pk}"
    correction_book(
        tenant=dispute.tenant,
        firm=dispute.firm,
        program=dispute.program,
        kind=EntryKind.ADJUSTMENT,
        amount=value,
        reason=f"Dispute {dispute.pk} upheld: {note}" if note else f"Dispute {dispute.pk} upheld",
        key=key,
        today=today,
        user=user,
        currency=dispute.commission_line.currency,  # the disputed line's, like its accrual
    )
    entry = LedgerEntry.objects.get(key=f"correction:{key}")
    dispute.ledger_entry = entry
    amount_text = format_minor(entry.amount_minor, entry.currency)
    return (
        f"Adjustment of {amount_text} booked on {entry.booked_on:%Y-%m-%d} (the next open month)."
    )


REGISTRATION_OUTCOMES = {"reopen": "Reopen the review", "approve": "Approve the registration"}


def _apply_registration(dispute, user, note, outcome, today) -> str:
    if outcome not in REGISTRATION_OUTCOMES:
        raise ApplicationError(
            "Choose: reopen the review or approve.", fields={"outcome": ["Required."]}
        )
    reason = f"Dispute {dispute.pk} upheld: {note}" if note else f"Dispute {dispute.pk} upheld"
    registration = registration_reopen(
        tenant=dispute.tenant, registration=dispute.registration, user=user, reason=reason
    )
    text = "Registration reopened: back under review."
    if outcome == "approve":
        registration = registration_approve(
            tenant=dispute.tenant, registration=registration, user=user, reason=note, today=today
        )
        text = f"Registration approved: protected until {registration.expires_on:%Y-%m-%d}."
    dispute.registration_transition = registration.transitions.order_by("-at", "-pk").first()
    return text


@transaction.atomic
def dispute_uphold(
    *,
    tenant: Tenant,
    dispute: Dispute,
    user: AbstractBaseUser,
    note: str = "",
    tier: str = "",
    valid_from: datetime.date | None = None,
    amount: Decimal | str | None = None,
    outcome: str = "",
    today: datetime.date | None = None,
) -> Dispute:
    """The vendor agrees: apply the correction through its owning service, record, link."""
    today = today or tenant_today(tenant)
    note = (note or "").strip()
    dispute = _decide(dispute, DisputeStatus.UPHELD, user, note)
    if dispute.kind == DisputeKind.EVALUATION:
        applied = _apply_tier(dispute, user, note, tier, valid_from, today)
    elif dispute.kind == DisputeKind.COMMISSION:
        applied = _apply_adjustment(dispute, user, note, amount, today)
    else:
        applied = _apply_registration(dispute, user, note, outcome, today)
    dispute.save(update_fields=["tier_assignment", "ledger_entry", "registration_transition"])
    _step(dispute, DisputeStep.UPHELD, user, note)
    _step(dispute, DisputeStep.APPLIED, user, applied)
    events.emit(events.DISPUTE_RESOLVED, tenant_id=tenant.pk, dispute_id=dispute.pk)
    notifications.notify_resolved(dispute)
    return dispute


@transaction.atomic
def dispute_dismiss(
    *, tenant: Tenant, dispute: Dispute, user: AbstractBaseUser, reason: str
) -> Dispute:
    """The vendor disagrees, always saying why; nothing else changes."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            "Say why the dispute is dismissed: the partner reads it.",
            fields={"reason": ["A reason is required."]},
        )
    dispute = _decide(dispute, DisputeStatus.DISMISSED, user, reason)
    _step(dispute, DisputeStep.DISMISSED, user, reason)
    events.emit(events.DISPUTE_RESOLVED, tenant_id=tenant.pk, dispute_id=dispute.pk)
    notifications.notify_resolved(dispute)
    return dispute


def disputes_escalate(*, tenant: Tenant, today: datetime.date) -> int:
    """Flag and announce every dispute whose response time passed unanswered; once each."""
    overdue = Dispute.objects.filter(
        status=DisputeStatus.OPEN,
        responded_at__isnull=True,
        escalated_at__isnull=True,
        response_due_on__lt=today,
    ).values_list("pk", flat=True)
    escalated = 0
    for dispute_id in list(overdue):
        with transaction.atomic():
            # the conditional UPDATE is the claim: two workers escalate (and mail) once
            claimed = Dispute.objects.filter(
                Q(pk=dispute_id), Q(escalated_at__isnull=True), Q(status=DisputeStatus.OPEN)
            ).update(escalated_at=timezone.now())
            if claimed != 1:
                continue
            dispute = Dispute.objects.select_related(
                "tenant", "firm", "program", "assigned_to"
            ).get(pk=dispute_id)
            _step(
                dispute,
                DisputeStep.ESCALATED,
                None,
                f"No response by {dispute.response_due_on:%Y-%m-%d}: the partner manager and "
                "the tenant administrators were told.",
            )
            events.emit(events.DISPUTE_ESCALATED, tenant_id=tenant.pk, dispute_id=dispute.pk)
            notifications.notify_escalated(dispute)
            escalated += 1
    return escalated
