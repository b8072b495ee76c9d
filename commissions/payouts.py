"""Monthly payout batches: built once per (program, month), approved by finance, paid.

A batch settles every accrual, clawback, offset and adjustment booked up to its cut-off
that no batch settled before, per partner: net of clawbacks and corrections, minus
withholding; held partners are carried forward; a negative net becomes a partner invoice.
Building is one transaction keyed by (program, month): a second run, or a concurrent
one on another worker, finds the batch and builds nothing; a crash leaves no batch.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from commissions import ledger
from commissions.bankfiles.selectors import payout_details_holds
from commissions.final_payments import final_payment_hold_reason, final_payment_holds
from commissions.models import (
    SETTLED_BY_BATCH,
    BatchItem,
    BatchStatus,
    EntryKind,
    LedgerEntry,
    PartnerInvoice,
    PayoutBatch,
    PayoutLine,
    PeriodClose,
)
from partners.models import Enrolment, PayoutProfile
from partners.selectors.standing import standing_holds_payment
from partners.selectors.tax import tax_document_valid_on, tax_document_validity
from programs.models import Program
from programs.schema import Commissions
from tenants import events
from tenants.bulk import insert_instances
from tenants.errors import ApplicationError, Conflict
from tenants.models import Tenant
from tenants.money import format_minor, round_minor, to_minor


class BatchFailure(Exception):
    """Raised by tests' fault injection; a real failure is any exception mid-build."""


def _unsettled(tenant: Tenant, program: Program, cutoff: datetime.date):
    return LedgerEntry.objects.filter(
        tenant=tenant,
        program=program,
        kind__in=SETTLED_BY_BATCH,
        booked_on__lte=cutoff,
        settlement__isnull=True,
    )


def periods_due(*, program: Program, today: datetime.date) -> list[datetime.date]:
    """Months that ended before today with unsettled entries and no batch yet, oldest first."""
    first = (
        LedgerEntry.objects.filter(
            program=program, kind__in=SETTLED_BY_BATCH, settlement__isnull=True
        )
        .order_by("booked_on")
        .values_list("booked_on", flat=True)
        .first()
    )
    if first is None:
        return []
    built = set(PayoutBatch.objects.filter(program=program).values_list("period", flat=True))
    periods, period = [], ledger.month_start(first)
    while ledger.month_end(period) < today:
        if period not in built:
            periods.append(period)
        period = ledger.next_month(period)
    return periods


def _holds(
    tenant: Tenant, program: Program, firm_ids: list[int], cutoff: datetime.date
) -> dict[int, str]:
    """Firm id -> why its payment is held (no valid tax document, not in good standing)."""
    holds = {}
    taxes = tax_document_validity(tenant=tenant, firm_ids=firm_ids)
    latest: dict[int, Enrolment] = {}
    for enrolment in (
        Enrolment.objects.filter(program=program, firm_id__in_ids=firm_ids)
        .order_by("approved_at")
        .only("firm_id", "good_standing", "status")
    ):
        latest[enrolment.firm_id] = enrolment
    for firm_id in firm_ids:
        enrolment = latest.get(firm_id)
        if enrolment is not None and standing_holds_payment(enrolment):
            holds[firm_id] = (
                f"{enrolment.standing_label}: payment held until the standing is restored."
            )
        elif not tax_document_valid_on(taxes[firm_id], cutoff):
            holds[firm_id] = "No valid tax document (W-9 / W-8) on file: payment held."
    return holds


def _withheld(net: int, rate: Decimal) -> int:
    return round_minor(Decimal(net) * rate)


