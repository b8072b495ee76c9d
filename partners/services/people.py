"""Writes about the people of partner firms: colleagues, resources, certifications."""

import datetime
import uuid

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from partners.models import Certification, ContactRole, PartnerContact, Resource
from partners.selectors.people import active_partner_admins
from partners.services.contacts import contact_invite
from partners.services.vocabularies import kind_required
from partners.terms import add_months
from partners.uploads import checked_upload
from tenants.errors import ApplicationError, NotAllowed
from tenants.models import Tenant


def _require_partner_admin(contact: PartnerContact) -> None:
    if contact.role != ContactRole.PARTNER_ADMIN or not contact.is_active:
        raise NotAllowed("Only your firm's partner admins can do this.")


def _require_same_firm(contact: PartnerContact, acting: PartnerContact) -> None:
    if contact.tenant_id != acting.tenant_id or contact.firm_id != acting.firm_id:
        raise NotAllowed("This person does not work with your firm.")


def _last_admin_message(firm) -> str:
    return (
        f"You are the last active partner admin of {firm}: invite a colleague as partner "
        "admin first, so someone can still manage your firm's people."
    )


@transaction.atomic
def colleague_invite(
    *, request, tenant: Tenant, inviter: PartnerContact, email: str, role: str
) -> PartnerContact:
    """A partner admin invites `email` to their firm (or changes a colleague's role)."""
    _require_partner_admin(inviter)
    admins = active_partner_admins(tenant=tenant, firm_id=inviter.firm_id)
    emails = [
        a.user.email.lower() for a in admins.select_related("user").select_for_update(of=("self",))
    ]
    if role != ContactRole.PARTNER_ADMIN and emails == [email.strip().lower()]:
        raise ApplicationError(
            _last_admin_message(inviter.firm), fields={"role": ["Keep one partner admin."]}
        )
    return contact_invite(request=request, tenant=tenant, firm=inviter.firm, email=email, role=role)


@transaction.atomic
def contact_remove(
    *, tenant: Tenant, contact: PartnerContact, removed_by: PartnerContact
) -> PartnerContact:
    """Deactivate a colleague's portal access; a firm always keeps one active partner admin."""
    _require_partner_admin(removed_by)
    _require_same_firm(contact, removed_by)
    # Lock the firm's admins so two admins removing each other cannot both succeed.
    admins = list(active_partner_admins(tenant=tenant, firm_id=contact.firm_id).select_for_update())
    if contact.is_active and [a.pk for a in admins] == [contact.pk]:
        raise ApplicationError(_last_admin_message(contact.firm))
    contact.is_active = False
    contact.full_clean()
    contact.save(update_fields=["is_active"])
    return contact


@transaction.atomic
def contact_designate(
    *, tenant: Tenant, contact: PartnerContact, designation: str, designated_by: PartnerContact
) -> PartnerContact:
    """Set the role the program counts for a colleague (e.g. the designated partner manager)."""
    _require_partner_admin(designated_by)
    _require_same_firm(contact, designated_by)
    if designation:  # empty: no designation
        kind_required(
            firm=contact.firm, vocabulary="designations", key=designation, field="designation"
        )
    contact.designation = designation
    contact.full_clean()
    contact.save(update_fields=["designation"])
    return contact


@transaction.atomic
def resource_create(
    *,
    tenant: Tenant,
    firm,
    name: str,
    email: str = "",
    job_title: str = "",
    contact: PartnerContact | None = None,
) -> Resource:
    """Record a person of `firm` the program counts (optionally one of its portal users)."""
    if contact is not None and contact.firm_id != firm.pk:
        raise ApplicationError(
            "That colleague works with another firm.", fields={"contact": ["Not your colleague."]}
        )
    resource = Resource(
        tenant=tenant,
        firm=firm,
        contact=contact,
        name=name.strip(),
        email=email.strip(),
        job_title=job_title.strip(),
    )
    resource.full_clean()
    resource.save()
    return resource


def expiry_after(day: datetime.date, validity_months: int | None) -> datetime.date | None:
    """The first day a certification earned on `day` no longer counts (None: never expires).

    Calendar months, so 29 February + 12 months is 28 February.
    """
    return None if validity_months is None else add_months(day, validity_months)


def evidence_extension(upload: UploadedFile) -> str:
    """Return the extension (".pdf") of an acceptable evidence file; raise ApplicationError."""
    return "." + checked_upload(upload, field="evidence")[1]


@transaction.atomic
def certification_submit(
    *,
    tenant: Tenant,
    resource: Resource,
    kind: str,
    earned_on: datetime.date,
    product: str = "",
    expires_on: datetime.date | None = None,
    evidence: UploadedFile | None = None,
) -> Certification:
    """Record a certification a resource earned; it counts once a manager verifies it.

    Without `expires_on` it expires after the kind's `validity_months` in the firm's programs.
    """
    errors: dict[str, list[str]] = {}
    try:
        certification_kind = kind_required(
            firm=resource.firm, vocabulary="certification_kinds", key=kind
        )
    except ApplicationError as exc:
        errors.update(exc.fields)
    else:
        if expires_on is None:
            expires_on = expiry_after(earned_on, certification_kind.validity_months)
    if expires_on is not None and expires_on <= earned_on:
        errors["expires_on"] = [f"The expiry date must be after the earning date ({earned_on})."]
    extension = ""
    if evidence is not None:
        try:
            extension = evidence_extension(evidence)
        except ApplicationError as exc:
            errors.update(exc.fields)
    if errors:
        raise ApplicationError("The certification was not saved; see fields.", fields=errors)

    certification = Certification(
        tenant=tenant,
        resource=resource,
        firm_id=resource.firm_id,
        kind=kind,
        product=product.strip(),
        earned_on=earned_on,
        expires_on=expires_on,
    )
    certification.full_clean()
    if evidence is None:
        certification.save()
        return certification
    # The stored name is ours: the uploaded name may be a path, a script or a lie.
    certification.evidence.save(f"{uuid.uuid4().hex}{extension}", evidence, save=False)
    try:
        certification.save()
    except Exception:
        certification.evidence.delete(save=False)
        raise
    return certification
