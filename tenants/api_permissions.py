from collections.abc import Callable

from rest_framework import exceptions, permissions
from rest_framework.request import Request

from tenants.models import ApiKey, StaffRole


def is_tenant_api_key(request) -> bool:
    return isinstance(request.auth, ApiKey) and request.auth.tenant_id == request.tenant.pk


def is_tenant_staff(request, roles: tuple[str, ...] = tuple(StaffRole.values)) -> bool:
    membership = getattr(request, "staff_membership", None)
    if membership is not None and membership.role in roles:
        return True
    return bool(request.user and request.user.is_authenticated and request.user.is_superuser)


class TenantPermission(permissions.BasePermission):
    """Base: anonymous gets 401; a signed-in outsider gets 404, not a hint the data exists."""

    def allows(self, request) -> bool:
        raise NotImplementedError

    def has_permission(self, request, view) -> bool:
        if getattr(request, "tenant", None) is None:
            raise exceptions.NotFound()
        if self.allows(request):
            return True
        if request.auth is None and not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        raise exceptions.NotFound()


class IsTenantStaff(TenantPermission):
    """The tenant's staff, its superusers, or one of its API keys."""

    def allows(self, request) -> bool:
        return is_tenant_api_key(request) or is_tenant_staff(request)


_member_checks: list[Callable[[Request], bool]] = []


def register_member_check(check: Callable[[Request], bool]) -> None:
    """Let an app that knows another kind of member (partners) say who belongs to the tenant."""
    if check not in _member_checks:
        _member_checks.append(check)


class IsTenantMember(TenantPermission):
    """Staff and API keys, or anyone a registered member check accepts (partner contacts)."""

    def allows(self, request) -> bool:
        return (
            is_tenant_api_key(request)
            or is_tenant_staff(request)
            or any(check(request) for check in _member_checks)
        )


class IsSignedIn(TenantPermission):
    """Any signed-in person (e.g. someone applying to become a partner)."""

    def allows(self, request) -> bool:
        return bool(request.user and request.user.is_authenticated)
