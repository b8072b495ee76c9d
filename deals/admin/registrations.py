"""Console: the deal-registration review queue, conflicts side by side, decisions."""

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from unfold.decorators import action

from deals.admin.review import FIELDS, candidates, registration_cells
from deals.models import (
    DealRegistration,
    RegistrationStatus,
    RegistrationTransition,
    SalesActivity,
)
from deals.selectors.registrations import rejection_reasons_for
from deals.services.registrations import (
    registration_approve,
    registration_close,
    registration_decide_extension,
    registration_reject,
    registration_start_review,
    vendor_lead_offer,
)
from deals.workflow import can_move
from partners.models import PartnerFirm
from programs.selectors import obligations_at
from tenants.admin_base import (
    CountryFilter,
    TenantScopedAdmin,
    TenantTabularInline,
    bulk_form,
    form_page,
    legal_on,
)
from tenants.countries import country_name
from tenants.errors import ApplicationError
from tenants.money import format_minor


class ReadOnlyInline(TenantTabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _status_label(value: str) -> str:
    return RegistrationStatus(value).label if value in RegistrationStatus.values else "—"


class TransitionInline(ReadOnlyInline):
    model = RegistrationTransition
    fields = ("at", "from_label", "to_label", "by", "reason")
    readonly_fields = fields

    @admin.display(description="From")
    def from_label(self, transition) -> str:
        return _status_label(transition.from_status)

    @admin.display(description="To")
    def to_label(self, transition) -> str:
        return _status_label(transition.to_status)


class ActivityInline(ReadOnlyInline):
    model = SalesActivity
    fields = ("occurred_on", "kind", "vendor_attended", "notes", "recorded_by")
    readonly_fields = fields


def may_decide(registration: DealRegistration, target: str) -> bool:
    """The workflow's table decides; approving or rejecting a submitted registration starts
    its review first (the services do both), and a vendor lead is the partner's to accept."""
    status = registration.status
    if status == RegistrationStatus.OFFERED or status == target:
        return False
    reviewed = RegistrationStatus.UNDER_REVIEW if status == RegistrationStatus.SUBMITTED else status
    return can_move(reviewed, target)


def _console_link(record) -> str:
    meta = record._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[record.pk])


class DecisionForm(forms.Form):
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class RejectForm(forms.Form):
    """The program's rejection reasons (its vendor's list) and an optional note."""

    reason = forms.ChoiceField(label="Reason", help_text="The partner reads the reason's label.")
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional (required for some reasons, e.g. Other); the partner reads it.",
    )

    def __init__(self, *args, reasons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [
            ("", "Choose a reason"),
            *((r.key, r.label) for r in reasons),
        ]


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("grant", "Grant the extension"), ("decline", "Decline it")]
    )
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class OfferForm(forms.Form):
    firm = forms.ModelChoiceField(queryset=PartnerFirm.objects.all())
    company_name = forms.CharField(max_length=200)
    country = forms.CharField(max_length=2)
    domain = forms.CharField(max_length=253, required=False)
    contact_name = forms.CharField(max_length=200, required=False)
    contact_email = forms.EmailField(required=False)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(DealRegistration)
