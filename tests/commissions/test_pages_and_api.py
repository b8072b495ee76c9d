"""Where people look: the partner's portal and API, finance's console and API; isolation."""

import io
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from commissions.models import BatchStatus, CommissionLine, LedgerEntry, PayoutBatch, PayoutLine
from commissions.payouts import batch_build
from deals.services.orders import order_record_completion, refund_record
from partners.models import PartnerContact
from tenants.models import StaffRole, Tenant
from tenants.scope import tenant_scope
from tests.commissions.conftest import D, accrue, cim_partner, line, sell
from tests.factories import StaffMembershipFactory
from tests.isolation import assert_hidden_from, assert_visible_to
from tests.partners.conftest import load_program
from tests.tiers.conftest import lead, noon

MAY = D(2026, 5, 12)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def admin_of(tenant, firm):
    with tenant_scope(tenant):
        return PartnerContact.objects.filter(firm=firm).first().user


@pytest.fixture
def paid_partners(db):
    """Two CIMcloud partners with a May sale each, May's batch built; an IPsoft outsider."""
    tenant, program, first = cim_partner()
    _, _, second = cim_partner(email="other@cim.test", loaded=(tenant, program))
    for enrolment, company in ((first, "Acme Corp"), (second, "Beta Ltd")):
        order = sell(
            tenant,
            lead(tenant, enrolment, company, D(2026, 4, 1)),
            [line("CONNECT", "10000.00")],
            MAY,
        )
        accrue(tenant, order)
    with tenant_scope(tenant):
        batch, _ = batch_build(tenant=tenant, program=program, period=D(2026, 5, 1))
        lines = {x.firm_id: x for x in PayoutLine.objects.filter(batch=batch)}
    outsider_tenant, _ = load_program("ipsoft")
    return {
        "tenant": tenant,
        "program": program,
        "batch": batch,
        "first": first,
        "second": second,
        "line_first": lines[first.firm_id],
        "line_second": lines[second.firm_id],
        "partner_first": admin_of(tenant, first.firm),
        "partner_second": admin_of(tenant, second.firm),
        "finance": StaffMembershipFactory(tenant=tenant, role=StaffRole.FINANCE).user,
        "manager": StaffMembershipFactory(tenant=tenant, role=StaffRole.MANAGER).user,
        "outsider_finance": StaffMembershipFactory(
            tenant=outsider_tenant, role=StaffRole.FINANCE
        ).user,
    }


def test_partner_sees_each_line_explained_balance_and_statement(paid_partners):
    page = signed_in(paid_partners["partner_first"]).get("/cimcloud/portal/commissions/")

    body = page.content.decode()
    assert page.status_code == 200
    assert "30 % of line amount 10,000.00 USD at Tier 2 Registered Partner" in body
    assert "3,000.00 USD" in body and "2026-05" in body
    assert "Beta Ltd" not in body  # the other partner's customer


def test_statements_are_the_partners_own(paid_partners):
    mine = f"/cimcloud/portal/commissions/statements/{paid_partners['line_first'].pk}.pdf"
    theirs = f"/cimcloud/portal/commissions/statements/{paid_partners['line_second'].pk}.pdf"
    pdf = signed_in(paid_partners["partner_first"]).get(mine)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert_hidden_from(paid_partners["partner_first"], theirs)
    api = signed_in(paid_partners["partner_first"]).get("/cimcloud/api/v1/statements/").json()
    assert [s["id"] for s in api["results"]] == [paid_partners["line_first"].pk]
    assert_hidden_from(
        paid_partners["partner_first"],
        f"/cimcloud/api/v1/statements/{paid_partners['line_second'].pk}/pdf/",
    )
    assert_hidden_from(paid_partners["outsider_finance"], "/cimcloud/api/v1/statements/")


def test_partner_claims_through_the_api_inside_the_window_only(paid_partners):
    api = signed_in(paid_partners["partner_first"])
    claim = {
        "program": paid_partners["program"].slug,
        "kind": "underpaid",
        "amount": "350.00",
        "description": "Add-on bundle not paid",
    }

    with time_machine.travel(noon(D(2026, 7, 1)), tick=False):
        accepted = api.post(
            "/cimcloud/api/v1/claims/",
            {**claim, "event_on": "2026-05-12"},
            content_type="application/json",
        )
        refused = api.post(
            "/cimcloud/api/v1/claims/",
            {**claim, "event_on": "2025-12-31"},
            content_type="application/json",
        )

    assert accepted.status_code == 201 and accepted.json()["amount_minor"] == 35_000
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {"event_on": ["Outside the claims window."]}
    assert "the last day was 2026-06-30" in refused.json()["error"]["message"]


