from django.db import transaction

from partners.models import ContactRole, PartnerContact, PartnerFirm
from tenants.errors import Conflict
from tenants.models import Tenant
from tenants.services import send_invitation, user_for_email


@transaction.atomic
def contact_invite(
    *, request, tenant: Tenant, firm: PartnerFirm, email: str, role: str = ContactRole.PARTNER_REP
) -> PartnerContact:
    """Add the person with `email` to `firm`, inviting them by e-mail if they are new."""
    user, created = user_for_email(email=email)
    existing = PartnerContact.objects.filter(tenant=tenant, user=user).first()
    if existing is not None and existing.firm_id != firm.pk:
        if existing.is_active:
            raise Conflict(f"{user.email} already works with another partner firm of this vendor.")
        existing.firm = firm  # removed from their old firm: free to join this one
    contact = existing or PartnerContact(tenant=tenant, firm=firm, user=user)
    contact.role = role
    contact.is_active = True
    contact.full_clean()
    contact.save()
    if created:
        transaction.on_commit(lambda: send_invitation(request=request, user=user))
    return contact
