"""Reads about tax documents, payout profiles and financial-benefit elections.

Who may open a firm's tax forms: its own partner contacts (partner admins and reps), and
the vendor's finance (TAX_DOCUMENT_ROLES: the finance role and tenant admins, who verify
them) and superusers; an API key needs the tax documents scope. Partner managers see a
firm's tax-form status and the documents' details (to chase a missing form), never the
file: to them a download is 404, like any record outside their reach.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from partners.models import (
    Enrolment,
    PartnerContact,
    PartnerFirm,
    PayoutProfile,
    TaxDocument,
    TaxDocumentStatus,
)
from programs.models import CommissionRule, ProgramVersion
from programs.policies import policies_of
from programs.selectors import program_today, version_in_force
from tenants.models import TAX_DOCUMENT_ROLES, Tenant

TAX_DOCUMENT_STAFF_ROLES = TAX_DOCUMENT_ROLES
MISSING = "missing"


def tax_documents_visible_to(
    *, tenant: Tenant, contact: PartnerContact | None, as_staff: bool
) -> QuerySet[TaxDocument]:
    """Every tax document of the tenant for finance (`as_staff`), the own firm's for a
    partner contact, else none."""
    documents = TaxDocument.objects.filter(tenant=tenant).select_related("firm")
    if as_staff:
        return documents
    if contact is not None:
        return documents.filter(firm_id=contact.firm_id)
    return documents.none()


def tax_documents_of(*, tenant: Tenant, firm: PartnerFirm) -> QuerySet[TaxDocument]:
    """The firm's tax documents, newest first."""
    return TaxDocument.objects.filter(tenant=tenant, firm=firm).order_by("-uploaded_at", "-pk")


def tax_status_of(*, tenant: Tenant, firm: PartnerFirm) -> str:
    """The firm's effective tax-form status: "missing", or the latest document's status."""
    latest = tax_documents_of(tenant=tenant, firm=firm).values_list("status", flat=True).first()
    return latest or MISSING


def tax_status_label(status: str) -> str:
    return "Missing" if status == MISSING else TaxDocumentStatus(status).label


def has_valid_tax_document(*, tenant: Tenant, firm: PartnerFirm, on: datetime.date) -> bool:
    """Whether the firm holds a verified tax form not expired on `on`.

    `expires_on` is the last day a form is valid; a form without one does not expire.
    """
    return (
        TaxDocument.objects.filter(tenant=tenant, firm=firm, status=TaxDocumentStatus.VERIFIED)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on))
        .exists()
    )


def payout_profile_of(*, tenant: Tenant, firm: PartnerFirm) -> PayoutProfile | None:
    return PayoutProfile.objects.filter(tenant=tenant, firm=firm).first()


def enrolments_visible_to(*, tenant: Tenant, contact: PartnerContact | None) -> QuerySet[Enrolment]:
    """Every enrolment of the tenant for staff and API keys, the own firm's for a partner."""
    enrolments = Enrolment.objects.filter(tenant=tenant).select_related("firm", "program")
    return enrolments.filter(firm_id=contact.firm_id) if contact is not None else enrolments


@dataclass(frozen=True)
class BenefitChoice:
    key: str
    label: str


def exclusive_benefit_choices(version: ProgramVersion | None) -> list[BenefitChoice]:
    """The financial benefits of which a partner elects exactly one (empty: nothing to elect)."""
    if version is None:
        return []
    keys = policies_of(version).commissions.exclusive_financial_benefits
    # the commission rule paying a benefit names it best ("Referral fee for ...")
    names = dict(
        CommissionRule.objects.filter(version=version, financial_benefit__in=keys)
        .order_by("position")
        .values_list("financial_benefit", "name")
    )
    return [BenefitChoice(key=key, label=names.get(key, key)) for key in keys]


def election_choices_for(enrolment: Enrolment) -> list[BenefitChoice]:
    """The exclusive financial benefits of the enrolment's program version in force today."""
    program = enrolment.program
    return exclusive_benefit_choices(version_in_force(program, program_today(program)))


def tax_document_validity(*, tenant: Tenant, firm_ids: list[int]) -> dict[int, list]:
    """Firm id -> the expiry days (None = no expiry) of its verified tax forms, in one query."""
    validity: dict[int, list] = {firm_id: [] for firm_id in firm_ids}
    verified = TaxDocument.objects.filter(
        tenant=tenant, firm_id__in_ids=firm_ids, status=TaxDocumentStatus.VERIFIED
    ).values_list("firm_id", "expires_on")
    for firm_id, expires_on in verified:
        validity[firm_id].append(expires_on)
    return validity


def tax_document_valid_on(expiries: list, on: datetime.date) -> bool:
    """Whether one of these verified forms (see `tax_document_validity`) is valid on `on`."""
    return any(expires is None or expires >= on for expires in expiries)
