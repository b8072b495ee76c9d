"""A real Celery worker, against Redis and PostgreSQL, sends a signed delivery."""

import time

import pytest

from config.celery import app
from tenants.scope import tenant_scope
from tests.webhooks.conftest import endpoint_to
from webhooks.models import WebhookDelivery
from webhooks.payloads import Announcement
from webhooks.services import messages_record
from webhooks.tasks import webhook_send


@pytest.fixture
def worker_may_call_localhost(monkeypatch):
    monkeypatch.setenv("PRM_WEBHOOK_ALLOW_HOSTS", "127.0.0.1")


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_and_logs(cast, receivers, worker_may_call_localhost, real_worker):
    receiver = receivers()
    endpoint = endpoint_to(receiver, cast.tenant_a, ["order.completed"])
    with tenant_scope(cast.tenant_a):
        [delivery_id] = messages_record(
            tenant=cast.tenant_a,
            run_key="run-1",
            announcements=[Announcement("order.completed", "order:1", {"id": 1})],
        )
    assert app.conf.task_always_eager is False

    sent = webhook_send.apply_async(args=[cast.tenant_a.pk, delivery_id], queue=real_worker)

    assert sent.get(timeout=60) is True
    deadline = time.monotonic() + 10
    while not receiver.received and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [r.verified for r in receiver.received] == [True]
    with tenant_scope(cast.tenant_a):
        delivery = WebhookDelivery.objects.get(pk=delivery_id, endpoint=endpoint)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 200)
