"""An enrolment's life: creation with its term and fee, onboarding, notices, renewal, end."""

import datetime
from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from partners import terms
from partners.models import (
    Application,
    BreachNotice,
    Enrolment,
    EnrolmentStatus,
    FeeInvoice,
    InvoiceStatus,
    Notice,
    PartnerContact,
    PartnerFirm,
    TerminationTask,
)
from partners.models.enrolment import ENDED_STATUSES
from partners.notifications import send_partner_email
from partners.services.breaches import for_cause_refusal
from programs.fees import fee_due, program_year_start
from programs.models import ProgramVersion, Requirement, Tier
from programs.policies import policies_of
from programs.selectors import version_in_force
from tenants.errors import ApplicationError, Conflict
from tenants.models import StaffMembership, StaffRole, Tenant
from tenants.money import to_minor
from tenants.scope import on_commit_in_scope

# The tier engine records tier changes in its append-only history; it registers here at
# start-up (partners may not import tiers), so a tier set by a partner workflow is recorded
# the same way as any other: (enrolment, tier key, first day, reason, user).
TierRecorder = Callable[[Enrolment, str, datetime.date, str, AbstractBaseUser], None]
_tier_recorders: list[TierRecorder] = []


def register_tier_recorder(recorder: TierRecorder) -> None:
    if recorder not in _tier_recorders:
        _tier_recorders.append(recorder)


def _entry_tier(version: ProgramVersion) -> Tier:
    return Tier.objects.get(version=version, entry=True)


def _rejoining_same_program_year(firm: PartnerFirm, version: ProgramVersion, today) -> bool:
    year_start = program_year_start(version, today)
    return Enrolment.objects.filter(
        firm=firm, program=version.program, status__in=ENDED_STATUSES, ended_on__gte=year_start
    ).exists()


def _firm_admin_emails(firm: PartnerFirm) -> list[str]:
    return list(
        PartnerContact.objects.filter(firm=firm, is_active=True, role="partner_admin").values_list(
            "user__email", flat=True
        )
    )


@transaction.atomic
def enrolment_create(
    *,
    tenant: Tenant,
    firm: PartnerFirm,
    application: Application,
    user: AbstractBaseUser,
    today: datetime.date,
) -> Enrolment:
    """The enrolment an approval creates: entry tier, first term, fee invoice, onboarding."""
    version = version_in_force(application.program, today)
    if version is None:
        raise ApplicationError(f"{application.program} has no version in force on {today}.")
    term_start, term_end = terms.first_term(version.term, today)
    onboarding = policies_of(version).onboarding
    enrolment = Enrolment(
        tenant=tenant,
        firm=firm,
        program=application.program,
        application=application,
        tracks=application.tracks,
        territories=application.territories,
        status=EnrolmentStatus.ONBOARDING if onboarding else EnrolmentStatus.ACTIVE,
        tier_key=_entry_tier(version).key,
        tier_since=today,
        directory_consent=application.directory_consent,
        approved_at=timezone.now(),
        approved_by=user,
        term_start=term_start,
        term_end=term_end,
        auto_renew=policies_of(version).term.auto_renew,
    )
    enrolment.full_clean(exclude=["application"])
    enrolment.save()
    invoice = _fee_invoice_create(enrolment=enrolment, version=version, today=today)
    if onboarding and (
        onboarding.clock_starts == "approval"
        or invoice is None
        or invoice.status != InvoiceStatus.UNPAID
    ):
        enrolment.onboarding_deadline = terms.add_months(today, onboarding.months_to_meet_minimum)
        enrolment.save(update_fields=["onboarding_deadline"])
    return enrolment


def _fee_invoice_create(
    *, enrolment: Enrolment, version: ProgramVersion, today: datetime.date
) -> FeeInvoice | None:
    if not version.fees or not version.fees.get("annual"):
        return None
    track = enrolment.tracks[0] if len(enrolment.tracks) == 1 else None
    waived = _rejoining_same_program_year(enrolment.firm, version, today)
    amount = fee_due(
        version,
        joined_on=today,
        tier=enrolment.tier_key,
        track=track,
        rejoining_same_program_year=waived,
    )
    invoice = FeeInvoice.objects.create(
        tenant=enrolment.tenant,
        enrolment=enrolment,
        program_version=version,
        description=f"{version.program.name} program fee, program year starting "
        f"{program_year_start(version, today):%Y-%m-%d}"
        + (" (waived: re-joining in the same program year)" if waived else ""),
        amount_minor=to_minor(amount, version.program.currency),
        currency=version.program.currency,
        issued_on=today,
        status=InvoiceStatus.WAIVED if amount == Decimal(0) else InvoiceStatus.UNPAID,
    )
    return invoice


