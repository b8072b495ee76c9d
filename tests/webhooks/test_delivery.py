"""Deliveries to a real local receiver: signed, retried when due, logged, isolated per vendor,
disabled after a day of failures, and never held up by another endpoint's slowness."""

import datetime
import itertools
import threading
import time

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from config.celery import app
from tenants import events
from tenants.scope import tenant_scope
from tests.deals.test_registration_pages import registration_of
from tests.webhooks.conftest import endpoint_to
from webhooks import tasks
from webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
)
from webhooks.sender import EXCERPT_BYTES
from webhooks.services import MAX_ATTEMPTS, delivery_redeliver, endpoint_update

SUBMITTED = "deal_registration.submitted"


def attempts_of(tenant, endpoint):
    with tenant_scope(tenant):
        return list(WebhookAttempt.objects.filter(delivery__endpoint=endpoint).order_by("number"))


def delivery_of(tenant, endpoint) -> WebhookDelivery:
    with tenant_scope(tenant):
        return WebhookDelivery.objects.select_related("message").get(endpoint=endpoint)


def send_due(tenant, at: datetime.datetime) -> None:
    """What the `webhooks-due` beat entry does, at `at`."""
    with time_machine.travel(at, tick=False):
        tasks.webhooks_send_due.delay(tenant.pk)


def test_a_500_is_retried_when_due_and_the_log_shows_both_attempts(
    deals_cast, receivers, django_capture_on_commit_callbacks
):
    c = deals_cast
    receiver = receivers(script=[500])
    endpoint = endpoint_to(receiver, c.tenant_a, [SUBMITTED])
    with django_capture_on_commit_callbacks(execute=True):
        registration = registration_of(c.partner_admin_a1)

    first = delivery_of(c.tenant_a, endpoint)
    assert (first.status, first.attempts, first.last_status_code) == ("pending", 1, 500)
    assert len(receiver.received) == 1
    # not due yet: the sweep sends nothing
    send_due(c.tenant_a, timezone.now())
    assert len(receiver.received) == 1

    send_due(c.tenant_a, first.next_attempt_at + datetime.timedelta(seconds=1))

    delivered = delivery_of(c.tenant_a, endpoint)
    assert (delivered.status, delivered.attempts, delivered.last_status_code) == (
        "succeeded",
        2,
        200,
    )
    assert [r.verified for r in receiver.received] == [True, True]
    ids = {r.headers["webhook-id"] for r in receiver.received}
    assert ids == {delivered.message.message_id}  # the same message id on every attempt
    stamps = [int(r.headers["webhook-timestamp"]) for r in receiver.received]
    assert stamps[1] > stamps[0]  # each attempt signed at its own time
    event = receiver.received[1].event
    assert event["type"] == SUBMITTED
    assert event["data"]["id"] == registration.pk
    assert event["data"]["company_name"] == "Acme Inc."
    log = attempts_of(c.tenant_a, endpoint)
    assert [(a.number, a.status_code, a.succeeded) for a in log] == [
        (1, 500, False),
        (2, 200, True),
    ]
    retry_after = log[0].next_retry_at - log[0].started_at
    assert datetime.timedelta(seconds=45) < retry_after < datetime.timedelta(seconds=75)
    assert log[1].next_retry_at is None
    assert '"ok": true' in log[1].response_excerpt
    assert all(a.latency_ms < 1000 for a in log)


def test_another_vendors_endpoint_receives_nothing_of_this_vendors_events(
    deals_cast, receivers, django_capture_on_commit_callbacks
):
    c = deals_cast
    receiver_a, receiver_b = receivers(), receivers()
    endpoint_to(receiver_a, c.tenant_a, [SUBMITTED])
    endpoint_b = endpoint_to(receiver_b, c.tenant_b, [SUBMITTED])

    with django_capture_on_commit_callbacks(execute=True):
        registration_of(c.partner_admin_a1)

    assert len(receiver_a.received) == 1
    assert receiver_b.received == []
    with tenant_scope(c.tenant_b):
        assert not WebhookDelivery.objects.filter(endpoint=endpoint_b).exists()

    with django_capture_on_commit_callbacks(execute=True):
        registration_of(c.partner_rep_b1, "Initech", "initech.com")
    assert [r.event["data"]["company_name"] for r in receiver_b.received] == ["Initech"]
    assert len(receiver_a.received) == 1


