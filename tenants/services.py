import datetime
import logging

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tenants.errors import ApplicationError
from tenants.models import ApiKey, StaffMembership, StaffRole, Tenant, hash_api_secret

logger = logging.getLogger(__name__)


@transaction.atomic
def api_key_create(
    *, tenant: Tenant, name: str, created_by: AbstractBaseUser | None = None
) -> tuple[ApiKey, str]:
    """Create an API key and return it with its token, which is shown once and never stored."""
    lookup_id, secret, token = ApiKey.new_credentials()
    key = ApiKey(
        tenant=tenant,
        name=name.strip(),
        lookup_id=lookup_id,
        secret_hash=hash_api_secret(secret),
        created_by=created_by,
    )
    key.full_clean()
    key.save()
    return key, token


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
