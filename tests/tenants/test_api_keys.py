import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tenants import rls
from tenants.models import ApiKey
from tenants.scope import tenant_scope
from tenants.services import _api_key_mark_used, api_key_create, api_key_revoke
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


def test_only_a_hash_is_stored_and_use_is_recorded(cast, key_a, django_capture_on_commit_callbacks):
    key, token = key_a
    secret = token.split("_", 2)[2]
    with tenant_scope(cast.tenant_a):
        stored = ApiKey.objects.get(pk=key.pk)
        assert secret not in stored.secret_hash and token not in str(stored.__dict__)
        assert stored.last_used_at is None
    with django_capture_on_commit_callbacks(execute=True):  # use is recorded after commit
        get("/simpro/api/v1/me/", token)
    with tenant_scope(cast.tenant_a):
        assert ApiKey.objects.get(pk=key.pk).last_used_at is not None


def key_updates(queries) -> list[str]:
    executed = (rls.without_settings(q["sql"]) for q in queries)
    return [sql for sql in executed if sql.startswith('UPDATE "tenants_apikey"')]


def test_a_busy_key_writes_its_last_use_once_per_interval(
    cast, key_a, django_capture_on_commit_callbacks, settings
):
    key, token = key_a
    settings.API_KEY_USE_RECORD_SECONDS = 300
    first_use = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)

    with time_machine.travel(first_use, tick=False), CaptureQueriesContext(connection) as sql:
        for _ in range(20):
            with django_capture_on_commit_callbacks(execute=True):
                assert get("/simpro/api/v1/partner-firms/", token).status_code == 200

    assert len(key_updates(sql.captured_queries)) == 1
    with tenant_scope(cast.tenant_a):
        assert ApiKey.objects.get(pk=key.pk).last_used_at == first_use
    # the outsider: another vendor's prefix refuses the key and records nothing more
    assert get("/ipsoft/api/v1/partner-firms/", token).status_code == 401


def test_last_use_is_refreshed_once_the_interval_has_passed(
    cast, key_a, django_capture_on_commit_callbacks, settings
):
    key, token = key_a
    settings.API_KEY_USE_RECORD_SECONDS = 300
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    later = start + datetime.timedelta(minutes=6)
    with time_machine.travel(start, tick=False), django_capture_on_commit_callbacks(execute=True):
        get("/simpro/api/v1/me/", token)
    cache.delete(f"apikey-used:{key.lookup_id}")  # the gate's timeout, without waiting for it
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        get("/simpro/api/v1/me/", token)
    with tenant_scope(cast.tenant_a):
        assert ApiKey.objects.get(pk=key.pk).last_used_at == later


def test_a_second_worker_past_the_gate_does_not_write_again(cast, key_a, settings):
    key, _ = key_a
    settings.API_KEY_USE_RECORD_SECONDS = 300
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        _api_key_mark_used(key.pk, 300)
    with time_machine.travel(start + datetime.timedelta(minutes=1), tick=False):
        _api_key_mark_used(key.pk, 300)  # its gate opened too (cache flushed): no second write
    with tenant_scope(cast.tenant_a):
        assert ApiKey.objects.get(pk=key.pk).last_used_at == start
