import hashlib
import secrets
import zoneinfo

import holidays
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower

from tenants.managers import TenantScopedManager

slug_validator = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$",
    "Use 1-40 lowercase letters, digits and inner hyphens.",
)
# Path segments that a tenant slug would shadow in the URL space.
RESERVED_SLUGS = frozenset(
    {"admin", "accounts", "api", "static", "media", "healthz", "readyz", "portal", "www"}
)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known IANA time zone (e.g. Europe/Berlin).")


def validate_holiday_country(value: str) -> None:
    if len(value) != 2 or value not in holidays.list_supported_countries():
        raise ValidationError(
            f"{value!r} is not a country with a known holiday calendar; use an ISO 3166 "
            "two-letter code such as AU, DE or US."
        )


def validate_not_reserved(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(f"{value!r} is reserved for the application's own URLs.")


class Tenant(models.Model):
    """A vendor running partner programs; the root of every tenant-owned row."""

    slug = models.CharField(
        max_length=40,
        unique=True,
        validators=[slug_validator, validate_not_reserved],
        help_text="URL prefix: /<slug>/portal/ and /<slug>/api/v1/.",
    )
    name = models.CharField(max_length=200)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    currency = models.CharField(
        max_length=3,
        default="USD",
        validators=[RegexValidator(r"^[A-Z]{3}$", "Use an ISO 4217 code such as USD.")],
    )
    country = models.CharField(
        max_length=2,
        blank=True,
        default="",
        validators=[validate_holiday_country],
        help_text="ISO 3166 code (e.g. AU): business days skip its public holidays; "
        "empty = weekends only.",
    )
    logo = models.ImageField(
        upload_to="tenant-logos/",
        blank=True,
        # no SVG: a vendor's SVG could carry script into every partner's page
        validators=[FileExtensionValidator(["png", "jpg", "jpeg", "webp"])],
        help_text="PNG, JPEG or WebP, shown in the portal header and in e-mails "
        "(about 160 x 40 pixels reads best).",
    )
    accent_colour = models.CharField(
        max_length=7,
        blank=True,
        default="",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a hex colour such as #0f766e.")],
        help_text="The portal's and e-mails' accent (a stripe and headings' rule); "
        "empty = the PRM purple.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("slug"), name="tenant_slug_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name


class TenantOwned(models.Model):
    """Base of every tenant-owned model: a tenant key and the fail-closed scoped manager."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")

    objects = TenantScopedManager()

    class Meta:
        abstract = True

    def clean(self) -> None:
        """Refuse links to another tenant's rows (a superuser's console sees every tenant)."""
        super().clean()
        if self.tenant_id is None:
            return
        errors = {}
        for field in self._meta.concrete_fields:
            related = field.related_model
            if not field.many_to_one or related is None or not issubclass(related, TenantOwned):
                continue
            related_id = getattr(self, field.attname)
            if related_id is None:
                continue
            other_tenant = (
                related._base_manager.filter(pk=related_id)
                .values_list("tenant_id", flat=True)
                .first()
            )
            if other_tenant != self.tenant_id:
                errors[field.name] = f"This {related._meta.verbose_name} belongs to another vendor."
        if errors:
            raise ValidationError(errors)


class StaffRole(models.TextChoices):
    MANAGER = "manager", "Partner manager"
    FINANCE = "finance", "Finance"
    ADMIN = "admin", "Tenant administrator"


#: who approves and pays payouts
FINANCE_ROLES = (StaffRole.FINANCE, StaffRole.ADMIN)
#: who may open partners' tax forms (finance verifies them; managers see only their status)
TAX_DOCUMENT_ROLES = FINANCE_ROLES


class StaffMembership(TenantOwned):
    """A vendor employee's role in one tenant's console."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_memberships"
    )
    role = models.CharField(max_length=20, choices=StaffRole.choices)
    territories = models.JSONField(
        default=list,
        blank=True,
        help_text="Country codes this person reviews deal registrations for; empty = all.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tenant", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="staff_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.tenant}"


API_KEY_PREFIX = "prm"


class ApiKeyScope(models.TextChoices):
    """What an API key may do; a key holds a set of these (docs/security.md)."""

    READ = "read", "Read: list and fetch records (GET)"
    WRITE = "write", "Write: create and change records (POST, PUT, PATCH, DELETE)"
    FINANCE = "finance", "Finance: payout batches, their exports, statements and invoices"
    TAX_DOCUMENTS = "tax_documents", "Tax documents: partners' W-9 and W-8 forms"


#: what keys issued before scopes existed were given (they had read and write, no more)
DEFAULT_API_KEY_SCOPES = (ApiKeyScope.READ, ApiKeyScope.WRITE)


def default_api_key_scopes() -> list[str]:
    return [str(scope) for scope in DEFAULT_API_KEY_SCOPES]


def api_key_scopes_of_role(role: str) -> frozenset[str]:
    """The scopes a staff role may hold itself, hence put on a key it issues."""
    scopes = {ApiKeyScope.READ, ApiKeyScope.WRITE}
    if role in FINANCE_ROLES:
        scopes |= {ApiKeyScope.FINANCE}
    if role in TAX_DOCUMENT_ROLES:
        scopes |= {ApiKeyScope.TAX_DOCUMENTS}
    return frozenset(str(scope) for scope in scopes)


def validate_api_key_scopes(value) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError("Choose at least one scope.")
    unknown = sorted(set(map(str, value)) - set(ApiKeyScope.values))
    if unknown:
        raise ValidationError(f"Unknown scope(s): {', '.join(unknown)}.")


def hash_api_secret(secret: str) -> str:
    # The secret is 32 random bytes, so a fast hash is safe: there is nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKey(TenantOwned):
    """An integration's credential for one tenant's API; only its hash is stored."""

    name = models.CharField(max_length=100, help_text="Who uses it, e.g. 'ERP order sync'.")
    lookup_id = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    scopes = models.JSONField(
        default=default_api_key_scopes,
        validators=[validate_api_key_scopes],
        help_text="What the key may do: read, write, finance, tax documents.",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({API_KEY_PREFIX}_{self.lookup_id}_…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @staticmethod
    def new_credentials() -> tuple[str, str, str]:
        """Return (lookup_id, secret, full token) for a new key."""
        lookup_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        return lookup_id, secret, f"{API_KEY_PREFIX}_{lookup_id}_{secret}"

    def matches(self, secret: str) -> bool:
        return secrets.compare_digest(self.secret_hash, hash_api_secret(secret))

    def lacks(self, needed: set[str]) -> list[str]:
        """The scopes in `needed` this key does not hold, in the order of ApiKeyScope."""
        held = set(self.scopes or ())
        return [scope for scope in ApiKeyScope.values if scope in needed and scope not in held]

    @property
    def scope_names(self) -> str:
        """'read, write, finance' as people say it."""
        held = set(self.scopes or ())
        return ", ".join(SCOPE_NAMES[s] for s in ApiKeyScope.values if s in held)


#: a scope as a message names it ("lacks the finance scope")
SCOPE_NAMES = {
    ApiKeyScope.READ: "read",
    ApiKeyScope.WRITE: "write",
    ApiKeyScope.FINANCE: "finance",
    ApiKeyScope.TAX_DOCUMENTS: "tax documents",
}


class IdempotencyRecord(TenantOwned):
    """An API key's POST kept under its Idempotency-Key, so a retry gets the first answer.

    The row is inserted in the same transaction as the request's own writes: a concurrent
    duplicate waits on the unique key, then replays what the first one stored.
    """

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    status_code = models.PositiveSmallIntegerField(default=0)  # 0 until the answer is stored
    content_type = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "api_key", "key"], name="idempotency_key_once_per_api_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code})"
