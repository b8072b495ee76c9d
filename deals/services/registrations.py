"""Deal registrations: submission with conflict detection, review, protection, vendor leads."""

import datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from deals.matching import (
    SIMILAR_NAME_AT,
    Likeness,
    compare_prospects,
    name_key,
    name_similarity,
    normalize_company,
    normalize_domain,
    registrable_domain,
)
from deals.models import (
    Customer,
    DealRegistration,
    LeadSource,
    Order,
    RegistrationMatch,
    RegistrationStatus,
    RegistrationTransition,
    SalesActivity,
)
from deals.models.registrations import ACTIVE_STATUSES, OPEN_STATUSES
from deals.notifications import notify_submitter
from deals.workflow import REOPENS, can_move
from partners.models import Enrolment, PartnerFirm
from partners.models.enrolment import ENDED_STATUSES
from programs.models import Program
from programs.policies import FORMAT_DEFAULT, policies_of
from programs.schema import DealRegistration as DealRegistrationPolicy
from programs.selectors import version_in_force
from tenants import events
from tenants.errors import ApplicationError, Conflict, NotAllowed
from tenants.models import Tenant
from tenants.money import to_minor
from tenants.validation import date_range_problem, normalized_country

NEVER_AFTER_ORDER = (
    "The customer has already placed an order; registrations are never accepted after an order."
)
NOT_A_NEW_CUSTOMER = (
    "The company is already a customer of the vendor; this program registers new customers only."
)
# Deliberately says nothing about who holds the prospect: submissions are confidential.
ALREADY_PROTECTED = "This prospect is already registered and protected with the vendor."
# each automatic rejection's rule, as a program's rejection_reasons name it (`automatic`)
AUTOMATIC_REJECTIONS = {
    NOT_A_NEW_CUSTOMER: "new_customer_required",
    NEVER_AFTER_ORDER: "customer_has_order",
    ALREADY_PROTECTED: "already_protected",
}


def _policy(program: Program, on: datetime.date) -> DealRegistrationPolicy:
    """The deal-registration policy in force (the format's defaults when the file has none)."""
    version = version_in_force(program, on)
    if version is None:
        return DealRegistrationPolicy(source=FORMAT_DEFAULT)
    return policies_of(version).deal_registration


def _move(
    registration: DealRegistration, to: str, *, by: AbstractBaseUser | None, reason: str = ""
) -> None:
    """Change status through the state machine, recording who, when and why."""
    if not can_move(registration.status, to):
        raise Conflict(
            f"A registration that is {registration.get_status_display().lower()} cannot become "
            f"{RegistrationStatus(to).label.lower()}."
        )
    _record_move(registration, to, by=by, reason=reason)


def _record_move(
    registration: DealRegistration, to: str, *, by: AbstractBaseUser | None, reason: str
) -> None:
    """Record the move in the history and set the status (the caller checked it is legal)."""
    RegistrationTransition.objects.create(
        tenant=registration.tenant,
        registration=registration,
        from_status=registration.status,
        to_status=to,
        by=by,
        reason=reason,
    )
    registration.status = to


def _program_of(firm: PartnerFirm, program: Program | None) -> Program:
    enrolments = (
        Enrolment.objects.filter(firm=firm)
        .exclude(status__in=[*ENDED_STATUSES, "suspended"])
        .select_related("program")
    )
    if program is not None:
        enrolments = enrolments.filter(program=program)
    programs = {e.program for e in enrolments}
    if not programs:
        raise NotAllowed(f"{firm.name} has no active enrolment to register deals under.")
    if len(programs) > 1:
        raise ApplicationError("Choose the program.", fields={"program": ["Required."]})
    return programs.pop()


