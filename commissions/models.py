"""Commission calculations, the append-only ledger, claims, payout batches and invoices.

Money is integer minor units everywhere here; signs follow the partner's view: a
positive entry is owed to the partner, a negative one reduces what is owed.
"""

from django.conf import settings
from django.db import models

from deals.models import Order, OrderLine, Refund
from partners.models import Enrolment, PartnerFirm
from programs.models import Program, ProgramVersion
from tenants.managers import TenantScopedManager, TenantScopedQuerySet
from tenants.models import TenantOwned
from tenants.money import format_minor


class LedgerIsAppendOnly(Exception):
    """Ledger entries are never changed or deleted; a correction is a new entry."""

    def __init__(self) -> None:
        super().__init__("Ledger entries are append-only: book a correcting entry instead.")


class CommissionLine(TenantOwned):
    """What one order line earned under one program, and why (also when it earned nothing)."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="commission_lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    firm = models.ForeignKey(PartnerFirm, on_delete=models.PROTECT, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(
        ProgramVersion, null=True, on_delete=models.PROTECT, related_name="+"
    )
    rule_key = models.CharField(max_length=60, blank=True)
    rule_name = models.CharField(max_length=300, blank=True)
    tier_key = models.CharField(max_length=60, blank=True)
    basis_minor = models.BigIntegerField(default=0)
    rate = models.CharField(max_length=20, blank=True, help_text="As the rule states it.")
    amount_minor = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3)
    earned = models.BooleanField()
    explanation = models.CharField(max_length=400)
    completed_on = models.DateField(null=True)
    calculated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order_id", "order_line_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order_line", "program"], name="one_calculation_per_line_and_program"
            ),
        ]
        indexes = [
            # commission_lines_of: newest first, for the tenant's staff or for one firm
            models.Index(fields=["tenant", "-completed_on", "-id"], name="commline_recent_idx"),
            models.Index(fields=["firm", "-completed_on", "-id"], name="commline_firm_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.order_line} — {self.explanation}"


class EntryKind(models.TextChoices):
    ACCRUAL = "accrual", "Accrual"
    CLAWBACK = "clawback", "Clawback"
    OFFSET = "offset", "Offset"
    ADJUSTMENT = "adjustment", "Adjustment"
    WITHHOLDING = "withholding", "Withholding"
    PAYOUT = "payout", "Payout"
    PARTNER_INVOICE = "partner_invoice", "Partner invoice"


#: what a payout batch settles; withholding, payouts and invoices are booked by the batch
SETTLED_BY_BATCH = (
    EntryKind.ACCRUAL,
    EntryKind.CLAWBACK,
    EntryKind.OFFSET,
    EntryKind.ADJUSTMENT,
)


class LedgerQuerySet(TenantScopedQuerySet):
    def update(self, **kwargs):
        raise LedgerIsAppendOnly()

    def delete(self):
        raise LedgerIsAppendOnly()

    def bulk_update(self, *args, **kwargs):
        raise LedgerIsAppendOnly()


class LedgerEntry(TenantOwned):
    """One immutable movement of what the vendor owes a partner under a program."""

    firm = models.ForeignKey(PartnerFirm, on_delete=models.PROTECT, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(max_length=3)
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    amount_minor = models.BigIntegerField(help_text="+ owed to the partner, - owed back.")
    key = models.CharField(max_length=200, help_text="Idempotency key: one entry per event.")
    occurred_on = models.DateField(help_text="The day of the event (completion, refund, ...).")
    booked_on = models.DateField(
        help_text="Accounting day: the event's day, or the first open day after a closed month."
    )
    due_on = models.DateField(null=True, blank=True)
    commission_line = models.ForeignKey(
        CommissionLine, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    refund = models.ForeignKey(
        Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    claim = models.ForeignKey(
        "Claim", null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    batch = models.ForeignKey(
        "PayoutBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="booked"
    )
    version = models.ForeignKey(
        ProgramVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The rule version the amount was computed under.",
    )
    memo = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = TenantScopedManager.from_queryset(LedgerQuerySet)()

    class Meta:
        ordering = ["booked_on", "pk"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="ledger_key_unique"),
        ]
        indexes = [
            models.Index(fields=["tenant", "program", "booked_on"], name="ledger_program_day_idx"),
            models.Index(fields=["firm", "booked_on"], name="ledger_firm_day_idx"),
        ]

    def __str__(self) -> str:
        amount = format_minor(self.amount_minor, self.currency)
        return f"{self.get_kind_display()} {amount} ({self.key})"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None or not self._state.adding:
            raise LedgerIsAppendOnly()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerIsAppendOnly()


class Claim(TenantOwned):
    """A claim for an unpaid, underpaid or overpaid commission, within the program's window."""

    class Kind(models.TextChoices):
        UNPAID = "unpaid", "Unpaid commission"
        UNDERPAID = "underpaid", "Underpaid commission"
        OVERPAID = "overpaid", "Overpaid commission"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    firm = models.ForeignKey(PartnerFirm, on_delete=models.PROTECT, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.PROTECT)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    event_on = models.DateField(help_text="The day of the event giving rise to the claim.")
    submitted_on = models.DateField()
    amount_minor = models.BigIntegerField(help_text="The amount claimed (positive).")
    currency = models.CharField(max_length=3)
    description = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-submitted_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="claim_positive"),
        ]
        indexes = [
            # the claims list: newest first, for the tenant's staff or for one firm
            models.Index(fields=["tenant", "-submitted_on", "-id"], name="claim_recent_idx"),
            models.Index(fields=["firm", "-submitted_on", "-id"], name="claim_firm_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} claim of {self.firm}"


class PeriodClose(TenantOwned):
    """A closed month of a program: nothing is booked into it any more."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    period = models.DateField(help_text="First day of the closed month.")
    closed_at = models.DateTimeField(auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-period"]
        constraints = [
            models.UniqueConstraint(fields=["program", "period"], name="one_close_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.program} {self.period:%Y-%m} closed"


class BatchStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    EXPORTED = "exported", "Exported"
    PAID = "paid", "Paid"


class PayoutBatch(TenantOwned):
    """The payouts of one program for one month: built once, approved by finance, paid."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    period = models.DateField(help_text="First day of the month the batch covers.")
    cutoff = models.DateField(help_text="Entries booked up to this day are in the batch.")
    due_on = models.DateField(help_text="Payments are due by this day.")
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=BatchStatus.choices, default=BatchStatus.DRAFT)
    built_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    exported_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    payment_reference = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-period", "program"]
        verbose_name_plural = "payout batches"
        constraints = [
            models.UniqueConstraint(fields=["program", "period"], name="one_batch_per_period"),
        ]
        # the batch list: newest month first
        indexes = [models.Index(fields=["tenant", "-period", "program"], name="batch_recent_idx")]

    def __str__(self) -> str:
        return f"{self.program} payouts {self.period:%Y-%m}"


class PayoutLine(TenantOwned):
    """One partner's part of a batch: what was due, what is held or withheld, what is paid."""

    class Status(models.TextChoices):
        PAYABLE = "payable", "Payable"
        HELD = "held", "Held"
        INVOICED = "invoiced", "Invoiced (net owed by the partner)"
        NOTHING = "nothing", "Nothing due"

    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="lines")
    firm = models.ForeignKey(PartnerFirm, on_delete=models.PROTECT, related_name="+")
    accruals_minor = models.BigIntegerField(default=0)
    clawbacks_minor = models.BigIntegerField(default=0)
    corrections_minor = models.BigIntegerField(default=0, help_text="Offsets and adjustments.")
    net_minor = models.BigIntegerField(default=0)
    withholding_rate = models.DecimalField(max_digits=5, decimal_places=4, default=0)
    withholding_minor = models.BigIntegerField(default=0)
    payable_minor = models.BigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices)
    hold_reason = models.CharField(max_length=300, blank=True)
    final_payment_of = models.ForeignKey(
        Enrolment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Held as the final payment of this ended enrolment, until finance releases it.",
    )
    statement_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["batch", "firm__name"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "firm"], name="one_line_per_partner"),
        ]

    def __str__(self) -> str:
        return f"{self.firm} in {self.batch}"


