"""The console's dispute queue: overdue first, escalated flagged; answer, uphold, dismiss."""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from unfold.decorators import action

from disputes.forms import DismissForm, RespondForm, UpholdForm
from disputes.models import UNDECIDED, Dispute, DisputeAttachment, DisputeKind, DisputeStatus
from disputes.selectors import clock_for, subject_in_words, timeline_of, with_queue_order
from disputes.services import dispute_dismiss, dispute_respond, dispute_uphold
from disputes.views import attachment_download
from programs.models import Tier
from tenants.admin_base import (
    ALL_STAFF,
    MANAGERS,
    TenantScopedAdmin,
    _role_allows,
    form_page,
    legal_on,
)
from tenants.dashboard import FINANCE_HOME, MANAGER_HOME, console_today, home_part, queue
from tenants.errors import ApplicationError
from tenants.models import FINANCE_ROLES
from tenants.tasks import tenant_today

#: who decides a dispute of each kind: managers the tiers and registrations, finance money
DECIDERS = {
    DisputeKind.EVALUATION: MANAGERS,
    DisputeKind.REGISTRATION: MANAGERS,
    DisputeKind.COMMISSION: FINANCE_ROLES,
}


class OverdueFilter(admin.SimpleListFilter):
    title = "clock"
    parameter_name = "clock"

    def lookups(self, request, model_admin):
        return [("overdue", "Overdue"), ("escalated", "Escalated"), ("running", "Running")]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        undecided = queryset.filter(status__in=UNDECIDED)
        if value == "escalated":
            return undecided.filter(escalated_at__isnull=False)
        if value == "overdue":
            return undecided.filter(queue_rank__lt=2)
        return undecided.filter(queue_rank=2)


