"""Webhook writes: endpoints, messages from domain events, attempts, retries, disabling."""

import datetime
import json
import logging
import random
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from rest_framework.fields import DateTimeField

from tenants.errors import ApplicationError
from tenants.mail import render_plain
from tenants.models import StaffMembership, StaffRole, Tenant
from tenants.scope import on_commit_in_scope
from webhooks import sender, signing
from webhooks.catalogue import EventType
from webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
)
from webhooks.payloads import Announcement
from webhooks.safety import UnsafeUrl, target_of

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
#: attempt n+1 waits BASE x FACTOR^(n-1), at most CAP, +/- JITTER: 1 m, 4 m, 16 m, 64 m,
#: 4 h 16 m, 8 h, 8 h -- the eighth attempt comes about 22 h after the first
RETRY_BASE = datetime.timedelta(minutes=1)
RETRY_FACTOR = 4
RETRY_CAP = datetime.timedelta(hours=8)
RETRY_JITTER = 0.2  # receivers that failed together do not all come back at the same second
#: an attempt in flight holds its delivery this long (well beyond the send timeout)
CLAIM_FOR = datetime.timedelta(minutes=2)
#: an endpoint with no success for this long is disabled
DISABLE_AFTER = datetime.timedelta(hours=24)


def retry_delay(attempt: int, *, jitter: float | None = None) -> datetime.timedelta:
    """How long after failed attempt number `attempt` the next one comes."""
    delay = min(RETRY_BASE * RETRY_FACTOR ** (attempt - 1), RETRY_CAP)
    spread = random.uniform(-RETRY_JITTER, RETRY_JITTER) if jitter is None else jitter
    return delay * (1 + spread)


# --- endpoints ------------------------------------------------------------------------


def url_check(url: str) -> None:
    """Refuse a URL webhooks may not go to, naming the reason on the `url` field."""
    try:
        target_of(url)
    except UnsafeUrl as exc:
        raise ApplicationError(str(exc), fields={"url": [str(exc)]}) from None


def _event_types_check(event_types: list[str]) -> None:
    unknown = sorted(set(event_types) - set(EventType.values))
    if unknown or not event_types:
        message = f"Unknown event types: {', '.join(unknown)}." if unknown else "Choose events."
        raise ApplicationError(message, fields={"event_types": [message]})


@transaction.atomic
def endpoint_create(
    *,
    tenant: Tenant,
    url: str,
    event_types: list[str],
    description: str = "",
    is_active: bool = True,
    created_by: AbstractBaseUser | None,
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its secret (shown to the vendor once)."""
    url_check(url)
    _event_types_check(event_types)
    endpoint = WebhookEndpoint(
        tenant=tenant,
        url=url,
        event_types=sorted(set(event_types)),
        description=description.strip(),
        is_active=is_active,
        secret=signing.secret_generate(),
        created_by=created_by,
    )
    endpoint.full_clean()
    endpoint.save()
    return endpoint, endpoint.secret


@transaction.atomic
def endpoint_update(*, tenant: Tenant, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Save an edited endpoint; switching a disabled one back on gives it a fresh start."""
    url_check(endpoint.url)
    _event_types_check(endpoint.event_types)
    if endpoint.is_active:
        endpoint.disabled_at, endpoint.disabled_reason, endpoint.failing_since = None, "", None
    endpoint.full_clean()
    endpoint.save()
    return endpoint


@transaction.atomic
def endpoint_secret_rotate(*, tenant: Tenant, endpoint: WebhookEndpoint) -> str:
    """Give the endpoint a new secret (the old one stops working at once); returns it."""
    endpoint.secret = signing.secret_generate()
    endpoint.save(update_fields=["secret"])
    return endpoint.secret


def _mail_tenant_admins(endpoint: WebhookEndpoint) -> None:
    recipients = list(
        StaffMembership.objects.filter(tenant_id=endpoint.tenant_id, role=StaffRole.ADMIN)
        .filter(user__is_active=True)
        .values_list("user__email", flat=True)
    )
    if not recipients:
        return
    context = {"endpoint": endpoint, "tenant": endpoint.tenant}
    send_mail(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}Webhook endpoint disabled: {endpoint}",
        message=render_plain("webhooks/endpoint_disabled.txt", context),
        from_email=None,
        recipient_list=recipients,
    )


def endpoint_disable(*, endpoint: WebhookEndpoint, reason: str) -> bool:
    """Switch off an endpoint that keeps failing and tell the tenant's admins, once."""
    now = timezone.now()
    claimed = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
        is_active=False, disabled_at=now, disabled_reason=reason[:300]
    )
    if claimed:
        endpoint.is_active, endpoint.disabled_at, endpoint.disabled_reason = False, now, reason
        logger.warning("webhook.endpoint_disabled", extra={"endpoint": endpoint.pk})
        on_commit_in_scope(lambda: _mail_tenant_admins(endpoint))
    return bool(claimed)


# --- messages -------------------------------------------------------------------------


def _body(event_type: str, data: dict, at: datetime.datetime) -> str:
    envelope = {"type": event_type, "timestamp": DateTimeField().to_representation(at)}
    return json.dumps({**envelope, "data": data}, separators=(",", ":"), ensure_ascii=False)


