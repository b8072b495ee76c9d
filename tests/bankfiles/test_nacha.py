"""The NACHA file of an approved USD batch, parsed back: layout, counts, hash and totals."""

import io

import pytest
from openpyxl import load_workbook

from commissions.models import BatchStatus, PayoutBatch
from commissions.payouts import batch_record_payment
from tenants.scope import tenant_scope
from tests.bankfiles.conftest import (
    ACME_ACCOUNT,
    ACME_ROUTING,
    BOLT_ACCOUNT,
    BOLT_ROUTING,
    download,
    signed_in,
    usd_batch,
)
from tests.commissions.conftest import D
from tests.tiers.conftest import manager


def parse_nacha(content: bytes) -> dict:
    """A small NACHA reader: every record checked for length, then split by type code."""
    text = content.decode("ascii")
    records = text.split("\n")
    assert records[-1] == ""  # the file ends with a line end
    records = records[:-1]
    assert all(len(r) == 94 for r in records), [len(r) for r in records]
    assert len(records) % 10 == 0  # blocking factor 10
    fill = [r for r in records if r == "9" * 94]
    real = [r for r in records if r != "9" * 94]
    assert records[len(real) :] == fill  # the padding comes last
    by_type: dict[str, list[str]] = {}
    for record in real:
        by_type.setdefault(record[0], []).append(record)
    entries = [
        {
            "transaction_code": r[1:3],
            "routing": r[3:12],
            "account": r[12:29].rstrip(),
            "amount": r[29:39],
            "id": r[39:54].rstrip(),
            "name": r[54:76].rstrip(),
            "addenda": r[78],
            "trace": r[79:94],
        }
        for r in by_type["6"]
    ]
    return {"records": records, "real": real, "by_type": by_type, "entries": entries}


def test_finance_downloads_the_ach_file_of_an_approved_batch(db):
    # given CIMcloud's approved May batch: Acme 2,289.50 and Bolt 1,000.00 by ACH,
    # Pal by PayPal, Bad Data held for its routing number, and an IPsoft outsider
    scenario = usd_batch()

    # when finance downloads the NACHA file from the batch page's link
    response = download(scenario.finance, scenario.batch, "nacha")

    # then it is one CCD batch with an entry and an addenda per ACH partner
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="nacha-')
    nacha = parse_nacha(response.content)
    header, batch_header = nacha["by_type"]["1"][0], nacha["by_type"]["5"][0]
    assert header[3:13] == " 121000358" and header[13:23] == "1123456789"
    assert header[23:29] == "260603" and header[34:40] == "094101"
    assert batch_header[1:4] == "220" and batch_header[50:53] == "CCD"
    assert batch_header[69:75] == "260630"  # effective on the batch's due day
    assert [(e["routing"], e["account"], e["amount"]) for e in nacha["entries"]] == [
        (ACME_ROUTING, ACME_ACCOUNT, "0000228950"),
        (BOLT_ROUTING, BOLT_ACCOUNT, "0000100000"),
    ]
    assert [e["transaction_code"] for e in nacha["entries"]] == ["22", "32"]  # checking, savings
    assert nacha["entries"][0]["name"] == "ACME INTEGRATIONS LLC"
    assert all(e["addenda"] == "1" for e in nacha["entries"])
    addenda = nacha["by_type"]["7"]
    assert len(addenda) == 2 and all(a[1:3] == "05" for a in addenda)
    assert [a[87:94] for a in addenda] == [e["trace"][-7:] for e in nacha["entries"]]
    # and the controls add up: counts, entry hash, credits in cents
    batch_control, file_control = nacha["by_type"]["8"][0], nacha["by_type"]["9"][0]
    entry_hash = f"{(2100002 + 1100001) % 10**10:010d}"
    assert batch_control[4:10] == "000004" and batch_control[10:20] == entry_hash
    assert batch_control[20:32] == "0" * 12 and batch_control[32:44] == "000000328950"
    assert file_control[1:7] == "000001" and file_control[7:13] == "000001"  # batches, blocks
    assert file_control[13:21] == "00000004" and file_control[21:31] == entry_hash
    assert file_control[43:55] == "000000328950"
    # and nobody held, paid otherwise or of another vendor is in it
    text = response.content.decode()
    for absent in ("BAD DATA", "44443333", "PAL CO", "OUTSIDER", "55555555"):
        assert absent not in text
    assert scenario.line(scenario.bad).status == "held"


def test_the_held_partner_says_why_on_the_batch_page(db):
    scenario = usd_batch()

    page = signed_in(scenario.finance).get(
        f"/admin/commissions/payoutbatch/{scenario.batch.pk}/change/"
    )

    held = scenario.line(scenario.bad)
    assert held.hold_reason.startswith(
        "No valid payout details: Routing number: the routing number's check digit is wrong"
    )
    html = page.content.decode()
    assert "No valid payout details" in html
    assert "NACHA (ACH)</a>: 2 partner(s), 3,289.50" in html.replace("&nbsp;", " ")
    assert "PayPal CSV</a>: 1 partner(s), 150.25" in html.replace("&nbsp;", " ")
    assert ACME_ACCOUNT not in html  # masked: •••• 6789 elsewhere, nothing here


def test_a_draft_batch_has_no_bank_file(db):
    scenario = usd_batch(approve=False)

    page = download(scenario.finance, scenario.batch, "nacha", follow=True)

    assert page.redirect_chain[0][1] == 302 and page["Content-Type"].startswith("text/html")
    assert "bank files come only from an approved batch" in page.content.decode()


def test_a_paid_batch_has_no_bank_file_that_would_pay_twice(db):
    scenario = usd_batch()
    with tenant_scope(scenario.tenant):
        batch_record_payment(
            tenant=scenario.tenant,
            batch=scenario.batch,
            reference="ACH-0601",
            paid_on=D(2026, 6, 5),
            user=None,
        )
        assert PayoutBatch.objects.get(pk=scenario.batch.pk).status == BatchStatus.PAID

    page = download(scenario.finance, scenario.batch, "nacha", follow=True)

    assert page.redirect_chain[0][1] == 302
    assert "is already paid: a NACHA (ACH) file now would pay it twice" in page.content.decode()


@pytest.mark.parametrize("kind", ["nacha", "sepa", "paypal"])
def test_only_the_vendors_finance_gets_a_bank_file(db, kind):
    scenario = usd_batch()

    assert download(scenario.outsider_finance, scenario.batch, kind).status_code == 404
    assert download(manager(scenario.tenant), scenario.batch, kind).status_code == 403


def test_a_usd_batch_has_no_sepa_file(db):
    scenario = usd_batch()

    page = download(scenario.finance, scenario.batch, "sepa", follow=True)

    assert "A SEPA XML file pays EUR" in page.content.decode()


def test_finances_csv_and_xlsx_exports_never_carry_an_account_number(db):
    scenario = usd_batch()
    client = signed_in(scenario.finance)
    base = f"/admin/commissions/payoutbatch/{scenario.batch.pk}"

    csv = b"".join(client.get(f"{base}/export.csv").streaming_content).decode()
    workbook = load_workbook(io.BytesIO(client.get(f"{base}/export.xlsx").content))
    cells = " ".join(
        str(value)
        for sheet in workbook
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )

    assert "Acme Integrations LLC" in csv and "Acme Integrations LLC" in cells
    for account in (ACME_ACCOUNT, BOLT_ACCOUNT, "pay@pal.test"):
        assert account not in csv and account not in cells
