"""Console pages: tax documents (finance verifies) and payout profiles (finance sets withholding).

Partners upload forms and enter payout details in the portal, where uploads are checked;
the console only reviews them. Managers see both read-only, a tax form without its file.
The full account reference is shown only to those who may edit (finance, tenant admins,
superusers); others see it masked.
"""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from partners.models import PayoutProfile, TaxDocument, TaxDocumentStatus
from partners.services.tax import payout_profile_set_withholding, tax_document_review
from tenants.admin_base import TenantScopedAdmin
from tenants.models import FINANCE_ROLES, StaffRole


@admin.register(TaxDocument)
class TaxDocumentAdmin(TenantScopedAdmin):
    view_roles = (StaffRole.MANAGER,)
    edit_roles = FINANCE_ROLES
    list_display = ("firm", "kind", "status", "uploaded_at", "expires_on", "verified_at")
    list_filter = ("status", "kind")
    search_fields = ("firm__name",)
    list_select_related = ("firm",)
    fields = (
        "firm",
        "kind",
        "download",
        "original_name",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
        "status",
        "expires_on",
        "verified_by",
        "verified_at",
    )
    readonly_fields = (
        "firm",
        "kind",
        "download",
        "original_name",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
        "verified_by",
        "verified_at",
    )
    actions = ["verify", "reject"]

    def has_add_permission(self, request, *args) -> bool:
        return False  # partners upload in the portal, where the file's content is checked

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a tax form is evidence for payouts already made

    def get_fields(self, request, obj=None):
        # managers chase missing forms by their status; the file itself is finance's
        fields = super().get_fields(request, obj)
        return fields if self.may_edit(request) else [f for f in fields if f != "download"]

    @admin.display(description="File")
    def download(self, obj: TaxDocument) -> str:
        url = reverse(
            "portal_tax_document_download",
            kwargs={"tenant_slug": obj.tenant.slug, "document_id": obj.pk},
        )
        return format_html('<a href="{}">Download ({} bytes)</a>', url, obj.size)

    def save_model(self, request, obj: TaxDocument, form, change: bool) -> None:
        tax_document_review(
            tenant=obj.tenant,
            document=obj,
            status=form.cleaned_data["status"],
            expires_on=form.cleaned_data["expires_on"],
            reviewed_by=request.user,
        )

    def _review(self, request, queryset, status: str) -> None:
        for document in queryset:
            tax_document_review(
                tenant=document.tenant,
                document=document,
                status=status,
                expires_on=document.expires_on,
                reviewed_by=request.user,
            )
        label = TaxDocumentStatus(status).label.lower()
        self.message_user(request, f"{queryset.count()} tax form(s) {label}.", messages.SUCCESS)

    @admin.action(description="Verify selected tax forms", permissions=["change"])
    def verify(self, request, queryset) -> None:
        self._review(request, queryset, TaxDocumentStatus.VERIFIED)

    @admin.action(description="Reject selected tax forms", permissions=["change"])
    def reject(self, request, queryset) -> None:
        self._review(request, queryset, TaxDocumentStatus.REJECTED)


class WithholdingForm(forms.ModelForm):
    class Meta:
        model = PayoutProfile
        fields = ("withholding_rate",)

    def clean_withholding_rate(self) -> Decimal:
        rate = self.cleaned_data["withholding_rate"]
        if not Decimal(0) <= rate <= Decimal(1):
            raise forms.ValidationError("Enter a share between 0 and 1 (0.24 = 24 %).")
        return rate


@admin.register(PayoutProfile)
class PayoutProfileAdmin(TenantScopedAdmin):
    view_roles = (StaffRole.MANAGER,)
    edit_roles = FINANCE_ROLES
    form = WithholdingForm
    list_display = ("firm", "method", "account_holder", "reference", "withholding_rate")
    list_filter = ("method",)
    search_fields = ("firm__name", "account_holder")  # never the reference: a search oracle
    list_select_related = ("firm",)

    def has_add_permission(self, request, *args) -> bool:
        return False  # partners enter their payout details in the portal

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Account reference")
    def reference(self, obj: PayoutProfile) -> str:
        return obj.masked_reference

    # masked for finance too: only a bank file carries the full account (commissions.bankfiles)
    fields = (
        "firm",
        "method",
        "account_holder",
        "reference",
        "routing_number",
        "bic",
        "account_type",
        "withholding_rate",
        "updated_at",
    )
    readonly_fields = (
        "firm",
        "method",
        "account_holder",
        "reference",
        "routing_number",
        "bic",
        "account_type",
        "updated_at",
    )

    def save_model(self, request, obj: PayoutProfile, form, change: bool) -> None:
        payout_profile_set_withholding(
            tenant=obj.tenant, profile=obj, rate=form.cleaned_data["withholding_rate"]
        )
