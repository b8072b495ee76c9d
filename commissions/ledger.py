"""Booking into the append-only ledger: periods, due days, idempotent keys and balances."""

import calendar
import datetime
from operator import itemgetter

from django.db.models import Sum
from django.utils import timezone

from commissions.models import EntryKind, LedgerEntry, PeriodClose
from partners.models import PartnerFirm
from programs.models import Program, ProgramVersion
from programs.policies import FORMAT_DEFAULT, policies_of
from programs.schema import Commissions
from programs.selectors import version_in_force
from tenants.bulk import insert_rows
from tenants.models import Tenant


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def next_month(day: datetime.date) -> datetime.date:
    return month_end(day) + datetime.timedelta(days=1)


def closed_periods(program: Program) -> set[datetime.date]:
    return set(PeriodClose.objects.filter(program=program).values_list("period", flat=True))


def booking_day(occurred_on: datetime.date, closed: set[datetime.date]) -> datetime.date:
    """The event's own day, unless its month is closed: then the first day of the next open one."""
    period = month_start(occurred_on)
    if period not in closed:
        return occurred_on
    while period in closed:
        period = next_month(period)
    return period


def policy_of(version: ProgramVersion | None) -> Commissions:
    """A version's commission policy (payment days, claims window, ...); the format's
    defaults when there is no version or no commissions section."""
    if version is None:
        return Commissions(source=FORMAT_DEFAULT)
    return policies_of(version).commissions


def policy_in_force(program: Program, day: datetime.date) -> Commissions:
    return policy_of(version_in_force(program, day))


def due_day(policy: Commissions, occurred_on: datetime.date) -> datetime.date:
    """Payable within the program's days after the end of the event's month (CIMcloud: 30)."""
    return month_end(occurred_on) + datetime.timedelta(days=policy.payment_days_after_month_end)


def entry_fields(
    *,
    firm_id: int,
    currency: str,
    kind: str,
    amount_minor: int,
    key: str,
    occurred_on: datetime.date,
    closed: set[datetime.date],
    memo: str,
    due_on: datetime.date | None = None,
    **links,
) -> dict:
    """An entry's values but its tenant and program, booked on the right day (see
    `booking_day`)."""
    return {
        "firm_id": firm_id,
        "currency": currency,
        "kind": kind,
        "amount_minor": amount_minor,
        "key": key,
        "occurred_on": occurred_on,
        "booked_on": booking_day(occurred_on, closed),
        "due_on": due_on,
        "memo": memo[:300],
        **links,
    }


def entry(*, tenant: Tenant, program: Program, **fields) -> LedgerEntry:
    """An unsaved entry booked on the right day (`entry_fields` says what it takes)."""
    return LedgerEntry(tenant=tenant, program=program, **entry_fields(**fields))


def entries_book(tenant: Tenant, entries: list[LedgerEntry]) -> list[LedgerEntry]:
    """Book the entries whose keys are new; a replayed key books nothing. Returns those booked."""
    if not entries:
        return []
    keys = [e.key for e in entries]
    if len(set(keys)) != len(keys):
        raise ValueError("Two entries share an idempotency key.")
    existing = set(
        LedgerEntry.objects.filter(tenant=tenant, key__in=keys).values_list("key", flat=True)
    )
    fresh = [e for e in entries if e.key not in existing]
    # the unique (tenant, key) constraint settles a race between two workers
    LedgerEntry.objects.bulk_create(fresh, ignore_conflicts=True)
    return fresh


ENTRY_FIELDS = (
    "tenant_id",
    "program_id",
    "firm_id",
    "currency",
    "kind",
    "amount_minor",
    "key",
    "occurred_on",
    "booked_on",
    "due_on",
    "commission_line_id",
    "refund_id",
    "claim_id",
    "batch_id",
    "version_id",
    "memo",
    "created_at",
    "created_by_id",
)


def entries_insert_new(entries: list[dict]) -> None:
    """Book entries whose keys cannot exist yet (they name rows made in this transaction,
    like the accrual of a line just calculated), as rows: COPY on PostgreSQL. Each entry
    is its column values (`tenant_id`, `program_id` and `entry_fields`); a key that exists
    after all fails the whole transaction on the unique (tenant, key) constraint."""
    blank = dict.fromkeys(ENTRY_FIELDS)
    now, row_of = timezone.now(), itemgetter(*ENTRY_FIELDS)  # a row per entry, at C speed
    rows = [row_of({**blank, **values, "created_at": now}) for values in entries]
    insert_rows(LedgerEntry, ENTRY_FIELDS, rows)


def balance(*, firm: PartnerFirm, program: Program, as_of: datetime.date | None = None) -> int:
    """What the vendor owes the partner (minor units): always the sum of the entries."""
    entries = LedgerEntry.objects.filter(firm=firm, program=program)
    if as_of is not None:
        entries = entries.filter(booked_on__lte=as_of)
    return entries.aggregate(total=Sum("amount_minor"))["total"] or 0


def earned_total(*, firm: PartnerFirm, program: Program) -> int:
    entries = LedgerEntry.objects.filter(firm=firm, program=program, kind=EntryKind.ACCRUAL)
    return entries.aggregate(total=Sum("amount_minor"))["total"] or 0
