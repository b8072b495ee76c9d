"""allauth's account e-mails (verify, reset, notices) in the project's branded layout.

allauth builds its links from the request's host, which behind a proxy or in a Celery task
is not the address people open; they are rebased on PRM_SITE_URL like every other e-mail.
"""

from django.conf import settings
from django.http import HttpRequest

from partners.notifications import email_context


def account_mail_context(request: HttpRequest | None, context: dict) -> dict:
    """`context` with absolute links on PRM_SITE_URL and what the e-mail layout needs."""
    origin = request.build_absolute_uri("/") if request is not None else ""
    rebased = {
        name: settings.PRM_SITE_URL + "/" + value.removeprefix(origin)
        if origin and name.endswith("_url") and isinstance(value, str) and value.startswith(origin)
        else value
        for name, value in context.items()
    }
    return email_context(None, {**rebased, "site_name": "PRM"})
