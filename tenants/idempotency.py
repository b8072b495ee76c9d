"""`Idempotency-Key` on an API key's POST: a retry gets the first answer, never a second run.

The key's record is inserted in one transaction with everything the request writes and its
stored answer, so the three commit together or not at all:
- the same key and the same request again: the stored status and body, replayed;
- the same key with a different request: 409;
- two at once: the second waits on the record's unique key, then replays the first;
- a 5xx is not kept: nothing the request wrote survives, so a retry runs afresh.
Records are per API key (hence per vendor) and expire after API_IDEMPOTENCY_SECONDS.
"""

import datetime
import hashlib
import io
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from rest_framework import exceptions

from tenants.api_auth import TenantApiKeyAuthentication
from tenants.errors import error_response, is_api_path
from tenants.models import ApiKey, IdempotencyRecord
from tenants.text_input import has_control_characters

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255


def _api_key(request: HttpRequest) -> ApiKey | None:
    """The request's valid API key, or None (sessions, bad keys: the view answers those)."""
    try:
        authenticated = TenantApiKeyAuthentication().authenticate(request)
    except exceptions.AuthenticationFailed:
        return None
    return authenticated[1] if authenticated else None


def _fingerprint(request: HttpRequest) -> str:
    # Read the body once and hand it back to Django, so the view parses the same bytes (and
    # an upload larger than DATA_UPLOAD_MAX_MEMORY_SIZE, which .body would refuse, works).
    body = request.read()
    request._body = body
    request._stream = io.BytesIO(body)
    digest = hashlib.sha256()
    for part in (request.method, request.get_full_path(), request.content_type or ""):
        digest.update(part.encode() + b"\n")
    digest.update(body)
    return digest.hexdigest()


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        record.body, status=record.status_code, content_type=record.content_type or None
    )
    response[REPLAYED_HEADER] = "true"
    return response


def _refused(message: str) -> HttpResponse:
    return error_response(409, "conflict", message, {HEADER: [message]})


class IdempotencyMiddleware:
    """Honour `Idempotency-Key` on POSTs under /<tenant>/api/ made with an API key."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not is_api_path(request):
            return self.get_response(request)
        if getattr(request, "tenant", None) is None:
            return self.get_response(request)
        api_key = _api_key(request)
        if api_key is None:
            return self.get_response(request)
        if not key or len(key) > MAX_KEY_LENGTH or has_control_characters(key):
            message = f"Use 1-{MAX_KEY_LENGTH} printable characters, e.g. a UUID."
            return error_response(400, "invalid", message, {HEADER: [message]})
        return self._once(request, api_key, key, _fingerprint(request))

    def _once(self, request, api_key: ApiKey, key: str, fingerprint: str) -> HttpResponse:
        now = timezone.now()
        expires_at = now + datetime.timedelta(seconds=settings.API_IDEMPOTENCY_SECONDS)
        scope = {"tenant": request.tenant, "api_key": api_key, "key": key}
        with transaction.atomic():
            IdempotencyRecord.objects.filter(**scope, expires_at__lte=now).delete()
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        **scope,
                        request_hash=fingerprint,
                        expires_at=expires_at,
                    )
            except IntegrityError:
                # the first request with this key committed (a concurrent one waited for it)
                record = IdempotencyRecord.objects.get(**scope)
                if record.request_hash != fingerprint:
                    return _refused(
                        f"This {HEADER} was used for a different request; use a new key."
                    )
                return _replay(record)
            response = self.get_response(request)
            if response.status_code >= 500 or response.streaming:
                transaction.set_rollback(True)  # nothing kept: a retry runs afresh
                return response
            record.status_code = response.status_code
            record.content_type = response.get("Content-Type", "")
            record.body = response.content.decode(response.charset or "utf-8", errors="replace")
            record.save(update_fields=["status_code", "content_type", "body"])
        return response
