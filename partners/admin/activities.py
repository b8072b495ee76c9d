"""Console pages: activities, attestations, releases, integration updates, issues, feedback.

Partners submit; managers verify or reject (a reason is required: the partner reads it).
"""

import zoneinfo

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from partners.forms import KindChoiceField
from partners.models import (
    Activity,
    Attestation,
    CustomerFeedback,
    IntegrationUpdate,
    SupportIssue,
    VendorRelease,
)
from partners.selectors.activities import business_days_between
from partners.selectors.vocabularies import kind_labels, kinds_for_firm, label_of
from partners.services.activities import (
    REJECTION_REASON_MAX,
    customer_feedback_record,
    submissions_reject,
    submissions_verify,
)
from tenants.admin_base import TenantScopedAdmin
from tenants.errors import ApplicationError
from tenants.holiday_calendar import vendor_holidays
from tenants.models import Tenant

REVIEW_FIELDS = (
    "status",
    "submitted_by",
    "submitted_at",
    "verified_by",
    "verified_at",
    "rejection_reason",
)


class RejectForm(forms.Form):
    reason = forms.CharField(
        max_length=REJECTION_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Required. The partner sees this reason next to their record.",
    )


def rows_by_tenant(request: HttpRequest, queryset: QuerySet) -> list[tuple[Tenant, QuerySet]]:
    """(tenant, rows) pairs: the console's one tenant, or each tenant a superuser selected."""
    if request.tenant is not None:
        return [(request.tenant, queryset)]
    tenant_ids = set(queryset.values_list("tenant_id", flat=True))
    return [(t, queryset.filter(tenant=t)) for t in Tenant.objects.filter(pk__in=tenant_ids)]


class KindLabels:
    """Labels of one vocabulary, loaded once per tenant for the page being drawn."""

    def __init__(self, vocabulary: str):
        self.vocabulary = vocabulary
        self._by_tenant: dict[int, dict[str, str]] = {}

    def __call__(self, row) -> str:
        return self.label(row.tenant_id, row.kind)

    def label(self, tenant_id: int, key: str) -> str:
        if tenant_id not in self._by_tenant:
            self._by_tenant[tenant_id] = kind_labels(tenant_id, self.vocabulary)
        return label_of(key, self._by_tenant[tenant_id])


def kind_filter(vocabulary: str) -> type[admin.SimpleListFilter]:
    """A list filter of the kinds present, by label."""

    class KindFilter(admin.SimpleListFilter):
        title = "kind"
        parameter_name = "kind"

        def lookups(self, request, model_admin):
            present = model_admin.get_queryset(request).order_by().values_list("tenant_id", "kind")
            labels = KindLabels(vocabulary)
            return sorted({(kind, labels.label(t, kind)) for t, kind in present.distinct()})

        def queryset(self, request, queryset):
            return queryset.filter(kind=self.value()) if self.value() else queryset

    return KindFilter


class VocabularyAdmin:
    """A kind is shown and filtered by its label, and edited only among the firm's kinds."""

    vocabulary: str
    noun: str

    def get_list_display(self, request):
        labels = KindLabels(self.vocabulary)

        @admin.display(description="Kind", ordering="kind")
        def kind(row) -> str:
            return labels(row)

        return tuple(kind if f == "kind" else f for f in super().get_list_display(request))

    def get_list_filter(self, request):
        filter_class = kind_filter(self.vocabulary)
        return tuple(filter_class if f == "kind" else f for f in super().get_list_filter(request))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None or "kind" not in form.base_fields:
            return form
        kinds = kinds_for_firm(obj.firm, self.vocabulary)
        field = KindChoiceField(self.noun, label="Kind")
        field.offer(kinds)
        if obj.kind not in kinds:  # a kind its programs no longer declare may stay as it is
            field.choices = [(obj.kind, KindLabels(self.vocabulary)(obj)), *field.choices]
        form.base_fields["kind"] = field
        return form


