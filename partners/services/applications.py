"""Applying to a program and the vendor's decision on it."""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from partners.models import (
    AgreementAcceptance,
    Application,
    ApplicationStatus,
    ContactRequest,
    ContactRole,
    Enrolment,
    PartnerContact,
    PartnerFirm,
)
from partners.notifications import send_partner_email
from partners.services.enrolments import enrolment_create
from programs.models import Program, Track
from programs.policies import policies_of
from programs.selectors import version_in_force
from tenants import events
from tenants.errors import ApplicationError, Conflict, NotAllowed
from tenants.models import Tenant
from tenants.scope import on_commit_in_scope


def _tracks_checked(version, tracks: list[str]) -> tuple[list[str], list[str]]:
    """Split chosen tracks into (enrolment tracks, contact-request tracks) or raise."""
    policy = version.track_policy
    if policy["selection"] == "none" and tracks:
        raise ApplicationError(
            "This program has no tracks to choose.", fields={"tracks": ["Leave empty."]}
        )
    known = {t.key: t for t in Track.objects.filter(version=version)}
    unknown = [t for t in tracks if t not in known]
    if unknown:
        raise ApplicationError(
            f"Unknown track(s): {', '.join(unknown)}.", fields={"tracks": ["Unknown choice."]}
        )
    contact_only = [t for t in tracks if known[t].enrolment == Track.Enrolment.CONTACT_REQUEST]
    enrol = [t for t in tracks if t not in contact_only]
    selection = policy["selection"]
    if selection == "one" and len(enrol) + len(contact_only) != 1:
        raise ApplicationError(
            "Choose exactly one.", fields={"tracks": ["Choose exactly one classification."]}
        )
    if selection == "several" and not tracks:
        raise ApplicationError(
            "Choose at least one.", fields={"tracks": ["Choose at least one module."]}
        )
    return enrol, contact_only


@transaction.atomic
def application_submit(
    *,
    tenant: Tenant,
    program: Program,
    user: AbstractBaseUser,
    firm_name: str,
    country: str,
    website: str = "",
    territories: list[str] | None = None,
    tracks: list[str] | None = None,
    directory_consent: bool = False,
    accept_agreement: bool,
    ip_address: str | None = None,
    user_agent: str = "",
    message: str = "",
    today: datetime.date | None = None,
) -> Application | ContactRequest:
    """File an application (or, for a contact-only track, a contact request)."""
    today = today or timezone.localdate()
    version = version_in_force(program, today)
    if version is None:
        raise ApplicationError(f"{program.name} is not open for applications yet.")
    registration = policies_of(version).registration
    if registration.agreement_required and not accept_agreement:
        raise ApplicationError(
            "Accept the program agreement to apply.",
            fields={"accept_agreement": ["You must accept the agreement shown."]},
        )
    enrol_tracks, contact_tracks = _tracks_checked(version, list(tracks or []))
    if contact_tracks:
        request = ContactRequest(
            tenant=tenant,
            program=program,
            track=contact_tracks[0],
            user=user,
            firm_name=firm_name.strip(),
            message=message,
        )
        request.full_clean()
        request.save()
        return request

    contact = PartnerContact.objects.filter(tenant=tenant, user=user, is_active=True).first()
    firm = contact.firm if contact else None
    if contact is not None and contact.role != ContactRole.PARTNER_ADMIN:
        raise NotAllowed("Only your firm's partner admins can apply for another program.")
    if (
        firm
        and Enrolment.objects.filter(firm=firm, program=program)
        .exclude(status__in=["deactivated", "terminated"])
        .exists()
    ):
        raise Conflict(f"{firm.name} is already enrolled in {program.name}.")
    if Application.objects.filter(
        program=program, applicant=user, status=ApplicationStatus.SUBMITTED
    ).exists():
        raise Conflict("You already have an application under review for this program.")

    implied = registration.directory_consent == "implied_by_registration"
    application = Application(
        tenant=tenant,
        program=program,
        program_version=version,
        applicant=user,
        firm=firm,
        firm_name=firm.name if firm else firm_name.strip(),
        website=firm.website if firm else website.strip(),
        country=(firm.country if firm else country).strip().upper(),
        territories=sorted({t.strip().upper() for t in territories or [] if t.strip()}),
        tracks=enrol_tracks,
        directory_consent=implied or directory_consent,
        message=message,
    )
    application.full_clean()
    application.save()
    if accept_agreement:
        AgreementAcceptance.objects.create(
            tenant=tenant,
            user=user,
            program_version=version,
            application=application,
            firm=firm,
            accepted_at=timezone.now(),
            ip_address=ip_address,
            user_agent=user_agent[:300],
        )
    events.emit(events.APPLICATION_SUBMITTED, tenant_id=tenant.pk, application_id=application.pk)
    if not registration.manager_approval:
        # the program admits every applicant: approved on submission, recorded as no one's
        application_approve(tenant=tenant, application=application, user=None, today=today)
        application.refresh_from_db()
    return application


