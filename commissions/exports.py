"""Finance exports of a payout batch: streamed CSV, XLSX, and PDF report and statements.

CSV and XLSX share one row producer. Amounts are written as numbers (`Decimal` from
minor units with the currency's decimals: -12.50 USD, -1250 JPY), so spreadsheets can
sum them; every text cell is passed through `spreadsheet_text`, which defuses formula
injection from user text (firm names, memos). Call these inside the batch's tenant
scope: the queries are built at call time, so a streaming response may consume the CSV
after the view has returned.
"""

import csv
import datetime
import io
import itertools
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from weasyprint import HTML

from commissions.models import EntryKind, LedgerEntry, PayoutBatch, PayoutLine
from commissions.rates import bases_by_version_number, bases_of_program, rate_text
from commissions.statements import statement_of
from partners.branding import logo_data_uri
from tenants.money import exponent, from_minor

CHUNK_ROWS = 2000
CSV_CHUNK_CHARS = 64 * 1024
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

DETAIL_HEADER = (
    "partner",
    "line status",
    "hold reason",
    "line payable",
    "kind",
    "booked on",
    "due on",
    "order",
    "product",
    "rule",
    "tier",
    "rate",
    "amount",
    "currency",
    "key",
    "memo",
)
SUMMARY_HEADER = (
    "partner",
    "accruals",
    "clawbacks",
    "corrections",
    "net",
    "withholding",
    "payable",
    "status",
    "hold reason",
)
TOTALS = (
    "accruals_minor",
    "clawbacks_minor",
    "corrections_minor",
    "net_minor",
    "withholding_minor",
    "payable_minor",
)

Row = tuple[Any, ...]


@lru_cache(maxsize=8192)  # an export repeats its rule keys, tiers, rates and memos
def spreadsheet_text(value: str | None) -> str:
    """User text made inert for spreadsheets: a leading = + - @ tab or CR gets a ' before it."""
    if not value:
        return ""
    if not value.isprintable():  # control characters go first (XLSX cannot hold them),
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # so none can hide a leading "="
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _amount(minor: int, currency: str) -> Decimal:
    return from_minor(minor, currency)


def _amount_text(minor: int, currency: str) -> str:
    """The same amount as `_amount` gives, as the text str() of it is ("-12.50", "-1250"),
    without a Decimal per cell (the CSV of a batch has a million of them)."""
    places = exponent(currency)
    sign = "-" if minor < 0 else ""
    if not places:
        return f"{sign}{abs(minor)}"
    whole, part = divmod(abs(minor), 10**places)
    return f"{sign}{whole}.{part:0{places}d}"


Amount = Callable[[int, str], Any]
KIND_LABELS = dict(EntryKind.choices)
STATUS_LABELS = dict(PayoutLine.Status.choices)


def _order_label(order_id: int | None, external_id: str | None, customer: str | None) -> str:
    # as Order.__str__, read from the row's columns rather than a model instance
    return f"Order {external_id or order_id} of {customer}" if order_id else ""


def _partner_lines(batch: PayoutBatch) -> list:
    """The batch's partner lines (one per partner, not per entry), by partner name."""
    return list(
        PayoutLine.objects.filter(batch=batch)
        .order_by("firm__name", "pk")
        .values_list("firm_id", "firm__name", *TOTALS, "status", "hold_reason", named=True)
    )


def _summary_rows(lines: list, currency: str, amount: Amount = _amount) -> Iterator[Row]:
    for line in lines:
        yield (
            spreadsheet_text(line.firm__name),
            *(amount(getattr(line, name), currency) for name in TOTALS),
            spreadsheet_text(STATUS_LABELS[line.status]),
            spreadsheet_text(line.hold_reason),
        )


def _sums(lines: Iterable) -> dict[str, int]:
    """Each total column summed over the partner lines (minor units)."""
    return {name: sum(getattr(line, name) for line in lines) for name in TOTALS}


def _totals_row(lines: list, currency: str) -> Row:
    totals = _sums(lines).values()
    return ("Total", *(_amount(total, currency) for total in totals), "", "")


def _detail_rows(batch: PayoutBatch, lines: list, amount: Amount = _amount) -> Iterator[Row]:
    """One row per entry the batch settled, with its partner's line; streamed from the database.

    Plain tuples and per-partner cells computed once: the row is the export's hot path.
    The query is built here, in the caller's scope; the rows are read as they are consumed.
    """
    currency = batch.currency
    partner_cells = {
        line.firm_id: (
            spreadsheet_text(line.firm__name),
            spreadsheet_text(STATUS_LABELS[line.status]),
            spreadsheet_text(line.hold_reason),
            amount(line.payable_minor, currency),
        )
        for line in lines
    }
    kinds = {kind: spreadsheet_text(label) for kind, label in KIND_LABELS.items()}
    bases = bases_of_program(batch.program_id)

    @lru_cache(maxsize=1024)  # a batch repeats a handful of (rule, rate) pairs
    def rate_cell(rate: str, version_id: int | None, rule_key: str, currency: str) -> str:
        return spreadsheet_text(rate_text(rate, bases.get((version_id, rule_key), ""), currency))

    entries = (
        LedgerEntry.objects.filter(settlement__batch=batch)
        .order_by("firm__name", "booked_on", "pk")
        .values_list(
            "firm_id",
            "kind",
            "booked_on",
            "due_on",
            "commission_line__order_id",
            "commission_line__order__external_id",
            "commission_line__order__customer__name",
            "commission_line__order_line__product_code",
            "commission_line__rule_key",
            "commission_line__tier_key",
            "commission_line__rate",
            "commission_line__version_id",
            "amount_minor",
            "currency",
            "key",
            "memo",
        )
    )
    rows = entries.iterator(CHUNK_ROWS)
    return _entry_rows(rows, partner_cells, kinds, amount, rate_cell)


