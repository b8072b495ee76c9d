import datetime
import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tenants.errors import ApplicationError
from tenants.models import (
    DEFAULT_API_KEY_SCOPES,
    SCOPE_NAMES,
    ApiKey,
    ApiKeyScope,
    StaffMembership,
    StaffRole,
    Tenant,
    api_key_scopes_of_role,
    hash_api_secret,
)
from tenants.scope import all_tenants
from tenants.selectors import staff_membership_in

logger = logging.getLogger(__name__)


@transaction.atomic
def api_key_create(
    *,
    tenant: Tenant,
    name: str,
    created_by: AbstractBaseUser | None = None,
    scopes: Iterable[str] = DEFAULT_API_KEY_SCOPES,
) -> tuple[ApiKey, str]:
    """Create an API key and return it with its token, which is shown once and never stored.

    No one's permission is checked here (seeds, tests); a person issues keys by api_key_issue.
    """
    lookup_id, secret, token = ApiKey.new_credentials()
    held = {str(scope) for scope in scopes}
    key = ApiKey(
        tenant=tenant,
        name=name.strip(),
        lookup_id=lookup_id,
        secret_hash=hash_api_secret(secret),
        created_by=created_by,
        scopes=[scope for scope in ApiKeyScope.values if scope in held] or list(held),
    )
    key.full_clean()
    key.save()
    return key, token


def api_key_issue_refusal(
    *, tenant: Tenant, issued_by: AbstractBaseUser, scopes: Iterable[str]
) -> str | None:
    """Why `issued_by` may not issue a key with `scopes` here, or None when they may.

    Only a tenant administrator (or a superuser) issues keys, and a key never carries more
    than its issuer may do: a scope the issuer's own role lacks is refused.
    """
    if issued_by.is_active and issued_by.is_superuser:
        return None
    membership = staff_membership_in(issued_by, tenant)
    if membership is None or membership.role != StaffRole.ADMIN:
        return "Only a tenant administrator can issue API keys."
    beyond = set(map(str, scopes)) - api_key_scopes_of_role(membership.role)
    if beyond:
        names = " and ".join(SCOPE_NAMES[s] for s in ApiKeyScope.values if s in beyond)
        return (
            f"A key cannot do more than the person who issues it: your role "
            f"({membership.get_role_display()}) has no {names} access. Untick {names}."
        )
    return None


def api_key_issue(
    *, tenant: Tenant, name: str, scopes: Iterable[str], issued_by: AbstractBaseUser
) -> tuple[ApiKey, str]:
    """A person issues a key: refused unless they are a tenant admin holding every scope."""
    scopes = list(scopes)
    refusal = api_key_issue_refusal(tenant=tenant, issued_by=issued_by, scopes=scopes)
    if refusal is not None:
        raise ApplicationError(refusal, fields={"scopes": [refusal]})
    return api_key_create(tenant=tenant, name=name, created_by=issued_by, scopes=scopes)


@transaction.atomic
def api_key_revoke(*, tenant: Tenant, api_key: ApiKey) -> ApiKey:
    """Revoke a key now; requests made with it are refused from then on."""
    if api_key.tenant_id != tenant.pk:
        raise ApplicationError("This API key belongs to another tenant.")
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


def api_key_record_use(*, api_key: ApiKey) -> None:
    """Record that the key was used, at most once per key per `API_KEY_USE_RECORD_SECONDS`."""
    interval = settings.API_KEY_USE_RECORD_SECONDS
    try:
        # Only the request that opens the gate writes; the others leave the database alone.
        opened = cache.add(f"apikey-used:{api_key.lookup_id}", 1, timeout=interval)
    except Exception:  # a cache outage must not lock integrations out; the UPDATE is conditional
        logger.warning("api_key.use_gate_unavailable", exc_info=True)
        opened = True
    if opened:
        # After commit, in autocommit: the row lock lasts one statement, not the whole request.
        transaction.on_commit(lambda: _api_key_mark_used(api_key.pk, interval))


def _api_key_mark_used(pk: int, interval: int) -> None:
    now = timezone.now()
    # Conditional, so two workers whose gates both opened (cache flushed) write once.
    stale = Q(last_used_at__isnull=True) | Q(
        last_used_at__lt=now - datetime.timedelta(seconds=interval)
    )
    # By the id of the key just authenticated, wherever the after-commit hook runs (row-level
    # security on PostgreSQL needs a scope even for the base manager).
    with all_tenants():
        ApiKey._base_manager.filter(stale, pk=pk).update(last_used_at=now)


@transaction.atomic
def staff_membership_grant(
    *, tenant: Tenant, user: AbstractBaseUser, role: StaffRole | str
) -> StaffMembership:
    """Give `user` the role in `tenant`'s console (replacing an earlier role)."""
    membership, _ = StaffMembership.objects.update_or_create(
        tenant=tenant, user=user, defaults={"role": role}
    )
    membership.full_clean()
    return membership


def user_for_email(*, email: str) -> tuple[AbstractBaseUser, bool]:
    """Return the user with this e-mail (case-insensitive), creating an invited one if none.

    An invited user has no usable password until they set one through the e-mailed link.
    """
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    User = get_user_model()
    email = User.objects.normalize_email(email.strip()).lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user, False
    user = User(username=email[:150], email=email)
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    return user, True


def send_invitation(*, request, user: AbstractBaseUser) -> None:
    """E-mail the user a link to set their password (allauth's reset flow, rate limited)."""
    from allauth.account.forms import ResetPasswordForm

    form = ResetPasswordForm(data={"email": user.email})
    if form.is_valid():
        form.save(request)


@transaction.atomic
def staff_invite(*, request, tenant: Tenant, email: str, role: str) -> StaffMembership:
    """Give the person with `email` a console role, inviting them if they are new."""
    user, created = user_for_email(email=email)
    membership = staff_membership_grant(tenant=tenant, user=user, role=role)
    if created:
        transaction.on_commit(lambda: send_invitation(request=request, user=user))
    return membership
