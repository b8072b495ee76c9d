"""Domain events: an app announces a fact, another reacts, neither imports the other.

Reactions never run in the request. `emit` collects an event's payloads per transaction;
when the transaction commits, one Celery task per (tenant, event) delivers them all as one
`Delivery`, so an import of 10,000 completed orders is one delivery, not 10,000. A rolled-back
transaction announces nothing.

The task runs every subscription in its stage order (tiers before money before messages, not
in INSTALLED_APPS order), each in its own transaction: a failing reaction is rolled back,
logged and retried later on its own, and never stops the others. Payloads carry ids only and
every reaction re-reads the database and is idempotent, so a delivery run twice (a worker
lost after its work, a retry) changes nothing more. `Delivery.id` is stable across retries:
reactions use it as their run key.
"""

import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from celery import shared_task
from django.db import transaction

from tenants.models import Tenant
from tenants.scope import no_scope, tenant_scope

logger = logging.getLogger(__name__)

ORDER_COMPLETED = "order_completed"
REFUND_RECORDED = "refund_recorded"
ACTIVITY_VERIFIED = "activity_verified"
CERTIFICATION_VERIFIED = "certification_verified"
SALES_ACTIVITY_RECORDED = "sales_activity_recorded"
REGISTRATION_DECIDED = "registration_decided"  # payload: registration_id, decision
PROGRAM_CHANGE_NOTICE_GIVEN = "program_change_notice_given"
APPLICATION_SUBMITTED = "application_submitted"
APPLICATION_DECIDED = "application_decided"  # payload: application_id, decision
REGISTRATION_SUBMITTED = "registration_submitted"
REGISTRATION_EXPIRING = "registration_expiring"  # the partner was reminded
REGISTRATION_EXPIRED = "registration_expired"
TIER_CHANGED = "tier_changed"  # payload: enrolment_id, tier, previous_tier, valid_from
COMMISSION_ACCRUED = "commission_accrued"  # payload: order_id, program_id (earned lines)
COMMISSION_CLAWED_BACK = "commission_clawed_back"  # payload: refund_id, entry_keys
CLAIM_DECIDED = "claim_decided"
PAYOUT_BATCH_APPROVED = "payout_batch_approved"
PAYOUT_BATCH_PAID = "payout_batch_paid"
DISPUTE_FILED = "dispute_filed"  # payload: dispute_id
DISPUTE_ESCALATED = "dispute_escalated"  # payload: dispute_id (its response time passed)
DISPUTE_RESOLVED = "dispute_resolved"  # payload: dispute_id (upheld or dismissed)

#: stages run in this order within one delivery
STAGE_TIERS = 10  # standing and tiers first: money reads the tier on the day
STAGE_MONEY = 20
STAGE_MESSAGES = 30

#: a failed reaction is retried on its own after 1, 4, 16, 64 minutes, then left to the
#: daily catch-up jobs (accrual catch-up, the evaluation calendar)
RETRY_MINUTES = (1, 4, 16, 64)


@dataclass(frozen=True)
class Delivery:
    """One committed transaction's payloads of one event, for one tenant."""

    id: str
    event: str
    payloads: list[dict]

    def ids(self, key: str) -> list[int]:
        """Every distinct id under `key` (a single id or a list of them), in first-seen order."""
        seen: dict[int, None] = {}
        for payload in self.payloads:
            value = payload.get(key)
            for item in value if isinstance(value, list) else [value]:
                if item is not None:
                    seen.setdefault(item, None)
        return list(seen)


Handler = Callable[[Tenant, Delivery], None]


@dataclass(frozen=True)
class _Subscription:
    stage: int
    name: str
    handler: Handler


_subscriptions: dict[str, dict[str, _Subscription]] = {}


def _name(handler: Handler) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


def subscribe(event: str, handler: Handler, *, stage: int = STAGE_MESSAGES) -> None:
    """React to `event` with `handler(tenant, delivery)` (once, however often called)."""
    name = _name(handler)
    _subscriptions.setdefault(event, {})[name] = _Subscription(stage, name, handler)


def unsubscribe(event: str, handler: Handler) -> None:
    _subscriptions.get(event, {}).pop(_name(handler), None)


def subscriptions(event: str) -> list[_Subscription]:
    return sorted(_subscriptions.get(event, {}).values(), key=lambda s: (s.stage, s.name))