@transaction.atomic
def application_approve(
    *,
    tenant: Tenant,
    application: Application,
    user: AbstractBaseUser,
    today: datetime.date | None = None,
) -> Enrolment:
    """Approve: the firm, its first partner admin and the enrolment come into being."""
    today = today or timezone.localdate()
    claimed = Application.objects.filter(
        pk=application.pk, status=ApplicationStatus.SUBMITTED
    ).update(status=ApplicationStatus.APPROVED, decided_at=timezone.now(), decided_by=user)
    if claimed != 1:
        raise Conflict("This application has already been decided.")
    application.refresh_from_db()
    firm = application.firm
    if firm is None:
        if PartnerFirm.objects.filter(tenant=tenant, name__iexact=application.firm_name).exists():
            raise Conflict(
                f"A partner firm named {application.firm_name!r} already exists; ask the "
                "applicant to apply as that firm's partner admin, or reject with that reason."
            )
        firm = PartnerFirm(
            tenant=tenant,
            name=application.firm_name,
            website=application.website,
            country=application.country,
        )
        firm.full_clean()
        firm.save()
        PartnerContact.objects.create(
            tenant=tenant, firm=firm, user=application.applicant, role=ContactRole.PARTNER_ADMIN
        )
        Application.objects.filter(pk=application.pk).update(firm=firm)
        AgreementAcceptance.objects.filter(application=application).update(firm=firm)
    enrolment = enrolment_create(
        tenant=tenant, firm=firm, application=application, user=user, today=today
    )
    events.emit(
        events.APPLICATION_DECIDED,
        tenant_id=tenant.pk,
        application_id=application.pk,
        decision=ApplicationStatus.APPROVED,
    )
    on_commit_in_scope(
        lambda: send_partner_email(
            template="application_approved",
            to=[application.applicant.email],
            context={"application": application, "enrolment": enrolment, "tenant": tenant},
        )
    )
    return enrolment


@transaction.atomic
def application_reject(
    *, tenant: Tenant, application: Application, user: AbstractBaseUser, reason: str
) -> Application:
    """Reject with a reason the applicant reads in the e-mail."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            "A reason is required to reject.", fields={"reason": ["Say why, for the applicant."]}
        )
    claimed = Application.objects.filter(
        pk=application.pk, status=ApplicationStatus.SUBMITTED
    ).update(
        status=ApplicationStatus.REJECTED,
        decided_at=timezone.now(),
        decided_by=user,
        rejection_reason=reason,
    )
    if claimed != 1:
        raise Conflict("This application has already been decided.")
    application.refresh_from_db()
    events.emit(
        events.APPLICATION_DECIDED,
        tenant_id=tenant.pk,
        application_id=application.pk,
        decision=ApplicationStatus.REJECTED,
    )
    on_commit_in_scope(
        lambda: send_partner_email(
            template="application_rejected",
            to=[application.applicant.email],
            context={"application": application, "tenant": tenant},
        )
    )
    return application
