"""Dated, verifiable records of what partners did — what the tier engine counts."""

from django.conf import settings
from django.db import models

from partners.models.firms import PartnerFirm
from tenants.models import TenantOwned


class ReviewStatus(models.TextChoices):
    SUBMITTED = "submitted", "Waiting for verification"
    VERIFIED = "verified", "Verified"
    REJECTED = "rejected", "Rejected"


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
    # a key of the firm's programs' `vocabularies.activity_kinds` (checked by the services)
    kind = models.CharField(max_length=60)
    occurred_on = models.DateField()
    description = models.CharField(max_length=500)
    evidence_url = models.URLField(blank=True)

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        verbose_name_plural = "activities"
        indexes = [
            models.Index(fields=["tenant", "kind", "occurred_on"]),
            models.Index(fields=["tenant", "-occurred_on", "-id"], name="activity_list_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.occurred_on}"


class Attestation(Reviewed):
    """A partner's statement that something holds (from a date, until a date)."""

    # a key of the firm's programs' `vocabularies.attestation_kinds` (checked by the services)
    kind = models.CharField(max_length=60)
    statement = models.CharField(max_length=500)
    evidence_url = models.URLField(blank=True)
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-valid_from", "-pk"]
        indexes = [
            models.Index(fields=["tenant", "-valid_from", "-id"], name="attestation_list_idx")
        ]

    def __str__(self) -> str:
        return f"{self.kind} from {self.valid_from}"


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
        ordering = ["-released_on", "product", "pk"]
        indexes = [
            models.Index(
                fields=["tenant", "-released_on", "product", "id"], name="release_list_idx"
            )
        ]
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
        ordering = ["-updated_on", "-pk"]
        indexes = [
            models.Index(
                fields=["tenant", "-updated_on", "-id"], name="integration_update_list_idx"
            )
        ]
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
        ordering = ["-opened_at", "-pk"]
        indexes = [
            models.Index(fields=["tenant", "-opened_at", "-id"], name="support_issue_list_idx")
        ]
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
        ordering = ["-received_on", "-pk"]
        indexes = [models.Index(fields=["tenant", "-received_on", "-id"], name="feedback_list_idx")]
        verbose_name_plural = "customer feedback"
