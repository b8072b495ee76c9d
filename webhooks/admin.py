"""The console's webhooks: a tenant admin's endpoints, their delivery log, redelivery."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminCheckboxSelectMultipleWidget, UnfoldAdminURLInputWidget

from tenants.admin_base import HistoryInline, TenantScopedAdmin
from tenants.errors import ApplicationError
from tenants.models import StaffRole
from webhooks.catalogue import EventType
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.services import (
    delivery_redeliver,
    endpoint_create,
    endpoint_secret_rotate,
    endpoint_update,
    url_check,
)
from webhooks.tasks import deliveries_enqueue

TENANT_ADMINS = (StaffRole.ADMIN,)
SECRET_SHOWN_ONCE = (
    "Copy this signing secret now; it is shown only once (roll it to get a new one): {}"
)


class EndpointForm(forms.ModelForm):
    url = forms.URLField(
        label="URL",
        max_length=500,
        assume_scheme="https",
        widget=UnfoldAdminURLInputWidget,
        help_text="https:// on the public internet; redirects are not followed.",
    )
    event_types = forms.MultipleChoiceField(
        label="Events",
        choices=EventType.choices,
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
        help_text="The events sent to this URL.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("url", "description", "event_types", "is_active")

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            url_check(url)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from None
        return url


def _redeliver(model_admin, request, deliveries) -> None:
    redelivered = []
    for delivery in deliveries:
        try:
            delivery_redeliver(tenant=delivery.tenant, delivery=delivery)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            continue
        redelivered.append(delivery)
    for delivery in redelivered:
        deliveries_enqueue(delivery.tenant_id, [delivery.pk], trigger=WebhookAttempt.Trigger.MANUAL)
    if redelivered:
        messages.success(request, f"Redelivering {len(redelivered)} message(s).")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(TenantScopedAdmin):
    view_roles = TENANT_ADMINS
    edit_roles = TENANT_ADMINS
    form = EndpointForm
    list_display = ("url", "description", "is_active", "events", "failing_since", "log")
    list_filter = ("is_active",)
    search_fields = ("url", "description")
    readonly_fields = (
        "created_by",
        "created_at",
        "failing_since",
        "disabled_at",
        "disabled_reason",
    )
    actions = ["roll_secret"]

    def has_add_permission(self, request) -> bool:
        # a superuser first picks the vendor whose endpoint it is (the tenant switch)
        return request.tenant is not None and super().has_add_permission(request)

    @display(description="Events")
    def events(self, endpoint: WebhookEndpoint) -> str:
        labels = dict(EventType.choices)
        return ", ".join(labels.get(t, t) for t in endpoint.event_types)

    @display(description="Delivery log")
    def log(self, endpoint: WebhookEndpoint) -> str:
        url = reverse("admin:webhooks_webhookattempt_changelist")
        link = '<a href="{}?delivery__endpoint__id__exact={}">Log</a>'
        return format_html(link, url, endpoint.pk)

    def save_model(self, request, obj, form, change):
        tenant = request.tenant or obj.tenant
        if change:
            if obj.tenant_id != tenant.pk:
                raise PermissionDenied
            endpoint_update(tenant=tenant, endpoint=obj)
            return
        endpoint, secret = endpoint_create(
            tenant=tenant,
            url=obj.url,
            event_types=obj.event_types,
            description=obj.description,
            is_active=obj.is_active,
            created_by=request.user,
        )
        obj.pk, obj.tenant, obj.secret = endpoint.pk, endpoint.tenant, endpoint.secret
        messages.warning(request, SECRET_SHOWN_ONCE.format(secret))

    @action(description="Roll the signing secret", permissions=["roll_secret"])
    def roll_secret(self, request, queryset):
        for endpoint in queryset:
            secret = endpoint_secret_rotate(tenant=endpoint.tenant, endpoint=endpoint)
            messages.warning(request, f"{endpoint}: " + SECRET_SHOWN_ONCE.format(secret))

    def has_roll_secret_permission(self, request) -> bool:
        return self.may_edit(request)


class AttemptInline(HistoryInline):
    model = WebhookAttempt
    fields = (
        "number",
        "trigger",
        "started_at",
        "status_code",
        "latency_ms",
        "response_excerpt",
        "error",
        "next_retry_at",
    )


class ReadOnlyLog:
    """Log rows are written by deliveries only."""

    view_roles = TENANT_ADMINS
    edit_roles = TENANT_ADMINS

    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_redeliver_permission(self, request) -> bool:
        return self.may_edit(request)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyLog, TenantScopedAdmin):
    list_display = (
        "message_type",
        "message_id",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "created_at",
    )
    list_filter = ("status", "endpoint", "message__event_type")
    search_fields = ("message__message_id",)
    list_select_related = ("message", "endpoint")
    fields = ("endpoint", "message_id", "status", "attempts", "next_attempt_at", "body")
    readonly_fields = fields
    inlines = [AttemptInline]
    actions = ["redeliver"]

    @display(description="Event")
    def message_type(self, delivery: WebhookDelivery) -> str:
        return delivery.message.get_event_type_display()

    @display(description="webhook-id")
    def message_id(self, delivery: WebhookDelivery) -> str:
        return delivery.message.message_id

    @display(description="Body")
    def body(self, delivery: WebhookDelivery) -> str:
        return delivery.message.body

    @action(description="Redeliver", permissions=["redeliver"])
    def redeliver(self, request, queryset):
        _redeliver(self, request, queryset.select_related("endpoint"))


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(ReadOnlyLog, TenantScopedAdmin):
    """The delivery log: every attempt, newest first."""

    list_display = (
        "started_at",
        "endpoint",
        "event",
        "message_id",
        "number",
        "status_code",
        "latency_ms",
        "excerpt",
        "next_retry_at",
    )
    list_filter = ("succeeded", "delivery__endpoint", "delivery__message__event_type")
    search_fields = ("delivery__message__message_id",)
    list_select_related = ("delivery__endpoint", "delivery__message")
    ordering = ("-started_at", "-pk")
    actions = ["redeliver"]

    @display(description="Endpoint")
    def endpoint(self, attempt: WebhookAttempt) -> str:
        return str(attempt.delivery.endpoint)

    @display(description="Event")
    def event(self, attempt: WebhookAttempt) -> str:
        return attempt.delivery.message.event_type

    @display(description="webhook-id")
    def message_id(self, attempt: WebhookAttempt) -> str:
        return attempt.delivery.message.message_id

    @display(description="Response")
    def excerpt(self, attempt: WebhookAttempt) -> str:
        return attempt.error or Truncator(attempt.response_excerpt).chars(80)

    @action(description="Redeliver", permissions=["redeliver"])
    def redeliver(self, request, queryset):
        deliveries = WebhookDelivery.objects.filter(
            pk__in=queryset.values("delivery_id")
        ).select_related("endpoint")
        _redeliver(self, request, deliveries)
