"""Webhook payloads in the OpenAPI document: a component per event, listed under x-webhooks.

The document is OpenAPI 3.0, which has no `webhooks` section; `x-webhooks` is the
extension Redoc and others read for it (and `webhooks` is used once the document is 3.1).
The payloads come from the serializers that render them, so the two cannot disagree.
"""

import re

from drf_spectacular.plumbing import process_webhooks
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import OpenApiResponse, OpenApiWebhook, extend_schema
from rest_framework import serializers

from webhooks import serializers as s
from webhooks.catalogue import EventType

DATA_OF = {
    EventType.APPLICATION_SUBMITTED: s.ApplicationData,
    EventType.APPLICATION_DECIDED: s.ApplicationData,
    EventType.REGISTRATION_SUBMITTED: s.RegistrationData,
    EventType.REGISTRATION_APPROVED: s.RegistrationData,
    EventType.REGISTRATION_REJECTED: s.RegistrationData,
    EventType.REGISTRATION_EXPIRING: s.RegistrationData,
    EventType.REGISTRATION_EXPIRED: s.RegistrationData,
    EventType.ORDER_COMPLETED: s.OrderData,
    EventType.TIER_CHANGED: s.TierChangeData,
    EventType.COMMISSION_ACCRUED: s.CommissionAccruedData,
    EventType.COMMISSION_CLAWED_BACK: s.CommissionClawedBackData,
    EventType.CLAIM_DECIDED: s.ClaimData,
    EventType.PAYOUT_BATCH_APPROVED: s.PayoutBatchData,
    EventType.PAYOUT_BATCH_PAID: s.PayoutBatchData,
    EventType.DISPUTE_FILED: s.DisputeData,
    EventType.DISPUTE_ESCALATED: s.DisputeData,
    EventType.DISPUTE_RESOLVED: s.DisputeData,
}

SIGNING = (
    "Sent as a POST with the Standard Webhooks headers `webhook-id` (the message id, the same "
    "on every retry: deduplicate on it), `webhook-timestamp` (Unix seconds of this attempt) "
    "and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` keyed "
    "with the base64-decoded part of the endpoint's `whsec_` secret). Answer 2xx within 5 s; "
    "anything else is retried up to 8 times over about a day."
)


def component_name(event_type: str) -> str:
    """`deal_registration.approved` -> `DealRegistrationApprovedEvent`."""
    return "".join(part.title() for part in re.split(r"[._]", event_type)) + "Event"


def _envelope(event_type: EventType) -> type[serializers.Serializer]:
    fields = {
        "type": serializers.ChoiceField(choices=[event_type.value]),
        "timestamp": serializers.DateTimeField(help_text="When the message was made (UTC)."),
        "data": DATA_OF[event_type](),
    }
    envelope = type(component_name(event_type), (serializers.Serializer,), fields)
    envelope.__doc__ = event_type.label
    return envelope


WEBHOOKS = [
    OpenApiWebhook(
        name=event_type.value,
        decorator=extend_schema(
            summary=event_type.label,
            description=SIGNING,
            request=_envelope(event_type),
            responses={"2XX": OpenApiResponse(description="Received.")},
        ),
    )
    for event_type in EventType
]


def webhooks_document(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the payload components and the webhooks."""
    webhooks = process_webhooks(WEBHOOKS, generator.registry)
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in generator.registry.build({}).get("schemas", {}).items():
        schemas.setdefault(name, schema)
    key = "webhooks" if spectacular_settings.OAS_VERSION.startswith("3.1") else "x-webhooks"
    result[key] = webhooks
    return result
