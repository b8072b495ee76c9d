"""Console: evaluations and their evidence, confirmations, overrides, evaluate now."""

from collections import Counter

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from unfold.decorators import action

from deals.models import DealRegistration, Order
from partners.models import (
    Activity,
    AgreementAcceptance,
    Attestation,
    Certification,
    CustomerFeedback,
    PartnerContact,
    SupportIssue,
    VendorRelease,
)
from programs.admin import TierFilter
from programs.models import Program, ProgramVersion, Tier
from programs.selectors import obligations_at, version_in_force
from programs.selectors_console import tier_name_of, tier_names, track_names
from tenants.admin_base import (
    HistoryInline,
    TenantScopedAdmin,
    bulk_form,
    confirm_page,
    form_page,
    legal_on,
)
from tenants.dashboard import MANAGER_HOME, Chart, Figure, console_rows, home_part, queue
from tenants.errors import ApplicationError
from tiers.models import (
    EvaluationStatus,
    PartnerTier,
    RequirementResult,
    TierAssignment,
    TierEvaluation,
)
from tiers.selectors_console import active_by_tier
from tiers.services import evaluation_decide, tier_override, tiers_evaluate
from tiers.simulation import simulate
from tiers.windows import as_of, parse_period

#: the records each metric counts (tiers.metrics returns their ids as evidence)
EVIDENCE_MODELS = {
    "qualified_opportunities": DealRegistration,
    "conversion_rate": DealRegistration,
    "timely_registration_ratio": DealRegistration,
    "closed_won_opportunities": DealRegistration,
    "leads_with_sales_call": DealRegistration,
    "completed_initial_orders_unique_clients": Order,
    "net_revenue": Order,
    "agreement_accepted": AgreementAcceptance,
    "attestation": Attestation,
    "activity_count": Activity,
    "certified_resources": Certification,
    "designated_contacts": PartnerContact,
    "integration_update_lag_days": VendorRelease,
    "support_issues_resolved_within": SupportIssue,
    "negative_feedback_count": CustomerFeedback,
}
EVIDENCE_SHOWN = 25


def _item_label(item) -> str:
    """A stored shortfall ({"label": ..., ...}) as its sentence."""
    if isinstance(item, dict):
        return item.get("label") or item.get("requirement") or ""
    return str(item)


def tier_label(name: str | None, key: str) -> str:
    return name or key or "—"


class ResultInline(HistoryInline):
    model = RequirementResult
    verbose_name = "Requirement"
    verbose_name_plural = "Requirements: measured against the threshold"
    fields = (
        "tier_name",
        "label",
        "measured",
        "window",
        "outcome",
        "counted",
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(tier_label=tier_name_of("evaluation__enrolment__program_id", "tier"))
        )

    @admin.display(description="Tier")
    def tier_name(self, result) -> str:
        return tier_label(getattr(result, "tier_label", None), result.tier)

    @admin.display(description="Value against threshold")
    def measured(self, result) -> str:
        value = "—" if result.value is None else f"{result.value.normalize():f}"
        if result.threshold is None:  # a yes/no requirement ("is true")
            return f"{'yes' if result.value else 'no'} ({result.comparator})"
        return f"{value} {result.comparator} {result.threshold.normalize():f}"

    @admin.display(description="Window")
    def window(self, result) -> str:
        start = f"{result.window_start:%Y-%m-%d}" if result.window_start else "the start"
        return f"{start} to {result.window_end:%Y-%m-%d}"

    @admin.display(description="Result")
    def outcome(self, result) -> str:
        return "✔ met" if result.passed else "✘ not met"

    @admin.display(description="Records counted")
    def counted(self, result):
        ids = list(result.evidence or [])
        model = EVIDENCE_MODELS.get(result.metric)
        if not ids:
            return "—"
        if model is None:
            return f"{len(ids)} record(s)"
        rows = model.objects.filter(pk__in=ids[:EVIDENCE_SHOWN]).order_by("pk")
        if admin.site.is_registered(model):
            url = f"admin:{model._meta.app_label}_{model._meta.model_name}_change"
            items = format_html_join(
                "", '<li><a href="{}">{}</a></li>', ((reverse(url, args=[r.pk]), r) for r in rows)
            )
        else:
            items = format_html_join("", "<li>{}</li>", ((r,) for r in rows))
        more = len(ids) - EVIDENCE_SHOWN
        tail = format_html("<li>… and {} more</li>", more) if more > 0 else ""
        return format_html('<ul class="list-disc pl-4">{}{}</ul>', items, tail)


