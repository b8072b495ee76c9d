"""Console: evaluations and their evidence, confirmations, overrides, evaluate now."""

from collections import Counter

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from unfold.decorators import action

from programs.models import Program, ProgramVersion, Tier
from programs.selectors import obligations_at, version_in_force
from tenants.admin_base import HistoryInline, TenantScopedAdmin, form_page
from tenants.errors import ApplicationError
from tiers.models import PartnerTier, RequirementResult, TierAssignment, TierEvaluation
from tiers.services import evaluation_decide, tier_override, tiers_evaluate
from tiers.simulation import simulate
from tiers.windows import as_of, parse_period


class ResultInline(HistoryInline):
    model = RequirementResult
    fields = (
        "tier",
        "label",
        "value",
        "comparator",
        "threshold",
        "window_start",
        "window_end",
        "passed",
        "evidence",
    )


@admin.register(TierEvaluation)
class TierEvaluationAdmin(TenantScopedAdmin):
    list_display = (
        "enrolment",
        "run_key",
        "current_tier",
        "resulting_tier",
        "change",
        "status",
        "effective_on",
    )
    list_filter = ("status", "change", "run_key", "enrolment__program")
    search_fields = ("enrolment__firm__name",)
    list_select_related = ("enrolment__firm", "enrolment__program")
    readonly_fields = (
        "enrolment",
        "program_version",
        "run_key",
        "as_of",
        "current_tier",
        "resulting_tier",
        "next_tier",
        "missing_for_next",
        "change",
        "effective_on",
        "status",
        "decided_by",
        "created_at",
    )
    exclude = ()
    inlines = [ResultInline]
    actions_detail = ["confirm", "dismiss"]

    def has_add_permission(self, request, *args):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # evidence is history

    def has_decide_permission(self, request, object_id=None) -> bool:
        return super().has_change_permission(request)

    def _decide(self, request, object_id, confirm: bool):
        evaluation = get_object_or_404(self.get_queryset(request), pk=object_id)
        if request.method != "POST":
            return TemplateResponse(
                request,
                "admin/partners/confirm.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.opts,
                    "title": f"{'Confirm' if confirm else 'Dismiss'}: {evaluation}",
                    "text": f"{evaluation.enrolment.firm} would move from "
                    f"{evaluation.current_tier} to {evaluation.resulting_tier}, "
                    f"effective {evaluation.effective_on}.",
                    "button": "Confirm the change" if confirm else "Dismiss the change",
                },
            )
        try:
            evaluation_decide(
                tenant=evaluation.tenant, evaluation=evaluation, user=request.user, confirm=confirm
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Confirmed." if confirm else "Dismissed.")
        return HttpResponseRedirect(
            reverse("admin:tiers_tierevaluation_change", args=[evaluation.pk])
        )

    @action(description="Confirm change", url_path="confirm", permissions=["decide"], icon="check")
    def confirm(self, request, object_id):
        return self._decide(request, object_id, True)

    @action(description="Dismiss change", url_path="dismiss", permissions=["decide"], icon="close")
    def dismiss(self, request, object_id):
        return self._decide(request, object_id, False)


class AssignmentInline(HistoryInline):
    model = TierAssignment
    fields = (
        "tier",
        "valid_from",
        "valid_to",
        "source",
        "reason",
        "replaces",
        "withdrawn_at",
        "created_by",
        "created_at",
    )


class SimulateForm(forms.Form):
    version = forms.ModelChoiceField(queryset=ProgramVersion.objects.none())
    period = forms.CharField(
        required=False, help_text="2025-Q1, 2025 or a date (as of that day); empty: today."
    )

    def clean_period(self):
        value = self.cleaned_data["period"].strip()
        if value:
            try:
                parse_period(value)
            except ValueError as exc:
                raise forms.ValidationError("Use 2025-Q1, 2025 or YYYY-MM-DD.") from exc
        return value


class OverrideForm(forms.Form):
    tier = forms.ChoiceField()
    valid_from = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required: recorded in the partner's tier history.",
    )


