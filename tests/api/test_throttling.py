"""Rates per API key and per signed-in person: the one error shape and Retry-After past them."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.test import override_settings

from tests.api.conftest import API, assert_error_shape, key_client, session_client


def low_rates(api_key: str = "3/min", user: str = "2/min"):
    rates = {"api_key": api_key, "user": user}
    return override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    )


@pytest.fixture(autouse=True)
def half_past_the_minute():
    """Counting windows are whole minutes; pinning the clock keeps all calls in one."""
    with time_machine.travel(
        datetime.datetime(2025, 4, 15, 12, 0, 30, tzinfo=datetime.UTC), tick=False
    ):
        yield


@low_rates()
def test_api_key_past_its_rate_gets_429_with_retry_after(cast, erp_a):
    assert [erp_a.get(f"{API}me/").status_code for _ in range(3)] == [200, 200, 200]
    response = erp_a.get(f"{API}me/")
    assert_error_shape(response, 429, "throttled")
    assert response["Retry-After"] == "30"


@low_rates()
def test_another_key_and_another_vendor_keep_their_budget(cast, erp_a, erp_b):
    for _ in range(4):
        erp_a.get(f"{API}me/")
    assert erp_a.get(f"{API}me/").status_code == 429
    assert key_client(cast.tenant_a, "CRM sync").get(f"{API}me/").status_code == 200
    assert erp_b.get("/ipsoft/api/v1/me/").status_code == 200


@low_rates()
def test_signed_in_person_has_their_own_budget(cast):
    partner = session_client(cast.partner_rep_a1.user)
    assert [partner.get(f"{API}me/").status_code for _ in range(3)] == [200, 200, 429]
    assert session_client(cast.partner_rep_a2.user).get(f"{API}me/").status_code == 200


@pytest.mark.parametrize("rate", ["1000/min", "300/min"])
def test_default_rates_are_generous(rate):
    assert rate in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].values()


@pytest.fixture
def throttles_on_redis(settings):
    """The production set-up: the counters in Redis (the suite keeps them in the process)."""
    from tenants.api_throttling import _redis_client

    settings.CACHES = {
        **settings.CACHES,
        settings.API_THROTTLE_CACHE: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": "throttle",
        },
    }
    _redis_client.cache_clear()
    client = _redis_client(settings.API_THROTTLE_CACHE)
    try:
        yield client
    finally:
        for key in client.scan_iter("throttle:*"):
            client.delete(key)
        _redis_client.cache_clear()


@pytest.mark.services
@low_rates(api_key="2/min")
def test_on_redis_each_window_is_counted_and_expires_with_its_minute(
    cast, erp_a, throttles_on_redis
):
    """Shared by every web process, and never stuck: a window without an expiry would keep
    the key at 429 for good."""
    redis = throttles_on_redis
    assert [erp_a.get(f"{API}me/").status_code for _ in range(3)] == [200, 200, 429]
    [window] = redis.keys("throttle:api-throttle:api_key:*")
    assert int(redis.get(window)) == 3
    assert 0 < redis.ttl(window) <= 61
    assert key_client(cast.tenant_b, "ERP").get("/ipsoft/api/v1/me/").status_code == 200
    redis.delete(window)  # the next minute: a new window, a fresh budget
    assert erp_a.get(f"{API}me/").status_code == 200