def test_an_endpoint_is_only_sent_the_events_it_chose(
    deals_cast, receivers, django_capture_on_commit_callbacks
):
    c = deals_cast
    receiver = receivers()
    endpoint_to(receiver, c.tenant_a, ["deal_registration.approved"])
    with django_capture_on_commit_callbacks(execute=True):
        registration_of(c.partner_admin_a1)
    assert receiver.received == []
    with tenant_scope(c.tenant_a):
        assert not WebhookMessage.objects.exists()  # nothing stored nobody asked for


def test_a_domain_delivery_run_twice_sends_its_message_once(
    deals_cast, receivers, django_capture_on_commit_callbacks
):
    c = deals_cast
    receiver = receivers()
    endpoint_to(receiver, c.tenant_a, [SUBMITTED])
    with tenant_scope(c.tenant_a):
        registration = registration_of(c.partner_admin_a1)
    payload = [{"registration_id": registration.pk}]
    for _ in range(2):  # a worker lost after its work: the same delivery comes again
        with django_capture_on_commit_callbacks(execute=True):
            events.events_deliver.apply(
                args=[c.tenant_a.pk, events.REGISTRATION_SUBMITTED, payload, "delivery-1"]
            )
    assert len(receiver.received) == 1
    with tenant_scope(c.tenant_a):
        assert WebhookMessage.objects.count() == 1


def test_a_failing_endpoint_is_disabled_after_its_last_attempt_and_admins_are_mailed(
    deals_cast, receivers, django_capture_on_commit_callbacks
):
    c = deals_cast
    receiver = receivers(then=503)
    endpoint = endpoint_to(receiver, c.tenant_a, [SUBMITTED])
    with django_capture_on_commit_callbacks(execute=True):
        registration_of(c.partner_admin_a1)
    start = delivery_of(c.tenant_a, endpoint).created_at

    for _ in range(MAX_ATTEMPTS - 1):
        due = delivery_of(c.tenant_a, endpoint).next_attempt_at
        with django_capture_on_commit_callbacks(execute=True):
            send_due(c.tenant_a, due + datetime.timedelta(seconds=1))

    delivery = delivery_of(c.tenant_a, endpoint)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        "failed",
        MAX_ATTEMPTS,
        None,
    )
    log = attempts_of(c.tenant_a, endpoint)
    assert len(receiver.received) == len(log) == MAX_ATTEMPTS
    # exponential: each wait is longer than the one before, and it all spans about a day
    waits = [b.started_at - a.started_at for a, b in itertools.pairwise(log)]
    # (the last two waits are both at the 8-hour cap)
    assert all(later > earlier for earlier, later in itertools.pairwise(waits[:-1]))
    assert datetime.timedelta(hours=17) < log[-1].started_at - start < datetime.timedelta(hours=27)
    with tenant_scope(c.tenant_a):
        endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "HTTP 503" in endpoint.disabled_reason
    assert [m.to for m in mail.outbox if "Webhook endpoint disabled" in m.subject] == [
        [c.admin_a.email]  # the tenant's admins, not its managers or another vendor's staff
    ]

    # switched back on and redelivered by hand, it gets through
    receiver.then = 200
    with tenant_scope(c.tenant_a), django_capture_on_commit_callbacks(execute=True):
        endpoint.is_active = True
        endpoint_update(tenant=c.tenant_a, endpoint=endpoint)
        delivery_redeliver(tenant=c.tenant_a, delivery=delivery)
        tasks.deliveries_enqueue(c.tenant_a.pk, [delivery.pk], trigger="manual")
    assert delivery_of(c.tenant_a, endpoint).status == DeliveryStatus.SUCCEEDED
    assert attempts_of(c.tenant_a, endpoint)[-1].trigger == "manual"


def test_a_url_that_resolves_to_a_private_address_at_send_time_is_not_called(
    deals_cast, receivers, monkeypatch, django_capture_on_commit_callbacks
):
    c = deals_cast
    receiver = receivers()
    endpoint = endpoint_to(receiver, c.tenant_a, [SUBMITTED])
    # the allow-list no longer covers it: now it is a loopback address like any other
    monkeypatch.setattr("django.conf.settings.PRM_WEBHOOK_ALLOW_HOSTS", [])
    with tenant_scope(c.tenant_a):
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            url=receiver.url.replace("http://", "https://")
        )
    with django_capture_on_commit_callbacks(execute=True):
        registration_of(c.partner_admin_a1)

    assert receiver.received == []
    [attempt] = attempts_of(c.tenant_a, endpoint)
    assert attempt.status_code is None
    assert "resolves to 127.0.0.1, a loopback address" in attempt.error


