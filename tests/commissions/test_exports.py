"""Finance exports of a payout batch: what a clerk sees in the CSV, the workbook and the PDFs."""

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from pypdf import PdfReader

from commissions.claims import correction_book
from commissions.exports import (
    DETAIL_HEADER,
    SUMMARY_HEADER,
    _csv_in_python,
    batch_csv,
    batch_xlsx,
    payout_report_pdf,
    spreadsheet_text,
    statement_pdf,
)
from commissions.models import CommissionLine, EntryKind, LedgerEntry, PayoutBatch, PayoutLine
from commissions.payouts import batch_build
from commissions.statements import statement_of
from partners.models import Enrolment, PartnerFirm, PayoutProfile
from tenants.models import StaffRole, Tenant
from tenants.scope import ScopeError, tenant_scope
from tests.commissions.conftest import D, accrue, cim_partner, line, sell
from tests.factories import StaffMembershipFactory, TenantFactory
from tests.tiers.conftest import lead

MAY = D(2026, 5, 12)
HYPERLINK = '=HYPERLINK("http://x","y")'
MULLER = "Müller & Söhne GmbH"


@dataclass
class Scenario:
    tenant: Tenant
    batch: PayoutBatch
    main: PartnerFirm  # 3,000.00 accrued, -12.50 offset, +25.00 adjustment, 24 % withheld
    hyperlink: PartnerFirm  # 300.00 accrued
    muller: PartnerFirm  # 600.00 accrued
    held: PartnerFirm  # 150.00 accrued, not in good standing: held, nothing settled


def sale(tenant, enrolment, company, amount):
    registration = lead(tenant, enrolment, company, D(2026, 4, 1))
    accrue(tenant, sell(tenant, registration, [line("CONNECT", amount)], MAY))


def rename(tenant, enrolment, name) -> PartnerFirm:
    with tenant_scope(tenant):
        PartnerFirm.objects.filter(pk=enrolment.firm_id).update(name=name)
        return PartnerFirm.objects.get(pk=enrolment.firm_id)


def correct(tenant, program, firm, kind, amount, reason):
    with tenant_scope(tenant):
        correction_book(
            tenant=tenant,
            firm=firm,
            program=program,
            kind=kind,
            amount=amount,
            reason=reason,
            key=reason,
            today=D(2026, 5, 20),
            user=None,
        )


def may_batch() -> Scenario:
    """Four CIMcloud partners' May 2026 batch, with hostile and non-ASCII text in it."""
    tenant, program, main = cim_partner()
    others = [cim_partner(f"{x}@cim.test", loaded=(tenant, program))[2] for x in "bcd"]
    hyperlink, muller, held = others
    with tenant_scope(tenant):
        PayoutProfile.objects.create(
            tenant=tenant,
            firm=main.firm,
            method="bank_transfer",
            account_holder="Main",
            account_reference="DE001",
            withholding_rate=Decimal("0.24"),
        )
    for enrolment, company, amount in [
        (main, "Acme Corp", "10000.00"),
        (hyperlink, "Globex", "1000.00"),
        (muller, "Initech", "2000.00"),
        (held, "Hooli", "500.00"),
    ]:
        sale(tenant, enrolment, company, amount)
    correct(tenant, program, main.firm, EntryKind.OFFSET, "-12.50", "-12.50 duplicate payment")
    correct(tenant, program, main.firm, EntryKind.ADJUSTMENT, "25.00", "@finance: launch bonus")
    with tenant_scope(tenant):
        Enrolment.objects.filter(pk=held.pk).update(good_standing=False)
        batch, _ = batch_build(tenant=tenant, program=program, period=D(2026, 5, 1))
    return Scenario(
        tenant=tenant,
        batch=batch,
        main=main.firm,
        hyperlink=rename(tenant, hyperlink, HYPERLINK),
        muller=rename(tenant, muller, MULLER),
        held=held.firm,
    )


@pytest.fixture
def may(db) -> Scenario:
    return may_batch()


def lines_of(scenario) -> dict[str, PayoutLine]:
    with tenant_scope(scenario.tenant):
        return {x.firm.name: x for x in PayoutLine.objects.filter(batch=scenario.batch)}


def csv_sections(scenario) -> tuple[list[list[str]], list[list[str]]]:
    """(detail rows, summary rows), each starting with its header."""
    with tenant_scope(scenario.tenant):
        chunks = list(batch_csv(scenario.batch))
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8"), newline="")))
    blank = rows.index([])
    return rows[:blank], rows[blank + 1 :]


def pdf_text(pdf: bytes, tmp_path) -> str:
    """The PDF's text in layout mode (pure Python: `make test` needs nothing but Python)."""
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text(extraction_mode="layout") for page in reader.pages)


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        (HYPERLINK, f"'{HYPERLINK}"),
        ("+1 555 0100", "'+1 555 0100"),
        ("-12.50 duplicate payment", "'-12.50 duplicate payment"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\tindented", "'\tindented"),
        ("\rreturn", "'\rreturn"),
        ("\x07=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),  # a control character hides nothing
        (MULLER, MULLER),
        ("Order 12 of Acme = Co", "Order 12 of Acme = Co"),
        (None, ""),
    ],
)
def test_spreadsheet_text_defuses_formulas_and_keeps_plain_text(text, cell):
    assert spreadsheet_text(text) == cell


