"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

A secret is `whsec_` + base64 of 32 random bytes; the HMAC key is those bytes, not the
text. Each attempt is signed anew: `webhook-signature: v1,<base64 HMAC-SHA256 of
"{webhook-id}.{webhook-timestamp}.{body}">`. The id stays the same on every attempt of
a message (receivers deduplicate on it); the timestamp is the attempt's, so a receiver
that refuses stale timestamps (5 minutes is the spec's advice) also refuses replays.
"""

import base64
import hashlib
import hmac
import secrets
import time

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # the spec allows 24 to 64
TOLERANCE_SECONDS = 5 * 60


class InvalidSignature(Exception):
    """A delivery whose headers do not prove it came from us (missing, stale or forged)."""


def secret_generate() -> str:
    """Return a new endpoint secret in the Standard Webhooks format."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value for one attempt: `v1,<base64 HMAC-SHA256>`."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, message_id: str, body: bytes, *, now: float | None = None) -> dict:
    """The three Standard Webhooks headers for sending `body` now."""
    timestamp = int(time.time() if now is None else now)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
    }


def verify(secret: str, headers: dict, body: bytes, *, now: float | None = None) -> None:
    """Raise InvalidSignature unless `headers` sign `body` with `secret` within the tolerance.

    What a receiver does; here for the README's example and the tests' receiver."""
    lowered = {name.lower(): value for name, value in headers.items()}
    message_id = lowered.get("webhook-id")
    timestamp = lowered.get("webhook-timestamp", "")
    signatures = lowered.get("webhook-signature", "")
    if not message_id or not timestamp.isdigit() or not signatures:
        raise InvalidSignature("Missing webhook-id, webhook-timestamp or webhook-signature.")
    if abs((time.time() if now is None else now) - int(timestamp)) > TOLERANCE_SECONDS:
        raise InvalidSignature("The timestamp is too far from now (a replay?).")
    expected = signature(secret, message_id, int(timestamp), body)
    # several space-separated signatures may be sent while a secret is being rotated
    if not any(hmac.compare_digest(expected, given) for given in signatures.split()):
        raise InvalidSignature("No signature matches.")
