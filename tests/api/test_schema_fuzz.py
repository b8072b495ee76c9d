"""A bounded schemathesis pass: every operation, a few generated requests each, as an API key
and as a partner's session, in-process through the WSGI app. Any 5xx, or a response that
does not match the documented schema, fails the test with the operation and the request.
"""

import contextlib
import datetime

import hypothesis
import pytest
import schemathesis
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client, override_settings
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from partners.models import PartnerContact
from tenants.scope import tenant_scope
from tests.api.conftest import key_token
from tests.deals.test_orders import approved_registration, customer, line, product, record

# schemathesis's in-process client speaks to "localhost" (and keeps its cookies there)
BASE_URL = "http://localhost/simpro/api/v1"
EXAMPLES_PER_OPERATION = 3
CHECKS = [not_a_server_error, response_schema_conformance]


@contextlib.contextmanager
def in_process_app():
    """Django's WSGI app, sharing the test's transaction as django.test.Client does: a request
    must not close the connection. (A django.test.Client request reconnects the receivers, so
    this wraps only the fuzzing.)"""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(cast):
    """Simpro with a program, an enrolled firm with an approved registration and an order."""
    registration = approved_registration(cast, datetime.date(2025, 4, 1))
    with tenant_scope(registration.tenant):
        product(registration.tenant, "SP-CORE")
        record(
            registration.tenant, customer(registration.tenant), datetime.date(2025, 4, 10), [line()]
        )
        partner = PartnerContact.objects.filter(firm=registration.firm).first().user
    return registration.tenant, partner


def bounded_test(operation, app, headers: dict[str, str], cookies: dict[str, str]):
    """A Hypothesis test of one operation: a few generated requests, each response checked."""

    @hypothesis.given(case=operation.as_strategy())
    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        response = case.call(app=app, base_url=BASE_URL, headers=headers, cookies=cookies)
        case.validate_response(response, checks=CHECKS)

    return run


def fuzz(schema, app, headers: dict[str, str], cookies: dict[str, str]) -> list[str]:
    """Run every operation; return one line per failure (empty: all passed)."""
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            bounded_test(operation, app, headers, cookies)()
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis groups its failures
            found = getattr(exc, "exceptions", None) or [exc]
            detail = "\n".join(str(each)[:1500] for each in found)
            failures.append(f"{operation.method.upper()} {operation.path}: {detail}")
    return failures


@pytest.mark.parametrize("who", ["api_key", "partner_session"])
def test_every_operation_answers_without_5xx_and_as_documented(seeded, who):
    tenant, partner = seeded
    headers, cookies = {}, {}
    if who == "api_key":
        headers = {"Authorization": f"Api-Key {key_token(tenant)}"}
    else:
        client = Client()
        client.force_login(partner)
        name = settings.SESSION_COOKIE_NAME
        cookies = {name: client.cookies[name].value}
    document = Client().get("/simpro/api/v1/schema/?format=json").json()
    schema = schemathesis.openapi.from_dict(document)
    generous = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_key": None, "user": None},
    }
    hosts = [*settings.ALLOWED_HOSTS, "localhost"]
    with override_settings(REST_FRAMEWORK=generous, ALLOWED_HOSTS=hosts), in_process_app() as app:
        failures = fuzz(schema, app, headers, cookies)
    assert not failures, f"{len(failures)} operation(s) failed:\n" + "\n\n".join(failures)
