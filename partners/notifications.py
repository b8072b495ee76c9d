"""E-mails to partners: subject and body from templates/partners/email/<name>_{subject,body}.txt."""

import logging

from django.conf import settings
from django.core.mail import send_mail

from tenants.mail import render_plain

logger = logging.getLogger(__name__)


def send_partner_email(*, template: str, to: list[str], context: dict) -> None:
    """Render and send one e-mail; called after commit so a rollback never mails anyone."""
    recipients = [address for address in to if address]
    if not recipients:
        return
    subject = render_plain(f"partners/email/{template}_subject.txt", context).strip()
    body = render_plain(f"partners/email/{template}_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    logger.info("email.sent", extra={"template": template, "recipients": len(recipients)})
