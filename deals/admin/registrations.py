"""Console: the deal-registration review queue, conflicts side by side, decisions."""

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from unfold.decorators import action

from deals.models import DealRegistration, RegistrationMatch, RegistrationTransition, SalesActivity
from deals.selectors.registrations import rejection_reasons_for
from deals.services.registrations import (
    registration_approve,
    registration_close,
    registration_decide_extension,
    registration_reject,
    registration_start_review,
    vendor_lead_offer,
)
from partners.models import PartnerFirm
from programs.selectors import obligations_at
from tenants.admin_base import TenantScopedAdmin, TenantTabularInline, form_page
from tenants.errors import ApplicationError
from tenants.money import format_minor


class ReadOnlyInline(TenantTabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MatchInline(ReadOnlyInline):
    """The conflict candidates, side by side with this registration's own fields."""

    model = RegistrationMatch
    fk_name = "registration"
    verbose_name_plural = "Possible conflicts (visible to reviewers only)"
    fields = (
        "kind",
        "strength",
        "explanation",
        "name_similarity",
        "other_firm",
        "other_company",
        "other_domain",
        "other_status",
        "other_submitted",
        "customer",
    )
    readonly_fields = fields

    @admin.display(description="Match")
    def strength(self, match):
        return "Strong" if match.strong else "Weak (review)"

    @admin.display(description="Name similarity")
    def name_similarity(self, match):
        return f"{match.similarity:.2f}"

    @admin.display(description="Firm")
    def other_firm(self, match):
        return match.other_registration.firm if match.other_registration else "—"

    @admin.display(description="Company")
    def other_company(self, match):
        return match.other_registration.company_name if match.other_registration else "—"

    @admin.display(description="Domain")
    def other_domain(self, match):
        record = match.other_registration or match.customer
        return record.domain or "—"

    @admin.display(description="Status")
    def other_status(self, match):
        r = match.other_registration
        return (
            f"{r.get_status_display()} (until {r.expires_on})"
            if r and r.expires_on
            else (r.get_status_display() if r else "customer")
        )

    @admin.display(description="Submitted")
    def other_submitted(self, match):
        return (
            f"{match.other_registration.submitted_at:%Y-%m-%d}" if match.other_registration else "—"
        )


class TransitionInline(ReadOnlyInline):
    model = RegistrationTransition
    fields = ("at", "from_status", "to_status", "by", "reason")
    readonly_fields = fields


class ActivityInline(ReadOnlyInline):
    model = SalesActivity
    fields = ("occurred_on", "kind", "vendor_attended", "notes", "recorded_by")
    readonly_fields = fields


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
        "country",
        "status",
        "conflicts",
        "value",
        "submitted_at",
        "expires_on",
    )
    list_filter = ("status", "lead_source", "program", "country")
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
        "country",
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
    inlines = [MatchInline, ActivityInline, TransitionInline]
    actions_detail = [
        "approve",
        "reject",
        "start_review",
        "mark_won",
        "mark_lost",
        "decide_extension",
    ]
    actions_list = ["offer_lead"]

    def has_add_permission(self, request, *args):
        return False  # partners register; vendor leads use "Offer a lead"

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

    @action(description="Approve", url_path="approve", permissions=["decide"], icon="check")
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

    @action(description="Reject", url_path="reject", permissions=["decide"], icon="close")
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
        description="Start review", url_path="review", permissions=["decide"], icon="visibility"
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

    @action(description="Mark won", url_path="won", permissions=["decide"], icon="emoji_events")
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

    @action(description="Mark lost", url_path="lost", permissions=["decide"], icon="block")
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
        description="Decide extension", url_path="extension", permissions=["decide"], icon="update"
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