def _entry_rows(
    entries: Iterator[tuple],
    partner_cells: dict,
    kinds: dict,
    amount: Amount,
    rate_cell: Callable[[str, int | None, str, str], str],
):
    text = spreadsheet_text
    for (
        firm_id,
        kind,
        booked_on,
        due_on,
        order_id,
        order_external_id,
        customer,
        product_code,
        rule_key,
        tier_key,
        rate,
        version_id,
        amount_minor,
        entry_currency,
        key,
        memo,
    ) in entries:
        yield (
            *partner_cells[firm_id],
            kinds[kind],
            booked_on,
            due_on,
            text(_order_label(order_id, order_external_id, customer)),
            text(product_code),
            text(rule_key),
            text(tier_key),
            rate_cell(rate, version_id, rule_key, entry_currency),
            amount(amount_minor, entry_currency),
            text(entry_currency),
            text(key),
            text(memo),
        )


def batch_csv(batch: PayoutBatch) -> Iterator[bytes]:
    """UTF-8 CSV chunks: a header and one row per settled entry, a blank row, then per partner."""
    lines = _partner_lines(batch)
    rows = itertools.chain(
        [DETAIL_HEADER],
        _detail_rows(batch, lines, _amount_text),
        [()],
        [SUMMARY_HEADER],
        _summary_rows(lines, batch.currency, _amount_text),
    )
    return _csv_chunks(rows)


def _csv_chunks(rows: Iterable[Row]) -> Iterator[bytes]:
    """The rows as RFC 4180 CSV (CRLF), in chunks of about 64 KB."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # dates and Decimals are written as str(): 2026-05-12, -12.50
    for row in rows:
        writer.writerow(row)
        if buffer.tell() >= CSV_CHUNK_CHARS:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def batch_xlsx(batch: PayoutBatch) -> bytes:
    """An XLSX workbook: "Payouts" (a row per partner and a totals row) and "Detail" (per entry)."""
    lines = _partner_lines(batch)
    workbook = Workbook(write_only=True)
    summary = [*_summary_rows(lines, batch.currency), _totals_row(lines, batch.currency)]
    _sheet(workbook, "Payouts", SUMMARY_HEADER, summary)
    _sheet(workbook, "Detail", DETAIL_HEADER, _detail_rows(batch, lines))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet(workbook: Workbook, title: str, header: Row, rows: Iterable[Row]) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    if isinstance(value, Decimal | datetime.date):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = _number_format(value) if isinstance(value, Decimal) else "yyyy-mm-dd"
        return cell
    return value


def _number_format(amount: Decimal) -> str:
    """Excel's format for an amount with its own decimals: #,##0.00 (USD), #,##0 (JPY)."""
    places = -amount.as_tuple().exponent
    return "#,##0" + ("." + "0" * places if places > 0 else "")


def _pdf(template: str, context: dict) -> bytes:
    return HTML(string=render_to_string(template, context)).write_pdf()


def payout_report_pdf(batch: PayoutBatch) -> bytes:
    """The batch's payout report for finance: a row per partner, grand totals, page numbers."""
    lines = list(PayoutLine.objects.filter(batch=batch).select_related("firm"))
    context = {
        "batch": batch,
        "tenant": batch.tenant,
        "logo_src": logo_data_uri(batch.tenant),
        "lines": lines,
        "totals": _sums(lines),
    }
    return _pdf("commissions/pdf/payout_report.html", context)


def statement_pdf(line: PayoutLine) -> bytes:
    """The partner's statement for the batch, with its content hash printed."""
    statement = statement_of(line)
    data = statement.data
    numbers = {e["program_version"] for e in data["entries"] if e["program_version"]}
    bases = bases_by_version_number(line.batch.program_id, numbers)
    currency = data["currency"]
    entries = [
        {
            **e,
            "kind": EntryKind(e["kind"]).label,
            "rate": rate_text(
                e["rate"], bases.get((e["program_version"], e["rule"]), ""), currency
            ),
        }
        for e in data["entries"]
    ]
    context = {
        "s": data,
        "logo_src": logo_data_uri(line.batch.tenant),
        "entries": entries,
        "status": PayoutLine.Status(data["status"]).label,
        "withholding_percent": Decimal(data["withholding_rate"]) * 100,
        "sha256": statement.sha256,
    }
    return _pdf("commissions/pdf/statement.html", context)