@transaction.atomic
def messages_record(
    *, tenant: Tenant, run_key: str, announcements: list[Announcement]
) -> list[int]:
    """Store the messages some active endpoint wants and a delivery per (endpoint, message);
    return the ids of deliveries to send now. Running it again for a run adds nothing."""
    endpoints = list(WebhookEndpoint.objects.filter(tenant=tenant, is_active=True))
    wanted = [a for a in announcements if any(e.wants(a.event_type) for e in endpoints)]
    if not wanted:
        return []
    now = timezone.now()
    keys = [f"{run_key}:{a.event_type}:{a.object_key}"[:200] for a in wanted]
    WebhookMessage.objects.bulk_create(
        [
            WebhookMessage(
                tenant=tenant,
                message_id=f"msg_{uuid.uuid4().hex}",
                event_type=a.event_type,
                source_key=key,
                body=_body(a.event_type, a.data, now),
            )
            for a, key in zip(wanted, keys, strict=True)
        ],
        ignore_conflicts=True,  # a re-run delivery: the first run's messages stand
    )
    messages = list(WebhookMessage.objects.filter(tenant=tenant, source_key__in=keys))
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(tenant=tenant, endpoint=e, message=m, next_attempt_at=now)
            for m in messages
            for e in endpoints
            if e.wants(m.event_type)
        ],
        ignore_conflicts=True,
    )
    return list(
        WebhookDelivery.objects.filter(
            message__in=messages, status=DeliveryStatus.PENDING, attempts=0
        ).values_list("pk", flat=True)
    )


# --- attempts -------------------------------------------------------------------------


def _claim(delivery_id: int, now: datetime.datetime) -> WebhookDelivery | None:
    """Take a due delivery for one attempt; None if it is not due or another worker has it."""
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + CLAIM_FOR)
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("endpoint", "message").get(pk=delivery_id)


def _answer_for(delivery: WebhookDelivery) -> sender.Answer:
    endpoint, message = delivery.endpoint, delivery.message
    try:
        target = target_of(endpoint.url)  # again now: the name may point elsewhere since
    except UnsafeUrl as exc:
        return sender.Answer(None, 0, error=f"Not sent: {exc}"[:300])
    body = message.body.encode()
    return sender.post(
        target,
        body,
        signing.headers(endpoint.secret, message.message_id, body),
        timeout=settings.PRM_WEBHOOK_TIMEOUT_SECONDS,
    )


def delivery_attempt(
    *, tenant: Tenant, delivery_id: int, trigger: str = WebhookAttempt.Trigger.SCHEDULED
) -> WebhookAttempt | None:
    """Send one due delivery once and log it; schedule the next try or give up.

    Runs outside any transaction: the HTTP call holds no lock and no connection's
    transaction open, and the claim keeps a second worker from sending it twice."""
    started = timezone.now()
    delivery = _claim(delivery_id, started)
    if delivery is None:
        return None
    if not delivery.endpoint.is_active:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED, next_attempt_at=None
        )
        return None
    answer = _answer_for(delivery)
    return _attempt_record(delivery, trigger, started, answer)


def _health_after_failure(
    delivery: WebhookDelivery, given_up: bool, answer: sender.Answer, started: datetime.datetime
) -> None:
    endpoint = delivery.endpoint
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
        failing_since=started
    )
    endpoint.refresh_from_db(fields=["failing_since", "is_active"])
    since = endpoint.failing_since
    first_try = delivery.log.order_by("number").values_list("started_at", flat=True).first()
    # every attempt of a message failed with no success anywhere meanwhile, or a day of failing
    if started - since >= DISABLE_AFTER or (given_up and since <= first_try):
        last = f"HTTP {answer.status_code}" if answer.status_code else answer.error
        endpoint_disable(
            endpoint=endpoint,
            reason=(
                f"No delivery succeeded since {since:%Y-%m-%d %H:%M} UTC; "
                f"{delivery.message.message_id} failed {delivery.attempts} times (last: {last})."
            ),
        )


@transaction.atomic
def _attempt_record(
    delivery: WebhookDelivery, trigger: str, started: datetime.datetime, answer: sender.Answer
) -> WebhookAttempt:
    now = timezone.now()
    number = delivery.attempts + 1
    if answer.succeeded:
        status, retry_at = DeliveryStatus.SUCCEEDED, None
    elif number < MAX_ATTEMPTS:
        status, retry_at = DeliveryStatus.PENDING, now + retry_delay(number)
    else:
        status, retry_at = DeliveryStatus.FAILED, None
    attempt = WebhookAttempt.objects.create(
        tenant_id=delivery.tenant_id,
        delivery=delivery,
        number=number,
        trigger=trigger,
        started_at=started,
        status_code=answer.status_code,
        latency_ms=answer.latency_ms,
        response_excerpt=answer.excerpt,
        error=answer.error,
        succeeded=answer.succeeded,
        next_retry_at=retry_at,
    )
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=status,
        attempts=number,
        next_attempt_at=retry_at,
        last_status_code=answer.status_code,
    )
    delivery.status, delivery.attempts, delivery.next_attempt_at = status, number, retry_at
    if answer.succeeded:
        WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(failing_since=None)
    else:
        _health_after_failure(delivery, status == DeliveryStatus.FAILED, answer, started)
    return attempt


@transaction.atomic
def delivery_redeliver(*, tenant: Tenant, delivery: WebhookDelivery) -> WebhookDelivery:
    """Make a delivery due now again (after it failed, or to send a message once more)."""
    if not delivery.endpoint.is_active:
        raise ApplicationError(
            f"{delivery.endpoint} is switched off; switch it on before redelivering to it."
        )
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, next_attempt_at=timezone.now()
    )
    delivery.refresh_from_db()
    return delivery
