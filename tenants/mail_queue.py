"""E-mail leaves the request: Django's mail API (EMAIL_BACKEND) hands each message to a
Celery task after the transaction commits, and a worker delivers it through the backend
EMAIL_URL configures (`PRM_EMAIL_DELIVERY_BACKEND`: SMTP in production, the console in
`make run`).

So a slow or failing mail server never holds up or fails a request: the worker retries
with backoff. A rolled-back transaction sends nothing. Where tasks run in-process
(`make run`, no REDIS_URL), delivery runs at commit, as before.
"""

import base64
import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

logger = logging.getLogger(__name__)


class QueuedEmailBackend(BaseEmailBackend):
    """Queue each message for `deliver_email` once the current transaction commits."""

    def send_messages(self, email_messages) -> int:
        queued = 0
        for message in email_messages:
            if not message.recipients():
                continue
            # robust: a broker outage is logged, not turned into a failed request
            transaction.on_commit(_enqueue(as_payload(message)), robust=True)
            queued += 1
        return queued


def _enqueue(payload: dict):
    def queue_email() -> None:
        deliver_email.delay(payload)

    return queue_email


def as_payload(message) -> dict:
    """The message as JSON-safe data (the task serializer is JSON)."""
    attachments = []
    for attachment in message.attachments:
        filename, content, mimetype = attachment  # MIMEBase parts are not used here
        data = content.encode() if isinstance(content, str) else content
        attachments.append([filename, base64.b64encode(data).decode(), mimetype])
    return {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "alternatives": [list(a) for a in getattr(message, "alternatives", [])],
        "attachments": attachments,
    }


def from_payload(payload: dict) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload["from_email"],
        to=payload["to"],
        cc=payload["cc"],
        bcc=payload["bcc"],
        reply_to=payload["reply_to"],
        headers=payload["headers"],
    )
    for content, mimetype in payload["alternatives"]:
        message.attach_alternative(content, mimetype)
    for filename, data, mimetype in payload["attachments"]:
        message.attach(filename, base64.b64decode(data), mimetype)
    return message


@shared_task(
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    max_retries=8,
)
def deliver_email(payload: dict) -> None:
    """Send one queued message through the delivery backend (retried while the server fails)."""
    with get_connection(settings.PRM_EMAIL_DELIVERY_BACKEND) as connection:
        connection.send_messages([from_payload(payload)])
    logger.info("email.delivered", extra={"recipients": len(payload["to"])})
