"""Tax documents and payout details finance needs before paying a partner."""

from django.conf import settings
from django.db import models

from partners.masking import mask
from partners.models.firms import PartnerFirm
from tenants.models import TenantOwned


class TaxDocumentKind(models.TextChoices):
    W9 = "w9", "W-9"
    W8BEN = "w8ben", "W-8BEN"
    W8BEN_E = "w8bene", "W-8BEN-E"
    OTHER = "other", "Other tax form"


class TaxDocumentStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    VERIFIED = "verified", "Verified"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired"


class TaxDocument(TenantOwned):
    """An uploaded tax form, stored under a server-generated name."""

    firm = models.ForeignKey(PartnerFirm, on_delete=models.PROTECT, related_name="tax_documents")
    kind = models.CharField(max_length=8, choices=TaxDocumentKind.choices)
    file = models.FileField(upload_to="tax-documents/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=TaxDocumentStatus.choices, default=TaxDocumentStatus.RECEIVED
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.firm} ({self.get_status_display().lower()})"


class PayoutProfile(TenantOwned):
    """How and where a firm is paid, and the tax withheld from its payouts."""

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", "Bank transfer"
        CHECK = "check", "Check"
        PAYPAL = "paypal", "PayPal"

    class AccountType(models.TextChoices):
        CHECKING = "checking", "Checking"
        SAVINGS = "savings", "Savings"

    firm = models.OneToOneField(PartnerFirm, on_delete=models.PROTECT, related_name="payout")
    method = models.CharField(max_length=15, choices=Method.choices)
    account_holder = models.CharField(max_length=200)
    account_reference = models.CharField(
        max_length=100, help_text="IBAN / account number / PayPal e-mail; shown masked."
    )
    # checked by partners.payout_details when entered and again before money moves
    routing_number = models.CharField(
        max_length=9, blank=True, help_text="US bank accounts: the 9-digit ABA routing number."
    )
    bic = models.CharField("BIC", max_length=11, blank=True, help_text="SWIFT code (optional).")
    account_type = models.CharField(
        max_length=8,
        choices=AccountType.choices,
        default=AccountType.CHECKING,
        help_text="US bank accounts: checking or savings.",
    )
    withholding_rate = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=0,
        help_text="Share withheld from payouts (0.24 = 24 %), set by finance.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(withholding_rate__gte=0) & models.Q(withholding_rate__lte=1),
                name="withholding_rate_is_a_share",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} for {self.firm}"

    @property
    def masked_reference(self) -> str:
        return mask(self.account_reference)
