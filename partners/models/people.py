"""People at partner firms who hold the vendor's certifications."""

from django.conf import settings
from django.db import models

from partners.models.firms import PartnerContact, PartnerFirm
from tenants.models import TenantOwned


class Resource(TenantOwned):
    """A person at a partner firm the program counts (not necessarily a portal user)."""

    firm = models.ForeignKey(PartnerFirm, on_delete=models.PROTECT, related_name="resources")
    contact = models.ForeignKey(
        PartnerContact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["firm", "name"]

    def __str__(self) -> str:
        return self.name


class Certification(TenantOwned):
    """A certification a person earned, valid until it expires, counted once verified."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Waiting for verification"
        VERIFIED = "verified", "Verified"
        REJECTED = "rejected", "Rejected"

    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="certifications")
    firm = models.ForeignKey(PartnerFirm, on_delete=models.PROTECT, related_name="+")
    # a key of the firm's programs' `vocabularies.certification_kinds` (checked by the services)
    kind = models.CharField(max_length=60)
    product = models.CharField(max_length=60, blank=True, help_text="e.g. amelia, 1desk, 1rpa")
    earned_on = models.DateField()
    expires_on = models.DateField(
        null=True,
        blank=True,
        help_text="The first day it no longer counts; empty: never expires. Default: the "
        "kind's validity_months in the program.",
    )
    evidence = models.FileField(upload_to="certifications/%Y/%m/", blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
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
        ordering = ["-earned_on"]
        indexes = [models.Index(fields=["tenant", "kind", "expires_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(expires_on__gt=models.F("earned_on")),
                name="certification_expires_after_earned",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource}: {self.kind} until {self.expires_on or 'no expiry'}"
