"""Dated, verifiable records of what partners did — what the tier engine counts."""

from django.conf import settings
from django.db import models

from partners.models.firms import PartnerFirm
from tenants.models import TenantOwned


class ReviewStatus(models.TextChoices):
    SUBMITTED = "submitted", "Waiting for verification"
    VERIFIED = "verified", "Verified"
    REJECTED = "rejected", "Rejected"


class ActivityKind(models.TextChoices):
    ORIENTATION = "orientation", "Partner orientation"
    ANNUAL_TRAINING = "annual_training", "Annual training session"
    ACCOUNT_REVIEW_SESSION = "account_review_session", "Account review session"
    CO_BRANDED_WEBINAR = "co_branded_webinar", "Co-branded webinar"
    CUSTOMER_EVENT_INVITATION = "customer_event_invitation", "Vendor invited to a customer event"
    EMAIL_PROMOTION = "email_promotion", "E-mail promotion or newsletter feature"
    DEDICATED_WEB_PAGE = "dedicated_web_page", "Dedicated web page for the vendor"
    QBR = "qbr", "Quarterly business review"
    PIPELINE_REVIEW = "pipeline_review", "Monthly pipeline review"
    GOVERNANCE_MEETING = "governance_meeting", "Quarterly governance meeting"
    OTHER = "other", "Other"


class Reviewed(TenantOwned):
    """Partners submit; a vendor manager verifies or rejects with a reason."""

    firm = models.ForeignKey(PartnerFirm, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        abstract = True


class Activity(Reviewed):
    kind = models.CharField(max_length=40, choices=ActivityKind.choices)
    occurred_on = models.DateField()
    description = models.CharField(max_length=500)
    evidence_url = models.URLField(blank=True)

    class Meta:
        ordering = ["-occurred_on"]
        verbose_name_plural = "activities"
        indexes = [models.Index(fields=["tenant", "kind", "occurred_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occurred_on}"


class AttestationKind(models.TextChoices):
    WEBSITE_LISTS_VENDOR = "website_lists_vendor", "Vendor listed on the partner's website"
    VENDOR_BRANDING_ON_WEBSITE = "vendor_branding_on_website", "Vendor branding on the website"
    VENDOR_LOGO_ON_WEBSITE = "vendor_logo_on_website", "Vendor logo on the website"
    DIRECTORY_LISTING_CURRENT = "directory_listing_current", "Directory listing up to date"
    BUSINESS_ACCOUNT_PLAN = "business_account_plan", "Business / account plan in place"
    GO_TO_MARKET_STRATEGY = "go_to_market_strategy", "Agreed go-to-market strategy"
    END_CUSTOMER_SUPPORT_RESOURCES = "end_customer_support_resources", "End-customer support"
    OTHER = "other", "Other"


class Attestation(Reviewed):
    """A partner's statement that something holds (from a date, until a date)."""

    kind = models.CharField(max_length=40, choices=AttestationKind.choices)
    statement = models.CharField(max_length=500)
    evidence_url = models.URLField(blank=True)
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.valid_from}"


class VendorRelease(TenantOwned):
    """A release of the vendor's product that technology partners must keep up with."""

    class Kind(models.TextChoices):
        MAJOR = "major", "Major"
        MINOR = "minor", "Minor"

    product = models.CharField(max_length=100)
    version = models.CharField(max_length=40)
    kind = models.CharField(max_length=5, choices=Kind.choices)
    released_on = models.DateField()

    class Meta:
        ordering = ["-released_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "product", "version"], name="vendor_release_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.version}"


class IntegrationUpdate(Reviewed):
    """A partner's compatibility update of its integration for one vendor release."""

    release = models.ForeignKey(VendorRelease, on_delete=models.PROTECT, related_name="updates")
    updated_on = models.DateField()
    notes = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-updated_on"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "release"], name="one_update_per_release"),
        ]


class SupportIssue(TenantOwned):
    """A customer issue the partner handled, with when it was opened and resolved."""

    firm = models.ForeignKey(PartnerFirm, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=100)
    summary = models.CharField(max_length=500, blank=True)
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(resolved_at__isnull=True)
                | models.Q(resolved_at__gte=models.F("opened_at")),
                name="issue_resolved_after_opened",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class CustomerFeedback(Reviewed):
    class Sentiment(models.TextChoices):
        POSITIVE = "positive", "Positive"
        NEUTRAL = "neutral", "Neutral"
        NEGATIVE = "negative", "Negative"

    received_on = models.DateField()
    sentiment = models.CharField(max_length=8, choices=Sentiment.choices)
    summary = models.CharField(max_length=500)

    class Meta:
        ordering = ["-received_on"]
        verbose_name_plural = "customer feedback"
