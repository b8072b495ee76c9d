"""What a partner firm tells the public about itself in the vendor's directory."""

from django.conf import settings
from django.db import models

from partners.models.firms import PartnerFirm
from tenants.models import TenantOwned
from tenants.validation import validate_plain_text

DESCRIPTION_MAX_LENGTH = 2000


class PartnerProfile(TenantOwned):
    """The firm's directory profile, edited by its partner admins (the website is the firm's)."""

    firm = models.OneToOneField(PartnerFirm, on_delete=models.CASCADE, related_name="profile")
    description = models.TextField(
        blank=True,
        max_length=DESCRIPTION_MAX_LENGTH,
        validators=[validate_plain_text],
        help_text="What the firm does and for whom, as the public directory shows it.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Directory profile of {self.firm}"
