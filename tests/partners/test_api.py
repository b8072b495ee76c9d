import pytest
from django.test import Client

from tests.isolation import assert_hidden_from, assert_visible_to


def api(user, url):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(url)


def test_partner_sees_only_their_own_firm(cast):
    response = api(cast.partner_rep_a1.user, "/simpro/api/v1/partner-firms/")
    assert response.status_code == 200
    assert [firm["name"] for firm in response.json()["results"]] == [cast.firm_a1.name]


def test_staff_see_every_firm_of_their_tenant_only(cast):
    response = api(cast.finance_a, "/simpro/api/v1/partner-firms/")
    names = {firm["name"] for firm in response.json()["results"]}
    assert names == {cast.firm_a1.name, cast.firm_a2.name}


def test_firm_detail_lists_active_contacts(cast):
    url = f"/simpro/api/v1/partner-firms/{cast.firm_a1.pk}/"
    body = api(cast.partner_admin_a1.user, url).json()
    assert {c["email"] for c in body["contacts"]} == {"admin@sparkline.test", "rep@sparkline.test"}


@pytest.mark.parametrize("who", ["partner_rep_a2", "partner_rep_b1", "manager_b", "stranger"])
def test_other_firms_and_tenants_get_404_for_a_firm(cast, who):
    user = getattr(cast, who)
    user = getattr(user, "user", user)
    assert_hidden_from(user, f"/simpro/api/v1/partner-firms/{cast.firm_a1.pk}/")
    assert_visible_to(cast.partner_rep_a1.user, f"/simpro/api/v1/partner-firms/{cast.firm_a1.pk}/")


def test_another_tenants_firm_is_404_even_for_staff(cast):
    assert_hidden_from(cast.manager_a, f"/simpro/api/v1/partner-firms/{cast.firm_b1.pk}/")
    assert_hidden_from(cast.manager_a, f"/ipsoft/api/v1/partner-firms/{cast.firm_b1.pk}/")


def test_anonymous_is_401_in_the_one_error_format(cast):
    response = api(None, "/simpro/api/v1/partner-firms/")
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "not_authenticated",
            "message": "Authentication credentials were not provided.",
            "fields": {},
        }
    }


def test_me_describes_the_caller(cast):
    body = api(cast.partner_admin_a1.user, "/simpro/api/v1/me/").json()
    assert body["tenant"] == "simpro"
    assert body["partner_firm"]["name"] == cast.firm_a1.name
    assert body["partner_role"] == "partner_admin"
    assert body["staff_role"] is None
    assert api(cast.manager_a, "/simpro/api/v1/me/").json()["staff_role"] == "manager"


def test_schema_and_offline_docs_load(cast):
    client = Client()
    schema = client.get("/simpro/api/v1/schema/")
    assert schema.status_code == 200
    assert b"\n  /partner-firms/:" in schema.content and b"{tenant_slug}" not in schema.content
    assert b"ApiKey" in schema.content
    docs = client.get("/simpro/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()
    asset = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert asset.status_code == 200
