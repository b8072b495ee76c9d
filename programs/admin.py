"""The console for programs: draft with inlines, publish with a date, compare versions."""

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from pydantic import ValidationError as PydanticError
from unfold.decorators import action

from programs import schema
from programs.models import (
    Benefit,
    CommissionRule,
    Program,
    ProgramChangeNotice,
    ProgramVersion,
    Requirement,
    Tier,
    Track,
    VersionStatus,
)
from programs.selectors import version_as_yaml, version_diff, version_in_force
from programs.selectors_console import tier_names
from programs.services import program_draft_from, program_version_publish
from tenants.admin_base import TenantScopedAdmin, TenantStackedInline, TenantTabularInline
from tenants.errors import ApplicationError

# Each JSON block on a version and the part of the schema that validates it.
POLICY_BLOCKS = {
    "registration": schema.Registration,
    "term": schema.TermPolicy,
    "fees": schema.FeeSchedule,
    "onboarding": schema.Onboarding,
    "evaluation": schema.EvaluationPolicy,
    "deal_registration": schema.DealRegistration,
    "vocabularies": schema.Vocabularies,
}


POLICY_FIELDS = (
    "registration",
    "track_policy",
    "term",
    "fees",
    "onboarding",
    "evaluation",
    "deal_registration",
    "commission_policy",
    "obligations",
    "vocabularies",
)


class VersionForm(forms.ModelForm):
    """A draft's own fields; each policy block is checked against its part of the format."""

    class Meta:
        model = ProgramVersion
        fields = ("label", "effective_from", "version_source", *POLICY_FIELDS)

    def clean(self):
        cleaned = super().clean()
        for field, model in POLICY_BLOCKS.items():
            value = cleaned.get(field)
            if value in (None, "") or field not in self.fields:
                continue
            try:
                model.model_validate(value)
            except PydanticError as exc:
                self.add_error(field, ValidationError(_pydantic_messages(exc)))
        return cleaned


def _pydantic_messages(exc: PydanticError) -> list[str]:
    return [
        f"{schema.format_location(e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
        for e in exc.errors()
    ]


