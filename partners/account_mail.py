"""allauth's account e-mails (verify, reset, notices) in the project's branded layout.

allauth builds its links from the request's host, which behind a proxy or in a Celery task
is not the address people open; they are rebased on PRM_SITE_URL like every other e-mail.
Accounts are the site's, not a vendor's, yet most people arrive from one vendor's portal:
the mail wears that vendor's name and logo when the vendor is known (see `mail_vendor`).
"""

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from partners.notifications import email_context
from partners.selectors.contacts import contacts_of
from partners.selectors.landing import chosen_contact
from tenants.models import Tenant
from tenants.selectors import tenant_by_slug

SITE_NAME = "PRM"


def _vendor_of_next(request: HttpRequest) -> Tenant | None:
    """The vendor whose page sent the person to sign up (`?next=/simpro/portal/apply/`)."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not next_url.startswith("/") or not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts=None
    ):
        return None
    slug = next_url.strip("/").split("/", 1)[0]
    return tenant_by_slug(slug) if slug else None


def mail_vendor(request: HttpRequest | None, user) -> Tenant | None:
    """The vendor an account e-mail speaks for: the page's, the sign-up's `next`, the person's.

    A person is a contact of one vendor, or picked one last; a partner of several vendors who
    picked none, or a newcomer from nowhere in particular, gets the site's own name.
    """
    if request is not None:
        tenant = getattr(request, "tenant", None) or _vendor_of_next(request)
        if tenant is not None:
            return tenant
    if user is None or not getattr(user, "pk", None):
        return None
    chosen = chosen_contact(contacts_of(user))
    return chosen.tenant if chosen is not None else None


def account_mail_context(request: HttpRequest | None, context: dict) -> dict:
    """`context` with absolute links on PRM_SITE_URL, the vendor and what the layout needs."""
    origin = request.build_absolute_uri("/") if request is not None else ""
    rebased = {
        name: settings.PRM_SITE_URL + "/" + value.removeprefix(origin)
        if origin and name.endswith("_url") and isinstance(value, str) and value.startswith(origin)
        else value
        for name, value in context.items()
    }
    tenant = mail_vendor(request, context.get("user"))
    site_name = f"the {tenant.name} partner portal" if tenant is not None else SITE_NAME
    return email_context(tenant, {**rebased, "tenant": tenant, "site_name": site_name})
