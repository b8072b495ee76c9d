"""Writes about where a partner of several vendors lands: the vendor they picked."""

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from partners.models import PartnerContact
from tenants.models import Tenant


def vendor_choose(*, tenant: Tenant, user: AbstractBaseUser) -> bool:
    """Remember `tenant` as the vendor `user` lands on after sign-in; False if not a contact."""
    # One conditional UPDATE: the newest choice wins; a person who is no contact here changes
    # nothing (and a second click is harmless).
    chosen = PartnerContact.objects.filter(tenant=tenant, user=user, is_active=True).update(
        chosen_at=timezone.now()
    )
    return chosen == 1
