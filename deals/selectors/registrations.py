from django.db.models import QuerySet

from deals.models import DealRegistration
from partners.models import PartnerContact
from tenants.models import StaffMembership, Tenant


def registrations_for_partner(*, contact: PartnerContact) -> QuerySet[DealRegistration]:
    """A partner sees their own firm's registrations, never another firm's."""
    return DealRegistration.objects.filter(firm_id=contact.firm_id).select_related(
        "program", "firm"
    )


def registrations_for_reviewer(
    *, tenant: Tenant, membership: StaffMembership | None
) -> QuerySet[DealRegistration]:
    """Reviewers limited to territories see only registrations in those countries."""
    registrations = DealRegistration.objects.filter(tenant=tenant).select_related("firm", "program")
    if membership is not None and membership.territories:
        registrations = registrations.filter(country__in=membership.territories)
    return registrations