class ReviewActions:
    """Bulk "Verify" and "Reject" for every model partners submit (certifications too)."""

    actions = ["verify_selected", "reject_selected"]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        # Reviews change only through the actions, so the reason is never skipped.
        names = {field.name for field in self.model._meta.get_fields()}
        review = tuple(name for name in REVIEW_FIELDS if name in names)
        return (*super().get_readonly_fields(request, obj), *review)

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return False  # partners submit these in the portal or through the API

    @admin.action(description="Verify", permissions=["change"])
    def verify_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        selected = queryset.count()
        done = sum(
            submissions_verify(tenant=tenant, queryset=rows, user=request.user)
            for tenant, rows in rows_by_tenant(request, queryset)
        )
        self._report(request, "Verified", done, selected)

    @admin.action(description="Reject (asks for a reason)", permissions=["change"])
    def reject_selected(self, request: HttpRequest, queryset: QuerySet):
        # Like Django's delete confirmation: the first POST asks why, the second applies.
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            selected = queryset.count()
            try:
                done = sum(
                    submissions_reject(
                        tenant=tenant,
                        queryset=rows,
                        user=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                    for tenant, rows in rows_by_tenant(request, queryset)
                )
            except ApplicationError as exc:
                form.add_error("reason", exc.fields.get("reason") or exc.message)
            else:
                self._report(request, "Rejected", done, selected)
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": f"Reject {self.opts.verbose_name_plural}",
            "opts": self.opts,
            "rows": queryset,
            "form": form,
            "action": "reject_selected",
        }
        status = 400 if form.is_bound else 200
        return TemplateResponse(
            request, "partners/activities/admin_reject.html", context, status=status
        )

    def _report(self, request: HttpRequest, verb: str, done: int, selected: int) -> None:
        self.message_user(request, f"{verb} {done} of {selected} selected.", messages.SUCCESS)
        if done < selected:
            self.message_user(
                request,
                f"{selected - done} were not waiting for verification and did not change.",
                messages.WARNING,
            )


@admin.register(Activity)
class ActivityAdmin(VocabularyAdmin, ReviewActions, TenantScopedAdmin):
    vocabulary, noun = "activity_kinds", "activity kind"
    list_display = ("kind", "firm", "occurred_on", "status", "submitted_at")
    list_filter = ("status", "kind", "occurred_on")
    search_fields = ("description", "firm__name")
    list_select_related = ("firm",)
    date_hierarchy = "occurred_on"


@admin.register(Attestation)
class AttestationAdmin(VocabularyAdmin, ReviewActions, TenantScopedAdmin):
    vocabulary, noun = "attestation_kinds", "attestation kind"
    list_display = ("kind", "firm", "valid_from", "valid_until", "status")
    list_filter = ("status", "kind")
    search_fields = ("statement", "firm__name")
    list_select_related = ("firm",)


@admin.register(IntegrationUpdate)
class IntegrationUpdateAdmin(ReviewActions, TenantScopedAdmin):
    list_display = ("release", "firm", "updated_on", "status")
    list_filter = ("status", "release__product", "release__kind")
    search_fields = ("firm__name", "release__product", "release__version", "notes")
    list_select_related = ("firm", "release")


@admin.register(CustomerFeedback)
class CustomerFeedbackAdmin(ReviewActions, TenantScopedAdmin):
    """Partners submit feedback to verify; feedback staff record here is verified at once."""

    list_display = ("received_on", "firm", "sentiment", "status")
    list_filter = ("status", "sentiment")
    search_fields = ("summary", "firm__name")
    list_select_related = ("firm",)

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return TenantScopedAdmin.has_add_permission(self, request)

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if change:
            return super().save_model(request, obj, form, change)
        feedback = customer_feedback_record(
            tenant=obj.tenant,
            firm=obj.firm,
            received_on=obj.received_on,
            sentiment=obj.sentiment,
            summary=obj.summary,
            recorded_by=request.user,
        )
        obj.pk, obj.tenant, obj.status = feedback.pk, feedback.tenant, feedback.status


@admin.register(VendorRelease)
class VendorReleaseAdmin(TenantScopedAdmin):
    """Releases the vendor's staff announce; technology partners record updates for them."""

    list_display = ("product", "version", "kind", "released_on")
    list_filter = ("kind", "product")
    search_fields = ("product", "version")
    date_hierarchy = "released_on"


@admin.register(SupportIssue)
class SupportIssueAdmin(TenantScopedAdmin):
    list_display = ("reference", "firm", "opened_at", "resolved_at", "business_days")
    list_filter = ("opened_at", "resolved_at")
    search_fields = ("reference", "summary", "firm__name")
    list_select_related = ("firm", "tenant")

    @admin.display(description="Business days to resolve")
    def business_days(self, issue: SupportIssue) -> int | None:
        if issue.resolved_at is None:
            return None
        # Business days are calendar days where the vendor works, not in UTC.
        opened = issue.opened_at.astimezone(zoneinfo.ZoneInfo(issue.tenant.time_zone))
        holidays = vendor_holidays(issue.tenant)
        return business_days_between(opened, issue.resolved_at, holidays=holidays)
