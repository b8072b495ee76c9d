import pytest
from django.test import Client

from tenants.models import Tenant


@pytest.fixture
def partner_client(cast):
    client = Client()
    client.force_login(cast.partner_rep_a1.user)
    return client


def test_known_tenant_resolves_to_its_portal(cast, partner_client):
    response = partner_client.get("/simpro/portal/")
    assert response.status_code == 200
    assert b"Sparkline Pty Ltd" in response.content
    assert b"Simpro" in response.content


def test_unknown_tenant_is_404(cast, partner_client):
    assert partner_client.get("/nosuchvendor/portal/").status_code == 404
    assert partner_client.get("/nosuchvendor/api/v1/me/").status_code == 404


def test_inactive_tenant_is_404(cast, partner_client):
    Tenant.objects.filter(pk=cast.tenant_a.pk).update(is_active=False)
    assert partner_client.get("/simpro/portal/").status_code == 404


def test_tenant_slug_is_case_insensitive_and_redirects_to_canonical(cast, partner_client):
    response = partner_client.get("/SimPro/portal/?x=1")
    assert response.status_code == 301
    assert response["Location"] == "/simpro/portal/?x=1"


def test_api_with_other_case_is_served_without_redirect_for_writes(cast, partner_client):
    response = partner_client.post("/SIMPRO/api/v1/me/", content_type="application/json")
    # resolved (not 404, not a redirect that would drop the body); GET-only endpoint says 405
    assert response.status_code == 405


def test_partner_of_one_vendor_is_only_offered_the_application_at_another(cast, partner_client):
    response = partner_client.get("/ipsoft/portal/")
    assert response.status_code == 302
    assert response["Location"] == "/ipsoft/portal/apply/"


def test_portal_requires_sign_in(cast):
    response = Client().get("/simpro/portal/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_reserved_slugs_cannot_become_tenants(db):
    with pytest.raises(Exception) as excinfo:
        Tenant(slug="admin", name="Admin").full_clean()
    assert "reserved" in str(excinfo.value)