@admin.register(Dispute)
class DisputeAdmin(TenantScopedAdmin):
    view_roles = ALL_STAFF
    edit_roles = ALL_STAFF
    list_display = (
        "__str__",
        "kind",
        "program",
        "status",
        "clock",
        "escalated",
        "filed_on",
        "assigned_to",
    )
    list_filter = (OverdueFilter, "status", "kind", "program")
    search_fields = ("firm__name", "reason")
    actions_detail = ["respond", "uphold", "dismiss"]
    fields = (
        "firm",
        "program",
        "kind",
        "status",
        "subject",
        "clock",
        "escalated",
        "assigned_to",
        "filed_by",
        "filed_on",
        "reason",
        "attachment_links",
        "evidence_in_words",
        "resolution_note",
        "resolved_by",
        "applied",
        "timeline_in_words",
    )
    readonly_fields = fields

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # not ModelAdmin's: it orders by get_ordering() before the queue rank is annotated
        rows = Dispute.objects.select_related("tenant", "firm", "program", "assigned_to")
        return with_queue_order(rows, console_today(request))

    def get_ordering(self, request):
        return ["queue_rank", "response_due_on", "pk"]

    def changelist_view(self, request, extra_context=None):
        waiting = self.get_queryset(request).filter(status__in=UNDECIDED)
        overdue = waiting.filter(queue_rank__lt=2).count()
        title = f"Disputes: {waiting.count()} waiting, {overdue} overdue"
        return super().changelist_view(request, {**(extra_context or {}), "title": title})

    @admin.display(description="Clock")
    def clock(self, obj):
        clock = clock_for(obj, tenant_today(obj.tenant))
        return format_html("<strong>{}</strong>", clock.text) if clock.overdue else clock.text

    @admin.display(description="Escalated", boolean=True)
    def escalated(self, obj):
        return obj.escalated_at is not None

    @admin.display(description="About")
    def subject(self, obj):
        return subject_in_words(obj)

    @admin.display(description="Evidence (frozen when filed)")
    def evidence_in_words(self, obj):
        return render_to_string("disputes/_evidence.html", {"dispute": obj, "for_staff": True})

    @admin.display(description="Timeline")
    def timeline_in_words(self, obj):
        return render_to_string(
            "disputes/_timeline.html", {"timeline": timeline_of(obj), "for_staff": True}
        )

    @admin.display(description="Attachments")
    def attachment_links(self, obj):
        files = list(obj.attachments.all())
        if not files:
            return "—"
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (reverse("admin:disputes_disputeattachment_change", args=[a.pk]), a.original_name)
                for a in files
            ),
        )

    @admin.display(description="Correction applied")
    def applied(self, obj):
        step = obj.timeline.filter(step="applied").order_by("-pk").first()
        return step.text if step else "—"

    # --- actions: buttons only where the dispute's state and the user's role allow them ----

    def _decider(self, request, dispute) -> bool:
        return _role_allows(request, DECIDERS[dispute.kind])

    def has_respond_permission(self, request, object_id=None) -> bool:
        return legal_on(
            self,
            request,
            object_id,
            lambda d: d.status == DisputeStatus.OPEN and self._decider(request, d),
        )

    def has_decide_permission(self, request, object_id=None) -> bool:
        return legal_on(
            self, request, object_id, lambda d: d.is_undecided and self._decider(request, d)
        )

    def _done(self, request, dispute, text):
        messages.success(request, text)
        return HttpResponseRedirect(reverse("admin:disputes_dispute_change", args=[dispute.pk]))

    def _page(self, request, dispute, title, form, button):
        text = f"{subject_in_words(dispute)}. The partner's reason: {dispute.reason}"
        return form_page(self, request, title, form, button, text=text)

    @action(description="Answer", url_path="respond", permissions=["respond"], icon="reply")
    def respond(self, request, object_id):
        dispute = get_object_or_404(self.get_queryset(request), pk=object_id)
        form = RespondForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                dispute_respond(
                    tenant=dispute.tenant,
                    dispute=dispute,
                    user=request.user,
                    message=form.cleaned_data["message"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                return self._done(request, dispute, "Answered: the partner was told.")
        return self._page(request, dispute, f"Answer {dispute}", form, "Send the answer")

    @action(description="Uphold", url_path="uphold", permissions=["decide"], icon="check")
    def uphold(self, request, object_id):
        dispute = get_object_or_404(self.get_queryset(request), pk=object_id)
        tiers = []
        initial = {}
        if dispute.kind == DisputeKind.EVALUATION and dispute.evaluation_id:
            evaluation = dispute.evaluation
            tiers = list(
                Tier.objects.filter(version=evaluation.program_version)
                .order_by("rank")
                .values_list("key", "name")
            )
            initial["tier"] = evaluation.next_tier or evaluation.resulting_tier
        form = UpholdForm(request.POST or None, kind=dispute.kind, tiers=tiers, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                dispute_uphold(
                    tenant=dispute.tenant, dispute=dispute, user=request.user, **form.cleaned_data
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
                for field, problems in exc.fields.items():
                    if field in form.fields:
                        form.add_error(field, problems)
            else:
                return self._done(request, dispute, "Upheld: the correction is applied.")
        return self._page(request, dispute, f"Uphold {dispute}", form, "Uphold and apply")

    @action(description="Dismiss", url_path="dismiss", permissions=["decide"], icon="close")
    def dismiss(self, request, object_id):
        dispute = get_object_or_404(self.get_queryset(request), pk=object_id)
        form = DismissForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                dispute_dismiss(
                    tenant=dispute.tenant,
                    dispute=dispute,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                return self._done(request, dispute, "Dismissed: the partner was told why.")
        return self._page(request, dispute, f"Dismiss {dispute}", form, "Dismiss")


@admin.register(DisputeAttachment)
class DisputeAttachmentAdmin(TenantScopedAdmin):
    """Opened from a dispute's page: the change page is the file, as a download."""

    view_roles = ALL_STAFF
    edit_roles = ()

    def get_model_perms(self, request):
        return {}  # not listed in the console's menu: reached from its dispute

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        attachment = self.get_object(request, object_id)
        return attachment_download(attachment)


@home_part(MANAGER_HOME, FINANCE_HOME, position=65)
def disputes_waiting(request):
    yield queue(request, Dispute, "Disputes to answer", status=DisputeStatus.OPEN)
    yield queue(
        request,
        Dispute,
        "Escalated disputes",
        status=DisputeStatus.OPEN,
        escalated_at__isnull=False,
    )