class PartInline:
    """Rows of a version: editable while it is a draft, read-only once published."""

    def _parent_published(self, obj) -> bool:
        return obj is not None and obj.status == VersionStatus.PUBLISHED

    def has_add_permission(self, request, obj=None):
        return not self._parent_published(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._parent_published(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._parent_published(obj) and super().has_delete_permission(request, obj)


class TrackInline(PartInline, TenantTabularInline):
    model = Track
    fields = ("position", "key", "name", "enrolment", "source")
    extra = 0


class TierInline(PartInline, TenantTabularInline):
    model = Tier
    fields = ("rank", "key", "name", "entry", "invite_only", "requires_lower", "source")
    extra = 0


class RequirementInline(PartInline, TenantStackedInline):
    model = Requirement
    fields = (
        ("tier", "key", "position"),
        "label",
        ("metric", "comparator", "threshold"),
        ("window_kind", "window_months"),
        ("tracks", "params"),
        ("is_default", "source"),
    )
    extra = 0
    classes = ["collapse"]

    def get_formset(self, request, obj=None, **kwargs):
        request._version_being_edited = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        version = getattr(request, "_version_being_edited", None)
        if db_field.name == "tier":
            kwargs["queryset"] = Tier.objects.filter(version=version).order_by("rank")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class BenefitInline(PartInline, TenantTabularInline):
    model = Benefit
    fields = ("position", "key", "name", "category", "tiers", "tracks", "note", "source")
    extra = 0


class CommissionRuleInline(PartInline, TenantStackedInline):
    model = CommissionRule
    fields = (
        ("key", "name", "position"),
        ("product_category", "basis", "basis_months"),
        "rates",
        ("lead_source", "initial_purchase_only", "exclude_no_charge"),
        ("conditions", "min_contract_months", "financial_benefit"),
        ("is_default", "source"),
    )
    extra = 0
    classes = ["collapse"]


class VersionRowInline(TenantTabularInline):
    model = ProgramVersion
    fields = ("number", "status", "effective_from", "label", "published_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ("-number",)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Program)
class ProgramAdmin(TenantScopedAdmin):
    list_display = ("name", "slug", "currency", "time_zone", "in_force")
    search_fields = ("name", "slug")
    readonly_fields = ("slug", "name", "currency", "time_zone")
    inlines = [VersionRowInline]

    def has_add_permission(self, request, *args):
        return False  # programs come from definition files (manage.py load_programs)

    @admin.display(description="Version in force today")
    def in_force(self, program: Program) -> str:
        version = version_in_force(program, timezone.localdate())
        return f"v{version.number} since {version.effective_from:%Y-%m-%d}" if version else "—"


class PublishForm(forms.Form):
    effective_from = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The first day the new version governs; later than the version in force.",
    )


@admin.register(ProgramVersion)
class ProgramVersionAdmin(TenantScopedAdmin):
    form = VersionForm
    list_display = ("program", "number", "status", "effective_from", "label", "published_at")
    list_filter = ("status", "program")
    search_fields = ("program__name", "label")
    ordering = ("program", "-number")
    readonly_fields = ("program", "number", "status", "published_at", "published_by", "digest")
    inlines = [TrackInline, TierInline, RequirementInline, BenefitInline, CommissionRuleInline]
    actions_detail = ["publish", "new_draft", "compare", "whatif"]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "program",
                    "number",
                    "status",
                    "label",
                    "effective_from",
                    "version_source",
                    "published_at",
                    "published_by",
                    "digest",
                )
            },
        ),
        (
            "Policies (JSON, checked against the definition format)",
            {
                "fields": POLICY_FIELDS,
                "classes": ["collapse"],
            },
        ),
    )

    def has_add_permission(self, request, *args):
        return False  # a draft starts from a file or from "New draft" on a version

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status == VersionStatus.PUBLISHED:
            return False  # published versions are shown read-only
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status == VersionStatus.PUBLISHED:
            return False
        return super().has_delete_permission(request, obj)

    def has_publish_permission(self, request, object_id=None) -> bool:
        return super().has_change_permission(request)

    has_new_draft_permission = has_publish_permission

    def has_whatif_permission(self, request, object_id=None) -> bool:
        """The what-if button shows on a draft: what publishing it would have changed."""
        version = self.get_queryset(request).filter(pk=object_id).only("status").first()
        # a version outside the console's tenant is not found (404), not forbidden
        return version is None or version.status == VersionStatus.DRAFT

    def _version(self, request, object_id) -> ProgramVersion:
        return get_object_or_404(self.get_queryset(request), pk=object_id)

    def _back(self, version: ProgramVersion) -> HttpResponseRedirect:
        return HttpResponseRedirect(
            reverse("admin:programs_programversion_change", args=[version.pk])
        )

    @action(description="Publish", url_path="publish", permissions=["publish"], icon="publish")
    def publish(self, request: HttpRequest, object_id: int):
        version = self._version(request, object_id)
        if version.status == VersionStatus.PUBLISHED:
            messages.error(request, f"v{version.number} is already published.")
            return self._back(version)
        form = PublishForm(request.POST or None, initial={"effective_from": version.effective_from})
        if request.method == "POST" and form.is_valid():
            try:
                program_version_publish(
                    tenant=version.tenant,
                    version=version,
                    effective_from=form.cleaned_data["effective_from"],
                    user=request.user,
                )
            except ApplicationError as exc:
                form.add_error("effective_from", exc.message)
            else:
                messages.success(
                    request,
                    f"Published {version.program} v{version.number}, effective "
                    f"{form.cleaned_data['effective_from']:%Y-%m-%d}. It can no longer change.",
                )
                return self._back(version)
        previous = version_in_force(version.program, datetime.date.max)
        return TemplateResponse(
            request,
            "admin/programs/publish.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Publish {version.program} v{version.number}",
                "version": version,
                "form": form,
                "opts": self.opts,
                "diff": version_diff(previous, version) if previous else version_as_yaml(version),
                "previous": previous,
            },
        )

    @action(
        description="New draft from this version",
        url_path="new-draft",
        permissions=["new_draft"],
        icon="content_copy",
    )
    def new_draft(self, request: HttpRequest, object_id: int):
        version = self._version(request, object_id)
        if request.method != "POST":
            return TemplateResponse(
                request,
                "admin/programs/confirm_new_draft.html",
                {
                    **self.admin_site.each_context(request),
                    "title": f"New draft from {version.program} v{version.number}",
                    "version": version,
                    "opts": self.opts,
                },
            )
        try:
            draft = program_draft_from(tenant=version.tenant, version=version)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return self._back(version)
        messages.success(request, f"Draft v{draft.number} created from v{version.number}.")
        return self._back(draft)

    @action(
        description="What-if over money", url_path="whatif", permissions=["whatif"], icon="payments"
    )
    def whatif(self, request: HttpRequest, object_id: int):
        version = self._version(request, object_id)
        # the page lives with the tier simulation (PartnerTier's "What-if over money")
        page = reverse("admin:tiers_partnertier_whatif")
        return HttpResponseRedirect(f"{page}?version={version.pk}")

    @action(description="Compare versions", url_path="compare", icon="difference")
    def compare(self, request: HttpRequest, object_id: int):
        version = self._version(request, object_id)
        others = ProgramVersion.objects.filter(program=version.program).exclude(pk=version.pk)
        against_id = request.GET.get("against")
        against = (
            others.filter(pk=against_id).first()
            if against_id
            else (others.filter(number__lt=version.number).order_by("-number").first())
        )
        diff = version_diff(against, version) if against else ""
        return TemplateResponse(
            request,
            "admin/programs/compare.html",
            {
                **self.admin_site.each_context(request),
                "title": f"{version.program}: compare versions",
                "version": version,
                "against": against,
                "others": others.order_by("-number"),
                "diff_lines": diff.splitlines(),
                "opts": self.opts,
                "yaml": version_as_yaml(version) if against is None else "",
            },
        )


