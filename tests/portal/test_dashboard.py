"""The partner's dashboard: tier, pipeline, money and action items, each the firm's own."""

import datetime
import io
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from commissions.payouts import batch_approve, batch_build, batch_record_payment
from deals.models import DealRegistration, RegistrationStatus
from partners.models import FeeInvoice, InvoiceStatus, PartnerContact, TaxDocument
from tenants.scope import tenant_scope
from tests.commissions.conftest import D, accrue, cim_partner, line, sell, tax_form
from tests.partners.conftest import load_program
from tests.tiers.conftest import join, lead, noon

TODAY = D(2026, 7, 10)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def admin_of(tenant, firm):
    with tenant_scope(tenant):
        return PartnerContact.objects.filter(firm=firm).first().user


def registration(tenant, enrolment, company, status, **fields):
    """A registration in `status` written straight to the table (the workflow is tested apart)."""
    with tenant_scope(tenant):
        return DealRegistration.objects.create(
            tenant=tenant,
            program=enrolment.program,
            firm=enrolment.firm,
            lead_source="partner",
            company_name=company,
            normalized_name=company.lower(),
            country="US",
            currency="USD",
            status=status,
            **fields,
        )


@pytest.fixture
def dashboard(db):
    """A CIMcloud partner paid for May, owed for June, with deals in every state; an outsider."""
    tenant, program, enrolment = cim_partner()
    _, _, other = cim_partner(email="other@cim.test", loaded=(tenant, program))
    may = sell(
        tenant,
        lead(tenant, enrolment, "Acme Corp", D(2026, 4, 1)),
        [line("CONNECT", "10000.00")],
        D(2026, 5, 12),
    )
    june = sell(
        tenant,
        lead(tenant, enrolment, "Globex", D(2026, 5, 1)),
        [line("CONNECT", "5000.00")],
        D(2026, 6, 3),
    )
    accrue(tenant, may, june)
    secret = sell(
        tenant,
        lead(tenant, other, "Hidden Industries", D(2026, 4, 1)),
        [line("CONNECT", "90000.00")],
        D(2026, 5, 20),
    )
    accrue(tenant, secret)
    with tenant_scope(tenant), time_machine.travel(noon(D(2026, 7, 2)), tick=False):
        paid, _ = batch_build(tenant=tenant, program=program, period=D(2026, 5, 1))
        batch_approve(tenant=tenant, batch=paid, user=None, today=D(2026, 6, 2))
        batch_record_payment(
            tenant=tenant, batch=paid, reference="BANK-RUN-0601", paid_on=D(2026, 6, 5), user=None
        )
        batch_build(tenant=tenant, program=program, period=D(2026, 6, 1))
    registration(
        tenant,
        enrolment,
        "Soon Expiring Ltd",
        RegistrationStatus.APPROVED,
        expires_on=TODAY + datetime.timedelta(days=9),
        estimated_value_minor=2_500_000,
    )
    registration(
        tenant,
        enrolment,
        "Far Away Inc",
        RegistrationStatus.APPROVED,
        expires_on=TODAY + datetime.timedelta(days=60),
    )
    registration(
        tenant,
        enrolment,
        "Fresh Lead",
        RegistrationStatus.SUBMITTED,
        estimated_value_minor=1_000_000,
    )
    registration(tenant, enrolment, "Lost Cause", RegistrationStatus.LOST)
    registration(
        tenant,
        other,
        "Rival Prospect",
        RegistrationStatus.APPROVED,
        expires_on=TODAY + datetime.timedelta(days=3),
    )
    return {
        "tenant": tenant,
        "enrolment": enrolment,
        "partner": admin_of(tenant, enrolment.firm),
        "other_partner": admin_of(tenant, other.firm),
    }


@pytest.fixture
def today():
    with time_machine.travel(noon(TODAY), tick=False):
        yield TODAY


def test_the_dashboard_shows_tier_pipeline_and_money(dashboard, today):
    page = signed_in(dashboard["partner"]).get("/cimcloud/portal/")

    body = page.content.decode()
    assert page.status_code == 200
    assert '<span class="badge">Tier 2 Registered Partner</span>' in body
    assert "3 open registrations" in body
    assert "Estimated value: 35,000.00 USD" in body
    assert "Win rate: <strong>67 %</strong>" in body and "(2 won, 1 lost)" in body
    with tenant_scope(dashboard["tenant"]):
        soon = DealRegistration.objects.get(company_name="Soon Expiring Ltd")
    assert f'href="/cimcloud/portal/deals/{soon.pk}/#extension">request an extension' in body
    assert "Far Away Inc" not in body  # protected for two more months: nothing to do yet
    assert "Next payout: <strong>1,500.00 USD</strong> by" in body and "2026-07-30" in body
    assert "Last payment: <strong>3,000.00 USD</strong> on" in body
    assert "2026-06-05</time>, reference BANK-RUN-0601" in body
    assert "May: 3,000.00 USD" in body and "Jun: 1,500.00 USD" in body  # earnings chart
    assert "Approved: 2" in body and "Lost: 1" in body  # pipeline chart