def conflict_candidates(
    *,
    tenant: Tenant,
    name: str,
    domain: str,
    country: str = "",
    exclude_firm: PartnerFirm | None = None,
) -> list[tuple[str, DealRegistration | Customer, Likeness]]:
    """(kind, record, likeness) for every record that looks like the same prospect.

    Per table a bounded number of indexed look-ups, whatever the table sizes: the same
    name or company domain; the names sharing the first word (SIMILAR_SCAN of them at
    most), scored in Python; the similar ones among those.
    """
    registrations = DealRegistration.objects.filter(tenant=tenant, status__in=ACTIVE_STATUSES)
    if exclude_firm is not None:
        registrations = registrations.exclude(firm=exclude_firm)
    found: list[tuple[str, DealRegistration | Customer, Likeness]] = []
    for other in _look_alikes(registrations, name=name, domain=domain):
        kind = "opportunity" if other.status == RegistrationStatus.APPROVED else "registration"
        found.append((kind, other, _likeness(other, name=name, domain=domain, country=country)))
    for customer in _look_alikes(Customer.objects.filter(tenant=tenant), name=name, domain=domain):
        found.append(
            ("customer", customer, _likeness(customer, name=name, domain=domain, country=country))
        )
    return [(kind, record, likeness) for kind, record, likeness in found if likeness]


# Records read per look-up: enough for a reviewer, bounded however common a name is.
SAME_LIMIT = 50
SIMILAR_SCAN = 200
SIMILAR_LIMIT = 20


def _look_alikes(records: QuerySet, *, name: str, domain: str) -> list:
    """The records with the same name or domain, then the most similar names."""
    same = Q(normalized_name=name) | (Q(normalized_domain=domain) if domain else Q(pk__in=[]))
    found = list(records.filter(same)[:SAME_LIMIT])
    if not name_key(name):
        return found
    seen = {record.pk for record in found}
    # Blocking on the first word keeps this to one index range. Under a very common first
    # word only SIMILAR_SCAN rows, in no particular order, are scored: the price of never
    # sorting or scoring the whole range.
    nearby = (
        records.filter(name_key=name_key(name))
        .exclude(normalized_name=name)
        .order_by()
        .values_list("pk", "normalized_name")[:SIMILAR_SCAN]
    )
    scores = {
        pk: score
        for pk, other in nearby
        if pk not in seen and (score := name_similarity(name, other)) >= SIMILAR_NAME_AT
    }
    best = sorted(scores, key=lambda pk: (-scores[pk], pk))[:SIMILAR_LIMIT]
    if best:
        by_pk = records.in_bulk(best)
        found += [by_pk[pk] for pk in best if pk in by_pk]
    return found


def _likeness(record, *, name: str, domain: str, country: str) -> Likeness | None:
    return compare_prospects(
        name=name,
        domain=domain,
        country=country,
        other_name=record.normalized_name,
        other_domain=record.normalized_domain,
        other_country=record.country,
    )