@transaction.atomic
def fee_invoice_mark_paid(
    *, tenant: Tenant, invoice: FeeInvoice, paid_on: datetime.date, user: AbstractBaseUser
) -> FeeInvoice:
    """Finance records payment; an onboarding clock waiting for it starts now."""
    if invoice.status != InvoiceStatus.UNPAID:
        raise Conflict(f"This invoice is already {invoice.get_status_display().lower()}.")
    if paid_on > timezone.localdate():
        raise ApplicationError(
            "A payment date cannot be in the future.", fields={"paid_on": ["In the future."]}
        )
    invoice.status, invoice.paid_on, invoice.recorded_by = InvoiceStatus.PAID, paid_on, user
    invoice.save(update_fields=["status", "paid_on", "recorded_by"])
    enrolment = invoice.enrolment
    onboarding = policies_of(invoice.program_version).onboarding
    if (
        enrolment.status == EnrolmentStatus.ONBOARDING
        and onboarding
        and enrolment.onboarding_deadline is None
    ):
        enrolment.onboarding_deadline = terms.add_months(
            max(paid_on, enrolment.approved_at.date()), onboarding.months_to_meet_minimum
        )
        enrolment.save(update_fields=["onboarding_deadline"])
    return invoice


@transaction.atomic
def enrolment_confirm_minimum_met(
    *,
    tenant: Tenant,
    enrolment: Enrolment,
    user: AbstractBaseUser,
    today: datetime.date | None = None,
) -> Enrolment:
    """A manager confirms the minimum criteria are met: onboarding ends, the partner is active
    in the tier holding those criteria (IPsoft: Registered Partner)."""
    today = today or timezone.localdate()
    if enrolment.status != EnrolmentStatus.ONBOARDING:
        raise Conflict("Only an onboarding enrolment can be confirmed.")
    version = version_in_force(enrolment.program, today)
    onboarding = policies_of(version).onboarding
    keys = onboarding.minimum_requirements if onboarding else []
    tier = (
        Tier.objects.filter(
            requirements__in=Requirement.objects.filter(version=version, key__in=keys)
        )
        .order_by("-rank")
        .first()
    )
    enrolment.status = EnrolmentStatus.ACTIVE
    enrolment.onboarding_deadline = None
    enrolment.save(update_fields=["status", "onboarding_deadline"])
    if tier is not None and tier.key != enrolment.tier_key:
        for record in _tier_recorders:  # the tier engine: history first, then the enrolment
            record(enrolment, tier.key, today, "Minimum criteria confirmed: onboarding ends.", user)
    return enrolment


def _end(enrolment: Enrolment, *, status: str, on: datetime.date, reason: str) -> None:
    enrolment.status, enrolment.ended_on, enrolment.end_reason = status, on, reason
    enrolment.save(update_fields=["status", "ended_on", "end_reason"])
    version = version_in_force(enrolment.program, on)
    for effect in version.term.get("termination_effects", []) if version else []:
        TerminationTask.objects.create(
            tenant=enrolment.tenant, enrolment=enrolment, description=effect
        )


@transaction.atomic
def notice_record(
    *,
    tenant: Tenant,
    enrolment: Enrolment,
    kind: str,
    given_by: str,
    given_on: datetime.date,
    user: AbstractBaseUser,
    reason: str = "",
    for_cause: BreachNotice | None = None,
) -> Notice:
    """Record a written notice; it takes effect per the program's notice rules.

    `for_cause` makes it a termination for cause (003 §8.2): the vendor's, and only once
    the breach's cure period has run out uncured.
    """
    if not enrolment.is_live:
        raise Conflict("This enrolment has already ended.")
    if given_on > timezone.localdate():
        raise ApplicationError(
            "A notice cannot be dated in the future.", fields={"given_on": ["In the future."]}
        )
    if for_cause is not None:
        for_cause = BreachNotice.objects.select_for_update().get(pk=for_cause.pk)
        if kind != Notice.Kind.TERMINATION or given_by != Notice.GivenBy.VENDOR:
            raise ApplicationError(
                "Termination for cause is the vendor's termination notice.",
                fields={"for_cause": ["Only with a termination notice given by the vendor."]},
            )
        refusal = for_cause_refusal(for_cause, enrolment=enrolment, given_on=given_on)
        if refusal:
            raise Conflict(refusal)
        reason = (
            f"For cause: material breach notified on {for_cause.given_on:%Y-%m-%d} not cured "
            f"by {for_cause.cure_by:%Y-%m-%d} ({for_cause.description}). {reason}"
        )
    version = version_in_force(enrolment.program, given_on) or version_in_force(
        enrolment.program, enrolment.term_start
    )
    if kind == Notice.Kind.NON_RENEWAL:
        effective_on = terms.non_renewal_effective_on(
            version.term, given_on=given_on, term_end=enrolment.term_end
        )
    else:
        effective_on = given_on
    notice = Notice(
        tenant=tenant,
        enrolment=enrolment,
        kind=kind,
        given_by=given_by,
        given_on=given_on,
        effective_on=effective_on,
        reason=reason.strip(),
        recorded_by=user,
    )
    notice.full_clean()
    notice.save()
    if for_cause is not None:
        BreachNotice.objects.filter(pk=for_cause.pk).update(termination=notice)
    if kind == Notice.Kind.TERMINATION and effective_on <= timezone.localdate():
        _end(
            enrolment,
            status=EnrolmentStatus.TERMINATED,
            on=effective_on,
            reason=f"Terminated {'for cause ' if for_cause else ''}by {given_by} notice of "
            f"{given_on:%Y-%m-%d}",
        )
        notice.applied_at = timezone.now()
        notice.save(update_fields=["applied_at"])
    return notice


