"""Writes about what partners did, and the managers' verify / reject of every submission."""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from partners.models import (
    Activity,
    Attestation,
    CustomerFeedback,
    IntegrationUpdate,
    PartnerFirm,
    ReviewStatus,
    SupportIssue,
    VendorRelease,
)
from partners.selectors.activities import tenant_today
from partners.services.vocabularies import kind_required
from tenants import events
from tenants.errors import ApplicationError, Conflict
from tenants.models import Tenant

REJECTION_REASON_MAX = 300


def _not_in_future(tenant: Tenant, field: str, day: datetime.date, what: str) -> None:
    today = tenant_today(tenant)
    if day > today:
        raise ApplicationError(
            f"{what} cannot be in the future (today is {today}).",
            fields={field: [f"Use a date on or before {today}."]},
        )


def _saved(row):
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def activity_submit(
    *,
    tenant: Tenant,
    firm: PartnerFirm,
    kind: str,
    occurred_on: datetime.date,
    description: str,
    evidence_url: str = "",
    submitted_by: AbstractBaseUser | None = None,
) -> Activity:
    """Record something the firm did (a webinar, a QBR, ...) for a manager to verify."""
    kind_required(firm=firm, vocabulary="activity_kinds", key=kind)
    _not_in_future(tenant, "occurred_on", occurred_on, "An activity")
    return _saved(
        Activity(
            tenant=tenant,
            firm=firm,
            kind=kind,
            occurred_on=occurred_on,
            description=description.strip(),
            evidence_url=evidence_url.strip(),
            submitted_by=submitted_by,
        )
    )


@transaction.atomic
def attestation_submit(
    *,
    tenant: Tenant,
    firm: PartnerFirm,
    kind: str,
    statement: str,
    valid_from: datetime.date,
    valid_until: datetime.date | None = None,
    evidence_url: str = "",
    submitted_by: AbstractBaseUser | None = None,
) -> Attestation:
    """Record the firm's statement that something holds from `valid_from` (until a date)."""
    kind_required(firm=firm, vocabulary="attestation_kinds", key=kind)
    if valid_until is not None and valid_until <= valid_from:
        raise ApplicationError(
            "An attestation must end after it starts.",
            fields={"valid_until": [f"Use a date after {valid_from}, or leave it empty."]},
        )
    return _saved(
        Attestation(
            tenant=tenant,
            firm=firm,
            kind=kind,
            statement=statement.strip(),
            valid_from=valid_from,
            valid_until=valid_until,
            evidence_url=evidence_url.strip(),
            submitted_by=submitted_by,
        )
    )


@transaction.atomic
def integration_update_record(
    *,
    tenant: Tenant,
    firm: PartnerFirm,
    release: VendorRelease,
    updated_on: datetime.date,
    notes: str = "",
    submitted_by: AbstractBaseUser | None = None,
) -> IntegrationUpdate:
    """Record that the firm updated its integration for `release` (once per release)."""
    if updated_on < release.released_on:
        raise ApplicationError(
            f"{release} was released on {release.released_on}; an update cannot predate it.",
            fields={"updated_on": [f"Use a date on or after {release.released_on}."]},
        )
    _not_in_future(tenant, "updated_on", updated_on, "An integration update")
    duplicate = Conflict(
        f"Your firm already recorded its update for {release}.",
        fields={"release": ["Already recorded for this release."]},
    )
    if IntegrationUpdate.objects.filter(tenant=tenant, firm=firm, release=release).exists():
        raise duplicate
    update = IntegrationUpdate(
        tenant=tenant,
        firm=firm,
        release=release,
        updated_on=updated_on,
        notes=notes.strip(),
        submitted_by=submitted_by,
    )
    update.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():  # the unique constraint decides a race between two saves
            update.save()
    except IntegrityError:
        raise duplicate from None
    return update


def _check_issue_times(opened_at: datetime.datetime, resolved_at: datetime.datetime | None) -> None:
    now = timezone.now()
    errors = {}
    if opened_at > now:
        errors["opened_at"] = ["An issue cannot be opened in the future."]
    if resolved_at is not None and resolved_at > now:
        errors["resolved_at"] = ["An issue cannot be resolved in the future."]
    elif resolved_at is not None and resolved_at < opened_at:
        errors["resolved_at"] = ["An issue is resolved after it was opened, not before."]
    if errors:
        raise ApplicationError(
            "The support issue's times do not add up; see fields.", fields=errors
        )