@transaction.atomic
def registration_submit(
    *,
    tenant: Tenant,
    firm: PartnerFirm,
    user: AbstractBaseUser | None,
    company_name: str,
    country: str,
    domain: str = "",
    contact_name: str = "",
    contact_email: str = "",
    products: str = "",
    estimated_value: Decimal | None = None,
    expected_close_on: datetime.date | None = None,
    notes: str = "",
    program: Program | None = None,
    external_id: str = "",
    lead_source: str = LeadSource.PARTNER,
    today: datetime.date | None = None,
) -> DealRegistration:
    """Register a prospect; conflicts are recorded for the reviewer, never shown to the partner."""
    today = today or timezone.localdate()
    program = _program_of(firm, program)
    name = normalize_company(company_name)
    errors: dict[str, list[str]] = {}
    if not name:
        errors["company_name"] = ["Give the prospect's company name."]
    # the website names the company; a contact's address only when it is not free mail
    domain_norm = normalize_domain(domain) or normalize_domain(contact_email)
    if domain and not registrable_domain(domain):
        errors["domain"] = [f"{domain!r} is not a web domain (e.g. acme.com)."]
    if estimated_value is not None and estimated_value < 0:
        errors["estimated_value"] = ["Cannot be negative."]
    try:
        country = normalized_country(country)
    except ValidationError as exc:
        errors["country"] = exc.messages
    else:
        if not country:
            errors["country"] = ["Choose the prospect's country."]
    close_problem = date_range_problem("expected_close_on", expected_close_on, since=today)
    if close_problem:
        errors["expected_close_on"] = [close_problem]
    if errors:
        raise ApplicationError("The registration is not valid.", fields=errors)
    mine = DealRegistration.objects.filter(
        Q(normalized_name=name) | (Q(normalized_domain=domain_norm) if domain_norm else Q(pk=None)),
        firm=firm,
        status__in=ACTIVE_STATUSES,
    ).first()
    if mine is not None:
        raise Conflict(
            f"Your firm already registered {mine.company_name} "
            f"({mine.get_status_display().lower()} since {mine.submitted_at:%Y-%m-%d})."
        )
    registration = DealRegistration(
        tenant=tenant,
        program=program,
        firm=firm,
        submitted_by=user,
        lead_source=lead_source,
        external_id=external_id,
        company_name=company_name.strip(),
        normalized_name=name,
        name_key=name_key(name),
        domain=domain.strip(),
        normalized_domain=domain_norm,
        country=country,
        contact_name=contact_name.strip(),
        contact_email=contact_email.strip(),
        products=products.strip(),
        currency=program.currency,
        estimated_value_minor=None
        if estimated_value is None
        else to_minor(estimated_value, program.currency),
        expected_close_on=expected_close_on,
        notes=notes.strip(),
        status=RegistrationStatus.SUBMITTED,
    )
    registration.full_clean()
    registration.save()
    RegistrationTransition.objects.create(
        tenant=tenant, registration=registration, to_status=RegistrationStatus.SUBMITTED, by=user
    )
    events.emit(events.REGISTRATION_SUBMITTED, tenant_id=tenant.pk, registration_id=registration.pk)
    candidates = conflict_candidates(
        tenant=tenant,
        name=name,
        domain=domain_norm,
        country=registration.country,
        exclude_firm=firm,
    )
    RegistrationMatch.objects.bulk_create(
        RegistrationMatch(
            tenant=tenant,
            registration=registration,
            kind=kind,
            explanation=likeness.reason[:300],
            strong=likeness.strong,
            similarity=likeness.similarity,
            other_registration=record if kind != "customer" else None,
            customer=record if kind == "customer" else None,
        )
        for kind, record, likeness in candidates
    )
    # only a strong match decides alone; a weak one waits for the reviewer
    strong = [(kind, record) for kind, record, likeness in candidates if likeness.strong]
    customers = [record for kind, record in strong if kind == "customer"]
    policy = _policy(program, today)
    reason = ""
    if (
        policy.reject_if_customer_has_order
        and Order.objects.filter(customer__in=customers).exists()
    ):
        reason = NEVER_AFTER_ORDER
    elif policy.require_new_customer and customers:
        reason = NOT_A_NEW_CUSTOMER
    elif any(kind == "opportunity" for kind, _ in strong):
        reason = ALREADY_PROTECTED  # another firm's approved registration holds it
    if reason:
        # the program's reason for this rule, where its list has one; the text explains it
        rule = AUTOMATIC_REJECTIONS[reason]
        listed = next((r for r in policy.rejection_reasons if rule in r.automatic), None)
        _move(registration, RegistrationStatus.REJECTED, by=None, reason=reason)
        registration.decision_reason = reason
        registration.rejection_reason = listed.key if listed else ""
        registration.rejection_reason_label = listed.label if listed else ""
        registration.save(
            update_fields=[
                "status",
                "decision_reason",
                "rejection_reason",
                "rejection_reason_label",
            ]
        )
        notify_submitter(registration, "registration_rejected")
        events.emit(
            events.REGISTRATION_DECIDED,
            tenant_id=tenant.pk,
            registration_id=registration.pk,
            decision=RegistrationStatus.REJECTED,
        )
    return registration


