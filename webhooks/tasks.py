"""Webhooks on events and on the clock: one send task per (endpoint, message) attempt.

The event reaction only stores messages and deliveries and, after its commit, enqueues one
`webhook_send` per delivery: no HTTP in a request or a reaction, and an endpoint that takes
its full timeout holds up only its own task. Retries are not countdown tasks (a broker
holding thousands of 8-hour ETAs is fragile): a delivery records when its next attempt is
due and the `webhooks-due` beat entry sends what has come due, on any worker.
"""

from django.db import transaction
from django.utils import timezone

from tenants import events
from tenants.models import Tenant
from tenants.tasks import tenant_task
from webhooks import payloads
from webhooks.models import WebhookAttempt
from webhooks.selectors import deliveries_due, event_types_wanted
from webhooks.services import delivery_attempt, messages_record

DUE_BATCH = 500


def deliveries_enqueue(tenant_id: int, delivery_ids: list[int], *, trigger: str = "") -> None:
    """Enqueue a send per delivery once the current transaction commits."""
    trigger = trigger or WebhookAttempt.Trigger.SCHEDULED

    def enqueue() -> None:
        for delivery_id in delivery_ids:
            webhook_send.delay(tenant_id, delivery_id, trigger)

    transaction.on_commit(enqueue)


@tenant_task(name="webhooks.tasks.webhook_send")
def webhook_send(tenant: Tenant, delivery_id: int, trigger: str = "scheduled") -> bool:
    """Attempt one delivery if it is due; return whether the receiver took it."""
    attempt = delivery_attempt(tenant=tenant, delivery_id=delivery_id, trigger=trigger)
    return attempt is not None and attempt.succeeded


@tenant_task(name="webhooks.tasks.webhooks_send_due")
def webhooks_send_due(tenant: Tenant) -> int:
    """Enqueue every delivery whose next attempt has come (the retries); return how many."""
    due = list(deliveries_due(now=timezone.now()).values_list("pk", flat=True)[:DUE_BATCH])
    for delivery_id in due:
        webhook_send.delay(tenant.pk, delivery_id)
    return len(due)


def _announce(tenant: Tenant, delivery: events.Delivery) -> None:
    if not payloads.TYPES_OF[delivery.event] & event_types_wanted(tenant=tenant):
        return  # nobody listens: a 10,000-order import builds no payloads
    # the domain delivery's id is stable across its retries: a re-run makes no new message
    delivery_ids = messages_record(
        tenant=tenant, run_key=delivery.id, announcements=payloads.announcements(delivery)
    )
    if delivery_ids:
        deliveries_enqueue(tenant.pk, delivery_ids)


def subscribe() -> None:
    for event in payloads.TYPES_OF:
        events.subscribe(event, _announce, stage=events.STAGE_MESSAGES)
