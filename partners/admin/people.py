"""Console pages: people at partner firms (resources) and their certifications."""

from django import forms
from django.contrib import admin
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import format_html
from unfold.decorators import action

from partners.admin.activities import KindLabels, ReviewActions, VocabularyAdmin
from partners.models import Certification, Resource
from partners.uploads import certification_evidence_response
from tenants.admin_base import TenantScopedAdmin, TenantTabularInline


class CertificationInline(TenantTabularInline):
    """Read-only: certifications are submitted by partners and reviewed in their own list."""

    model = Certification
    fields = ("certification", "product", "earned_on", "expires_on", "status")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="Certification")
    def certification(self, certification: Certification) -> str:
        return KindLabels("certification_kinds")(certification)


@admin.register(Resource)
class ResourceAdmin(TenantScopedAdmin):
    list_display = ("name", "firm", "job_title", "email", "is_active")
    list_filter = ("is_active", "firm")
    search_fields = ("name", "email", "job_title", "firm__name")
    list_select_related = ("firm",)
    inlines = [CertificationInline]


class CertificationForm(forms.ModelForm):
    class Meta:
        model = Certification
        fields = ("kind", "product", "earned_on", "expires_on")

    def clean(self):
        cleaned = super().clean()
        earned_on, expires_on = cleaned.get("earned_on"), cleaned.get("expires_on")
        if earned_on and expires_on and expires_on <= earned_on:  # empty: never expires
            self.add_error("expires_on", f"Must be after the earning date ({earned_on}).")
        return cleaned


@admin.register(Certification)
class CertificationAdmin(VocabularyAdmin, ReviewActions, TenantScopedAdmin):
    vocabulary, noun = "certification_kinds", "certification kind"
    form = CertificationForm
    list_display = ("resource", "firm", "kind", "product", "earned_on", "expires_on", "status")
    list_filter = ("status", "kind", "expires_on", "earned_on")
    search_fields = ("resource__name", "resource__email", "firm__name", "product")
    list_select_related = ("resource", "firm")
    date_hierarchy = "expires_on"
    readonly_fields = ("resource", "firm", "evidence_file")
    actions_detail = ["download_evidence"]

    @admin.display(description="Evidence")
    def evidence_file(self, certification: Certification) -> str:
        if not certification.evidence:
            return "—"
        url = reverse("admin:partners_certification_download_evidence", args=[certification.pk])
        return format_html("<a href='{}'>Download</a>", url)

    @action(description="Download evidence", url_path="evidence", icon="download")
    def download_evidence(self, request: HttpRequest, object_id: int) -> FileResponse:
        # Media files are not served publicly: evidence leaves only through this view.
        rows = self.get_queryset(request).exclude(evidence="")
        certification = get_object_or_404(rows, pk=object_id)
        return certification_evidence_response(certification)
