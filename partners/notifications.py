"""E-mails to partners: a subject, a plain-text body and the same body as branded HTML.

Templates live at `<app>/email/<name>_subject.txt` and `<name>_body.txt`; the HTML part is
`<name>_body.html` where one exists, else the text body set in `partners/email/_layout.html`
with its links made clickable. Links are absolute (PRM_SITE_URL): a mail client has no
page to resolve "/simpro/portal/" against.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import linebreaks, urlize
from django.utils.safestring import mark_safe

from tenants.mail import render_plain
from tenants.models import Tenant

logger = logging.getLogger(__name__)

DEFAULT_ACCENT = "#6d28d9"


def site_url(path: str = "") -> str:
    """An absolute address on this PRM: PRM_SITE_URL + path."""
    return settings.PRM_SITE_URL + path


def email_context(tenant: Tenant | None, context: dict) -> dict:
    """The context every e-mail template gets: the site's address and the vendor's brand."""
    logo_url = ""
    if tenant is not None and tenant.logo:
        logo_url = site_url(reverse("portal_logo", kwargs={"tenant_slug": tenant.slug}))
    return {
        "site_url": settings.PRM_SITE_URL,
        "logo_url": logo_url,
        "accent": (tenant.accent_colour if tenant is not None else "") or DEFAULT_ACCENT,
        **context,
    }


def send_email(*, template: str, to: list[str], context: dict) -> None:
    """Render `template` ("deals/email/registration_approved") and send it as text and HTML."""
    recipients = [address for address in to if address]
    if not recipients:
        return
    context = email_context(context.get("tenant"), context)
    subject = " ".join(render_plain(f"{template}_subject.txt", context).split())
    body = render_plain(f"{template}_body.txt", context)
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    message.attach_alternative(_html(template, body, context), "text/html")
    message.send()
    logger.info("email.sent", extra={"template": template, "recipients": len(recipients)})


def send_partner_email(*, template: str, to: list[str], context: dict) -> None:
    """Send templates/partners/email/<template>_*; called after commit, so a rollback mails none."""
    send_email(template=f"partners/email/{template}", to=to, context=context)


def _html(template: str, body: str, context: dict) -> str:
    try:
        return render_to_string(f"{template}_body.html", context)
    except TemplateDoesNotExist:
        pass
    # The text body comes out of the template engine marked safe (it was rendered without
    # escaping, for plain text), so strip that mark: urlize must escape what people wrote.
    text = body[:]
    # urlize escapes the text around the links it makes; linebreaks must not escape again
    paragraphs = linebreaks(urlize(text, nofollow=False, autoescape=True), autoescape=False)
    return render_to_string(
        "partners/email/_layout.html", {**context, "body_html": mark_safe(paragraphs)}
    )