class BatchItem(TenantOwned):
    """An entry settled by a batch; the unique entry makes paying it twice impossible."""

    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="items")
    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="settlement")
    firm = models.ForeignKey(PartnerFirm, on_delete=models.PROTECT, related_name="+")


class PartnerInvoice(TenantOwned):
    """When a partner's net is negative, no payment: an invoice due within the program's days."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PAID = "paid", "Paid"

    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="invoices")
    firm = models.ForeignKey(PartnerFirm, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=40)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    issued_on = models.DateField()
    due_on = models.DateField()
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)

    class Meta:
        ordering = ["-issued_on"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="invoice_number_unique"),
            models.UniqueConstraint(fields=["batch", "firm"], name="one_invoice_per_batch_line"),
        ]

    def __str__(self) -> str:
        return self.number


class FinalPaymentReleaseQuerySet(TenantScopedQuerySet):
    def update(self, **kwargs):
        raise ValueError("Final payment releases are never changed: they are the record.")

    def delete(self):
        raise ValueError("Final payment releases are never deleted: they are the record.")


class FinalPaymentRelease(TenantOwned):
    """Finance released an ended partner's held final payment: who, when, why (append-only).

    From then on the payout batches pay what was held (once: the entries settle once).
    """

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.PROTECT, related_name="final_payment_release"
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    firm = models.ForeignKey(PartnerFirm, on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(
        PayoutBatch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The batch page the release was made from.",
    )
    held_minor = models.BigIntegerField(help_text="What was held when it was released.")
    currency = models.CharField(max_length=3)
    note = models.TextField()
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    released_at = models.DateTimeField()

    objects = TenantScopedManager.from_queryset(FinalPaymentReleaseQuerySet)()

    class Meta:
        ordering = ["-released_at", "-pk"]

    def __str__(self) -> str:
        return f"Final payment of {self.firm} released {self.released_at:%Y-%m-%d}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValueError("Final payment releases are never changed: they are the record.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Final payment releases are never deleted: they are the record.")


# the vendor's payer details for bank files live with the writers (commissions.bankfiles)
from commissions.bankfiles.models import BankOriginator  # noqa: E402, F401