def test_the_batch_pays_what_the_exports_should_show(may):
    lines = lines_of(may)

    assert {name: (x.status, x.payable_minor) for name, x in lines.items()} == {
        may.main.name: ("payable", 228_950),  # (3,000.00 - 12.50 + 25.00) less 24 %
        HYPERLINK: ("payable", 30_000),
        MULLER: ("payable", 60_000),
        may.held.name: ("held", 0),
    }


def test_csv_has_one_row_per_settled_entry_and_the_partner_totals(may):
    detail, summary = csv_sections(may)

    with tenant_scope(may.tenant):
        settled = LedgerEntry.objects.filter(settlement__batch=may.batch).count()
    assert detail[0] == list(DETAIL_HEADER)
    assert len(detail) - 1 == settled == 5  # the held partner's accrual waits for next month
    assert summary[0] == list(SUMMARY_HEADER)
    payable = SUMMARY_HEADER.index("payable")
    by_partner = {row[0]: row for row in summary[1:]}
    assert {name: row[payable] for name, row in by_partner.items()} == {
        may.main.name: "2289.50",
        f"'{HYPERLINK}": "300.00",
        MULLER: "600.00",
        may.held.name: "0.00",
    }
    lines = lines_of(may)
    assert sum(Decimal(row[payable]) for row in summary[1:]) == Decimal(
        sum(x.payable_minor for x in lines.values())
    ).scaleb(-2)
    assert by_partner[may.held.name][-2:] == [
        "Held",
        "Not in good standing: payment held until the standing is restored.",
    ]


def test_csv_amounts_add_up_to_each_partners_net(may):
    detail, _ = csv_sections(may)

    amount = DETAIL_HEADER.index("amount")
    main_rows = [row for row in detail[1:] if row[0] == may.main.name]
    assert [row[amount] for row in main_rows] == ["3000.00", "-12.50", "25.00"]
    assert sum(Decimal(row[amount]) for row in main_rows) == Decimal("3012.50")
    order = DETAIL_HEADER.index("order")
    assert main_rows[0][order].endswith(" of Acme Corp")
    assert main_rows[0][DETAIL_HEADER.index("product")] == "CONNECT"


def test_csv_escapes_text_a_spreadsheet_would_run_as_a_formula(may):
    detail, summary = csv_sections(may)

    memo = DETAIL_HEADER.index("memo")
    memos = [row[memo] for row in detail[1:] if row[0] == may.main.name]
    assert memos[1:] == ["'-12.50 duplicate payment", "'@finance: launch bonus"]
    assert f"'{HYPERLINK}" in {row[0] for row in detail[1:]}
    assert f"'{HYPERLINK}" in {row[0] for row in summary[1:]}
    assert HYPERLINK not in {row[0] for row in detail + summary if row}


def test_csv_is_utf8_with_crlf_line_ends(may):
    with tenant_scope(may.tenant):
        data = b"".join(batch_csv(may.batch))

    text = data.decode("utf-8")
    assert MULLER in text
    assert text.count("\r\n") == text.count("\n") > 10


def test_the_csv_can_be_streamed_after_the_view_returned(may):
    with tenant_scope(may.tenant):
        stream = batch_csv(may.batch)

    assert MULLER.encode() in b"".join(stream)  # no scope open while streaming


def test_an_outsider_exports_nothing_of_the_batch(may):
    outsider = TenantFactory(slug="outsider", name="Outsider")

    with tenant_scope(outsider):
        text = b"".join(batch_csv(may.batch)).decode()
    assert MULLER not in text and "Acme" not in text
    with pytest.raises(ScopeError):
        b"".join(batch_csv(may.batch))


def test_xlsx_has_payouts_and_detail_sheets_that_add_up(may):
    with tenant_scope(may.tenant):
        data = batch_xlsx(may.batch)

    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Payouts", "Detail"]
    payouts = list(workbook["Payouts"].iter_rows(values_only=True))
    assert payouts[0] == SUMMARY_HEADER
    payable = SUMMARY_HEADER.index("payable")
    partners, totals = payouts[1:-1], payouts[-1]
    expected = Decimal(sum(x.payable_minor for x in lines_of(may).values())).scaleb(-2)
    assert sum(Decimal(str(row[payable])) for row in partners) == expected == Decimal("3189.50")
    assert (totals[0], Decimal(str(totals[payable]))) == ("Total", expected)
    detail = list(workbook["Detail"].iter_rows(values_only=True))
    assert detail[0] == DETAIL_HEADER and len(detail) == 6


def test_xlsx_text_is_never_a_formula(may):
    with tenant_scope(may.tenant):
        workbook = openpyxl.load_workbook(io.BytesIO(batch_xlsx(may.batch)))

    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert f"'{HYPERLINK}" in {cell.value for cell in cells}
    assert "'@finance: launch bonus" in {cell.value for cell in cells}
    assert MULLER in {cell.value for cell in cells}