@transaction.atomic
def registration_start_review(
    *, tenant: Tenant, registration: DealRegistration, user: AbstractBaseUser
) -> DealRegistration:
    _move(registration, RegistrationStatus.UNDER_REVIEW, by=user)
    registration.save(update_fields=["status"])
    return registration


def _locked(registration: DealRegistration) -> DealRegistration:
    return DealRegistration.objects.select_for_update().get(pk=registration.pk)


@transaction.atomic
def registration_approve(
    *,
    tenant: Tenant,
    registration: DealRegistration,
    user: AbstractBaseUser,
    reason: str = "",
    today: datetime.date | None = None,
) -> DealRegistration:
    """Approve and start the protection period (the program's N days)."""
    today = today or timezone.localdate()
    registration = _locked(registration)
    if registration.status == RegistrationStatus.SUBMITTED:
        _move(registration, RegistrationStatus.UNDER_REVIEW, by=user)
    _move(registration, RegistrationStatus.APPROVED, by=user, reason=reason)
    days = _policy(registration.program, today).protection_days
    registration.approved_on = today
    registration.expires_on = today + datetime.timedelta(days=days)
    registration.decision_reason = reason
    registration.save()
    notify_submitter(registration, "registration_approved")
    events.emit(
        events.REGISTRATION_DECIDED,
        tenant_id=tenant.pk,
        registration_id=registration.pk,
        decision=RegistrationStatus.APPROVED,
    )
    return registration


@transaction.atomic
def registration_reject(
    *,
    tenant: Tenant,
    registration: DealRegistration,
    user: AbstractBaseUser,
    reason: str,
    note: str = "",
    today: datetime.date | None = None,
) -> DealRegistration:
    """Reject with one of the program's reasons (`reason` is its key) and an optional note."""
    registration = _locked(registration)
    if registration.status == RegistrationStatus.SUBMITTED:
        _move(registration, RegistrationStatus.UNDER_REVIEW, by=user)
    if not can_move(registration.status, RegistrationStatus.REJECTED):
        _move(registration, RegistrationStatus.REJECTED, by=user)  # the state machine's refusal
    policy = _policy(registration.program, today or timezone.localdate())
    key, note = (reason or "").strip(), (note or "").strip()
    listed = policy.rejection_reason(key)
    if listed is None:
        known = ", ".join(f"{r.key} ({r.label})" for r in policy.rejection_reasons)
        raise ApplicationError(
            f"Choose one of the program's rejection reasons: {known}.",
            fields={"reason": [f"Unknown reason {key!r}." if key else "Required."]},
        )
    if listed.note_required and not note:
        raise ApplicationError(
            f"The reason {listed.label!r} needs a note for the partner.",
            fields={"note": ["Required for this reason."]},
        )
    _move(
        registration,
        RegistrationStatus.REJECTED,
        by=user,
        reason=f"{listed.label}: {note}" if note else listed.label,
    )
    registration.rejection_reason, registration.rejection_reason_label = listed.key, listed.label
    registration.decision_reason = note
    registration.save()
    notify_submitter(registration, "registration_rejected")
    events.emit(
        events.REGISTRATION_DECIDED,
        tenant_id=tenant.pk,
        registration_id=registration.pk,
        decision=RegistrationStatus.REJECTED,
    )
    return registration


@transaction.atomic
def registration_reopen(
    *, tenant: Tenant, registration: DealRegistration, user: AbstractBaseUser | None, reason: str
) -> DealRegistration:
    """Send a rejected registration back to review (a dispute upheld); the rejection stays
    in its history, and the next decision is the reviewer's as usual."""
    registration = _locked(registration)
    target = REOPENS.get(registration.status)
    if target is None:
        raise Conflict(
            f"A registration that is {registration.get_status_display().lower()} cannot be "
            "reopened; only a rejected one can."
        )
    _record_move(registration, target, by=user, reason=reason)
    registration.rejection_reason = registration.rejection_reason_label = ""
    registration.save(update_fields=["status", "rejection_reason", "rejection_reason_label"])
    return registration