def _lines(
    batch: PayoutBatch, sums: dict[int, dict[str, int]], policy: Commissions
) -> list[PayoutLine]:
    firm_ids = sorted(sums)
    holds = _holds(batch.tenant, batch.program, firm_ids, batch.cutoff)
    # a vendor paying by bank file holds partners whose details no file could pay
    details = payout_details_holds(tenant=batch.tenant, firm_ids=firm_ids, currency=batch.currency)
    final = final_payment_holds(program=batch.program, firm_ids=firm_ids, cutoff=batch.cutoff)
    profiles = PayoutProfile.objects.filter(firm_id__in_ids=firm_ids)
    rates = dict(profiles.values_list("firm_id", "withholding_rate"))
    minimum = policy.minimum_payout
    minimum_minor = to_minor(minimum, batch.currency) if minimum is not None else 0
    withholding = policy.withholding
    lines = []
    for firm_id in firm_ids:
        kinds = sums[firm_id]
        net = sum(kinds.values())
        line = PayoutLine(
            tenant=batch.tenant,
            batch=batch,
            firm_id=firm_id,
            accruals_minor=kinds.get(EntryKind.ACCRUAL, 0),
            clawbacks_minor=kinds.get(EntryKind.CLAWBACK, 0),
            corrections_minor=kinds.get(EntryKind.OFFSET, 0) + kinds.get(EntryKind.ADJUSTMENT, 0),
            net_minor=net,
        )
        if net < 0:
            line.status = PayoutLine.Status.INVOICED
        elif net == 0:
            line.status = PayoutLine.Status.NOTHING
        elif firm_id in final:
            line.status, line.final_payment_of = PayoutLine.Status.HELD, final[firm_id]
            line.hold_reason = final_payment_hold_reason(final[firm_id])
        elif firm_id in holds:
            line.status, line.hold_reason = PayoutLine.Status.HELD, holds[firm_id]
        elif firm_id in details:
            line.status, line.hold_reason = PayoutLine.Status.HELD, details[firm_id]
        elif net < minimum_minor:
            line.status = PayoutLine.Status.HELD
            line.hold_reason = (
                f"Below the minimum payout of {format_minor(minimum_minor, batch.currency)}: "
                "carried forward to the next month."
            )
        else:
            line.status = PayoutLine.Status.PAYABLE
            line.withholding_rate = rates.get(firm_id, Decimal(0)) if withholding else Decimal(0)
            line.withholding_minor = _withheld(net, line.withholding_rate)
            line.payable_minor = net - line.withholding_minor
        lines.append(line)
    return lines


LINE_FIELDS = (
    "tenant_id",
    "batch_id",
    "firm_id",
    "accruals_minor",
    "clawbacks_minor",
    "corrections_minor",
    "net_minor",
    "withholding_rate",
    "withholding_minor",
    "payable_minor",
    "status",
    "hold_reason",
    "final_payment_of_id",
    "statement_hash",
)


def _lines_insert(lines: list[PayoutLine]) -> None:
    """One COPY for every partner's line (PostgreSQL), whatever the number of partners."""
    insert_instances(lines, LINE_FIELDS)


def _settle(batch: PayoutBatch, held: list[int]) -> None:
    """Link every unsettled entry of the batch's non-held partners to it (one statement)."""
    entries = _unsettled(batch.tenant, batch.program, batch.cutoff).exclude(firm_id__in_ids=held)
    sql, params = entries.values_list("pk", "firm_id").query.sql_with_params()
    table = BatchItem._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (tenant_id, batch_id, entry_id, firm_id) "
            f"SELECT %s, %s, settled.* FROM ({sql}) AS settled",  # (id, firm_id)
            [batch.tenant_id, batch.pk, *params],
        )


def _hold_ledger_writers() -> None:
    """Entries booked while a batch is built wait for it, so sums and settlement agree.

    (SQLite already allows one writer at a time.)
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {LedgerEntry._meta.db_table} IN SHARE MODE")


def batch_build(
    *,
    tenant: Tenant,
    program: Program,
    period: datetime.date,
    fail_after_lines: bool = False,
) -> tuple[PayoutBatch, bool]:
    """The program's batch for the month of `period`, built if missing -> (batch, built now)."""
    period = ledger.month_start(period)
    existing = PayoutBatch.objects.filter(program=program, period=period).first()
    if existing is not None:
        return existing, False
    cutoff = ledger.month_end(period)
    policy = ledger.policy_in_force(program, cutoff)
    try:
        with transaction.atomic():
            _hold_ledger_writers()
            batch = PayoutBatch.objects.create(
                tenant=tenant,
                program=program,
                period=period,
                cutoff=cutoff,
                due_on=ledger.due_day(policy, cutoff),
                currency=program.currency,
            )
            sums: dict[int, dict[str, int]] = defaultdict(dict)
            for row in (
                _unsettled(tenant, program, cutoff)
                .values("firm_id", "kind")
                .annotate(total=Sum("amount_minor"))
                .order_by()
            ):
                sums[row["firm_id"]][row["kind"]] = row["total"]
            lines = _lines(batch, sums, policy)
            _lines_insert(lines)
            if fail_after_lines:
                raise BatchFailure("injected failure after the lines were written")
            _settle(batch, [x.firm_id for x in lines if x.status == PayoutLine.Status.HELD])
    except IntegrityError:
        # another worker built it first (the unique (program, period) waited for its commit)
        return PayoutBatch.objects.get(program=program, period=period), False
    return batch, True


def _transition(batch: PayoutBatch, allowed: tuple[str, ...], target: str) -> PayoutBatch:
    locked = PayoutBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.status not in allowed:
        raise Conflict(
            f"This batch is {locked.get_status_display().lower()}; it cannot become "
            f"{BatchStatus(target).label.lower()}."
        )
    locked.status = target
    return locked


