"""Finance exports of a payout batch: streamed CSV, XLSX, and PDF report and statements.

CSV and XLSX share one row producer. Amounts are written as numbers (`Decimal` from
minor units with the currency's decimals: -12.50 USD, -1250 JPY), so spreadsheets can
sum them; every text cell is passed through `spreadsheet_text`, which defuses formula
injection from user text (firm names, memos). Call these inside the batch's tenant
scope; the CSV keeps that scope for its queries when a streaming response consumes it
after the view has returned. On PostgreSQL the CSV's rows are written by the database
(commissions/csv_sql.py), byte for byte as the Python writer writes them elsewhere.
"""

import csv
import datetime
import io
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel.numbers import list_currencies
from django.db import connection, transaction
from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from weasyprint import HTML

from commissions import csv_sql
from commissions.calculation import rule_rate
from commissions.models import EntryKind, LedgerEntry, PayoutBatch, PayoutLine
from commissions.rates import bases_by_version_number, bases_of_program, rate_text
from commissions.statements import statement_of
from partners.branding import logo_data_uri
from programs.models import CommissionRule
from tenants.money import exponent, from_minor, minor_unit
from tenants.rls import carry_scope
from tenants.scope import streamed_in_scope

CHUNK_ROWS = 2000
CSV_CHUNK_CHARS = 64 * 1024
FORMULA_STARTS = csv_sql.FORMULA_STARTS

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
        return _rate_cell(bases, rate, version_id, rule_key, currency)

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


def _rate_cell(
    bases: dict, rate: str | None, version_id: int | None, rule_key: str | None, currency: str
) -> str:
    """A line's rate in words ("30 %"), made inert, with its rule's basis from `bases`."""
    return spreadsheet_text(rate_text(rate, bases.get((version_id, rule_key), ""), currency))


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
    """UTF-8 CSV chunks: a header and one row per settled entry, a blank row, then per partner.

    The rows are read while the chunks are consumed, in the caller's scope (reopened for a
    response streamed after the view returned; none open fails now, not half-way through a
    download). PostgreSQL formats the rows itself (`_csv_in_database`); elsewhere Python
    writes them, byte for byte the same.
    """
    writer = _csv_in_database if connection.vendor == "postgresql" else _csv_in_python
    return streamed_in_scope(writer(batch))


def _csv_in_python(batch: PayoutBatch) -> Iterator[bytes]:
    lines = _partner_lines(batch)
    rows = itertools.chain(
        [DETAIL_HEADER],
        _detail_rows(batch, lines, _amount_text),
        [()],
        [SUMMARY_HEADER],
        _summary_rows(lines, batch.currency, _amount_text),
    )
    return _csv_chunks(rows)


# -- the same CSV, written by PostgreSQL (commissions/csv_sql.py) ---------------------------

ENTRY_COLUMNS = {  # what a detail row reads of a settled entry: {name in SQL: ORM path}
    "pk": "pk",
    "firm_id": "firm_id",
    "kind": "kind",
    "booked_on": "booked_on",
    "due_on": "due_on",
    "order_id": "commission_line__order_id",
    "external_id": "commission_line__order__external_id",
    "customer": "commission_line__order__customer__name",
    "product": "commission_line__order_line__product_code",
    "rule_key": "commission_line__rule_key",
    "tier_key": "commission_line__tier_key",
    "rate": "commission_line__rate",
    "version_id": "commission_line__version_id",
    "amount_minor": "amount_minor",
    "currency": "currency",
    "key": "key",
    "memo": "memo",
}
ENTRY_TEXTS = ("order", "product", "rule_key", "tier_key", "currency", "key", "memo")
ORDER_LABEL = (  # as _order_label
    "CASE WHEN e.order_id IS NOT NULL THEN 'Order ' || "
    "coalesce(nullif(e.external_id, ''), e.order_id::text) || ' of ' || "
    "coalesce(e.customer, 'None') END"
)


UNKNOWN_UNIT = "0.01"  # babel's precision for a code it does not know: 2

