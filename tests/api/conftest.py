"""API-key clients for both vendors of the fixed cast."""

import pytest
from django.test import Client

from tenants.scope import tenant_scope
from tenants.services import api_key_create

API = "/simpro/api/v1/"


def key_token(tenant, name: str = "ERP sync") -> str:
    with tenant_scope(tenant):
        return api_key_create(tenant=tenant, name=name)[1]


def key_client(tenant, name: str = "ERP sync") -> Client:
    return Client(headers={"Authorization": f"Api-Key {key_token(tenant, name)}"})


def session_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def erp_a(cast) -> Client:
    return key_client(cast.tenant_a)


@pytest.fixture
def erp_b(cast) -> Client:
    return key_client(cast.tenant_b)


def post_json(client: Client, url: str, body, **headers):
    return client.post(url, body, content_type="application/json", headers=headers)


def assert_error_shape(response, status: int, code: str | None = None) -> dict:
    """The one error body, with the status; return its `error` object."""
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]