# --- collecting per transaction -----------------------------------------------------------


@dataclass
class _Outbox:
    tenant_id: int
    event: str
    payloads: list[dict] = field(default_factory=list)
    sent: bool = False

    def send(self) -> None:
        self.sent = True
        delivery_id = uuid.uuid4().hex
        events_deliver.delay(self.tenant_id, self.event, self.payloads, delivery_id)


_open = threading.local()


def _outboxes(connection) -> dict[tuple[int, str], _Outbox]:
    """This transaction's outboxes. Django gives every transaction a fresh `run_on_commit`
    list (and a fresh one after a savepoint rollback), so its identity tells transactions
    apart; outboxes of a rolled-back transaction are dropped with it."""
    if getattr(_open, "hooks", None) is not connection.run_on_commit:
        _open.hooks = connection.run_on_commit
        _open.boxes = {}
    return _open.boxes


def emit(event: str, *, tenant_id: int, **payload) -> None:
    """Announce `event` for the tenant once the current transaction commits.

    After a savepoint rollback, a payload emitted inside it may still be delivered with the
    rest of the transaction's (Django cannot tell us which): reactions re-read the database,
    so an order that was not completed accrues nothing and re-evaluates to the same tier."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _Outbox(tenant_id, event, [payload]).send()
        return
    boxes = _outboxes(connection)
    box = boxes.get((tenant_id, event))
    if box is None or box.sent:
        box = boxes[(tenant_id, event)] = _Outbox(tenant_id, event)
        transaction.on_commit(box.send)
    box.payloads.append(payload)


# --- delivering in the worker ----------------------------------------------------------------


def _run(tenant: Tenant, subscription: _Subscription, delivery: Delivery) -> bool:
    try:
        with transaction.atomic():
            subscription.handler(tenant, delivery)
    except Exception:
        logger.exception(
            "event.reaction_failed",
            extra={
                "event_name": delivery.event,
                "reaction": subscription.name,
                "tenant": tenant.slug,
            },
        )
        return False
    return True


@contextmanager
def _scope_of(tenant_id: int) -> Iterator[Tenant]:
    with no_scope():
        tenant = Tenant.objects.get(pk=tenant_id)
    with tenant_scope(tenant):
        yield tenant


@shared_task(name="tenants.events.deliver")
def events_deliver(tenant_id: int, event: str, payloads: list[dict], delivery_id: str) -> int:
    """Run every reaction to one delivery, each isolated; return how many succeeded."""
    delivery = Delivery(delivery_id, event, payloads)
    succeeded = 0
    with _scope_of(tenant_id) as tenant:
        for subscription in subscriptions(event):
            if _run(tenant, subscription, delivery):
                succeeded += 1
            else:
                _retry_later(tenant_id, subscription.name, delivery, attempt=1)
        logger.info(
            "event.delivered",
            extra={"event_name": event, "payloads": len(payloads), "reactions": succeeded},
        )
    return succeeded


@shared_task(name="tenants.events.redeliver")
def events_redeliver(
    tenant_id: int, reaction: str, event: str, payloads: list[dict], delivery_id: str, attempt: int
) -> bool:
    """Retry one failed reaction of one delivery (the others already ran)."""
    subscription = _subscriptions.get(event, {}).get(reaction)
    if subscription is None:
        return False
    delivery = Delivery(delivery_id, event, payloads)
    with _scope_of(tenant_id) as tenant:
        if _run(tenant, subscription, delivery):
            return True
        _retry_later(tenant_id, reaction, delivery, attempt=attempt + 1)
    return False


def _retry_later(tenant_id: int, reaction: str, delivery: Delivery, *, attempt: int) -> None:
    if attempt > len(RETRY_MINUTES):
        logger.error(
            "event.reaction_abandoned",
            extra={"event_name": delivery.event, "reaction": reaction, "attempts": attempt - 1},
        )
        return
    if events_redeliver.app.conf.task_always_eager:
        return  # in-process runs (make run, tests) have no later: the daily jobs catch up
    events_redeliver.apply_async(
        args=[tenant_id, reaction, delivery.event, delivery.payloads, delivery.id, attempt],
        countdown=60 * RETRY_MINUTES[attempt - 1],
    )
