"""A partner's claim on a prospect, its review, and the sales steps that follow."""

from django.conf import settings
from django.db import models

from partners.models import PartnerFirm
from programs.models import Program
from tenants.models import TenantOwned
from tenants.validation import FREE_TEXT, validate_country_code, validate_name, validate_plain_text


class LeadSource(models.TextChoices):
    PARTNER = "partner", "Partner lead"
    VENDOR = "vendor", "Vendor lead"


class RegistrationStatus(models.TextChoices):
    OFFERED = "offered", "Offered by the vendor"
    DECLINED = "declined", "Declined by the partner"
    SUBMITTED = "submitted", "Submitted"
    UNDER_REVIEW = "under_review", "Under review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WON = "won", "Won"
    LOST = "lost", "Lost"
    EXPIRED = "expired", "Expired"


OPEN_STATUSES = (RegistrationStatus.SUBMITTED, RegistrationStatus.UNDER_REVIEW)
ACTIVE_STATUSES = (*OPEN_STATUSES, RegistrationStatus.APPROVED)


class DealRegistration(TenantOwned):
    """A lead: the prospect a partner registered (or the vendor shared), under protection."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    firm = models.ForeignKey(PartnerFirm, on_delete=models.PROTECT, related_name="registrations")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lead_source = models.CharField(max_length=8, choices=LeadSource.choices)
    external_id = models.CharField(
        max_length=100,
        blank=True,
        validators=[validate_plain_text],
        help_text="Key for CSV re-imports.",
    )
    company_name = models.CharField(max_length=200, validators=[validate_name])
    normalized_name = models.CharField(max_length=200, db_index=True, editable=False)
    # the first word of normalized_name: where similar names are looked for
    name_key = models.CharField(max_length=200, blank=True, editable=False, db_default="")
    domain = models.CharField(
        max_length=253,
        blank=True,
        validators=[validate_plain_text],
        help_text="Website or e-mail domain.",
    )
    # the registrable company domain; empty for free mail (gmail.com says nothing)
    normalized_domain = models.CharField(max_length=253, blank=True, editable=False)
    country = models.CharField(max_length=2, validators=[validate_country_code])
    contact_name = models.CharField(max_length=200, blank=True, validators=[validate_name])
    contact_email = models.EmailField(blank=True)
    products = models.CharField(
        max_length=300,
        blank=True,
        validators=[validate_plain_text],
        help_text="Products of interest.",
    )
    estimated_value_minor = models.BigIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3)
    expected_close_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True, **FREE_TEXT)
    status = models.CharField(max_length=12, choices=RegistrationStatus.choices)
    decision_reason = models.TextField(
        blank=True, help_text="The reviewer's note to the partner.", **FREE_TEXT
    )
    # the program's rejection reason (deal_registration.rejection_reasons) as it read then
    rejection_reason = models.CharField("rejection reason key", max_length=60, blank=True)
    rejection_reason_label = models.CharField("rejection reason", max_length=200, blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    approved_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True, help_text="End of protection.")
    reminded_on = models.DateField(null=True, blank=True)
    extension_requested_at = models.DateTimeField(null=True, blank=True)
    extension_reason = models.TextField(blank=True, **FREE_TEXT)
    opportunity_created_on = models.DateField(
        null=True, blank=True, help_text="When the vendor's CRM opened the opportunity."
    )
    qualified_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["tenant", "normalized_name"], name="registration_name_idx"),
            models.Index(fields=["tenant", "normalized_domain"], name="registration_domain_idx"),
            models.Index(fields=["tenant", "name_key"], name="registration_name_key_idx"),
            models.Index(fields=["tenant", "firm", "status"], name="registration_firm_idx"),
            # a partner's deal list: newest first, one firm at a time
            models.Index(fields=["firm", "-submitted_at"], name="registration_firm_recent_idx"),
            # reviewers' and API keys' list: the tenant's newest first, paged by keyset
            models.Index(fields=["tenant", "-submitted_at", "-id"], name="registration_recent_idx"),
            models.Index(fields=["tenant", "status", "expires_on"], name="registration_expiry_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "firm", "external_id"],
                condition=~models.Q(external_id=""),
                name="registration_external_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_name} ({self.firm})"


class RegistrationTransition(TenantOwned):
    """Every status change: who, when, why (the review's audit trail)."""

    registration = models.ForeignKey(
        DealRegistration, on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True, **FREE_TEXT)

    class Meta:
        ordering = ["at", "pk"]

    @property
    def to_label(self) -> str:
        return RegistrationStatus(self.to_status).label


class RegistrationMatch(TenantOwned):
    """A conflict candidate found at submission, with why it matched (reviewers only).

    A strong match (same company domain, or same name and country) blocks the way to an
    automatic rejection; a weak one (similar name, same name elsewhere) only informs.
    """

    class Kind(models.TextChoices):
        REGISTRATION = "registration", "Open registration"
        OPPORTUNITY = "opportunity", "Active opportunity"
        CUSTOMER = "customer", "Existing customer"

    registration = models.ForeignKey(
        DealRegistration, on_delete=models.CASCADE, related_name="matches"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    other_registration = models.ForeignKey(
        DealRegistration, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    customer = models.ForeignKey(
        "deals.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    explanation = models.CharField(max_length=300, help_text="Why it matched.")
    strong = models.BooleanField(
        default=False, help_text="Same company domain, or same name and country."
    )
    similarity = models.FloatField(
        default=0, help_text="Name similarity, 0 to 1 (rapidfuzz token_sort_ratio / 100)."
    )

    def __str__(self) -> str:
        return self.explanation


class SalesActivity(TenantOwned):
    """A step in the sale of a registered lead."""

    class Kind(models.TextChoices):
        DISCOVERY_CALL = "discovery_call", "Discovery call"
        DEMO_CALL = "demo_call", "Demo call"

    registration = models.ForeignKey(
        DealRegistration, on_delete=models.CASCADE, related_name="activities"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    occurred_on = models.DateField()
    vendor_attended = models.BooleanField(default=True)
    notes = models.CharField(max_length=500, blank=True, validators=[validate_plain_text])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on"]
        verbose_name_plural = "sales activities"
