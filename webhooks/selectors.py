"""Webhook reads."""

import datetime

from django.db.models import QuerySet

from tenants.models import Tenant
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint


def deliveries_due(*, now: datetime.datetime) -> QuerySet[WebhookDelivery]:
    """Pending deliveries whose next attempt has come, oldest first (in the current scope)."""
    return WebhookDelivery.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).order_by("next_attempt_at", "pk")


def event_types_wanted(*, tenant: Tenant) -> set[str]:
    """Every event type some active endpoint of the tenant subscribes to."""
    wanted: set[str] = set()
    for types in WebhookEndpoint.objects.filter(tenant=tenant, is_active=True).values_list(
        "event_types", flat=True
    ):
        wanted.update(types)
    return wanted