def test_the_dashboard_shows_nothing_of_another_firm_or_vendor(dashboard, today):
    mine = signed_in(dashboard["partner"]).get("/cimcloud/portal/").content.decode()
    theirs = signed_in(dashboard["other_partner"]).get("/cimcloud/portal/").content.decode()

    for other_firms in ("Rival Prospect", "Hidden Industries", "27,000.00 USD"):
        assert other_firms not in mine
    for first_firms in ("Soon Expiring Ltd", "Acme Corp", "35,000.00 USD", "1,500.00 USD"):
        assert first_firms not in theirs
    assert "Rival Prospect" in theirs and "27,000.00 USD" in theirs
    _, _ = load_program("ipsoft")
    outsider = signed_in(dashboard["partner"]).get("/ipsoft/portal/")
    assert outsider.status_code == 302 and outsider["Location"] == "/ipsoft/portal/apply/"


def test_an_onboarding_partner_sees_its_checklist_fee_and_tax_form_to_do(db):
    tenant, _, enrolment = join("ipsoft", D(2026, 3, 2), tracks=["advisor"])
    with tenant_scope(tenant):
        invoice = FeeInvoice.objects.get(enrolment=enrolment)
    assert invoice.status == InvoiceStatus.UNPAID

    page = signed_in(admin_of(tenant, enrolment.firm)).get("/ipsoft/portal/")

    body = page.content.decode()
    assert "Program fee unpaid: " + invoice.description in body
    assert "Pay it as the invoice instructs; IPsoft records the payment" in body
    assert "Your 6 months to meet the minimum criteria start then." in body
    assert "No valid tax form on file" in body and 'href="/ipsoft/portal/tax/">Upload' in body
    assert "Onboarding checklist" in body
    assert "To do:</span> 1 trained/certified sales resource" in body
    assert "2 trained/certified sales resources" not in body  # the Alliance track's, not ours


def test_a_tax_form_about_to_expire_is_a_to_do_with_its_day(dashboard, today):
    with tenant_scope(dashboard["tenant"]):
        TaxDocument.objects.filter(firm=dashboard["enrolment"].firm).delete()
    tax_form(dashboard["tenant"], dashboard["enrolment"].firm, expires_on=D(2026, 8, 1))

    body = signed_in(dashboard["partner"]).get("/cimcloud/portal/").content.decode()

    assert "Your tax form expires" in body and "2026-08-01" in body
    assert "No valid tax form on file" not in body


def _first_table(statement: str) -> str | None:
    found = re.search(r' FROM "(\w+)"', statement)
    return found.group(1) if found else None


def test_the_dashboard_costs_the_same_queries_for_many_deals_and_entries(dashboard, today):
    client = signed_in(dashboard["partner"])
    client.get("/cimcloud/portal/")  # warm the session and the content-type cache
    with CaptureQueriesContext(connection) as few:
        client.get("/cimcloud/portal/")
    for index in range(25):
        registration(
            dashboard["tenant"],
            dashboard["enrolment"],
            f"Prospect {index}",
            [RegistrationStatus.SUBMITTED, RegistrationStatus.APPROVED, RegistrationStatus.WON][
                index % 3
            ],
            expires_on=TODAY + datetime.timedelta(days=index % 14),
            estimated_value_minor=10_000,
        )
    more = sell(
        dashboard["tenant"],
        lead(dashboard["tenant"], dashboard["enrolment"], "Initech", D(2026, 6, 1)),
        [line("CONNECT", "1000.00"), line("CONNECT", "2000.00"), line("CONNECT", "3000.00")],
        D(2026, 7, 1),
    )
    accrue(dashboard["tenant"], more)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/cimcloud/portal/")

    assert "20 open registrations" in page.content.decode()  # 3 + 9 submitted + 8 approved
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    # five are listed; the heading counts all nine (the fixture's one and the 8 approved here)
    assert "Protection ends within 14 days (9)" in page.content.decode()
    # what the overviews read (the vendor, the enrolments, the versions in force), the tier
    # cards and the to-do list take from them instead of reading it again
    for table in ("tenants_tenant", "partners_enrolment", "programs_programversion"):
        reads = [q["sql"] for q in many.captured_queries if _first_table(q["sql"]) == table]
        assert len(reads) == 1, reads


def test_commission_lines_and_the_tier_page_name_tiers_in_words(dashboard, today):
    client = signed_in(dashboard["partner"])

    commissions = client.get("/cimcloud/portal/commissions/").content.decode()
    tier = client.get("/cimcloud/portal/tier/").content.decode()

    assert "<td>Tier 2 Registered Partner</td>" in commissions
    assert "<td>tier-2</td>" not in commissions
    assert "Tier 2 Registered Partner" in tier and "<td>tier-2</td>" not in tier


def test_an_unpaid_fee_links_its_invoice_pdf_with_how_to_pay(db):
    tenant, _, enrolment = join("ipsoft", D(2026, 3, 2), tracks=["advisor"])
    with tenant_scope(tenant):
        invoice = FeeInvoice.objects.get(enrolment=enrolment)
    _, _, other = join("ipsoft", D(2026, 3, 2), tracks=["advisor"], email="other@rival.test")
    link = f"/ipsoft/portal/fees/{invoice.pk}.pdf"
    client = signed_in(admin_of(tenant, enrolment.firm))
    assert f'href="{link}">The invoice (PDF)</a>' in client.get("/ipsoft/portal/").content.decode()

    response = client.get(link)

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(response.content)).pages[0].extract_text().split())
    assert invoice.description in text and "How to pay" in text
    assert f"quoting invoice {invoice.pk}." in text
    assert signed_in(admin_of(tenant, other.firm)).get(link).status_code == 404