@transaction.atomic
def batch_approve(
    *, tenant: Tenant, batch: PayoutBatch, user: AbstractBaseUser | None, today: datetime.date
) -> PayoutBatch:
    """Finance approves: withholding and partner invoices are booked, the month is closed."""
    batch = _transition(batch, (BatchStatus.DRAFT,), BatchStatus.APPROVED)
    batch.approved_at, batch.approved_by = timezone.now(), user
    batch.save()
    period_close(tenant=tenant, program=batch.program, period=batch.period, user=user)
    policy = ledger.policy_in_force(batch.program, batch.cutoff)
    closed = ledger.closed_periods(batch.program)
    entries = []
    for line in batch.lines.filter(
        Q(status=PayoutLine.Status.INVOICED) | Q(withholding_minor__gt=0)
    ):
        common = {
            "tenant": tenant,
            "program": batch.program,
            "firm_id": line.firm_id,
            "currency": batch.currency,
            "occurred_on": today,
            "closed": closed,
            "batch": batch,
        }
        if line.status == PayoutLine.Status.INVOICED:
            invoice = _invoice(batch, line, today, policy)
            entries.append(
                ledger.entry(
                    **common,
                    kind=EntryKind.PARTNER_INVOICE,
                    amount_minor=-line.net_minor,
                    key=f"invoice:batch:{batch.pk}:firm:{line.firm_id}",
                    due_on=invoice.due_on,
                    memo=f"Invoice {invoice.number}: net owed by the partner, due {invoice.due_on}",
                )
            )
        else:
            entries.append(
                ledger.entry(
                    **common,
                    kind=EntryKind.WITHHOLDING,
                    amount_minor=-line.withholding_minor,
                    key=f"withholding:batch:{batch.pk}:firm:{line.firm_id}",
                    memo=f"Tax withheld at {line.withholding_rate * 100:.2f} % and remitted",
                )
            )
    ledger.entries_book(tenant, entries)
    events.emit(events.PAYOUT_BATCH_APPROVED, tenant_id=tenant.pk, batch_id=batch.pk)
    return batch


def _invoice(
    batch: PayoutBatch, line: PayoutLine, today: datetime.date, policy: Commissions
) -> PartnerInvoice:
    days = policy.negative_balance_invoice_days
    return PartnerInvoice.objects.create(
        tenant=batch.tenant,
        batch=batch,
        firm_id=line.firm_id,
        number=f"PI-{batch.period:%Y%m}-{batch.pk}-{line.firm_id}",
        amount_minor=-line.net_minor,
        currency=batch.currency,
        issued_on=today,
        due_on=today + datetime.timedelta(days=days),
    )


@transaction.atomic
def batch_mark_exported(*, tenant: Tenant, batch: PayoutBatch) -> PayoutBatch:
    batch = _transition(batch, (BatchStatus.APPROVED,), BatchStatus.EXPORTED)
    batch.exported_at = timezone.now()
    batch.save()
    return batch


@transaction.atomic
def batch_record_payment(
    *,
    tenant: Tenant,
    batch: PayoutBatch,
    reference: str,
    paid_on: datetime.date,
    user: AbstractBaseUser | None,
) -> PayoutBatch:
    """Record the payment run's reference; each payable partner's payout is booked."""
    if not reference.strip():
        raise ApplicationError(
            "Give the payment reference (bank run or check numbers).",
            fields={"reference": ["Required."]},
        )
    batch = _transition(batch, (BatchStatus.APPROVED, BatchStatus.EXPORTED), BatchStatus.PAID)
    batch.paid_at, batch.payment_reference = timezone.now(), reference.strip()
    batch.save()
    closed = ledger.closed_periods(batch.program)
    ledger.entries_book(
        tenant,
        [
            ledger.entry(
                tenant=tenant,
                program=batch.program,
                firm_id=line.firm_id,
                currency=batch.currency,
                kind=EntryKind.PAYOUT,
                amount_minor=-line.payable_minor,
                key=f"payout:batch:{batch.pk}:firm:{line.firm_id}",
                occurred_on=paid_on,
                closed=closed,
                memo=f"Paid, reference {batch.payment_reference}",
                batch=batch,
            )
            for line in batch.lines.filter(status=PayoutLine.Status.PAYABLE, payable_minor__gt=0)
        ],
    )
    events.emit(events.PAYOUT_BATCH_PAID, tenant_id=tenant.pk, batch_id=batch.pk)
    return batch


def period_close(
    *, tenant: Tenant, program: Program, period: datetime.date, user: AbstractBaseUser | None
) -> PeriodClose:
    """Close a month: later corrections are booked on the first day of the next open month."""
    close, _ = PeriodClose.objects.get_or_create(
        tenant=tenant,
        program=program,
        period=ledger.month_start(period),
        defaults={"closed_by": user},
    )
    return close