@admin.register(ProgramChangeNotice)
class ProgramChangeNoticeAdmin(TenantScopedAdmin):
    """The written notices publishing gave partners: read-only, they are history."""

    list_display = ("program", "version", "effective_from", "given_at", "mailed_at")
    list_filter = ("program",)
    fields = (
        "program",
        "version",
        "previous_version",
        "effective_from",
        "notice_days",
        "what_changed",
        "given_at",
        "given_by",
        "mailed_at",
        "read_by",
    )
    readonly_fields = fields

    @admin.display(description="What changed")
    def what_changed(self, notice: ProgramChangeNotice) -> str:
        return "\n".join(notice.changes)

    @admin.display(description="Read by")
    def read_by(self, notice: ProgramChangeNotice) -> str:
        return ", ".join(r.user.email for r in notice.reads.select_related("user")) or "—"

    def has_add_permission(self, request, *args):
        return False  # publishing a commission change gives the notice

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TierFilter(admin.SimpleListFilter):
    """Filter by tier, offered by name ("Gold"), over rows with a `tier_key` and `program`."""

    title = "tier"
    parameter_name = "tier_key"

    def lookups(self, request, model_admin):
        names = tier_names(Program.objects.values_list("pk", flat=True))
        by_key: dict[str, tuple[int, str]] = {}
        for (_, key), (rank, name) in names.items():
            by_key.setdefault(key, (rank, name))
        return [(key, name) for key, (rank, name) in sorted(by_key.items(), key=lambda i: i[1])]

    def queryset(self, request, queryset):
        return queryset.filter(tier_key=self.value()) if self.value() else queryset
