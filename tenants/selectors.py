from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from tenants.models import StaffMembership, Tenant
from tenants.scope import all_tenants


def tenant_by_slug(slug: str) -> Tenant | None:
    """Return the active tenant whose slug matches case-insensitively, or None."""
    return Tenant.objects.filter(slug__iexact=slug, is_active=True).first()


def staff_memberships_of(user: AbstractBaseUser | AnonymousUser) -> list[StaffMembership]:
    """Return the user's staff memberships across tenants, tenant loaded."""
    if not user.is_authenticated:
        return []
    # Who-is-staff-where is identity, not tenant data: crossing tenants is the point.
    with all_tenants():
        return list(
            StaffMembership.objects.filter(user=user, tenant__is_active=True)
            .select_related("tenant")
            .order_by("tenant__name")
        )


def staff_membership_in(
    user: AbstractBaseUser | AnonymousUser, tenant: Tenant
) -> StaffMembership | None:
    """Return the user's staff membership in `tenant`, or None."""
    return next((m for m in staff_memberships_of(user) if m.tenant_id == tenant.pk), None)
