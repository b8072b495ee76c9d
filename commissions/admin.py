"""Finance's console: payout batches (run, approve, export, pay), claims, the ledger."""

import datetime
import uuid

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from unfold.decorators import action

from commissions import downloads
from commissions.bankfiles.admin import bank_file_links, bank_file_urls
from commissions.claims import claim_decide, correction_book
from commissions.final_payments import final_payment_release, held_final_payments, release_text
from commissions.models import (
    BatchStatus,
    Claim,
    CommissionLine,
    EntryKind,
    FinalPaymentRelease,
    LedgerEntry,
    PartnerInvoice,
    PayoutBatch,
    PayoutLine,
    PeriodClose,
)
from commissions.payouts import (
    batch_approve,
    batch_build,
    batch_mark_exported,
    batch_record_payment,
)
from commissions.selectors_console import held_lines, payouts_by_month
from commissions.selectors_firm import firm_overview
from deals.models import DealRegistration, Order
from partners.models import Activity, PartnerFirm, TaxDocument
from programs.models import Program
from programs.selectors_console import tier_name_of
from tenants.admin_base import (
    ALL_STAFF,
    HistoryInline,
    TenantScopedAdmin,
    confirm_page,
    form_page,
    legal_on,
)
from tenants.countries import country_name
from tenants.dashboard import (
    FINANCE_HOME,
    MANAGER_HOME,
    Chart,
    Table,
    console_rows,
    console_today,
    home_part,
    list_url,
    queue,
)
from tenants.errors import ApplicationError
from tenants.models import FINANCE_ROLES
from tenants.money import format_minor, from_minor

PAYABLE_STATUSES = (BatchStatus.APPROVED, BatchStatus.EXPORTED)
#: the statuses each batch action moves from (as commissions.payouts' transitions allow)
BATCH_MOVES_FROM = {
    "approve": (BatchStatus.DRAFT,),
    "mark_exported": (BatchStatus.APPROVED,),
    "record_payment": PAYABLE_STATUSES,
}


class ReadOnlyAdmin(TenantScopedAdmin):
    """History: everyone on staff reads it, nobody edits or deletes it here."""

    view_roles = ALL_STAFF
    edit_roles = FINANCE_ROLES

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_finance_permission(self, request, object_id=None) -> bool:
        return self.may_edit(request)


@admin.register(CommissionLine)
class CommissionLineAdmin(ReadOnlyAdmin):
    list_display = ("order", "product", "firm", "program", "tier", "amount", "explanation")
    list_filter = ("earned", "program")
    search_fields = ("firm__name", "order__external_id", "order__customer__name")
    list_select_related = ("order__customer", "order_line", "firm", "program")
    exclude = ("amount_minor", "basis_minor")
    readonly_fields = ("basis", "amount")

    def get_queryset(self, request):
        tier = tier_name_of("program_id", "tier_key")
        return super().get_queryset(request).annotate(tier_label=tier)

    @admin.display(description="Tier", ordering="tier_key")
    def tier(self, obj):
        return getattr(obj, "tier_label", None) or obj.tier_key or "—"

    @admin.display(description="Product")
    def product(self, obj):
        return obj.order_line.product_code

    @admin.display(description="Commission")
    def amount(self, obj):
        return format_minor(obj.amount_minor, obj.currency)

    @admin.display(description="Basis")
    def basis(self, obj):
        return format_minor(obj.basis_minor, obj.currency)


