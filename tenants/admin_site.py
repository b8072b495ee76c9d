"""The console: Django admin with unfold's look, opened to tenant staff by role."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from unfold.forms import AuthenticationForm
from unfold.sites import UnfoldAdminSite

from tenants.middleware import ADMIN_TENANT_SESSION_KEY
from tenants.selectors import staff_memberships_of


class ConsoleLoginForm(AuthenticationForm):
    """Vendor staff sign in with their e-mail, by membership rather than Django's is_staff."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "E-mail"

    def confirm_login_allowed(self, user) -> None:
        if not user.is_active or not (user.is_superuser or staff_memberships_of(user)):
            raise forms.ValidationError(
                "This account is not on any vendor's staff. Partners sign in at /accounts/login/.",
                code="invalid_login",
            )


class PrmAdminSite(UnfoldAdminSite):
    site_header = "PRM console"
    site_title = "PRM console"
    index_title = "Today's work"
    login_form = ConsoleLoginForm

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        if not user.is_active:
            return False
        return user.is_superuser or getattr(request, "staff_membership", None) is not None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._extra_views: list = []

    def register_view(self, route: str, view, name: str) -> None:
        """Add a console page that is not a model's (e.g. an import), behind the console login."""
        self._extra_views.append((route, view, name))

    def extra_urls(self):
        return [
            path(
                "switch-tenant/<int:tenant_id>/",
                self.admin_view(require_POST(self.switch_tenant)),
                name="switch_tenant",
            ),
            *(
                path(route, self.admin_view(view), name=name)
                for route, view, name in self._extra_views
            ),
        ]

    def switch_tenant(self, request: HttpRequest, tenant_id: int):
        """Make another of the user's tenants the one the console shows (a POST with CSRF:
        it changes the session; a tenant the user is not staff of is not found)."""
        allowed = {m.tenant_id: m.tenant for m in staff_memberships_of(request.user)}
        if tenant_id not in allowed:
            raise Http404("No such vendor among yours.")
        request.session[ADMIN_TENANT_SESSION_KEY] = tenant_id
        messages.info(request, f"Now working in {allowed[tenant_id].name}.")
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = reverse("admin:index")
        return HttpResponseRedirect(back)


def environment_badge(request: HttpRequest) -> list[str] | None:
    """Show which tenant the console is working in (unfold's ENVIRONMENT slot)."""
    tenant = getattr(request, "tenant", None)
    if tenant is not None:
        return [tenant.name, "info"]
    if request.user.is_authenticated and request.user.is_superuser:
        return ["All tenants", "warning"]
    return None


def tenant_dropdown(request: HttpRequest) -> list[dict]:
    """The site drop-down: switch between the tenants the user is staff of (each a POST form:
    templates/unfold/helpers/site_dropdown.html)."""
    return [
        {
            "title": f"Switch to {m.tenant.name}",
            "icon": "swap_horiz",
            "link": reverse("admin:switch_tenant", args=[m.tenant_id]),
        }
        for m in staff_memberships_of(request.user)
        if m.tenant_id != getattr(getattr(request, "tenant", None), "pk", None)
    ]
