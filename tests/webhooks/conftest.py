"""Webhook fixtures: real local receivers, allow-listed, and endpoints pointing at them."""

import pytest

from tenants.scope import tenant_scope
from tests.deals.conftest import deals_cast  # noqa: F401 (fixtures used here)
from tests.tenants.test_tasks import real_worker  # noqa: F401
from tests.webhooks.receiver import Receiver
from webhooks.services import endpoint_create


@pytest.fixture(autouse=True)
def _local_receivers_allowed(settings):
    settings.PRM_WEBHOOK_ALLOW_HOSTS = ["127.0.0.1"]
    settings.PRM_WEBHOOK_TIMEOUT_SECONDS = 1.0


@pytest.fixture
def receivers():
    """Start receivers on demand; all are stopped after the test."""
    started = []

    def start(**options) -> Receiver:
        receiver = Receiver(**options).start()
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.stop()


def endpoint_to(receiver: Receiver, tenant, event_types, *, by=None):
    """An endpoint of `tenant` at `receiver`, which then knows the secret to verify with."""
    with tenant_scope(tenant):
        endpoint, secret = endpoint_create(
            tenant=tenant, url=receiver.url, event_types=event_types, created_by=by
        )
    receiver.secret = secret
    return endpoint