@admin.register(TierEvaluation)
class TierEvaluationAdmin(TenantScopedAdmin):
    list_display = (
        "enrolment",
        "run_key",
        "current_tier_name",
        "resulting_tier_name",
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
        "current_tier_name",
        "resulting_tier_name",
        "next_tier_name",
        "missing",
        "change",
        "effective_on",
        "status",
        "standing",
        "decided_by",
        "created_at",
    )
    fields = readonly_fields  # history: it changes only by Confirm or Dismiss
    inlines = [ResultInline]
    actions_detail = ["confirm", "dismiss"]
    actions = ["confirm_selected"]

    def get_queryset(self, request):
        program = "enrolment__program_id"
        return (
            super()
            .get_queryset(request)
            .annotate(
                current_tier_label=tier_name_of(program, "current_tier"),
                resulting_tier_label=tier_name_of(program, "resulting_tier"),
                next_tier_label=tier_name_of(program, "next_tier"),
            )
        )

    @admin.display(description="Tier held", ordering="current_tier")
    def current_tier_name(self, evaluation) -> str:
        return tier_label(getattr(evaluation, "current_tier_label", None), evaluation.current_tier)

    @admin.display(description="Resulting tier", ordering="resulting_tier")
    def resulting_tier_name(self, evaluation) -> str:
        return tier_label(
            getattr(evaluation, "resulting_tier_label", None), evaluation.resulting_tier
        )

    @admin.display(description="Next tier")
    def next_tier_name(self, evaluation) -> str:
        return tier_label(getattr(evaluation, "next_tier_label", None), evaluation.next_tier)

    @admin.display(description="Missing for the next tier")
    def missing(self, evaluation):
        items = [_item_label(item) for item in evaluation.missing_for_next or []]
        if not items:
            return "—"
        return format_html(
            '<ul class="list-disc pl-4">{}</ul>',
            format_html_join("", "<li>{}</li>", ((item,) for item in items)),
        )

    @admin.display(description="Standing requirements")
    def standing(self, evaluation):
        if evaluation.standing_met is None:
            return "Not measured by this program"
        if evaluation.standing_met:
            return "Met"
        return format_html(
            'Not met<ul class="list-disc pl-4">{}</ul>',
            format_html_join(
                "", "<li>{}</li>", ((_item_label(i),) for i in evaluation.standing_shortfalls)
            ),
        )

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # read-only history; the decisions are its actions

    def has_delete_permission(self, request, obj=None):
        return False  # evidence is history

    def has_decide_permission(self, request, object_id=None) -> bool:
        return super().has_change_permission(request) and legal_on(
            self,
            request,
            object_id,
            lambda e: e.status == EvaluationStatus.AWAITING_CONFIRMATION,
        )

    @admin.action(description="Confirm selected changes", permissions=["decide"])
    def confirm_selected(self, request, queryset):
        form = bulk_form(request, forms.Form)
        if form.is_bound and form.is_valid():
            done, refused = 0, []
            for evaluation in queryset.select_related("enrolment__firm"):
                try:
                    evaluation_decide(
                        tenant=evaluation.tenant,
                        evaluation=evaluation,
                        user=request.user,
                        confirm=True,
                    )
                except ApplicationError as exc:
                    refused.append(f"{evaluation.enrolment.firm}: {exc.message}")
                else:
                    done += 1
            messages.success(request, f"Confirmed {done} tier change(s).")
            if refused:
                messages.warning(request, "Not changed: " + "; ".join(refused))
            return None
        return form_page(
            self,
            request,
            f"Confirm {queryset.count()} tier change(s)",
            form,
            "Confirm selected",
            selected=queryset.select_related("enrolment__firm", "enrolment__program"),
            action="confirm_selected",
            text="Each change takes effect as its program says; any evaluation no longer "
            "waiting for a decision is left as it is.",
        )

    def _decide(self, request, object_id, confirm: bool):
        evaluation = get_object_or_404(self.get_queryset(request), pk=object_id)
        if request.method != "POST":
            return confirm_page(
                self,
                request,
                f"{'Confirm' if confirm else 'Dismiss'}: {evaluation.enrolment.firm}, "
                f"{evaluation.run_key}",
                f"{evaluation.enrolment.firm} would move from {self.current_tier_name(evaluation)} "
                f"to {self.resulting_tier_name(evaluation)}, effective {evaluation.effective_on}.",
                "Confirm the change" if confirm else "Dismiss the change",
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
    verbose_name_plural = "Tier history (append-only)"
    fields = (
        "tier_name",
        "valid_from",
        "valid_to",
        "source",
        "reason",
        "replaces_label",
        "withdrawn_at",
        "created_by",
        "created_at",
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                tier_label=tier_name_of("enrolment__program_id", "tier"),
                replaces_tier_label=tier_name_of("enrolment__program_id", "replaces__tier"),
            )
            .select_related("replaces")
        )

    @admin.display(description="Tier")
    def tier_name(self, assignment) -> str:
        return tier_label(getattr(assignment, "tier_label", None), assignment.tier)

    @admin.display(description="Corrects")
    def replaces_label(self, assignment) -> str:
        replaced = assignment.replaces
        if replaced is None:
            return "—"
        name = tier_label(getattr(assignment, "replaces_tier_label", None), replaced.tier)
        return f"{name} from {replaced.valid_from:%Y-%m-%d}"


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


