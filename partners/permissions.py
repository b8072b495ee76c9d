from partners.selectors import contact_in
from tenants.api_permissions import TenantPermission, is_tenant_api_key, is_tenant_staff


def partner_contact(request):
    """Return (and remember) the request user's partner contact in the request's tenant."""
    if not hasattr(request, "_partner_contact"):
        request._partner_contact = contact_in(request.user, request.tenant)
    return request._partner_contact


class IsTenantMember(TenantPermission):
    """The tenant's staff and API keys, or a contact of one of its partner firms."""

    def allows(self, request) -> bool:
        return (
            is_tenant_api_key(request)
            or is_tenant_staff(request)
            or partner_contact(request) is not None
        )
