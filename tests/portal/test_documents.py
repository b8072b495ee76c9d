"""The partner's PDFs: rates say their unit; the vendor's logo (or name) heads each one."""

import csv
import io

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from pypdf import PdfReader

from commissions.exports import batch_csv
from commissions.models import PayoutLine
from commissions.payouts import batch_build
from partners.models import FeeInvoice, PartnerContact
from tenants.models import StaffRole
from tenants.scope import tenant_scope
from tests.commissions.conftest import D, accrue, cim_partner, line, sell
from tests.factories import StaffMembershipFactory, TenantFactory
from tests.files import sample_png
from tests.isolation import assert_hidden_from
from tests.tiers.conftest import join, lead


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def admin_client(tenant, firm) -> Client:
    with tenant_scope(tenant):
        user = PartnerContact.objects.filter(firm=firm).first().user
    client = Client()
    client.force_login(user)
    return client


def pdf_of(response) -> PdfReader:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content))


def text_of(reader: PdfReader) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def images_of(reader: PdfReader) -> int:
    return sum(len(page.images) for page in reader.pages)


def set_logo(tenant) -> None:
    tenant.logo.save("logo.png", ContentFile(sample_png()), save=True)


@pytest.fixture
def may_statement(db):
    """A CIMcloud Tier 2 partner's May statement: 30 % of a line, 1,000 USD for a platform order."""
    tenant, program, enrolment = cim_partner()
    _, _, other = cim_partner(email="other@cim.test", loaded=(tenant, program))
    order = sell(
        tenant,
        lead(tenant, enrolment, "Acme Corp", D(2026, 4, 1)),
        [line("CONNECT", "10000.00"), line("PLATFORM", "5000.00")],
        D(2026, 5, 12),
    )
    rival = sell(
        tenant,
        lead(tenant, other, "Hidden Industries", D(2026, 4, 1)),
        [line("CONNECT", "90000.00")],
        D(2026, 5, 20),
    )
    accrue(tenant, order, rival)
    with tenant_scope(tenant):
        batch, _ = batch_build(tenant=tenant, program=program, period=D(2026, 5, 1))
        mine = PayoutLine.objects.get(batch=batch, firm=enrolment.firm)
        theirs = PayoutLine.objects.get(batch=batch, firm=other.firm)
    return tenant, enrolment, mine, theirs


def test_statement_rates_say_their_unit(may_statement):
    tenant, enrolment, mine, theirs = may_statement
    client = admin_client(tenant, enrolment.firm)

    text = text_of(pdf_of(client.get(f"/cimcloud/portal/commissions/statements/{mine.pk}.pdf")))

    assert "30 %" in text and "1,000.00 USD per order" in text
    assert "3,000.00" in text  # 30 % of 10,000.00
    assert " 0.3 " not in f" {text} " and " 1000 " not in f" {text} "  # no bare rule rates
    # another firm's statement is no way in
    other = client.get(f"/cimcloud/portal/commissions/statements/{theirs.pk}.pdf")
    assert other.status_code == 404


def test_the_statement_shows_the_vendor_logo_when_it_has_one(may_statement):
    tenant, enrolment, mine, _ = may_statement
    client = admin_client(tenant, enrolment.firm)
    url = f"/cimcloud/portal/commissions/statements/{mine.pk}.pdf"

    without = pdf_of(client.get(url))
    set_logo(tenant)
    with_logo = pdf_of(client.get(url))

    assert images_of(without) == 0 and tenant.name in text_of(without)
    assert images_of(with_logo) == 1


def test_a_missing_logo_file_prints_the_name_instead_of_failing(may_statement):
    tenant, enrolment, mine, _ = may_statement
    set_logo(tenant)
    tenant.logo.storage.delete(tenant.logo.name)

    reader = pdf_of(
        admin_client(tenant, enrolment.firm).get(
            f"/cimcloud/portal/commissions/statements/{mine.pk}.pdf"
        )
    )

    assert images_of(reader) == 0 and tenant.name in text_of(reader)


def test_the_fee_invoice_shows_the_vendor_logo_when_it_has_one(db):
    tenant, _, enrolment = join("ipsoft", D(2026, 3, 2), tracks=["advisor"])
    _, _, other = join("ipsoft", D(2026, 3, 2), tracks=["advisor"], email="other@rival.test")
    with tenant_scope(tenant):
        invoice = FeeInvoice.objects.get(enrolment=enrolment)
    client = admin_client(tenant, enrolment.firm)
    url = f"/ipsoft/portal/fees/{invoice.pk}.pdf"

    without = pdf_of(client.get(url))
    set_logo(tenant)
    with_logo = pdf_of(client.get(url))

    assert images_of(without) == 0 and images_of(with_logo) == 1
    assert "How to pay" in text_of(with_logo)
    assert admin_client(tenant, other.firm).get(url).status_code == 404


def test_the_finance_csv_rate_column_says_its_unit(may_statement):
    tenant, enrolment, mine, _ = may_statement
    with tenant_scope(tenant):
        rows = list(csv.reader(io.StringIO(b"".join(batch_csv(mine.batch)).decode())))
    header, detail = rows[0], rows[1 : rows.index([])]  # the per-entry section
    mine_rows = [r for r in detail if r[0] == enrolment.firm.name]

    rates = {r[header.index("product")]: r[header.index("rate")] for r in mine_rows}
    assert rates == {"CONNECT": "30 %", "PLATFORM": "1,000.00 USD per order"}


def test_the_portal_lines_say_each_rate_with_its_unit(may_statement):
    tenant, enrolment, _, _ = may_statement

    page = admin_client(tenant, enrolment.firm).get("/cimcloud/portal/commissions/")

    body = page.content.decode()
    assert '<th scope="col">Rate</th>' in body
    assert "<td>30 %</td>" in body and "<td>1,000.00 USD per order</td>" in body
    assert "3,000.00 USD" in body
    assert "Hidden Industries" not in body and "27,000.00" not in body  # the other firm's 30 %


def test_the_payout_report_shows_the_vendor_logo_when_it_has_one(may_statement):
    tenant, _, mine, _ = may_statement
    finance = Client()
    finance.force_login(StaffMembershipFactory(tenant=tenant, role=StaffRole.FINANCE).user)
    url = f"/admin/commissions/payoutbatch/{mine.batch_id}/report.pdf"

    without = pdf_of(finance.get(url))
    set_logo(tenant)
    with_logo = pdf_of(finance.get(url))

    assert images_of(without) == 0 and tenant.name in text_of(without)
    assert images_of(with_logo) == 1 and "31,000.00" in text_of(with_logo)  # the total
    outsider = StaffMembershipFactory(tenant=TenantFactory(slug="rival"), role=StaffRole.FINANCE)
    assert_hidden_from(outsider.user, url)