# The detail query joins the rate fields of every rate the program's rules can give a line
# (`_rate_fields`). A line with another rate (none is known) gets this mark in place of its
# field, and Python writes the field (`_rates_filled`): clean() removes these control
# characters from every text, so in a row they can only be the mark.
RATE_MARK = "\x01"
RATE_MARKED = re.compile("\x01([0-9]*)\x02([^\x02]*)\x02([^\x02]*)\x02([^\x03]*)\x03")
RATE_OR_MARK = (
    "CASE WHEN rate.field IS NOT NULL THEN rate.field WHEN e.rate IS NULL THEN '' "
    "ELSE chr(1) || coalesce(e.version_id::text, '') || chr(2) || coalesce(e.rule_key, '') "
    "|| chr(2) || e.rate || chr(2) || e.currency || chr(3) END"
)


def _rules_of(batch: PayoutBatch) -> list[tuple]:
    """(version id, key, basis, rates) of every commission rule of the batch's program."""
    rules = CommissionRule.objects.filter(version__program_id=batch.program_id)
    return list(rules.values_list("version_id", "key", "basis", "rates"))


def _rate_fields(batch: PayoutBatch, rules: list[tuple]) -> list[list]:
    """Each (version, rule, rate, currency) the rules can give a line in the batch's
    currency, and its rate field, as five arrays; read from the rules, not from the entries."""
    arrays: list[list] = [[], [], [], [], []]
    for version_id, key, basis, rates in rules:
        given = {str(rule_rate(rate)) for rate in (rates or {}).values() if rate is not None}
        for rate in sorted(given | {""}):
            text = csv_sql.field(spreadsheet_text(rate_text(rate, basis, batch.currency)))
            row = (version_id, key, rate, batch.currency, text)
            for array, value in zip(arrays, row, strict=True):
                array.append(value)
    return arrays


def _rates_filled(rules: list[tuple]) -> Callable[[str], str]:
    """Rows of text -> the same rows with each marked rate written as its field."""
    bases = {(version_id, key): basis for version_id, key, basis, _ in rules}

    def field(mark: re.Match) -> str:
        version_id, rule_key, rate, currency = mark.groups()
        version = int(version_id) if version_id else None
        return csv_sql.field(_rate_cell(bases, rate, version, rule_key or None, currency))

    def filled(text: str) -> str:
        return RATE_MARKED.sub(field, text) if RATE_MARK in text else text

    return filled


def _label_arrays(labels: dict) -> list[list]:
    """[[value, ...], [its CSV field, ...]] of a choices' labels."""
    return [list(labels), [csv_sql.field(spreadsheet_text(str(x))) for x in labels.values()]]


def _lines_in_database(batch: PayoutBatch) -> tuple[str, list]:
    """SQL (and parameters) of the batch's partner lines, scoped by the ORM, with each line's
    partner fields (`partner`: name, status, hold reason, payable) and summary `row`."""
    query = PayoutLine.objects.filter(batch=batch).values_list(
        "pk", "firm_id", "firm__name", *TOTALS, "status", "hold_reason"
    )
    sql, params = query.order_by().query.sql_with_params()
    columns = ", ".join(["pk", "firm_id", "name", *TOTALS, "status", "hold_reason"])
    name = csv_sql.cell("l.name")
    hold = csv_sql.cell("l.hold_reason")
    unit = "batch_currency.unit"
    partner = csv_sql.fields(name, "status.field", hold, csv_sql.amount("l.payable_minor", unit))
    summary = csv_sql.row(
        name, *(csv_sql.amount(f"l.{total}", unit) for total in TOTALS), "status.field", hold
    )
    return (
        f"SELECT l.pk, l.firm_id, l.name AS sort_name, {partner} AS partner, {summary} AS row "
        f"FROM ({sql}) AS l({columns}) CROSS JOIN {csv_sql.CONSTANTS} "
        "JOIN unnest(%s::text[], %s::text[]) AS status(value, field) ON status.value = l.status "
        "JOIN (SELECT %s::numeric AS unit) AS batch_currency ON true",
        [
            *params,
            *csv_sql.CONSTANT_PARAMS,
            *_label_arrays(STATUS_LABELS),
            minor_unit(batch.currency),
        ],
    )


