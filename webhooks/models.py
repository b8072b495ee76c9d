"""Webhook endpoints, the messages sent to them, and every attempt to deliver one."""

from django.conf import settings
from django.db import models

from tenants.models import TenantOwned
from webhooks.catalogue import EventType


class WebhookEndpoint(TenantOwned):
    """A vendor's receiver: a URL, the event types it wants, and the secret we sign with."""

    url = models.URLField("URL", max_length=500, help_text="https:// on the public internet.")
    description = models.CharField(max_length=200, blank=True, help_text="e.g. 'CRM sync'.")
    event_types = models.JSONField(default=list, help_text="The event types sent here.")
    is_active = models.BooleanField("active", default=True)
    # Stored as written: signing needs the secret itself, so it cannot be a hash like API keys.
    secret = models.CharField(max_length=100, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    failing_since = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="First failure since the last success."
    )
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.CharField(max_length=300, blank=True, editable=False)

    class Meta:
        ordering = ["tenant", "url"]
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return self.description or self.url

    def wants(self, event_type: str) -> bool:
        return self.is_active and event_type in self.event_types


class WebhookMessage(TenantOwned):
    """One event as sent: its body is fixed when it is made and signed afresh per attempt."""

    message_id = models.CharField(max_length=40, unique=True, editable=False)
    event_type = models.CharField(max_length=60, choices=EventType.choices)
    # the domain delivery and the object it announced: a re-run delivery makes no second message
    source_key = models.CharField(max_length=200, editable=False)
    body = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "source_key"], name="webhook_message_source_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.message_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Delivered"
    FAILED = "failed", "Failed"


class WebhookDelivery(TenantOwned):
    """One message to one endpoint: the state of its attempts and when the next one is due."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    message = models.ForeignKey(WebhookMessage, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "message"], name="webhook_delivery_unique"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx")
        ]

    def __str__(self) -> str:
        return f"{self.message} to {self.endpoint}"


class WebhookAttempt(TenantOwned):
    """One POST of a delivery: what the receiver answered, how fast, and what comes next."""

    class Trigger(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        MANUAL = "manual", "Redelivered by hand"

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    number = models.PositiveIntegerField("attempt")
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    started_at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField("latency (ms)")
    response_excerpt = models.TextField(blank=True)
    error = models.CharField(max_length=300, blank=True)
    succeeded = models.BooleanField()
    next_retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "number"], name="webhook_attempt_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Attempt {self.number} of {self.delivery}"
