"""The vendor as the originator of its bank files: who pays, from which account."""

from django.core.exceptions import ValidationError
from django.db import models

from partners.payout_details import clean_bic, clean_iban, clean_routing_number
from tenants.models import TenantOwned


class BankOriginator(TenantOwned):
    """The vendor's payer details for its bank files; one per vendor, edited by finance.

    Its existence also switches on the payout-details hold at batch build: a vendor that
    pays from these files holds every partner whose details cannot be paid.
    """

    name = models.CharField(
        max_length=70, help_text="The vendor's name as its bank knows it (payer name)."
    )
    ach_company_id = models.CharField(
        "ACH company ID",
        max_length=10,
        blank=True,
        help_text="From the bank; usually 1 followed by the EIN.",
    )
    ach_odfi_routing = models.CharField(
        "ACH bank routing number",
        max_length=9,
        blank=True,
        help_text="The vendor's bank (originating DFI).",
    )
    ach_odfi_name = models.CharField(
        "ACH bank name", max_length=23, blank=True, help_text="The vendor's bank, as in its spec."
    )
    ach_entry_description = models.CharField(
        "ACH entry description",
        max_length=10,
        default="PAYOUT",
        help_text="Shown on the partner's bank statement (10 characters).",
    )
    sepa_iban = models.CharField(
        "SEPA IBAN", max_length=34, blank=True, help_text="The account the EUR payouts leave."
    )
    sepa_bic = models.CharField("SEPA BIC", max_length=11, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="one_bank_originator_per_tenant"),
        ]

    def __str__(self) -> str:
        return f"Bank originator: {self.name}"

    def clean(self) -> None:
        super().clean()
        errors = {}
        checks = (
            ("ach_odfi_routing", clean_routing_number),
            ("sepa_iban", clean_iban),
            ("sepa_bic", clean_bic),
        )
        for field, check in checks:
            value = getattr(self, field).strip()
            if value:
                try:
                    setattr(self, field, check(value))
                except ValidationError as exc:
                    errors[field] = exc.messages
        if self.ach_company_id and not self.ach_company_id.isalnum():
            errors["ach_company_id"] = ["Letters and digits only (e.g. 1123456789)."]
        if errors:
            raise ValidationError(errors)

    @property
    def ach_ready(self) -> bool:
        return bool(self.ach_company_id and self.ach_odfi_routing and self.ach_odfi_name)

    @property
    def sepa_ready(self) -> bool:
        return bool(self.sepa_iban)
