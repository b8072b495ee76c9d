from django.conf import settings
from django.db import models

from tenants.models import TenantOwned
from tenants.validation import validate_country_code, validate_name


class PartnerFirm(TenantOwned):
    """A company in a vendor's partner network (extended by the partner-lifecycle work)."""

    name = models.CharField(max_length=200, validators=[validate_name])
    website = models.URLField(blank=True)
    country = models.CharField(
        max_length=2,
        blank=True,
        validators=[validate_country_code],
        help_text="ISO 3166 alpha-2 code.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="partner_firm_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class ContactRole(models.TextChoices):
    PARTNER_ADMIN = "partner_admin", "Partner admin"
    PARTNER_REP = "partner_rep", "Partner rep"


class PartnerContact(TenantOwned):
    """A portal user's place in one partner firm of one tenant."""

    firm = models.ForeignKey(PartnerFirm, on_delete=models.CASCADE, related_name="contacts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_contacts"
    )
    role = models.CharField(
        max_length=20, choices=ContactRole.choices, default=ContactRole.PARTNER_REP
    )
    # a key of the firm's programs' `vocabularies.designations`, or empty (checked by the services)
    designation = models.CharField(
        max_length=60,
        blank=True,
        help_text="A role the program counts (IPsoft: the partner's own partner manager).",
    )
    is_active = models.BooleanField(default=True)
    # the vendor a partner of several picked last: where sign-in lands them (partners.adapters)
    chosen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["firm", "user__email"]
        constraints = [
            # one firm per person per vendor: a portal session always knows its firm
            models.UniqueConstraint(fields=["tenant", "user"], name="partner_contact_one_firm"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.firm})"