class DealRegistrationAdmin(TenantScopedAdmin):
    list_display = (
        "company_name",
        "firm",
        "lead_source",
        "country_name",
        "status",
        "conflicts",
        "value",
        "submitted_at",
        "expires_on",
    )
    list_filter = ("status", "lead_source", "program", CountryFilter)
    search_fields = ("company_name", "domain", "firm__name", "contact_email", "external_id")
    list_select_related = ("firm",)
    readonly_fields = (
        "program",
        "firm",
        "submitted_by",
        "lead_source",
        "external_id",
        "company_name",
        "domain",
        "country_name",
        "contact_name",
        "contact_email",
        "products",
        "value",
        "expected_close_on",
        "notes",
        "status",
        "rejection_reason_label",
        "decision_reason",
        "submitted_at",
        "approved_on",
        "expires_on",
        "extension_requested_at",
        "extension_reason",
        "closed_on",
    )
    fields = (*readonly_fields, "opportunity_created_on", "qualified_on")
    inlines = [ActivityInline, TransitionInline]  # the candidates are in the review above
    actions_detail = [
        "approve",
        "reject",
        "start_review",
        "mark_won",
        "mark_lost",
        "decide_extension",
    ]
    actions_list = ["offer_lead"]
    actions = ["approve_selected", "reject_selected"]

    def has_add_permission(self, request, *args):
        return False  # partners register; vendor leads use "Offer a lead"

    def has_delete_permission(self, request, obj=None):
        return False  # a registration and its transitions are the audit trail

    @admin.display(description="Country", ordering="country")
    def country_name(self, registration):
        return country_name(registration.country)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        membership = getattr(request, "staff_membership", None)
        if membership is not None and membership.territories:
            queryset = queryset.filter(country__in=membership.territories)
        return queryset.prefetch_related("matches")

    @admin.display(description="Conflicts")
    def conflicts(self, registration):
        count = len(registration.matches.all())
        return f"⚠ {count}" if count else "—"

    @admin.display(description="Estimated value")
    def value(self, registration):
        value = registration.estimated_value_minor
        return "—" if value is None else format_minor(value, registration.currency)

    def has_decide_permission(self, request, object_id=None) -> bool:
        return super().has_change_permission(request)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["review"] = self._review(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _review(self, request, registration: DealRegistration) -> dict:
        """The side-by-side comparison and, where the workflow allows, the decision forms."""
        columns = candidates(registration, _console_link)
        mine = registration_cells(registration)
        may_approve = self.has_approve_permission(request, registration.pk)
        may_reject = self.has_reject_permission(request, registration.pk)
        return {
            "candidates": columns,
            "rows": [
                (label, mine[i], [c.cells[i] for c in columns]) for i, label in enumerate(FIELDS)
            ],
            "approve_form": DecisionForm() if may_approve else None,
            "approve_url": reverse("admin:deals_dealregistration_approve", args=[registration.pk]),
            "reject_form": RejectForm(reasons=rejection_reasons_for(registration))
            if may_reject
            else None,
            "reject_url": reverse("admin:deals_dealregistration_reject", args=[registration.pk]),
            "obligations": obligations_at(registration.program, "approval", "review")
            if may_approve or may_reject
            else [],
        }

    def _may(self, request, object_id, legal) -> bool:
        return self.has_decide_permission(request) and legal_on(self, request, object_id, legal)

    def has_approve_permission(self, request, object_id=None) -> bool:
        return self._may(request, object_id, lambda r: may_decide(r, RegistrationStatus.APPROVED))

    def has_reject_permission(self, request, object_id=None) -> bool:
        return self._may(request, object_id, lambda r: may_decide(r, RegistrationStatus.REJECTED))

    def has_start_review_permission(self, request, object_id=None) -> bool:
        return self._may(
            request, object_id, lambda r: can_move(r.status, RegistrationStatus.UNDER_REVIEW)
        )

    def has_close_permission(self, request, object_id=None) -> bool:
        return self._may(request, object_id, lambda r: can_move(r.status, RegistrationStatus.WON))

    def has_decide_extension_permission(self, request, object_id=None) -> bool:
        return self._may(
            request,
            object_id,
            lambda r: (
                r.status == RegistrationStatus.APPROVED and r.extension_requested_at is not None
            ),
        )

    def _each(self, request, queryset, target: str, decide, verb: str) -> None:
        """Decide every selected registration the workflow allows; say which could not be."""
        done, refused = 0, []
        for registration in queryset.select_related("program"):
            if not may_decide(registration, target):
                refused.append(f"{registration.company_name} ({registration.get_status_display()})")
                continue
            try:
                decide(registration)
            except ApplicationError as exc:
                refused.append(f"{registration.company_name}: {exc.message}")
            else:
                done += 1
        messages.success(request, f"{verb} {done} registration(s); the partners are e-mailed.")
        if refused:
            messages.warning(request, "Not changed: " + "; ".join(refused))

    @admin.action(description="Approve selected (one note for all)", permissions=["decide"])
    def approve_selected(self, request, queryset):
        form = bulk_form(request, DecisionForm)
        if form.is_bound and form.is_valid():
            self._each(
                request,
                queryset,
                RegistrationStatus.APPROVED,
                lambda r: registration_approve(
                    tenant=r.tenant,
                    registration=r,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                ),
                "Approved",
            )
            return None
        return form_page(
            self,
            request,
            f"Approve {queryset.count()} registration(s)",
            form,
            "Approve selected",
            selected=queryset,
            action="approve_selected",
            text="Each starts its protection period; any the workflow does not allow is skipped.",
        )

    @admin.action(description="Reject selected (one reason for all)", permissions=["decide"])
    def reject_selected(self, request, queryset):
        programs = {r.program_id: r for r in queryset.select_related("program")}
        if len(programs) != 1:
            messages.error(request, "Select registrations of one program: reasons are its own.")
            return None
        reasons = rejection_reasons_for(next(iter(programs.values())))
        form = bulk_form(request, RejectForm, reasons=reasons)
        if form.is_bound and form.is_valid():
            self._each(
                request,
                queryset,
                RegistrationStatus.REJECTED,
                lambda r: registration_reject(
                    tenant=r.tenant,
                    registration=r,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                ),
                "Rejected",
            )
            return None
        return form_page(
            self,
            request,
            f"Reject {queryset.count()} registration(s)",
            form,
            "Reject selected",
            selected=queryset,
            action="reject_selected",
        )

    def _registration(self, request, object_id) -> DealRegistration:
        return get_object_or_404(self.get_queryset(request), pk=object_id)

    def _back(self, registration) -> HttpResponseRedirect:
        return HttpResponseRedirect(
            reverse("admin:deals_dealregistration_change", args=[registration.pk])
        )

    def _form_page(self, request, title, form, button, obligations=()):
        return form_page(self, request, title, form, button, obligations=obligations)

    def _decide(
        self, request, object_id, form_class, title, button, decide, done, steps=("review",)
    ):
        registration = self._registration(request, object_id)
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                decide(registration, form.cleaned_data)
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, done)
            return self._back(registration)
        return self._form_page(
            request,
            f"{title}: {registration.company_name}",
            form,
            button,
            obligations=obligations_at(registration.program, *steps),
        )

    @action(description="Approve", url_path="approve", permissions=["approve"], icon="check")
    def approve(self, request, object_id):
        return self._decide(
            request,
            object_id,
            DecisionForm,
            "Approve",
            "Approve",
            lambda r, data: registration_approve(
                tenant=r.tenant, registration=r, user=request.user, reason=data["reason"]
            ),
            "Approved; the partner has been e-mailed and the protection period started.",
            steps=("approval", "review"),
        )

    @action(description="Reject", url_path="reject", permissions=["reject"], icon="close")
    def reject(self, request, object_id):
        reasons = rejection_reasons_for(self._registration(request, object_id))
        return self._decide(
            request,
            object_id,
            partial(RejectForm, reasons=reasons),
            "Reject",
            "Reject",
            lambda r, data: registration_reject(
                tenant=r.tenant,
                registration=r,
                user=request.user,
                reason=data["reason"],
                note=data["note"],
            ),
            "Rejected; the partner has been e-mailed.",
        )

    @action(
        description="Start review",
        url_path="review",
        permissions=["start_review"],
        icon="visibility",
    )
    def start_review(self, request, object_id):
        registration = self._registration(request, object_id)
        if request.method == "POST":
            try:
                registration_start_review(
                    tenant=registration.tenant, registration=registration, user=request.user
                )
            except ApplicationError as exc:
                messages.error(request, exc.message)
            return self._back(registration)
        return self._form_page(
            request, f"Start reviewing {registration.company_name}", forms.Form(), "Start review"
        )

    @action(description="Mark won", url_path="won", permissions=["close"], icon="emoji_events")
    def mark_won(self, request, object_id):
        return self._decide(
            request,
            object_id,
            DecisionForm,
            "Mark won",
            "Mark won",
            lambda r, data: registration_close(
                tenant=r.tenant, registration=r, user=request.user, won=True, reason=data["reason"]
            ),
            "Marked won.",
        )

    @action(description="Mark lost", url_path="lost", permissions=["close"], icon="block")
    def mark_lost(self, request, object_id):
        return self._decide(
            request,
            object_id,
            DecisionForm,
            "Mark lost",
            "Mark lost",
            lambda r, data: registration_close(
                tenant=r.tenant, registration=r, user=request.user, won=False, reason=data["reason"]
            ),
            "Marked lost.",
        )

    @action(
        description="Decide extension",
        url_path="extension",
        permissions=["decide_extension"],
        icon="update",
    )
    def decide_extension(self, request, object_id):
        return self._decide(
            request,
            object_id,
            ExtensionDecisionForm,
            "Extension request",
            "Decide",
            lambda r, data: registration_decide_extension(
                tenant=r.tenant,
                registration=r,
                user=request.user,
                grant=data["decision"] == "grant",
                reason=data["reason"],
            ),
            "Extension decided.",
        )

    def has_offer_lead_permission(self, request) -> bool:
        return super().has_change_permission(request)

    @action(
        description="Offer a vendor lead",
        url_path="offer",
        permissions=["offer_lead"],
        icon="share",
    )
    def offer_lead(self, request):
        form = OfferForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            firm = data.pop("firm")
            try:
                registration = vendor_lead_offer(
                    tenant=firm.tenant, firm=firm, user=request.user, **data
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"Lead offered to {firm}; they accept or decline it.")
                return self._back(registration)
        return self._form_page(request, "Offer a lead to a partner", form, "Offer lead")
