"""The console's tenant switch changes the session only on a POST with CSRF (issue 16, 8)."""

import pytest
from django.test import Client

from tenants.middleware import ADMIN_TENANT_SESSION_KEY
from tenants.models import StaffRole
from tests.factories import StaffMembershipFactory, UserFactory


@pytest.fixture
def consultant(cast):
    """Staff of both vendors, working in Simpro's console."""
    user = UserFactory(email="consultant@both.test")
    StaffMembershipFactory(user=user, tenant=cast.tenant_a, role=StaffRole.MANAGER)
    StaffMembershipFactory(user=user, tenant=cast.tenant_b, role=StaffRole.MANAGER)
    return user


def switch_url(tenant) -> str:
    return f"/admin/switch-tenant/{tenant.pk}/"


def console_of(user, *, enforce_csrf_checks: bool = False) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    client.force_login(user)
    return client


def working_in(client: Client) -> int | None:
    """The id of the tenant the console was switched to (the session's choice)."""
    return client.session.get(ADMIN_TENANT_SESSION_KEY)


def test_a_get_is_405_and_changes_nothing(cast, consultant):
    client = console_of(consultant)
    client.post(switch_url(cast.tenant_a))
    response = client.get(switch_url(cast.tenant_b))
    assert response.status_code == 405
    assert working_in(client) == cast.tenant_a.pk


def test_a_post_with_the_token_switches_and_comes_back_to_the_page(cast, consultant):
    client = console_of(consultant, enforce_csrf_checks=True)
    page = client.get("/admin/partners/partnerfirm/")
    token = page.cookies["csrftoken"].value
    response = client.post(
        switch_url(cast.tenant_b),
        {"csrfmiddlewaretoken": token, "next": "/admin/partners/partnerfirm/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/partners/partnerfirm/"
    listing = client.get("/admin/partners/partnerfirm/").content.decode()
    assert cast.firm_b1.name in listing and cast.firm_a1.name not in listing


def test_a_forged_cross_site_post_without_the_token_is_refused(cast, consultant):
    client = console_of(consultant, enforce_csrf_checks=True)
    token = client.get("/admin/").cookies["csrftoken"].value
    client.post(switch_url(cast.tenant_a), {"csrfmiddlewaretoken": token})
    # another site's page posting the drop-down's form: it has the cookie, not the token
    response = client.post(switch_url(cast.tenant_b), headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert working_in(client) == cast.tenant_a.pk
    listing = client.get("/admin/partners/partnerfirm/").content.decode()
    assert cast.firm_a1.name in listing and cast.firm_b1.name not in listing


def test_switching_to_a_vendor_the_user_is_not_staff_of_is_404(cast):
    client = console_of(cast.manager_a)
    response = client.post(switch_url(cast.tenant_b))
    assert response.status_code == 404
    listing = client.get("/admin/partners/partnerfirm/").content.decode()
    assert cast.firm_b1.name not in listing and cast.firm_a1.name in listing


def test_an_outside_redirect_target_is_not_followed(cast, consultant):
    response = console_of(consultant).post(
        switch_url(cast.tenant_b), {"next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_the_drop_down_offers_each_other_vendor_as_a_post_form(cast, consultant):
    client = console_of(consultant)
    client.post(switch_url(cast.tenant_a))
    page = client.get("/admin/").content.decode()
    form = f'<form method="post" action="{switch_url(cast.tenant_b)}"'
    assert form in page
    assert f'href="{switch_url(cast.tenant_b)}"' not in page
    assert f'action="{switch_url(cast.tenant_a)}"' not in page  # not the one it is in


def test_the_home_page_opens_a_console_by_post(cast, consultant):
    page = console_of(consultant).get("/").content.decode()
    assert f'<form method="post" action="{switch_url(cast.tenant_b)}">' in page
    assert f'href="{switch_url(cast.tenant_b)}"' not in page