@transaction.atomic
def registration_close(
    *,
    tenant: Tenant,
    registration: DealRegistration,
    user: AbstractBaseUser | None,
    won: bool,
    on: datetime.date | None = None,
    reason: str = "",
) -> DealRegistration:
    registration = _locked(registration)
    status = RegistrationStatus.WON if won else RegistrationStatus.LOST
    _move(registration, status, by=user, reason=reason)
    registration.closed_on = on or timezone.localdate()
    registration.save()
    return registration


@transaction.atomic
def registration_request_extension(
    *, tenant: Tenant, registration: DealRegistration, user: AbstractBaseUser, reason: str
) -> DealRegistration:
    registration = _locked(registration)
    if registration.status != RegistrationStatus.APPROVED:
        raise Conflict("Only an approved registration's protection can be extended.")
    if registration.extension_requested_at is not None:
        raise Conflict("An extension request is already waiting for the vendor's decision.")
    if not (reason or "").strip():
        raise ApplicationError("Say why you need more time.", fields={"reason": ["Required."]})
    registration.extension_requested_at = timezone.now()
    registration.extension_reason = reason.strip()
    registration.save(update_fields=["extension_requested_at", "extension_reason"])
    return registration


@transaction.atomic
def registration_decide_extension(
    *,
    tenant: Tenant,
    registration: DealRegistration,
    user: AbstractBaseUser,
    grant: bool,
    reason: str = "",
    today: datetime.date | None = None,
) -> DealRegistration:
    today = today or timezone.localdate()
    registration = _locked(registration)
    if registration.extension_requested_at is None:
        raise Conflict("No extension has been requested.")
    if grant:
        days = _policy(registration.program, today).protection_days
        registration.expires_on = max(registration.expires_on, today) + datetime.timedelta(
            days=days
        )
        _move(
            registration,
            RegistrationStatus.APPROVED,
            by=user,
            reason=f"Protection extended to {registration.expires_on:%Y-%m-%d}. {reason}".strip(),
        )
    else:
        RegistrationTransition.objects.create(
            tenant=tenant,
            registration=registration,
            from_status=registration.status,
            to_status=registration.status,
            by=user,
            reason=f"Extension declined. {reason}".strip(),
        )
    registration.extension_requested_at = None
    registration.reminded_on = None
    registration.save()
    return registration


@transaction.atomic
def registrations_expire(*, tenant: Tenant, today: datetime.date) -> dict[str, int]:
    """Expire approved registrations past protection; remind those close to it. Idempotent."""
    expired = 0
    for registration in DealRegistration.objects.select_for_update().filter(
        status=RegistrationStatus.APPROVED, expires_on__lt=today
    ):
        _move(
            registration,
            RegistrationStatus.EXPIRED,
            by=None,
            reason=f"Protection ended on {registration.expires_on:%Y-%m-%d}.",
        )
        registration.save(update_fields=["status"])
        events.emit(
            events.REGISTRATION_EXPIRED, tenant_id=tenant.pk, registration_id=registration.pk
        )
        expired += 1
    reminded = 0
    # each program says how many days ahead its partners are reminded
    programs = Program.objects.filter(
        pk__in=DealRegistration.objects.filter(
            status=RegistrationStatus.APPROVED, reminded_on__isnull=True
        ).values("program_id")
    )
    due = Q(pk=None)
    for program in programs:
        ahead = datetime.timedelta(days=_policy(program, today).reminder_days)
        due |= Q(program=program, expires_on__lte=today + ahead)
    for registration in DealRegistration.objects.select_for_update().filter(
        due, status=RegistrationStatus.APPROVED, reminded_on__isnull=True
    ):
        registration.reminded_on = today
        registration.save(update_fields=["reminded_on"])
        notify_submitter(registration, "registration_expiring")
        events.emit(
            events.REGISTRATION_EXPIRING, tenant_id=tenant.pk, registration_id=registration.pk
        )
        reminded += 1
    return {"expired": expired, "reminded": reminded}


