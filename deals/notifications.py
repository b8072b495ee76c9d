"""E-mails about registrations to the person who submitted them."""

import logging

from django.conf import settings
from django.core.mail import send_mail

from tenants.mail import render_plain
from tenants.scope import on_commit_in_scope

logger = logging.getLogger(__name__)


def notify_submitter(registration, template: str) -> None:
    """Mail the submitter after commit (templates/deals/email/<template>_{subject,body}.txt)."""
    user = registration.submitted_by
    if user is None or not user.email:
        return

    def send() -> None:
        context = {"registration": registration, "tenant": registration.tenant}
        subject = render_plain(f"deals/email/{template}_subject.txt", context).strip()
        body = render_plain(f"deals/email/{template}_body.txt", context)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])

    on_commit_in_scope(send)