def test_payout_report_pdf_shows_every_partner_and_the_total(may, tmp_path):
    with tenant_scope(may.tenant):
        text = pdf_text(payout_report_pdf(may.batch), tmp_path)

    for expected in [
        may.tenant.name,
        "2026-05",
        "2026-05-31",  # cut-off
        MULLER,
        HYPERLINK,  # in a PDF it is only text
        "3,000.00",  # the main partner's accruals
        "2,289.50",  # its payable after 24 % withholding
        "3,189.50",  # the batch's total payable
        "Not in good standing",
        "Page 1 of 1",
    ]:
        assert expected in text


def test_statement_pdf_prints_the_reproducible_hash(may, tmp_path):
    with tenant_scope(may.tenant):
        payout = PayoutLine.objects.get(batch=may.batch, firm=may.main)
        text = pdf_text(statement_pdf(payout), tmp_path)
        first, again = statement_of(payout), statement_of(payout)

    assert first.content == again.content
    assert "Statement hash (SHA-256):" in text
    assert first.sha256 in text and payout.statement_hash == first.sha256
    for expected in [
        may.tenant.name,
        may.main.name,
        "2026-05",
        "3,000.00",
        "-12.50",
        "@finance: launch bonus",
        "2,289.50",
        "Page 1 of 1",
    ]:
        assert expected in text


HOSTILE = 'Said "pay twice", then\r\nleft\x07 =1+1'


def test_postgresql_writes_the_same_csv_bytes_as_python(may):
    """On PostgreSQL the database formats the rows; they must be what Python would write."""
    if connection.vendor != "postgresql":
        pytest.skip("the rows are written by the database only on PostgreSQL")
    correct(may.tenant, may.batch.program, may.muller, EntryKind.ADJUSTMENT, "1.05", HOSTILE)
    with tenant_scope(may.tenant):
        PartnerFirm.objects.filter(pk=may.hyperlink.pk).update(name='=Q\x1b"uoted, Ltd"')
        # a rate none of the program's rules gives: written by Python, in the same place
        odd = CommissionLine.objects.filter(firm=may.muller, earned=True).order_by("pk").first()
        CommissionLine.objects.filter(pk=odd.pk).update(rate="0.123")
        june, _ = batch_build(tenant=may.tenant, program=may.batch.program, period=D(2026, 6, 1))
        ours = b"".join(batch_csv(june)) + b"".join(batch_csv(may.batch))
        python = b"".join(_csv_in_python(june)) + b"".join(_csv_in_python(may.batch))

    assert ours == python
    text = ours.decode()
    assert '"Said ""pay twice"", then\r\nleft =1+1"' in text  # a quoted memo, kept whole
    assert "\x07" not in text and "\x1b" not in text
    assert '"\'=Q""uoted, Ltd"""' in text
    assert ",12.3 %," in text


@pytest.mark.django_db(transaction=True)
def test_finance_downloads_every_settled_entry_streamed_after_the_view_returned():
    """The console streams the CSV after its scope closed: the rows are still the tenant's."""
    scenario = may_batch()
    finance = StaffMembershipFactory(tenant=scenario.tenant, role=StaffRole.FINANCE).user
    outsider = StaffMembershipFactory(
        tenant=TenantFactory(slug="outsider", name="Outsider"), role=StaffRole.FINANCE
    ).user
    url = f"/admin/commissions/payoutbatch/{scenario.batch.pk}/export.csv"
    console = Client()
    console.force_login(finance)

    response = console.get(url)

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    blank = rows.index([])
    detail, summary = rows[1:blank], rows[blank + 2 :]
    amount = DETAIL_HEADER.index("amount")
    assert sorted(row[amount] for row in detail) == [
        "-12.50",
        "25.00",
        "300.00",
        "3000.00",
        "600.00",
    ]
    assert len(summary) == 4
    stranger = Client()
    stranger.force_login(outsider)
    assert stranger.get(url).status_code in (302, 403, 404)


@pytest.mark.django_db(transaction=True)
def test_a_download_abandoned_half_way_leaves_the_connection_usable(monkeypatch):
    """A client that hangs up mid-download closes the stream: the database stops sending
    the rows, and the next request on the same connection is answered."""
    if connection.vendor != "postgresql":
        pytest.skip("the rows are streamed by the database only on PostgreSQL")
    monkeypatch.setattr("commissions.exports.CHUNK_ROWS", 1)  # one detail row per chunk
    scenario = may_batch()
    with tenant_scope(scenario.tenant):
        stream = batch_csv(scenario.batch)
        header, first = next(stream), next(stream)
        stream.close()  # what the server does when the client goes away

        assert header.startswith(b"partner,line status")
        assert first.count(b"\r\n") == 1
        assert PayoutLine.objects.filter(batch=scenario.batch).count() == 4
    assert not connection.in_atomic_block