@transaction.atomic
def vendor_lead_offer(
    *,
    tenant: Tenant,
    firm: PartnerFirm,
    user: AbstractBaseUser,
    company_name: str,
    country: str,
    domain: str = "",
    contact_name: str = "",
    contact_email: str = "",
    notes: str = "",
) -> DealRegistration:
    """The vendor shares a lead with a partner (CIMcloud Leads); the partner accepts or declines."""
    program = _program_of(firm, None)
    if not _policy(program, timezone.localdate()).vendor_leads:
        raise Conflict(f"{program.name} does not share vendor leads with partners.")
    registration = DealRegistration(
        tenant=tenant,
        program=program,
        firm=firm,
        submitted_by=user,
        lead_source=LeadSource.VENDOR,
        company_name=company_name.strip(),
        normalized_name=normalize_company(company_name),
        name_key=name_key(normalize_company(company_name)),
        domain=domain.strip(),
        normalized_domain=normalize_domain(domain) or normalize_domain(contact_email),
        country=country.strip().upper(),
        contact_name=contact_name,
        contact_email=contact_email,
        notes=notes,
        currency=program.currency,
        status=RegistrationStatus.OFFERED,
    )
    registration.full_clean()
    registration.save()
    RegistrationTransition.objects.create(
        tenant=tenant, registration=registration, to_status=RegistrationStatus.OFFERED, by=user
    )
    return registration


@transaction.atomic
def vendor_lead_answer(
    *,
    tenant: Tenant,
    registration: DealRegistration,
    user: AbstractBaseUser,
    accept: bool,
    today: datetime.date | None = None,
) -> DealRegistration:
    today = today or timezone.localdate()
    registration = _locked(registration)
    if registration.lead_source != LeadSource.VENDOR:
        raise Conflict("Only a vendor lead is accepted or declined.")
    if accept:
        _move(registration, RegistrationStatus.APPROVED, by=user, reason="Accepted by the partner")
        registration.approved_on = today
        days = _policy(registration.program, today).protection_days
        registration.expires_on = today + datetime.timedelta(days=days)
    else:
        _move(registration, RegistrationStatus.DECLINED, by=user, reason="Declined by the partner")
    registration.save()
    return registration


@transaction.atomic
def sales_activity_record(
    *,
    tenant: Tenant,
    registration: DealRegistration,
    user: AbstractBaseUser,
    kind: str,
    occurred_on: datetime.date,
    notes: str = "",
    vendor_attended: bool = True,
) -> SalesActivity:
    if registration.status not in (
        *OPEN_STATUSES,
        RegistrationStatus.APPROVED,
        RegistrationStatus.WON,
    ):
        raise Conflict("Sales activity is recorded on open, approved or won registrations.")
    if occurred_on > timezone.localdate():
        raise ApplicationError(
            "A call cannot be in the future.", fields={"occurred_on": ["In the future."]}
        )
    submitted_on = timezone.localdate(registration.submitted_at)
    problem = date_range_problem(
        "occurred_on", occurred_on, since=submitted_on, until=timezone.localdate()
    )
    if problem:
        raise ApplicationError(problem, fields={"occurred_on": [problem]})
    activity = SalesActivity(
        tenant=tenant,
        registration=registration,
        kind=kind,
        occurred_on=occurred_on,
        notes=notes.strip(),
        vendor_attended=vendor_attended,
        recorded_by=user,
    )
    activity.full_clean()
    activity.save()
    events.emit(
        events.SALES_ACTIVITY_RECORDED, tenant_id=tenant.pk, registration_id=registration.pk
    )
    return activity