@transaction.atomic
def support_issue_record(
    *,
    tenant: Tenant,
    firm: PartnerFirm,
    reference: str,
    opened_at: datetime.datetime,
    summary: str = "",
    resolved_at: datetime.datetime | None = None,
) -> SupportIssue:
    """Record a customer issue the firm handled, when it was opened and (maybe) resolved."""
    _check_issue_times(opened_at, resolved_at)
    return _saved(
        SupportIssue(
            tenant=tenant,
            firm=firm,
            reference=reference.strip(),
            summary=summary.strip(),
            opened_at=opened_at,
            resolved_at=resolved_at,
        )
    )


@transaction.atomic
def support_issue_resolve(
    *, tenant: Tenant, issue: SupportIssue, resolved_at: datetime.datetime
) -> SupportIssue:
    """Record when an open issue was resolved."""
    if issue.tenant_id != tenant.pk:
        raise ApplicationError("This issue belongs to another vendor.")
    _check_issue_times(issue.opened_at, resolved_at)
    issue.resolved_at = resolved_at
    return _saved(issue)


@transaction.atomic
def customer_feedback_submit(
    *,
    tenant: Tenant,
    firm: PartnerFirm,
    received_on: datetime.date,
    sentiment: str,
    summary: str,
    submitted_by: AbstractBaseUser | None = None,
) -> CustomerFeedback:
    """Record feedback a customer gave the firm, for a manager to verify."""
    _not_in_future(tenant, "received_on", received_on, "Feedback")
    return _saved(
        CustomerFeedback(
            tenant=tenant,
            firm=firm,
            received_on=received_on,
            sentiment=sentiment,
            summary=summary.strip(),
            submitted_by=submitted_by,
        )
    )


@transaction.atomic
def customer_feedback_record(
    *,
    tenant: Tenant,
    firm: PartnerFirm,
    received_on: datetime.date,
    sentiment: str,
    summary: str,
    recorded_by: AbstractBaseUser,
) -> CustomerFeedback:
    """Record feedback the vendor received itself: verified at once, by the one recording it."""
    feedback = customer_feedback_submit(
        tenant=tenant,
        firm=firm,
        received_on=received_on,
        sentiment=sentiment,
        summary=summary,
        submitted_by=recorded_by,
    )
    feedback.status = ReviewStatus.VERIFIED
    feedback.verified_by = recorded_by
    feedback.verified_at = timezone.now()
    feedback.save(update_fields=["status", "verified_by", "verified_at"])
    return feedback


@transaction.atomic
def submissions_verify(*, tenant: Tenant, queryset: QuerySet, user: AbstractBaseUser) -> int:
    """Verify the waiting submissions in `queryset`; return how many changed.

    Works for every reviewed model (certifications included). A conditional
    UPDATE ... WHERE status = submitted: two managers acting at once never both win.
    """
    waiting = queryset.filter(tenant=tenant, status=ReviewStatus.SUBMITTED)
    firm_ids = sorted(set(waiting.values_list("firm_id", flat=True)))
    changed = waiting.update(
        status=ReviewStatus.VERIFIED,
        verified_by=user,
        verified_at=timezone.now(),
        rejection_reason="",
    )
    if changed:
        # immediate-change programs (CIMcloud) re-evaluate these firms' tiers
        certifications = queryset.model._meta.label == "partners.Certification"
        events.emit(
            events.CERTIFICATION_VERIFIED if certifications else events.ACTIVITY_VERIFIED,
            tenant_id=tenant.pk,
            model=queryset.model._meta.label,
            firm_ids=firm_ids,
        )
    return changed


@transaction.atomic
def submissions_reject(
    *, tenant: Tenant, queryset: QuerySet, user: AbstractBaseUser, reason: str
) -> int:
    """Reject the waiting submissions in `queryset` with a reason the partner will read."""
    reason = reason.strip()
    if not reason:
        raise ApplicationError(
            "Say why: the partner sees the reason.", fields={"reason": ["A reason is required."]}
        )
    if len(reason) > REJECTION_REASON_MAX:
        raise ApplicationError(
            f"Keep the reason under {REJECTION_REASON_MAX} characters.",
            fields={"reason": [f"At most {REJECTION_REASON_MAX} characters."]},
        )
    return queryset.filter(tenant=tenant, status=ReviewStatus.SUBMITTED).update(
        status=ReviewStatus.REJECTED,
        verified_by=user,
        verified_at=timezone.now(),
        rejection_reason=reason,
    )
