"""Writes of a firm's directory profile: its description and website, by its partner admins."""

from django.db import transaction

from partners.models import ContactRole, PartnerContact, PartnerProfile
from partners.selectors.directory import profile_of
from tenants.errors import NotAllowed
from tenants.models import Tenant


@transaction.atomic
def profile_update(
    *, tenant: Tenant, contact: PartnerContact, description: str, website: str
) -> PartnerProfile:
    """A partner admin sets what the directory says of their firm; both rows checked first."""
    if contact.role != ContactRole.PARTNER_ADMIN or not contact.is_active:
        raise NotAllowed("Only your firm's partner admins can edit its directory profile.")
    firm = contact.firm
    profile = profile_of(firm)
    firm.website = website.strip()
    profile.description = description.strip()
    profile.updated_by = contact.user
    firm.full_clean()
    profile.full_clean()
    firm.save(update_fields=["website"])
    profile.save()
    return profile