def test_redirects_are_not_followed(deals_cast, receivers, django_capture_on_commit_callbacks):
    c = deals_cast
    receiver = receivers(script=[302])
    endpoint = endpoint_to(receiver, c.tenant_a, [SUBMITTED])
    with django_capture_on_commit_callbacks(execute=True):
        registration_of(c.partner_admin_a1)
    assert len(receiver.received) == 1
    assert delivery_of(c.tenant_a, endpoint).last_status_code == 302  # a failure, retried later


@pytest.mark.django_db(transaction=True)  # two workers, two threads, each its own connection
def test_a_slow_endpoint_never_delays_another(deals_cast, receivers, monkeypatch):
    c = deals_cast
    slow, fast = receivers(delay=3), receivers()
    slow_endpoint = endpoint_to(slow, c.tenant_a, [SUBMITTED])
    fast_endpoint = endpoint_to(fast, c.tenant_a, [SUBMITTED])
    enqueued = []
    monkeypatch.setattr(tasks.webhook_send, "delay", lambda *args: enqueued.append(args))

    registration_of(c.partner_admin_a1)

    # one send task per endpoint, on the webhook queue
    assert len(enqueued) == 2
    assert app.amqp.router.route({}, tasks.webhook_send.name)["queue"].name == "webhooks"
    by_endpoint = {}
    for args in enqueued:
        with tenant_scope(c.tenant_a):
            by_endpoint[WebhookDelivery.objects.get(pk=args[1]).endpoint_id] = args
    finished = {}

    def worker(name, args):
        tasks.webhook_send.apply(args=args)
        finished[name] = time.monotonic()
        from django.db import connection

        connection.close()

    started = time.monotonic()
    slow_worker = threading.Thread(target=worker, args=("slow", by_endpoint[slow_endpoint.pk]))
    slow_worker.start()
    while not slow.received and time.monotonic() - started < 5:
        time.sleep(0.01)  # the slow endpoint has its request and is taking its time
    worker("fast", by_endpoint[fast_endpoint.pk])
    slow_worker.join()

    assert finished["fast"] - started < 0.9  # well before the slow one's 1 s timeout
    assert finished["slow"] - started >= 1.0
    [slow_attempt] = attempts_of(c.tenant_a, slow_endpoint)
    [fast_attempt] = attempts_of(c.tenant_a, fast_endpoint)
    assert (fast_attempt.status_code, fast_attempt.succeeded) == (200, True)
    assert slow_attempt.status_code is None
    assert slow_attempt.error == "No answer within 1 s."
    assert slow_attempt.next_retry_at is not None


def test_the_answer_kept_in_the_log_is_capped(
    deals_cast, receivers, django_capture_on_commit_callbacks
):
    c = deals_cast
    receiver = receivers(padding=1_000_000)
    endpoint = endpoint_to(receiver, c.tenant_a, [SUBMITTED])
    with django_capture_on_commit_callbacks(execute=True):
        registration_of(c.partner_admin_a1)
    [attempt] = attempts_of(c.tenant_a, endpoint)
    assert attempt.succeeded
    assert len(attempt.response_excerpt) == EXCERPT_BYTES


def test_nothing_is_sent_to_an_endpoint_switched_off_before_its_turn(
    deals_cast, receivers, django_capture_on_commit_callbacks
):
    c = deals_cast
    receiver = receivers(script=[500])
    endpoint = endpoint_to(receiver, c.tenant_a, [SUBMITTED])
    with django_capture_on_commit_callbacks(execute=True):
        registration_of(c.partner_admin_a1)
    due = delivery_of(c.tenant_a, endpoint).next_attempt_at
    with tenant_scope(c.tenant_a):
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)

    send_due(c.tenant_a, due + datetime.timedelta(seconds=1))

    assert len(receiver.received) == 1
    assert delivery_of(c.tenant_a, endpoint).status == DeliveryStatus.FAILED


def test_an_endpoint_failing_for_a_day_is_disabled_at_its_next_failure(
    deals_cast, receivers, django_capture_on_commit_callbacks
):
    c = deals_cast
    receiver = receivers(then=500)
    endpoint = endpoint_to(receiver, c.tenant_a, [SUBMITTED])
    with tenant_scope(c.tenant_a):
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            failing_since=timezone.now() - datetime.timedelta(hours=25)
        )
    with django_capture_on_commit_callbacks(execute=True):
        registration_of(c.partner_admin_a1)  # a new message, its first attempt fails
    with tenant_scope(c.tenant_a):
        endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert endpoint.disabled_reason.startswith("No delivery succeeded since")
    assert len([m for m in mail.outbox if "Webhook endpoint disabled" in m.subject]) == 1
