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