def _detail_in_database(batch: PayoutBatch, lines_sql: str, lines_params: list, rules: list):
    """SQL (and parameters) of the detail rows, one text line per settled entry, in order."""
    entries = LedgerEntry.objects.filter(settlement__batch=batch)
    rates = _rate_fields(batch, rules)
    codes = sorted({batch.currency, *list_currencies()})  # joined, not read off the entries
    entry_sql, entry_params = (
        entries.values_list(*ENTRY_COLUMNS.values()).order_by().query.sql_with_params()
    )
    field = {
        name: csv_sql.cell(ORDER_LABEL if name == "order" else f"e.{name}") for name in ENTRY_TEXTS
    }
    row = csv_sql.row(
        "p.partner",
        "kind.field",
        csv_sql.date("e.booked_on"),
        csv_sql.date("e.due_on"),
        field["order"],
        field["product"],
        field["rule_key"],
        field["tier_key"],
        RATE_OR_MARK,
        csv_sql.amount("e.amount_minor", f"coalesce(currency.unit, {UNKNOWN_UNIT})"),
        field["currency"],
        field["key"],
        field["memo"],
    )
    sql = (
        f"SELECT {row} FROM ({entry_sql}) AS e({', '.join(ENTRY_COLUMNS)}) "
        f"CROSS JOIN {csv_sql.CONSTANTS} "
        f"JOIN ({lines_sql}) AS p ON p.firm_id = e.firm_id "
        "JOIN unnest(%s::text[], %s::text[]) AS kind(value, field) ON kind.value = e.kind "
        "LEFT JOIN unnest(%s::text[], %s::numeric[]) AS currency(code, unit) "
        "ON currency.code = e.currency "
        "LEFT JOIN unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[]) "
        "AS rate(version_id, rule_key, rate, currency, field) "
        "ON rate.version_id = coalesce(e.version_id, 0) "
        "AND rate.rule_key = coalesce(e.rule_key, '') AND rate.rate = coalesce(e.rate, '') "
        "AND rate.currency = e.currency "
        "ORDER BY p.sort_name, e.booked_on, e.pk"
    )
    params = [
        *entry_params,
        *csv_sql.CONSTANT_PARAMS,
        *lines_params,
        *_label_arrays(KIND_LABELS),
        codes,
        [minor_unit(code) for code in codes],
        *rates,
    ]
    return sql, params


def _csv_in_database(batch: PayoutBatch) -> Iterator[bytes]:
    lines_sql, lines_params = _lines_in_database(batch)
    rules = _rules_of(batch)
    detail_sql, detail_params = _detail_in_database(batch, lines_sql, lines_params, rules)
    summary_sql = f"SELECT p.row FROM ({lines_sql}) AS p ORDER BY p.sort_name, p.pk"
    yield from _csv_chunks([DETAIL_HEADER])
    yield from _lines_fetched(detail_sql, detail_params, _rates_filled(rules))
    yield from _csv_chunks([(), SUMMARY_HEADER])
    yield from _lines_fetched(summary_sql, lines_params)


def _lines_fetched(sql: str, params: list, filled: Callable[[str], str] = str) -> Iterator[bytes]:
    """The query's one-column rows of text, joined and encoded, CHUNK_ROWS at a time.

    Streamed as PostgreSQL produces them (libpq's chunked rows mode), in a transaction
    carrying the tenant scope for row-level security: a server-side cursor outside a
    transaction is WITH HOLD, which materialises the whole result before the first row.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        carry_scope(connection)  # raw psycopg below: the execute wrapper does not see it
        stream = cursor.cursor.stream(sql, params, size=CHUNK_ROWS)
        try:
            rows = (text for (text,) in stream)
            while chunk := list(itertools.islice(rows, CHUNK_ROWS)):
                yield filled("".join(chunk)).encode()
        finally:  # a download given up half-way: cancel the query before the rollback
            stream.close()  # (an open stream holds the connection's lock)


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