def test_finance_approves_and_pays_through_the_api_managers_cannot(paid_partners):
    batch = paid_partners["batch"]
    url = f"/cimcloud/api/v1/payout-batches/{batch.pk}/"
    assert signed_in(paid_partners["manager"]).post(url + "approve/").status_code == 403

    finance = signed_in(paid_partners["finance"])
    approved = finance.post(url + "approve/")
    paid = finance.post(
        url + "pay/",
        {"reference": "RUN-7", "paid_on": "2026-06-20"},
        content_type="application/json",
    )

    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert paid.json()["status"] == "paid" and paid.json()["payment_reference"] == "RUN-7"
    with tenant_scope(paid_partners["tenant"]):
        assert sum(LedgerEntry.objects.values_list("amount_minor", flat=True)) == 0
    assert_hidden_from(paid_partners["outsider_finance"], url + "approve/", method="post")
    assert_hidden_from(paid_partners["partner_first"], "/cimcloud/api/v1/payout-batches/")


def test_finance_console_runs_approves_exports_and_pays(paid_partners):
    tenant, batch = paid_partners["tenant"], paid_partners["batch"]
    console = signed_in(paid_partners["finance"])
    change = f"/admin/commissions/payoutbatch/{batch.pk}/"

    page = console.get(change + "change/")
    assert page.status_code == 200 and b"export.csv" in page.content
    csv = console.get(change + "export.csv")
    firm_name = paid_partners["first"].firm.name.encode()
    assert csv.status_code == 200 and firm_name in b"".join(csv.streaming_content)
    assert console.get(change + "export.xlsx").status_code == 200
    assert console.get(change + "report.pdf").content.startswith(b"%PDF")
    console.post(change + "approve/")
    console.post(change + "pay/", {"reference": "BANK-RUN-42", "paid_on": "2026-06-25"})

    with tenant_scope(tenant):
        batch.refresh_from_db()
    assert (batch.status, batch.payment_reference) == (BatchStatus.PAID, "BANK-RUN-42")
    assert_hidden_from(paid_partners["outsider_finance"], change + "change/")
    assert_hidden_from(paid_partners["outsider_finance"], change + "export.csv")


def test_a_manager_cannot_approve_in_the_console(paid_partners):
    batch = paid_partners["batch"]
    response = signed_in(paid_partners["manager"]).post(
        f"/admin/commissions/payoutbatch/{batch.pk}/approve/"
    )
    with tenant_scope(paid_partners["tenant"]):
        batch.refresh_from_db()
    assert response.status_code in (302, 403) and batch.status == BatchStatus.DRAFT


def test_events_accrue_on_completion_and_claw_back_on_refund(
    db, django_capture_on_commit_callbacks
):
    tenant, _, enrolment = cim_partner()
    order = sell(
        tenant,
        lead(tenant, enrolment, "Acme Corp", D(2026, 4, 1)),
        [line("CONNECT", "10000.00")],
        MAY,
        completed=False,
    )
    with tenant_scope(tenant), django_capture_on_commit_callbacks(execute=True):
        order_record_completion(
            tenant=tenant, order=order, order_form_signed_on=MAY, initial_payment_received_on=MAY
        )
    with tenant_scope(tenant), django_capture_on_commit_callbacks(execute=True):
        refund_record(
            tenant=tenant, order=order, amount=Decimal("1000.00"), refunded_on=D(2026, 5, 20)
        )
    with tenant_scope(tenant):
        amounts = sorted(LedgerEntry.objects.values_list("kind", "amount_minor"))
        assert CommissionLine.objects.filter(order=order).count() == 1
    assert amounts == [("accrual", 300_000), ("clawback", -30_000)]


def test_demo_data_has_commissions_and_a_batch_for_finance(db):
    call_command("seed_demo", stdout=io.StringIO())

    cim = Tenant.objects.get(slug="cimcloud")
    with tenant_scope(cim):
        earned = CommissionLine.objects.filter(earned=True).count()
        batch = PayoutBatch.objects.get()
        partner = PartnerContact.objects.order_by("pk").first().user
    assert earned == 4 and batch.status == BatchStatus.DRAFT
    assert_visible_to(partner, "/cimcloud/portal/commissions/")


def test_api_exports_the_batch_and_refuses_unknown_moves(paid_partners):
    batch = paid_partners["batch"]
    finance = signed_in(paid_partners["finance"])
    base = f"/cimcloud/api/v1/payout-batches/{batch.pk}/"

    csv = finance.get(base + "export.csv")
    unknown_move = finance.post(base + "cancel/")
    unknown_file = finance.get(base + "export.exe")

    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert csv["Content-Disposition"].endswith('.csv"')
    assert (unknown_move.status_code, unknown_file.status_code) == (404, 404)
    with tenant_scope(paid_partners["tenant"]):
        batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT
