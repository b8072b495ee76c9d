from collections.abc import Callable

from rest_framework import exceptions, permissions
from rest_framework.request import Request

from tenants.models import SCOPE_NAMES, ApiKey, ApiKeyScope, StaffRole


def is_tenant_api_key(request) -> bool:
    return isinstance(request.auth, ApiKey) and request.auth.tenant_id == request.tenant.pk


def is_tenant_staff(request, roles: tuple[str, ...] = tuple(StaffRole.values)) -> bool:
    membership = getattr(request, "staff_membership", None)
    if membership is not None and membership.role in roles:
        return True
    return bool(request.user and request.user.is_authenticated and request.user.is_superuser)


def api_key_scopes_needed(request, view) -> set[str]:
    """What a key needs for this call: read (safe methods) or write, plus the view's own.

    A view declares `api_key_scopes = (ApiKeyScope.FINANCE,)` where more than reading or
    writing is at stake (payouts, tax forms); every other view needs only the method's scope.
    """
    method_scope = (
        ApiKeyScope.READ if request.method in permissions.SAFE_METHODS else (ApiKeyScope.WRITE)
    )
    return {str(method_scope), *map(str, getattr(view, "api_key_scopes", ()))}


def require_api_key_scopes(request, view) -> None:
    """403 naming the missing scope: the key is the tenant's own, so hiding would mislead."""
    missing = request.auth.lacks(api_key_scopes_needed(request, view))
    if missing:
        names = " and ".join(SCOPE_NAMES[scope] for scope in missing)
        noun = "scope" if len(missing) == 1 else "scopes"
        raise exceptions.PermissionDenied(
            f"This API key lacks the {names} {noun}; a tenant administrator can issue a key "
            "that has it."
        )


class TenantPermission(permissions.BasePermission):
    """Base: anonymous gets 401; a signed-in outsider gets 404, not a hint the data exists.

    An API key of the tenant passes only with the scopes the call needs (else 403).
    """

    def allows(self, request) -> bool:
        raise NotImplementedError

    def has_permission(self, request, view) -> bool:
        if getattr(request, "tenant", None) is None:
            raise exceptions.NotFound()
        if self.allows(request):
            if is_tenant_api_key(request):
                require_api_key_scopes(request, view)
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
