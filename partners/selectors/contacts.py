from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from partners.models import PartnerContact, PartnerFirm
from tenants.models import Tenant
from tenants.scope import all_tenants


def contact_in(user: AbstractBaseUser | AnonymousUser, tenant: Tenant) -> PartnerContact | None:
    """Return the user's active partner contact in `tenant`, or None."""
    if not user.is_authenticated:
        return None
    contact = (
        PartnerContact.objects.filter(tenant=tenant, user=user, is_active=True)
        .select_related("firm")
        .first()
    )
    if contact is not None:  # the tenant the query matched: a page asking for it reads nothing
        contact.tenant = tenant
        if contact.firm.tenant_id == tenant.pk:
            contact.firm.tenant = tenant
    return contact


def contacts_of(user: AbstractBaseUser | AnonymousUser) -> list[PartnerContact]:
    """Return the user's active partner contacts across vendors (for the home page)."""
    if not user.is_authenticated:
        return []
    # Which portals a person may enter is identity, not tenant data.
    with all_tenants():
        return list(
            PartnerContact.objects.filter(user=user, is_active=True, tenant__is_active=True)
            .select_related("tenant", "firm")
            .order_by("tenant__name")
        )


def firms_visible_to(*, tenant: Tenant, contact: PartnerContact | None) -> QuerySet[PartnerFirm]:
    """Staff see every firm of the tenant; a partner contact sees only their own."""
    firms = PartnerFirm.objects.filter(tenant=tenant)
    return firms.filter(pk=contact.firm_id) if contact is not None else firms


def firm_contacts(*, firm: PartnerFirm) -> QuerySet[PartnerContact]:
    return PartnerContact.objects.filter(firm=firm, is_active=True).select_related("user")