class CorrectionForm(forms.Form):
    firm = forms.ModelChoiceField(queryset=PartnerFirm.objects.all())
    program = forms.ModelChoiceField(queryset=Program.objects.all())
    kind = forms.ChoiceField(
        choices=[
            (EntryKind.OFFSET, "Offset (owed back by the partner)"),
            (EntryKind.ADJUSTMENT, "Adjustment (either sign)"),
        ]
    )
    amount = forms.DecimalField(
        decimal_places=None,  # the program's currency decides (correction_book checks)
        help_text="Negative reduces what is owed.",
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    token = forms.CharField(widget=forms.HiddenInput)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("booked_on", "firm", "program", "kind", "amount", "due_on", "memo")
    list_filter = ("kind", "program")
    search_fields = ("firm__name", "key", "memo")
    list_select_related = ("firm", "program")
    date_hierarchy = "booked_on"
    actions_list = ["book_correction"]
    exclude = ("amount_minor",)
    readonly_fields = ("amount",)

    @admin.display(description="Amount")
    def amount(self, obj):
        return format_minor(obj.amount_minor, obj.currency)

    @action(description="Book a correction", url_path="correction", permissions=["finance"])
    def book_correction(self, request):
        form = CorrectionForm(request.POST or None, initial={"token": uuid.uuid4().hex})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                booked = correction_book(
                    tenant=request.tenant,
                    firm=data["firm"],
                    program=data["program"],
                    kind=data["kind"],
                    amount=data["amount"],
                    reason=data["reason"],
                    key=data["token"],
                    today=timezone.localdate(),
                    user=request.user,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Booked." if booked else "Already booked (no change).")
                return HttpResponseRedirect(reverse("admin:commissions_ledgerentry_changelist"))
        return form_page(self, request, "Book a correction", form, "Book")


class PayoutLineInline(HistoryInline):
    model = PayoutLine
    fields = (
        "firm",
        "accruals",
        "clawbacks",
        "corrections",
        "net",
        "withheld",
        "payable",
        "status",
        "hold_reason",
        "final_payment",
        "statement",
    )

    def _money(self, obj, amount):
        return format_minor(amount, obj.batch.currency)

    def accruals(self, obj):
        return self._money(obj, obj.accruals_minor)

    def clawbacks(self, obj):
        return self._money(obj, obj.clawbacks_minor)

    def corrections(self, obj):
        return self._money(obj, obj.corrections_minor)

    def net(self, obj):
        return self._money(obj, obj.net_minor)

    def withheld(self, obj):
        return self._money(obj, obj.withholding_minor)

    def payable(self, obj):
        return self._money(obj, obj.payable_minor)

    @admin.display(description="Final payment")
    def final_payment(self, obj):
        if obj.final_payment_of_id is None:
            return ""
        release = FinalPaymentRelease.objects.filter(enrolment_id=obj.final_payment_of_id).first()
        return release_text(release) if release else "Held: waiting for finance to release it"

    @admin.display(description="Statement")
    def statement(self, obj):
        url = reverse("admin:commissions_payoutbatch_statement", args=[obj.batch_id])
        return format_html('<a href="{}?line={}">PDF</a>', url, obj.pk)


def _month_end(period: datetime.date) -> datetime.date:
    return (period.replace(day=28) + datetime.timedelta(days=4)).replace(
        day=1
    ) - datetime.timedelta(days=1)


class CloseEarlyForm(forms.Form):
    """Approving a month that has not ended needs a yes that names the month."""

    close_early = forms.BooleanField(required=True)

    def __init__(self, *args, month: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["close_early"].label = f"Yes, close {month:%B %Y} before it has ended"


class RunForm(forms.Form):
    program = forms.ModelChoiceField(queryset=Program.objects.all())
    month = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), help_text="Any day of the month to pay."
    )


class PaymentForm(forms.Form):
    reference = forms.CharField(help_text="Bank run or check numbers.")
    paid_on = forms.DateField(
        initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )


class ReleaseForm(forms.Form):
    line = forms.ModelChoiceField(
        queryset=PayoutLine.objects.none(), label="Partner", empty_label=None
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why it may now be paid (e.g. the final amount was checked).",
    )

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = lines
        self.fields["line"].label_from_instance = lambda line: (
            f"{line.firm} — {format_minor(line.net_minor, line.batch.currency)} held"
        )


@admin.register(PayoutBatch)
class PayoutBatchAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "status", "cutoff", "due_on", "partners", "total_payable")
    list_filter = ("status", "program")
    readonly_fields = (
        "program",
        "period",
        "cutoff",
        "due_on",
        "currency",
        "status",
        "built_at",
        "approved_at",
        "approved_by",
        "exported_at",
        "paid_at",
        "payment_reference",
        "downloads",
    )
    exclude = ()
    inlines = [PayoutLineInline]
    actions_list = ["run"]
    actions_detail = ["approve", "mark_exported", "record_payment", "release_final_payment"]

    @admin.display(description="Partners")
    def partners(self, obj):
        return obj.lines.count()

    @admin.display(description="Payable")
    def total_payable(self, obj):
        return format_minor(sum(x.payable_minor for x in obj.lines.all()), obj.currency)

    @admin.display(description="Downloads")
    def downloads(self, obj):
        links = [
            (reverse(f"admin:commissions_payoutbatch_{name}", args=[obj.pk]), label)
            for name, label in (("csv", "CSV"), ("xlsx", "XLSX"), ("pdf", "PDF report"))
        ]
        files = format_html_join(" · ", '<a href="{}">{}</a>', links)
        return format_html("{}<br>Bank files: {}", files, bank_file_links(obj))

    def get_urls(self):
        from django.urls import path

        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/export.csv",
                view(self._download("csv")),
                name="commissions_payoutbatch_csv",
            ),
            path(
                "<int:pk>/export.xlsx",
                view(self._download("xlsx")),
                name="commissions_payoutbatch_xlsx",
            ),
            path(
                "<int:pk>/report.pdf",
                view(self._download("pdf")),
                name="commissions_payoutbatch_pdf",
            ),
            *bank_file_urls(view, self._bank_file),
            path(
                "<int:pk>/statement.pdf",
                view(self._statement),
                name="commissions_payoutbatch_statement",
            ),
            *super().get_urls(),
        ]

    def _batch(self, request, pk) -> PayoutBatch:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(self.get_queryset(request), pk=pk)

    def _download(self, kind: str):
        def view(request, pk):
            return downloads.batch_file(self._batch(request, pk), kind)

        return view

    def _bank_file(self, request, pk, kind: str):
        batch = self._batch(request, pk)
        if not self.may_edit(request):
            raise PermissionDenied  # full account numbers: finance and admins only
        try:
            return downloads.bank_file_response(batch, kind)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return self._back(batch)

    def _statement(self, request, pk):
        batch = self._batch(request, pk)
        line = get_object_or_404(PayoutLine.objects.filter(batch=batch), pk=request.GET.get("line"))
        return downloads.statement_file(line)

    def _back(self, batch):
        return HttpResponseRedirect(
            reverse("admin:commissions_payoutbatch_change", args=[batch.pk])
        )

    @action(description="Run payouts for a month", url_path="run", permissions=["finance"])
    def run(self, request):
        form = RunForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            month = form.cleaned_data["month"]
            if month.replace(day=1) > timezone.localdate().replace(day=1):
                form.add_error("month", "That month has not started yet.")
            else:
                batch, built = batch_build(
                    tenant=request.tenant, program=form.cleaned_data["program"], period=month
                )
                messages.success(request, "Batch built." if built else "The batch already exists.")
                return self._back(batch)
        return form_page(self, request, "Run payouts for a month", form, "Build the batch")

    def _move(self, request, object_id, verb: str, move, closes_month: bool = False):
        batch = get_object_or_404(self.get_queryset(request), pk=object_id)
        last_day = _month_end(batch.period)
        early = closes_month and console_today(request) <= last_day
        form = CloseEarlyForm(request.POST or None, month=batch.period) if early else forms.Form()
        if request.method == "POST" and (not early or form.is_valid()):
            try:
                move(batch)
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"{verb}: done.")
            return self._back(batch)
        text = (
            f"{batch.lines.count()} partner(s), payable {self.total_payable(batch)}, "
            f"due {batch.due_on:%Y-%m-%d}."
        )
        if closes_month:
            text += (
                f" Approving closes {batch.period:%B %Y} for {batch.program}: later corrections "
                f"are booked into the next open month, and no tier change may start on or "
                f"before {last_day:%-d %B %Y}."
            )
        if early:
            text = f"{batch.period:%B %Y} has not ended yet. " + text
        return confirm_page(self, request, f"{verb}: {batch}", text, verb, form=form)

    def _in_status(self, request, object_id, action: str) -> bool:
        return self.may_edit(request) and legal_on(
            self, request, object_id, lambda batch: batch.status in BATCH_MOVES_FROM[action]
        )

    def has_approve_permission(self, request, object_id=None) -> bool:
        return self._in_status(request, object_id, "approve")

    def has_mark_exported_permission(self, request, object_id=None) -> bool:
        return self._in_status(request, object_id, "mark_exported")

    def has_record_payment_permission(self, request, object_id=None) -> bool:
        return self._in_status(request, object_id, "record_payment")

    @action(description="Approve", url_path="approve", permissions=["approve"], icon="check")
    def approve(self, request, object_id):
        return self._move(
            request,
            object_id,
            "Approve",
            lambda b: batch_approve(
                tenant=request.tenant, batch=b, user=request.user, today=timezone.localdate()
            ),
            closes_month=True,
        )

    @action(description="Mark exported", url_path="exported", permissions=["mark_exported"])
    def mark_exported(self, request, object_id):
        return self._move(
            request,
            object_id,
            "Mark exported",
            lambda b: batch_mark_exported(tenant=request.tenant, batch=b),
        )

    @action(
        description="Record payment",
        url_path="pay",
        permissions=["record_payment"],
        icon="payments",
    )
    def record_payment(self, request, object_id):
        batch = get_object_or_404(self.get_queryset(request), pk=object_id)
        form = PaymentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                batch_record_payment(
                    tenant=request.tenant,
                    batch=batch,
                    reference=form.cleaned_data["reference"],
                    paid_on=form.cleaned_data["paid_on"],
                    user=request.user,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Payment recorded; payouts booked in the ledger.")
                return self._back(batch)
        return form_page(self, request, f"Record the payment of {batch}", form, "Record payment")

    def has_release_final_payment_permission(self, request, object_id=None) -> bool:
        # finance only, and only on a batch that holds a final payment not yet released
        # another tenant's batch is simply not there: the view answers 404
        return self.may_edit(request) and legal_on(
            self, request, object_id, lambda batch: held_final_payments(batch).exists()
        )

    @action(
        description="Release final payment",
        url_path="release-final-payment",
        permissions=["release_final_payment"],
        icon="lock_open",
    )
    def release_final_payment(self, request, object_id):
        batch = get_object_or_404(self.get_queryset(request), pk=object_id)
        form = ReleaseForm(request.POST or None, lines=held_final_payments(batch))
        if request.method == "POST" and form.is_valid():
            line = form.cleaned_data["line"]
            try:
                final_payment_release(
                    tenant=request.tenant,
                    enrolment=line.final_payment_of,
                    note=form.cleaned_data["note"],
                    user=request.user,
                    batch=batch,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    f"Final payment of {line.firm} released: the next batch pays it.",
                )
                return self._back(batch)
        return form_page(self, request, f"Release a final payment held in {batch}", form, "Release")


class DecisionForm(forms.Form):
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = ("firm", "program", "kind", "event_on", "submitted_on", "amount", "status")
    list_filter = ("status", "kind", "program")
    search_fields = ("firm__name", "description")
    actions_detail = ["approve", "reject"]
    exclude = ("amount_minor",)
    readonly_fields = ("amount",)

    @admin.display(description="Amount")
    def amount(self, obj):
        return format_minor(obj.amount_minor, obj.currency)

    def _decide(self, request, object_id, approve: bool):
        claim = get_object_or_404(self.get_queryset(request), pk=object_id)
        form = DecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                claim_decide(
                    tenant=request.tenant,
                    claim=claim,
                    approve=approve,
                    reason=form.cleaned_data["reason"],
                    user=request.user,
                    today=timezone.localdate(),
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, "Approved: adjustment booked." if approve else "Rejected."
                )
                return HttpResponseRedirect(
                    reverse("admin:commissions_claim_change", args=[claim.pk])
                )
        verb = "Approve" if approve else "Reject"
        return form_page(self, request, f"{verb} the claim: {claim}", form, verb)

    def has_decide_permission(self, request, object_id=None) -> bool:
        return self.may_edit(request) and legal_on(
            self, request, object_id, lambda claim: claim.status == Claim.Status.SUBMITTED
        )

    @action(description="Approve", url_path="approve", permissions=["decide"], icon="check")
    def approve(self, request, object_id):
        return self._decide(request, object_id, True)

    @action(description="Reject", url_path="reject", permissions=["decide"], icon="close")
    def reject(self, request, object_id):
        return self._decide(request, object_id, False)


@admin.register(PartnerInvoice)
class PartnerInvoiceAdmin(ReadOnlyAdmin):
    list_display = ("number", "firm", "amount", "issued_on", "due_on", "status")
    list_filter = ("status",)
    exclude = ("amount_minor",)
    readonly_fields = ("amount",)

    @admin.display(description="Amount")
    def amount(self, obj):
        return format_minor(obj.amount_minor, obj.currency)


@admin.register(PeriodClose)
class PeriodCloseAdmin(ReadOnlyAdmin):
    list_display = ("program", "period", "closed_at", "closed_by")


@admin.register(FinalPaymentRelease)
class FinalPaymentReleaseAdmin(ReadOnlyAdmin):
    """Finance's releases of ended partners' final payments: the record, never edited."""

    list_display = ("firm", "program", "held", "released_at", "released_by", "note")
    list_filter = ("program",)
    search_fields = ("firm__name", "note")
    exclude = ("held_minor",)
    readonly_fields = ("held",)

    @admin.display(description="Held when released")
    def held(self, obj):
        return format_minor(obj.held_minor, obj.currency)


PAYOUT_CHART_MONTHS = 12


@home_part(FINANCE_HOME, position=5)
def batches_to_approve(request):
    yield queue(request, PayoutBatch, "Payout batches to approve", status=BatchStatus.DRAFT)
    yield queue(request, PayoutBatch, "Approved batches to pay", status__in=PAYABLE_STATUSES)


@home_part(FINANCE_HOME, position=15)
def open_partner_invoices(request):
    yield queue(request, PartnerInvoice, "Open partner invoices", status=PartnerInvoice.Status.OPEN)


@home_part(MANAGER_HOME, FINANCE_HOME, position=60)
def claims_waiting(request):
    yield queue(request, Claim, "Claims to decide", status=Claim.Status.SUBMITTED)


@home_part(FINANCE_HOME, position=80)
def held_partners(request):
    batches = console_rows(request, PayoutBatch)
    if batches is None:
        return
    lines = held_lines(batches, limit=20)
    yield Table(
        "Held partners and why",
        columns=["Partner", "Batch", "Held", "Why"],
        rows=[
            (
                reverse("admin:commissions_payoutbatch_change", args=[line.batch_id]),
                [
                    line.firm.name,
                    str(line.batch),
                    format_minor(line.net_minor, line.batch.currency),
                    line.hold_reason or "—",
                ],
            )
            for line in lines
        ],
        empty="No partner is held in an unpaid batch.",
    )


@home_part(MANAGER_HOME, FINANCE_HOME, position=200)
def payouts_chart(request):
    batches = console_rows(request, PayoutBatch)
    if batches is None:
        return
    today = console_today(request)
    since = (
        today.replace(day=1) - datetime.timedelta(days=31 * (PAYOUT_CHART_MONTHS - 1))
    ).replace(day=1)
    months = payouts_by_month(batches, since=since)
    periods = sorted({m["batch__period"] for m in months})
    currencies = sorted({m["batch__currency"] for m in months})
    cell = {(m["batch__period"], m["batch__currency"]): m["payable_minor"] or 0 for m in months}
    yield Chart(
        "Payouts by month",
        labels=[f"{p:%b %Y}" for p in periods],
        series=[
            (c, [float(from_minor(cell.get((p, c), 0), c)) for p in periods]) for c in currencies
        ],
        columns=["Month", "Payable"],
        rows=[
            [
                f"{p:%b %Y}",
                " + ".join(format_minor(cell[(p, c)], c) for c in currencies if (p, c) in cell),
            ]
            for p in periods
        ],
    )


def firm_360_view(request, firm_id: int):
    """The partner firm 360° page: everything about one firm on one page, read-only."""
    firms = console_rows(request, PartnerFirm)
    if firms is None:
        raise PermissionDenied
    firm = get_object_or_404(firms, pk=firm_id)
    overview = firm_overview(firm)
    return TemplateResponse(
        request,
        "admin/partners/firm_360.html",
        {
            **admin.site.each_context(request),
            "opts": PartnerFirm._meta,
            "title": f"{firm.name}: 360° view",
            "o": overview,
            "country": country_name(firm.country),
            "balances": [
                (b["program__name"], format_minor(b["balance_minor"] or 0, b["currency"]))
                for b in overview.balances
            ],
            "statements": [
                (
                    reverse("admin:commissions_payoutbatch_change", args=[line.batch_id]),
                    str(line.batch),
                    format_minor(line.payable_minor, line.batch.currency),
                    line.get_status_display(),
                    line.hold_reason,
                )
                for line in overview.statements
            ],
            "links": {
                "firm": reverse("admin:partners_partnerfirm_change", args=[firm.pk]),
                "registrations": list_url(DealRegistration, firm__id__exact=firm.pk),
                "orders": list_url(Order, firm__id__exact=firm.pk),
                "lines": list_url(CommissionLine, firm__id__exact=firm.pk),
                "ledger": list_url(LedgerEntry, firm__id__exact=firm.pk),
                "activities": list_url(Activity, firm__id__exact=firm.pk),
                "tax": list_url(TaxDocument, firm__id__exact=firm.pk),
            },
        },
    )


admin.site.register_view("firms/<int:firm_id>/", firm_360_view, "partners_partnerfirm_360")