@admin.register(PartnerTier)
class PartnerTierAdmin(TenantScopedAdmin):
    list_display = ("firm", "program", "tier_key", "tier_since", "standing", "status")
    list_filter = ("program", "tier_key", "good_standing")
    search_fields = ("firm__name",)
    fields = ("firm", "program", "tracks", "status", "tier_key", "tier_since", "standing")
    readonly_fields = fields
    inlines = [AssignmentInline]
    actions_detail = ["evaluate_now", "override"]
    actions_list = ["distribution", "simulate"]

    def has_add_permission(self, request, *args):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Standing")
    def standing(self, enrolment) -> str:
        return enrolment.standing_label

    def has_manage_permission(self, request, object_id=None) -> bool:
        return super().has_change_permission(request)

    def _back(self, enrolment):
        return HttpResponseRedirect(reverse("admin:tiers_partnertier_change", args=[enrolment.pk]))

    @action(description="Evaluate now", url_path="evaluate", permissions=["manage"], icon="refresh")
    def evaluate_now(self, request, object_id):
        enrolment = get_object_or_404(self.get_queryset(request), pk=object_id)
        today = timezone.localdate()
        stamp = timezone.now().strftime("%Y%m%d%H%M%S")
        [evaluation] = tiers_evaluate(
            tenant=enrolment.tenant,
            program=enrolment.program,
            period=as_of(today),
            enrolments=[enrolment],
            run_key=f"manual-{stamp}",
            today=today,
        ) or [None]
        if evaluation is None:
            messages.info(request, "Already evaluated just now.")
            return self._back(enrolment)
        messages.success(
            request,
            f"Evaluated: {evaluation.resulting_tier} ({evaluation.get_status_display().lower()}).",
        )
        return HttpResponseRedirect(
            reverse("admin:tiers_tierevaluation_change", args=[evaluation.pk])
        )

    @action(
        description="Override tier / invite",
        url_path="override",
        permissions=["manage"],
        icon="edit",
    )
    def override(self, request, object_id):
        enrolment = get_object_or_404(self.get_queryset(request), pk=object_id)
        version = version_in_force(enrolment.program, timezone.localdate())
        form = OverrideForm(request.POST or None, initial={"valid_from": timezone.localdate()})
        form.fields["tier"].choices = [
            (t.key, t.name + (" (by invitation)" if t.invite_only else ""))
            for t in Tier.objects.filter(version=version).order_by("rank")
        ]
        if request.method == "POST" and form.is_valid():
            try:
                tier_override(
                    tenant=enrolment.tenant,
                    enrolment=enrolment,
                    user=request.user,
                    **form.cleaned_data,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Tier set; the history records why.")
                return self._back(enrolment)
        return form_page(
            self,
            request,
            f"Set the tier of {enrolment}",
            form,
            "Set tier",
            obligations=obligations_at(enrolment.program, "override"),
        )

    @action(description="Simulate a version", url_path="simulate", icon="science")
    def simulate(self, request):
        """What-if: run a draft (or any) version against real data; nothing is stored."""
        form = SimulateForm(request.POST or None)
        form.fields["version"].queryset = ProgramVersion.objects.select_related("program").order_by(
            "program__name", "-number"
        )
        result = None
        if request.method == "POST" and form.is_valid():
            result = simulate(
                form.cleaned_data["version"],
                parse_period(form.cleaned_data["period"] or f"{timezone.localdate():%Y-%m-%d}"),
            )
        return TemplateResponse(
            request,
            "admin/tiers/simulate.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Simulate a program version",
                "form": form,
                "result": result,
            },
        )

    @action(description="Tier distribution", url_path="distribution", icon="bar_chart")
    def distribution(self, request):
        rows = []
        for program in Program.objects.all():
            version = version_in_force(program, timezone.localdate())
            tiers = list(Tier.objects.filter(version=version).order_by("rank")) if version else []
            counts = Counter(
                self.get_queryset(request)
                .filter(program=program)
                .exclude(status__in=["deactivated", "terminated"])
                .values_list("tier_key", flat=True)
            )
            total = sum(counts.values()) or 1
            rows.append(
                (
                    program,
                    [(t, counts.get(t.key, 0), 100 * counts.get(t.key, 0) // total) for t in tiers],
                )
            )
        return TemplateResponse(
            request,
            "admin/tiers/distribution.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Tier distribution",
                "rows": rows,
            },
        )
