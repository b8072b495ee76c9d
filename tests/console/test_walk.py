"""Every console list and change page answers each role as that role may see it.

Walks the whole console (every registered model) on the demo data as the superuser, a
tenant admin, a partner manager and finance: 200 where the role may look, 403 where it may
not, 404 for another vendor's row; and no page shows "X object (N)" or minor units."""

import html
import re

import pytest
from django.contrib import admin
from django.urls import reverse

from commissions.models import PayoutBatch
from tenants.models import StaffRole, Tenant
from tenants.scope import tenant_scope
from tests.console.conftest import console_client
from tests.factories import StaffMembershipFactory, UserFactory

SUPERUSER = "admin@prm.demo"
ROLES = {
    "manager@cimcloud.demo": StaffRole.MANAGER,
    "finance@cimcloud.demo": StaffRole.FINANCE,
    "boss@cimcloud.test": StaffRole.ADMIN,
}
UNREADABLE = ("object (", " minor", "_minor", '["', '{"')
CODE = re.compile(r"<(script|style|textarea)\b.*?</\1>", re.S)
TAG = re.compile(r"<[^>]*>")


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def sample(model, tenant: Tenant):
    """One row of `model` that belongs to `tenant` (the tenant itself for Tenant)."""
    if model is Tenant:
        return tenant
    with tenant_scope(tenant):
        return model._default_manager.order_by("pk").first()


def may_view(model_admin, role: str | None) -> bool:
    """The superuser sees everything; staff what the page's roles allow (Django's own pages,
    users and groups are the superuser's; a vendor's admins see their own vendor's brand)."""
    if role is None:
        return True
    if model_admin.model is Tenant:
        return role == StaffRole.ADMIN
    roles = (*getattr(model_admin, "view_roles", ()), *getattr(model_admin, "edit_roles", ()))
    return role in roles


def visible_text(response) -> str:
    """What a person reads: no tags, attributes, scripts or form fields' raw values."""
    return html.unescape(TAG.sub(" ", CODE.sub(" ", response.content.decode())))


def assert_readable(url: str, response) -> None:
    text = visible_text(response)
    for fragment in UNREADABLE:
        assert fragment not in text, f"{url} shows {fragment!r}"


@pytest.fixture
def console(demo):
    StaffMembershipFactory(
        tenant=demo, user=UserFactory(email="boss@cimcloud.test"), role=StaffRole.ADMIN
    )
    return demo


@pytest.mark.parametrize("email", [SUPERUSER, *ROLES])
def test_every_console_page_answers_the_role(console, email):
    client = console_client(email)
    role = ROLES.get(email)
    other_tenant = Tenant.objects.get(slug="simpro")
    failures = []
    for model, model_admin in admin.site._registry.items():
        allowed = may_view(model_admin, role)
        url = admin_url(model, "changelist")
        response = client.get(url)
        if response.status_code != (200 if allowed else 403):
            failures.append((url, response.status_code))
        elif allowed:
            assert_readable(url, response)

        own = sample(model, console)
        if own is not None:
            url = admin_url(model, "change", own.pk)
            response = client.get(url)
            if response.status_code != (200 if allowed else 403):
                failures.append((url, response.status_code))
            elif allowed:
                assert_readable(url, response)

        foreign = sample(model, other_tenant)
        if foreign is not None and role is not None:
            url = admin_url(model, "change", foreign.pk)
            status = client.get(url).status_code
            if status not in ((404,) if allowed else (403, 404)):
                failures.append((url, status))
    assert failures == []


def test_the_superuser_adds_a_vendor_in_the_console(console):
    client = console_client(SUPERUSER)
    assert client.get("/admin/tenants/tenant/").status_code == 200
    assert client.get("/admin/tenants/tenant/add/").status_code == 200
    assert console_client("manager@cimcloud.demo").get("/admin/tenants/tenant/").status_code == 403


def test_a_mistyped_console_address_is_not_found_not_an_error(console):
    client = console_client("finance@cimcloud.demo")
    with tenant_scope(console):
        batch = PayoutBatch.objects.get()
    assert client.get(f"/admin/commissions/payoutbatch/{batch.pk}/xlsx/change/").status_code == 404
    assert client.get("/admin/deals/dealregistration/9x/change/").status_code in (302, 404)
