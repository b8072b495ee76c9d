"""Console: the review queue, enrolments, notices, fee invoices and contact requests."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from unfold.decorators import action
from unfold.widgets import UnfoldAdminCheckboxSelectMultipleWidget, UnfoldAdminSelect2MultipleWidget

from partners.models import (
    AgreementAcceptance,
    Application,
    ApplicationStatus,
    BreachNotice,
    ContactRequest,
    Enrolment,
    EnrolmentStatus,
    FeeInvoice,
    Notice,
    StandingChange,
    TerminationTask,
)
from partners.models.enrolment import ENDED_STATUSES, STANDING_STATUSES, InvoiceStatus
from partners.services.applications import application_approve, application_reject
from partners.services.breaches import (
    breach_notice_allowed,
    breach_notice_cure,
    breach_notice_record,
)
from partners.services.enrolments import (
    enrolment_confirm_minimum_met,
    fee_invoice_mark_paid,
    notice_record,
)
from partners.services.standing import standing_set
from programs.admin import TierFilter
from programs.selectors import obligations_at
from programs.selectors_console import tier_name_of, track_names
from tenants.admin_base import (
    ALL_STAFF,
    CountryFilter,
    HistoryInline,
    TenantScopedAdmin,
    TenantTabularInline,
    bulk_form,
    confirm_page,
    form_page,
    legal_on,
)
from tenants.countries import country_choices, country_name
from tenants.errors import ApplicationError
from tenants.models import StaffMembership, StaffRole
from tenants.money import format_minor

FINANCE = (StaffRole.FINANCE, StaffRole.ADMIN)


def named_tracks(program_id: int, keys: list[str]) -> str:
    """Track keys as the program names them ("Referral, Reseller")."""
    names = track_names([program_id])
    return ", ".join(names.get((program_id, key), key) for key in keys) or "—"


class AcceptanceInline(TenantTabularInline):
    model = AgreementAcceptance
    verbose_name = "Agreement accepted"
    verbose_name_plural = "Agreements accepted"
    fields = ("user", "program_version", "accepted_at", "ip_address", "user_agent")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), help_text="The applicant reads this."
    )


@admin.register(Application)
class ApplicationAdmin(TenantScopedAdmin):
    list_display = ("firm_name", "program", "country_name", "status", "submitted_at")
    list_filter = ("status", "program", CountryFilter)
    search_fields = ("firm_name", "applicant__email", "website")
    readonly_fields = (
        "program",
        "program_version",
        "applicant",
        "firm",
        "firm_name",
        "website",
        "country_name",
        "territory_names",
        "track_names",
        "directory_consent",
        "message",
        "status",
        "submitted_at",
        "decided_at",
        "decided_by",
        "rejection_reason",
    )
    inlines = [AcceptanceInline]
    actions_detail = ["approve", "reject"]

    @admin.display(description="Country", ordering="country")
    def country_name(self, application) -> str:
        return country_name(application.country)

    @admin.display(description="Territories")
    def territory_names(self, application) -> str:
        return ", ".join(country_name(code) for code in application.territories) or "—"

    @admin.display(description="Tracks")
    def track_names(self, application) -> str:
        return named_tracks(application.program_id, application.tracks)

    def has_add_permission(self, request, *args):
        return False  # applications come from the portal

    def has_delete_permission(self, request, obj=None):
        return False  # the application and its acceptance are the record of who agreed

    def has_approve_permission(self, request, object_id=None) -> bool:
        return super().has_change_permission(request) and legal_on(
            self, request, object_id, lambda a: a.status == ApplicationStatus.SUBMITTED
        )

    has_reject_permission = has_approve_permission

    def _application(self, request, object_id) -> Application:
        return get_object_or_404(self.get_queryset(request), pk=object_id)

    def _back(self, application) -> HttpResponseRedirect:
        return HttpResponseRedirect(
            reverse("admin:partners_application_change", args=[application.pk])
        )

    @action(description="Approve", url_path="approve", permissions=["approve"], icon="check")
    def approve(self, request, object_id):
        application = self._application(request, object_id)
        if request.method != "POST":
            return confirm_page(
                self,
                request,
                f"Approve {application.firm_name}?",
                f"{application.firm_name} becomes a partner in {application.program}: the firm, "
                "its partner admin and the enrolment are created, and the applicant is e-mailed.",
                "Approve",
                obligations=obligations_at(application.program, "approval", "review"),
            )
        try:
            enrolment = application_approve(
                tenant=application.tenant, application=application, user=request.user
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return self._back(application)
        messages.success(request, f"Approved: {enrolment}. The applicant has been e-mailed.")
        return HttpResponseRedirect(reverse("admin:partners_enrolment_change", args=[enrolment.pk]))

    @action(description="Reject", url_path="reject", permissions=["reject"], icon="close")
    def reject(self, request, object_id):
        application = self._application(request, object_id)
        form = ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                application_reject(
                    tenant=application.tenant,
                    application=application,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"Rejected {application.firm_name}; e-mailed.")
            return self._back(application)
        return form_page(
            self,
            request,
            f"Reject {application.firm_name}",
            form,
            "Reject",
            obligations=obligations_at(application.program, "review"),
        )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("program")


class NoticeInline(TenantTabularInline):
    model = Notice
    fields = ("kind", "given_by", "given_on", "effective_on", "reason", "applied_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class TaskInline(TenantTabularInline):
    model = TerminationTask
    fields = ("description", "done_at", "done_by")
    readonly_fields = ("description", "done_by")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class InvoiceInline(TenantTabularInline):
    model = FeeInvoice
    fields = ("description", "amount", "status", "issued_on", "paid_on")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Amount")
    def amount(self, invoice):
        return format_minor(invoice.amount_minor, invoice.currency)


class StandingInline(HistoryInline):
    model = StandingChange
    fields = ("decided_at", "good_standing", "source", "reason", "decided_by")


class StandingForm(forms.Form):
    good_standing = forms.TypedChoiceField(
        label="Standing",
        choices=[("yes", "In good standing"), ("no", "Not in good standing")],
        coerce=lambda value: value == "yes",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required. Your decision stands until a manager changes it; evaluations "
        "will not overturn it.",
    )


class BreachChoice(forms.ModelChoiceField):
    def label_from_instance(self, breach: BreachNotice) -> str:
        return (
            f"Notice of {breach.given_on:%Y-%m-%d}: {breach.description[:80]} — "
            f"{breach.status_text(timezone.localdate())}"
        )


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(choices=Notice.Kind.choices)
    given_by = forms.ChoiceField(choices=Notice.GivenBy.choices)
    given_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    for_cause = BreachChoice(
        queryset=BreachNotice.objects.none(),
        required=False,
        label="For cause",
        empty_label="No — an ordinary written notice",
        help_text="A termination for cause: the breach whose cure period ran out uncured.",
    )

    def __init__(self, *args, breaches=None, **kwargs):
        super().__init__(*args, **kwargs)
        if breaches is not None and breaches.exists():
            self.fields["for_cause"].queryset = breaches
        else:
            del self.fields["for_cause"]


class BreachForm(forms.Form):
    given_on = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The day the written notice was given; the cure period counts from it.",
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The breach, as the written notice states it. The partner reads this.",
    )


class CureForm(forms.Form):
    breach = BreachChoice(queryset=BreachNotice.objects.none(), label="Breach notice")
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text="How the breach was cured."
    )

    def __init__(self, *args, breaches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["breach"].queryset = breaches


class BreachInline(HistoryInline):
    model = BreachNotice
    verbose_name_plural = "Notices of material breach"
    fields = ("given_on", "description", "cure_by", "clock", "cure_note", "cured_by")

    @admin.display(description="Cure period")
    def clock(self, breach: BreachNotice) -> str:
        return breach.status_text(timezone.localdate())


class AssignManagerForm(forms.Form):
    manager = forms.ModelChoiceField(
        label="Partner manager",
        # this vendor's staff (the membership query is tenant-scoped)
        queryset=get_user_model().objects.none(),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = get_user_model().objects.filter(
            pk__in=StaffMembership.objects.values("user_id")
        )


class EnrolmentForm(forms.ModelForm):
    """Tracks and territories chosen from the program's tracks and the world's countries."""

    tracks = forms.MultipleChoiceField(
        required=False,
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
        help_text="The program's tracks.",
    )
    territories = forms.MultipleChoiceField(
        required=False,
        widget=UnfoldAdminSelect2MultipleWidget,
        help_text="Countries where the partner may sell under the program.",
    )

    class Meta:
        model = Enrolment
        fields = ("tracks", "territories")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        enrolment = self.instance
        names = track_names([enrolment.program_id]) if enrolment.program_id else {}
        offered = {key: name for (_, key), name in names.items()}
        for key in enrolment.tracks or []:  # a track a later version dropped stays visible
            offered.setdefault(key, key)
        self.fields["tracks"].choices = sorted(offered.items(), key=lambda item: item[1])
        countries = dict(country_choices())
        for code in enrolment.territories or []:
            countries.setdefault(code, code)
        self.fields["territories"].choices = sorted(countries.items(), key=lambda i: i[1])


@admin.register(Enrolment)
class EnrolmentAdmin(TenantScopedAdmin):
    form = EnrolmentForm
    list_display = ("firm", "program", "status", "standing", "tier_name", "term_end")
    list_filter = ("status", "program", "good_standing", TierFilter)
    search_fields = ("firm__name",)
    list_select_related = ("firm", "program", "partner_manager", "standing_change__decided_by")
    fields = (
        "firm",
        "program",
        "tracks",
        "territories",
        "status",
        "standing",
        "tier_name",
        "tier_since",
        "partner_manager",
        "directory_consent",
        "financial_benefit",
        "term_start",
        "term_end",
        "auto_renew",
        "onboarding_deadline",
        "onboarding_missed_on",
        "ended_on",
        "end_reason",
        "breach_clock",
        "approved_at",
        "approved_by",
    )
    readonly_fields = (
        "firm",
        "program",
        "status",
        "tier_name",
        "tier_since",
        "term_start",
        "term_end",
        "onboarding_deadline",
        "onboarding_missed_on",
        "ended_on",
        "end_reason",
        "approved_at",
        "approved_by",
        "financial_benefit",
        "directory_consent",
        "standing",
        "breach_clock",
    )
    inlines = [StandingInline, InvoiceInline, NoticeInline, BreachInline, TaskInline]
    actions_detail = [
        "set_standing",
        "confirm_minimum",
        "record_notice",
        "record_breach",
        "record_cure",
    ]
    actions = ["assign_partner_manager"]

    def get_queryset(self, request):
        tier = tier_name_of("program_id", "tier_key")
        return super().get_queryset(request).annotate(tier_label=tier)

    @admin.action(description="Assign a partner manager", permissions=["change"])
    def assign_partner_manager(self, request, queryset):
        # the same write as the enrolment form's partner manager field, for many rows at once
        form = bulk_form(request, AssignManagerForm)
        if form.is_bound and form.is_valid():
            manager = form.cleaned_data["manager"]
            staff_of = set(
                StaffMembership.objects.filter(user=manager).values_list("tenant_id", flat=True)
            )
            done = 0
            for enrolment in queryset:
                if enrolment.tenant_id in staff_of:  # never another vendor's person
                    enrolment.partner_manager = manager
                    enrolment.save(update_fields=["partner_manager"])
                    done += 1
            messages.success(request, f"{manager} now manages {done} enrolment(s).")
            return None
        return form_page(
            self,
            request,
            f"Assign a partner manager to {queryset.count()} enrolment(s)",
            form,
            "Assign",
            selected=queryset.select_related("firm", "program"),
            action="assign_partner_manager",
        )

    @admin.display(description="Tier", ordering="tier_key")
    def tier_name(self, enrolment: Enrolment) -> str:
        return getattr(enrolment, "tier_label", None) or enrolment.tier_key

    @admin.display(description="Breach notices")
    def breach_clock(self, enrolment: Enrolment) -> str:
        today = timezone.localdate()
        open_ones = [b for b in enrolment.breach_notices.all() if b.is_open]
        return " ".join(b.status_text(today) for b in open_ones) or "—"

    @admin.display(description="Standing")
    def standing(self, enrolment: Enrolment) -> str:
        change = enrolment.standing_change
        if change is None or enrolment.status not in STANDING_STATUSES:
            return enrolment.standing_label
        who = change.decided_by or change.get_source_display()
        return f"{enrolment.standing_label} — {who}, {change.decided_at:%Y-%m-%d}: {change.reason}"

    def has_add_permission(self, request, *args):
        return False  # enrolments come from approved applications

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "partner_manager":
            # only this vendor's staff (the membership query is tenant-scoped)
            kwargs["queryset"] = get_user_model().objects.filter(
                pk__in=StaffMembership.objects.values("user_id")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False  # an enrolment carries tier history and money; it ends by a notice

    def _may(self, request, object_id, legal) -> bool:
        return super().has_change_permission(request) and legal_on(self, request, object_id, legal)

    def has_confirm_minimum_permission(self, request, object_id=None) -> bool:
        return self._may(request, object_id, lambda e: e.status == EnrolmentStatus.ONBOARDING)

    def has_record_notice_permission(self, request, object_id=None) -> bool:
        return self._may(request, object_id, lambda e: e.status not in ENDED_STATUSES)

    def has_set_standing_permission(self, request, object_id=None) -> bool:
        return self._may(request, object_id, lambda e: e.status in STANDING_STATUSES)

    def has_record_breach_permission(self, request, object_id=None) -> bool:
        # offered only where the program has a cure period and the enrolment is live
        return self._may(
            request, object_id, lambda e: breach_notice_allowed(e, timezone.localdate())
        )

    def has_record_cure_permission(self, request, object_id=None) -> bool:
        return self._may(request, object_id, lambda e: self._open_breaches(e.pk).exists())

    def _open_breaches(self, enrolment_id):
        return BreachNotice.objects.filter(
            enrolment_id=enrolment_id, cured_at__isnull=True, termination__isnull=True
        ).order_by("given_on", "pk")

    def _enrolment(self, request, object_id) -> Enrolment:
        return get_object_or_404(self.get_queryset(request), pk=object_id)

    def _back(self, enrolment) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:partners_enrolment_change", args=[enrolment.pk]))

    @action(
        description="Set standing", url_path="standing", permissions=["set_standing"], icon="flag"
    )
    def set_standing(self, request, object_id):
        enrolment = self._enrolment(request, object_id)
        form = StandingForm(
            request.POST or None,
            initial={"good_standing": "no" if enrolment.good_standing else "yes"},
        )
        if request.method == "POST" and form.is_valid():
            try:
                standing_set(
                    tenant=enrolment.tenant,
                    enrolment=enrolment,
                    user=request.user,
                    **form.cleaned_data,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"{enrolment.firm}: {enrolment.standing_label.lower()}.")
                return self._back(enrolment)
        return form_page(
            self,
            request,
            f"Standing of {enrolment.firm} ({enrolment.standing_label.lower()})",
            form,
            "Record standing",
        )

    @action(
        description="Confirm minimum criteria met",
        url_path="confirm-minimum",
        permissions=["confirm_minimum"],
        icon="verified",
    )
    def confirm_minimum(self, request, object_id):
        enrolment = self._enrolment(request, object_id)
        if request.method != "POST":
            return confirm_page(
                self,
                request,
                f"Confirm {enrolment.firm} meets the minimum criteria?",
                "Onboarding ends and the partner becomes active in the tier that holds the "
                "program's minimum criteria.",
                "Confirm",
            )
        try:
            enrolment_confirm_minimum_met(
                tenant=enrolment.tenant, enrolment=enrolment, user=request.user
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{enrolment.firm} is now active.")
        return self._back(enrolment)

    @action(
        description="Record a written notice",
        url_path="notice",
        permissions=["record_notice"],
        icon="mail",
    )
    def record_notice(self, request, object_id):
        enrolment = self._enrolment(request, object_id)
        form = NoticeForm(
            request.POST or None,
            initial={"given_on": timezone.localdate()},
            breaches=BreachNotice.objects.filter(enrolment=enrolment, termination__isnull=True),
        )
        if request.method == "POST" and form.is_valid():
            try:
                notice = notice_record(
                    tenant=enrolment.tenant,
                    enrolment=enrolment,
                    user=request.user,
                    **form.cleaned_data,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    f"{notice.get_kind_display()} notice recorded; it takes effect on "
                    f"{notice.effective_on:%Y-%m-%d}.",
                )
                return self._back(enrolment)
        return form_page(
            self,
            request,
            f"Written notice for {enrolment}",
            form,
            "Record notice",
            obligations=obligations_at(enrolment.program, "termination_for_cause"),
        )

    @action(
        description="Record a breach notice",
        url_path="breach",
        permissions=["record_breach"],
        icon="gavel",
    )
    def record_breach(self, request, object_id):
        enrolment = self._enrolment(request, object_id)
        form = BreachForm(request.POST or None, initial={"given_on": timezone.localdate()})
        if request.method == "POST" and form.is_valid():
            try:
                breach = breach_notice_record(
                    tenant=enrolment.tenant,
                    enrolment=enrolment,
                    user=request.user,
                    **form.cleaned_data,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    f"Breach notice recorded: {enrolment.firm} may cure it until "
                    f"{breach.cure_by:%Y-%m-%d} ({breach.cure_days} days).",
                )
                return self._back(enrolment)
        return form_page(
            self,
            request,
            f"Notice of material breach to {enrolment.firm}",
            form,
            "Record breach",
            obligations=obligations_at(enrolment.program, "termination_for_cause"),
        )

    @action(
        description="Record a breach cured",
        url_path="cure",
        permissions=["record_cure"],
        icon="task_alt",
    )
    def record_cure(self, request, object_id):
        enrolment = self._enrolment(request, object_id)
        form = CureForm(request.POST or None, breaches=self._open_breaches(enrolment.pk))
        if request.method == "POST" and form.is_valid():
            try:
                breach_notice_cure(
                    tenant=enrolment.tenant,
                    breach=form.cleaned_data["breach"],
                    user=request.user,
                    note=form.cleaned_data["note"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"Breach recorded as cured for {enrolment.firm}.")
                return self._back(enrolment)
        return form_page(self, request, f"Breach cured by {enrolment.firm}", form, "Record cure")


class PaidForm(forms.Form):
    paid_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


@admin.register(FeeInvoice)
class FeeInvoiceAdmin(TenantScopedAdmin):
    view_roles = ALL_STAFF
    edit_roles = FINANCE
    list_display = ("enrolment", "description", "amount", "status", "issued_on", "paid_on")
    list_filter = ("status", "currency")
    search_fields = ("enrolment__firm__name", "description")
    readonly_fields = (
        "enrolment",
        "program_version",
        "description",
        "amount",
        "currency",
        "issued_on",
        "status",
        "paid_on",
        "recorded_by",
    )
    exclude = ("amount_minor",)
    actions_detail = ["mark_paid"]

    def has_add_permission(self, request, *args):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Amount")
    def amount(self, invoice):
        return format_minor(invoice.amount_minor, invoice.currency)

    def has_mark_paid_permission(self, request, object_id=None) -> bool:
        return super().has_change_permission(request) and legal_on(
            self, request, object_id, lambda invoice: invoice.status == InvoiceStatus.UNPAID
        )

    @action(
        description="Record payment", url_path="paid", permissions=["mark_paid"], icon="payments"
    )
    def mark_paid(self, request, object_id):
        invoice = get_object_or_404(self.get_queryset(request), pk=object_id)
        form = PaidForm(request.POST or None, initial={"paid_on": timezone.localdate()})
        if request.method == "POST" and form.is_valid():
            try:
                fee_invoice_mark_paid(
                    tenant=invoice.tenant,
                    invoice=invoice,
                    user=request.user,
                    paid_on=form.cleaned_data["paid_on"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Payment recorded.")
                return HttpResponseRedirect(
                    reverse("admin:partners_feeinvoice_change", args=[invoice.pk])
                )
        return form_page(self, request, f"Record payment of {invoice}", form, "Record payment")


@admin.register(ContactRequest)
class ContactRequestAdmin(TenantScopedAdmin):
    list_display = ("firm_name", "track", "user", "created_at", "handled_at")
    list_filter = ("track",)
    readonly_fields = ("program", "track", "user", "firm_name", "message", "created_at")

    def has_add_permission(self, request, *args):
        return False