class WhatIfForm(forms.Form):
    version = forms.ModelChoiceField(
        queryset=ProgramVersion.objects.none(), help_text="Usually a draft: what it would change."
    )
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", "Give a day on or after the first day.")
        elif start and end and (end - start).days > 3 * 366:
            self.add_error("end", "Replay at most three years at a time.")
        return data


class OverrideForm(forms.Form):
    tier = forms.ChoiceField()
    valid_from = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required: recorded in the partner's tier history.",
    )


@admin.register(PartnerTier)
class PartnerTierAdmin(TenantScopedAdmin):
    list_display = ("firm", "program", "tier_name", "tier_since", "standing", "status")
    list_filter = ("program", TierFilter, "good_standing")
    search_fields = ("firm__name",)
    list_select_related = ("firm", "program")
    fields = ("firm", "program", "track_names", "status", "tier_name", "tier_since", "standing")
    readonly_fields = fields

    def get_queryset(self, request):
        tier = tier_name_of("program_id", "tier_key")
        return super().get_queryset(request).annotate(tier_label=tier)

    @admin.display(description="Tier", ordering="tier_key")
    def tier_name(self, enrolment) -> str:
        return tier_label(getattr(enrolment, "tier_label", None), enrolment.tier_key)

    @admin.display(description="Tracks")
    def track_names(self, enrolment) -> str:
        names = track_names([enrolment.program_id])
        return ", ".join(names.get((enrolment.program_id, k), k) for k in enrolment.tracks) or "—"

    inlines = [AssignmentInline]
    actions_detail = ["evaluate_now", "override"]
    actions_list = ["distribution", "simulate", "whatif"]

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

    @action(description="What-if over money", url_path="whatif", icon="payments")
    def whatif(self, request):
        """A version replayed over past quarters: tiers and commissions; nothing is stored."""
        # commissions builds on tiers; the page is the one place here that needs it
        from commissions import whatif_report as report
        from commissions.whatif import last_four_quarters, what_if

        versions = ProgramVersion.objects.select_related("program").order_by(
            "program__name", "-number"
        )
        # the form posts; its page and CSV links repeat the choices in the query string
        data = request.POST if request.method == "POST" else request.GET
        chosen = data.get("version")
        if chosen and not versions.filter(pk=chosen if chosen.isdigit() else None).exists():
            raise Http404("No such program version.")
        start, end = last_four_quarters(timezone.localdate())
        initial = {"version": chosen, "start": start, "end": end}
        form = WhatIfForm(data if "start" in data else None, initial=initial)
        form.fields["version"].queryset = versions
        result = what_if(**form.cleaned_data) if form.is_bound and form.is_valid() else None
        if result and data.get("format") == "csv":
            return report.csv_response(result)
        context = report.page_context(result, data.get("page")) if result else {}
        return TemplateResponse(
            request,
            "admin/tiers/whatif.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "What-if over money",
                "form": form,
                "result": result,
                **context,
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


@home_part(MANAGER_HOME, position=40)
def evaluations_waiting(request):
    yield queue(
        request,
        TierEvaluation,
        "Evaluations awaiting confirmation",
        status=EvaluationStatus.AWAITING_CONFIRMATION,
    )


@home_part(MANAGER_HOME, position=100)
def partners_by_tier(request):
    rows = console_rows(request, PartnerTier)
    if rows is None:
        return
    counts = active_by_tier(rows)
    names = tier_names(c["program_id"] for c in counts)
    several = len({c["program_id"] for c in counts}) > 1

    def label(c):
        name = names.get((c["program_id"], c["tier_key"]), (0, c["tier_key"]))[1]
        return f"{c['program__name']}: {name}" if several else name

    counts.sort(
        key=lambda c: (c["program__name"], names.get((c["program_id"], c["tier_key"]), (0,))[0])
    )
    yield Figure("Active partners", str(sum(c["n"] for c in counts)), note="in every tier")
    yield Chart(
        "Active partners by tier",
        labels=[label(c) for c in counts],
        series=[("Partners", [c["n"] for c in counts])],
        columns=["Tier", "Active partners"],
        rows=[[label(c), str(c["n"])] for c in counts],
    )
