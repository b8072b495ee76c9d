import pytest
from django.test import Client

from tenants.models import ApiKey
from tenants.scope import tenant_scope
from tenants.services import api_key_create, api_key_revoke
from tests.isolation import assert_hidden_from


@pytest.fixture
def key_a(cast):
    with tenant_scope(cast.tenant_a):
        return api_key_create(tenant=cast.tenant_a, name="ERP sync", created_by=cast.manager_a)


def get(url, token, keyword="Api-Key"):
    return Client().get(url, headers={"Authorization": f"{keyword} {token}"})


def test_valid_key_reaches_its_tenants_endpoints(cast, key_a):
    _, token = key_a
    response = get("/simpro/api/v1/partner-firms/", token)
    assert response.status_code == 200
    names = {firm["name"] for firm in response.json()["results"]}
    assert names == {cast.firm_a1.name, cast.firm_a2.name}
    assert get("/simpro/api/v1/me/", token, keyword="Bearer").json()["api_key"] == "ERP sync"


def test_key_of_tenant_a_is_refused_by_tenant_b(cast, key_a):
    _, token = key_a
    response = get("/ipsoft/api/v1/partner-firms/", token)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "This API key is not valid for this vendor."


def test_key_cannot_reach_another_tenants_object_through_its_own_prefix(cast, key_a):
    _, token = key_a
    url = f"/simpro/api/v1/partner-firms/{cast.firm_b1.pk}/"
    assert_hidden_from(None, url, api_key=token)


def test_revoked_key_is_401(cast, key_a):
    key, token = key_a
    with tenant_scope(cast.tenant_a):
        api_key_revoke(tenant=cast.tenant_a, api_key=key)
    response = get("/simpro/api/v1/me/", token)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "This API key has been revoked."
    assert "Api-Key" in response["WWW-Authenticate"]


@pytest.mark.parametrize("token", ["prm_0000000000000000_wrong", "prm_nope", "garbage", "prm_", ""])
def test_bad_tokens_are_401_in_the_one_error_format(cast, key_a, token):
    response = get("/simpro/api/v1/me/", token)
    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_wrong_secret_for_a_real_key_id_is_401(cast, key_a):
    key, _ = key_a
    forged = f"prm_{key.lookup_id}_{'x' * 43}"
    assert get("/simpro/api/v1/me/", forged).status_code == 401


def test_only_a_hash_is_stored_and_use_is_recorded(cast, key_a):
    key, token = key_a
    secret = token.split("_", 2)[2]
    with tenant_scope(cast.tenant_a):
        stored = ApiKey.objects.get(pk=key.pk)
        assert secret not in stored.secret_hash and token not in str(stored.__dict__)
        assert stored.last_used_at is None
    get("/simpro/api/v1/me/", token)
    with tenant_scope(cast.tenant_a):
        assert ApiKey.objects.get(pk=key.pk).last_used_at is not None