@transaction.atomic
def enrolments_renew(*, tenant: Tenant, today: datetime.date) -> dict[str, int]:
    """End or renew every live enrolment whose term ended before `today` (catches up)."""
    renewed = ended = 0
    due = (
        Enrolment.objects.select_for_update()
        .filter(term_end__lt=today)
        .exclude(status__in=ENDED_STATUSES)
    )
    for enrolment in due:
        version = version_in_force(enrolment.program, enrolment.term_end)
        while enrolment.term_end < today:
            stop = Notice.objects.filter(
                enrolment=enrolment,
                kind=Notice.Kind.NON_RENEWAL,
                effective_on=enrolment.term_end,
            ).first()
            if stop is not None or not enrolment.auto_renew:
                why = "not renewed: " + (
                    f"{stop.given_by} notice of {stop.given_on:%Y-%m-%d}"
                    if stop
                    else "no auto-renewal"
                )
                _end(
                    enrolment, status=EnrolmentStatus.TERMINATED, on=enrolment.term_end, reason=why
                )
                if stop:
                    Notice.objects.filter(pk=stop.pk).update(applied_at=timezone.now())
                ended += 1
                break
            enrolment.term_start, enrolment.term_end = terms.next_term(
                version.term, enrolment.term_end
            )
            enrolment.save(update_fields=["term_start", "term_end"])
            renewed += 1
    return {"renewed": renewed, "ended": ended}


def _tell_onboarding_missed(
    enrolment: Enrolment,
    *,
    deadline: datetime.date,
    deactivated: bool,
    refund: bool,
    rejoin_waiver: bool,
) -> None:
    """After commit: the firm's admins learn the outcome, and so does its partner manager,
    who follows up when the firm stays enrolled."""
    context = {
        "enrolment": enrolment,
        "tenant": enrolment.tenant,
        "deadline": deadline,
        "refund": refund,
        "deactivated": deactivated,
        "rejoin_waiver": rejoin_waiver,
        "manager": enrolment.partner_manager,
    }
    firm_admins = _firm_admin_emails(enrolment.firm)
    if enrolment.partner_manager_id:
        managers = [enrolment.partner_manager.email]
    else:
        managers = list(
            StaffMembership.objects.filter(
                tenant_id=enrolment.tenant_id, role=StaffRole.MANAGER, user__is_active=True
            ).values_list("user__email", flat=True)
        )
    template = "enrolment_deactivated" if deactivated else "onboarding_missed"

    def send() -> None:
        send_partner_email(template=template, to=firm_admins, context=context)
        send_partner_email(template="onboarding_missed_manager", to=managers, context=context)

    on_commit_in_scope(send)


@transaction.atomic
def onboarding_deadlines_enforce(*, tenant: Tenant, today: datetime.date) -> list[Enrolment]:
    """Onboarding enrolments whose deadline passed: the program's `onboarding.on_miss` says
    what follows. `deactivate` ends the enrolment (a paid fee becomes refund-due when
    `refund` is true); `notify` tells the firm once and keeps it enrolled. Idempotent."""
    missed = list(
        Enrolment.objects.select_for_update(of=("self",))  # partner_manager is an outer join
        .select_related("firm", "program", "tenant", "partner_manager")
        .filter(
            status=EnrolmentStatus.ONBOARDING,
            onboarding_deadline__lt=today,
            onboarding_missed_on__isnull=True,
        )
    )
    for enrolment in missed:
        deadline = enrolment.onboarding_deadline
        version = version_in_force(enrolment.program, deadline)
        onboarding = policies_of(version).onboarding if version else None
        deactivate = onboarding is None or onboarding.on_miss == "deactivate"
        refund = bool(onboarding and onboarding.refund)
        fees = policies_of(version).fees if version else None
        rejoin_waiver = bool(fees and fees.rejoin_waiver != "none")
        enrolment.onboarding_missed_on = today
        enrolment.save(update_fields=["onboarding_missed_on"])
        if deactivate:
            if refund:
                FeeInvoice.objects.filter(enrolment=enrolment, status=InvoiceStatus.PAID).update(
                    status=InvoiceStatus.REFUND_DUE
                )
            _end(
                enrolment,
                status=EnrolmentStatus.DEACTIVATED,
                on=today,
                reason=f"Minimum criteria not met by {deadline:%Y-%m-%d}; "
                + ("paid fees are refunded" if refund else "fees are not refunded"),
            )
        _tell_onboarding_missed(
            enrolment,
            deadline=deadline,
            deactivated=deactivate,
            refund=refund,
            rejoin_waiver=rejoin_waiver,
        )
    return missed
