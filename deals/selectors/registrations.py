import datetime

from django.db.models import QuerySet
from django.utils import timezone

from deals.models import DealRegistration
from partners.models import Enrolment, PartnerContact, PartnerFirm
from partners.models.enrolment import ENDED_STATUSES
from programs.models import Program
from programs.policies import FORMAT_DEFAULT, policies_of
from programs.schema import DealRegistration as DealRegistrationPolicy
from programs.schema import RejectionReason
from programs.selectors import version_in_force
from tenants.models import StaffMembership, Tenant


def registrations_for_partner(*, contact: PartnerContact) -> QuerySet[DealRegistration]:
    """A partner sees their own firm's registrations, never another firm's."""
    return (
        DealRegistration.objects.filter(firm_id=contact.firm_id)
        .select_related("program", "firm")
        .order_by("-submitted_at", "-pk")  # registration_firm_recent_idx
    )


def registrations_for_reviewer(
    *, tenant: Tenant, membership: StaffMembership | None
) -> QuerySet[DealRegistration]:
    """Reviewers limited to territories see only registrations in those countries."""
    registrations = (
        DealRegistration.objects.filter(tenant=tenant)
        .select_related("firm", "program")
        .order_by("-submitted_at", "-pk")  # registration_recent_idx
    )
    if membership is not None and membership.territories:
        registrations = registrations.filter(country__in=membership.territories)
    return registrations


def live_programs_of(firm: PartnerFirm) -> list[Program]:
    """The programs a firm may register deals under (live, not suspended, enrolments)."""
    enrolments = (
        Enrolment.objects.filter(firm=firm)
        .exclude(status__in=[*ENDED_STATUSES, "suspended"])
        .select_related("program")
    )
    return sorted({e.program for e in enrolments}, key=lambda p: p.name)


def rejection_reasons_for(
    registration: DealRegistration, *, on: datetime.date | None = None
) -> list[RejectionReason]:
    """The reasons the registration's program offers for a rejection (its vendor's list)."""
    version = version_in_force(registration.program, on or timezone.localdate())
    if version is None:
        return list(DealRegistrationPolicy(source=FORMAT_DEFAULT).rejection_reasons)
    return list(policies_of(version).deal_registration.rejection_reasons)
