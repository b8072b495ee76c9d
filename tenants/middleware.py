"""The one place a request's tenant is resolved and its scope opened."""

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve

from tenants.scope import all_tenants, no_scope, tenant_scope
from tenants.selectors import staff_memberships_of, tenant_by_slug

TENANT_KWARG = "tenant_slug"
ADMIN_TENANT_SESSION_KEY = "admin_tenant_id"


class TenantMiddleware:
    """Resolve the tenant from the URL prefix (/<tenant>/...) or, in the admin, from the
    staff membership, and run the rest of the request inside that tenant's scope."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.tenant = None
        request.staff_membership = None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            with no_scope():
                return self.get_response(request)

        if TENANT_KWARG in match.kwargs:
            return self._tenant_request(request, match.kwargs[TENANT_KWARG])
        if match.app_name == "admin":
            return self._admin_request(request)
        with no_scope():
            return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Views get request.tenant; the raw slug stops here.
        view_kwargs.pop(TENANT_KWARG, None)

    def _tenant_request(self, request: HttpRequest, slug: str) -> HttpResponse:
        tenant = tenant_by_slug(slug)
        if tenant is None:
            raise Http404(f"No vendor called {slug!r} here.")
        if slug != tenant.slug and request.method in ("GET", "HEAD"):
            canonical = request.get_full_path().replace(f"/{slug}/", f"/{tenant.slug}/", 1)
            return HttpResponsePermanentRedirect(canonical)
        request.tenant = tenant
        request.staff_membership = next(
            (m for m in staff_memberships_of(request.user) if m.tenant_id == tenant.pk), None
        )
        with tenant_scope(tenant):
            return self.get_response(request)

    def _admin_request(self, request: HttpRequest) -> HttpResponse:
        memberships = staff_memberships_of(request.user)
        chosen_id = request.session.get(ADMIN_TENANT_SESSION_KEY)
        membership = next((m for m in memberships if m.tenant_id == chosen_id), None)
        if membership is None and memberships:
            membership = memberships[0]
        if membership is not None:
            request.staff_membership = membership
            request.tenant = membership.tenant
            with tenant_scope(membership.tenant):
                return self.get_response(request)
        if request.user.is_authenticated and request.user.is_superuser:
            # A superuser without a membership works across tenants, with a tenant filter.
            with all_tenants():
                return self.get_response(request)
        with no_scope():
            return self.get_response(request)
