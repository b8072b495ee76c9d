"""One sign-in lockout per account, on both sign-in paths and from every address.

django-axes records every failed sign-in, the console's (/admin/login/) and allauth's
(/accounts/login/): both call `authenticate()`, and `axes.backends.AxesStandaloneBackend`
refuses a locked account before any password is checked. Three things are ours:

- `account_key` names the account an attempt is for, however it was typed (the console
  asks for a username, allauth for an e-mail address, in any case), so failures add up
  per account, not per (name, address) pair: the right password from another address or
  on the other path is still refused.
- `AccountLockoutHandler` adds a per-address limit on top (`PRM_LOGIN_IP_FAILURE_LIMIT`),
  higher than the per-account one so that colleagues behind one office address do not
  lock each other out by a few typos.
- `notify_locked_account` e-mails the account once per lockout, and a password reset
  (which proves the mailbox) lifts the lock at once (docs/security.md).
"""

import datetime
import logging

from allauth.account.signals import password_reset
from allauth.account.utils import filter_users_by_email
from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Sum
from django.dispatch import receiver
from django.shortcuts import render
from django.urls import reverse

from tenants.mail import render_plain

logger = logging.getLogger(__name__)

#: what each sign-in form calls the account field (allauth: login; console: username)
TYPED_FIELDS = ("username", "email", "login")


def account_for(typed: str) -> AbstractBaseUser | None:
    """The account a typed username or e-mail address names (any case), or None."""
    User = get_user_model()
    user = User._default_manager.filter(username__iexact=typed).first()
    if user is None and "@" in typed:
        # any of the account's addresses, as allauth accepts any of them to sign in
        user = next(iter(filter_users_by_email(typed)), None)
    return user


def _key_of(user: AbstractBaseUser) -> str:
    return (user.email or user.get_username()).lower()


def account_key(request, credentials: dict | None) -> str | None:
    """AXES_USERNAME_CALLABLE: one name per account (its e-mail address), whichever path."""
    credentials = credentials or {}
    data = getattr(request, "POST", {}) or {}
    typed = next(
        (
            str(value).strip()
            for field in TYPED_FIELDS
            for value in (credentials.get(field), data.get(field))
            if value
        ),
        "",
    )
    if not typed:
        return None
    # axes asks several times per attempt; look the account up once
    keys = getattr(request, "_prm_account_keys", None)
    if keys is None:
        keys = request._prm_account_keys = {}
    if typed not in keys:
        user = account_for(typed)
        keys[typed] = _key_of(user) if user is not None else typed.lower()
    return keys[typed]


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def account_failures(request, username: str) -> int:
    """The account's failed sign-ins within the cool-off, from every address and path."""
    recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
    return _failures(recent.filter(username=username))


def locked_by_this_attempt(request, username: str | None) -> bool:
    """Whether this failed attempt is the one that locked the account (not the address).

    axes records a failure only while the account is not locked (AXES_RESET_COOL_OFF_ON_
    FAILURE_DURING_LOCKOUT is off) and sets `axes_failures_since_start` only then, so a
    recorded failure that brings the account to the limit is the start of a lockout.
    """
    if not username or getattr(request, "axes_failures_since_start", None) is None:
        return False
    return account_failures(request, username) >= get_failure_limit(request, None)


class AccountLockoutHandler(AxesDatabaseHandler):
    """Locked: the account's failures reach AXES_FAILURE_LIMIT, or the address's reach its own."""

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        username = get_client_username(request, credentials) if request is not None else None
        if locked_by_this_attempt(request, username):
            # The whole lock runs from now: otherwise it would lift as soon as the oldest of
            # the failures that caused it (from another address, say) left the window.
            recent = AccessAttempt.objects.filter(
                username=username, attempt_time__gte=get_cool_off_threshold(request)
            )
            recent.update(attempt_time=request.axes_attempt_time)

    def get_failures(self, request, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        account = account_failures(request, username) if username else 0
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        address = _failures(recent.filter(ip_address=request.axes_ip_address))
        if address >= settings.PRM_LOGIN_IP_FAILURE_LIMIT:
            return max(account, get_failure_limit(request, credentials))
        return account


def cool_off_in_words(cool_off: datetime.timedelta) -> str:
    """'15 minutes', '1 hour 30 minutes': what people read on the page and in the e-mail."""
    minutes = max(1, round(cool_off.total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} hour{'s' * (hours != 1)}"] if hours else []
    if minutes:
        parts.append(f"{minutes} minute{'s' * (minutes != 1)}")
    return " ".join(parts)


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the lockout page, with the wait in words (429)."""
    context = {"cooloff": cool_off_in_words(get_cool_off(request))}
    return render(request, "lockout.html", context, status=429)


@receiver(user_locked_out)
def notify_locked_account(sender, request, username, ip_address, **kwargs) -> None:
    """E-mail the account when this attempt locked it.

    axes sends this signal on the attempt that reaches a limit and again on each attempt
    refused while locked; only the first locks the account, and only if it was the
    account's limit, not the address's, that was reached.
    """
    if not locked_by_this_attempt(request, username):
        return
    user = account_for(username)
    if user is None or not user.email:
        return  # never mail an address someone merely typed
    until = request.axes_attempt_time + get_cool_off(request)
    # robust: a broker outage costs the notice, never the sign-in page
    transaction.on_commit(
        lambda: send_lockout_notice.delay(user.pk, until.isoformat(), ip_address or ""),
        robust=True,
    )


@receiver(password_reset)
def unlock_on_password_reset(sender, request, user, **kwargs) -> None:
    """A new password set through the mailed link ends the lockout: the owner proved it."""
    AccessAttempt.objects.filter(username=_key_of(user)).delete()


def _first_delivery(user_id: int, locked_until: str) -> bool:
    """True once per lockout, so a redelivered task (acks late) does not mail twice."""
    try:
        timeout = int(get_cool_off().total_seconds()) + 60
        return cache.add(f"lockout-notice:{user_id}:{locked_until}", 1, timeout=timeout)
    except Exception:  # a cache outage must not swallow the notice
        logger.warning("lockout.notice_gate_unavailable", exc_info=True)
        return True


@shared_task(name="tenants.send_lockout_notice")
def send_lockout_notice(user_id: int, locked_until: str, ip_address: str) -> None:
    """Tell the account its sign-in is locked, until when, and what to do."""
    user = get_user_model()._default_manager.filter(pk=user_id).first()
    if user is None or not user.email or not _first_delivery(user_id, locked_until):
        return
    until = datetime.datetime.fromisoformat(locked_until).astimezone(datetime.UTC)
    context = {
        "email": user.email,
        "failures": settings.AXES_FAILURE_LIMIT,
        "cooloff": cool_off_in_words(get_cool_off()),
        "locked_until": f"{until.day} {until:%B %Y, %H:%M} UTC",
        "ip_address": ip_address,
        "reset_url": settings.PRM_SITE_URL + reverse("account_reset_password"),
    }
    subject = " ".join(render_plain("tenants/email/lockout_notice_subject.txt", context).split())
    body = render_plain("tenants/email/lockout_notice_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    logger.info("lockout.notice_sent", extra={"user_id": user_id})
