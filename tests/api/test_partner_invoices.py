"""Partner invoices: partners see their firm's, finance sees all and records payment."""

import datetime

import pytest

from commissions.models import PartnerInvoice, PayoutBatch
from tenants.scope import tenant_scope
from tests.api.conftest import assert_error_shape, session_client
from tests.partners.conftest import load_program

D = datetime.date
INVOICES = "/simpro/api/v1/partner-invoices/"


@pytest.fixture
def invoices(cast):
    """May's batch invoiced both Simpro firms; IPsoft has an invoice of its own."""
    made = {}
    for tenant, firms in (
        (cast.tenant_a, (cast.firm_a1, cast.firm_a2)),
        (cast.tenant_b, (cast.firm_b1,)),
    ):
        _, program = load_program(tenant.slug)
        with tenant_scope(tenant):
            batch = PayoutBatch.objects.create(
                tenant=tenant,
                program=program,
                period=D(2026, 5, 1),
                cutoff=D(2026, 5, 31),
                due_on=D(2026, 6, 15),
                currency="USD",
                status="approved",
            )
            for firm in firms:
                made[firm.pk] = PartnerInvoice.objects.create(
                    tenant=tenant,
                    batch=batch,
                    firm=firm,
                    number=f"PI-202605-{batch.pk}-{firm.pk}",
                    amount_minor=150_000,
                    currency="USD",
                    issued_on=D(2026, 6, 2),
                    due_on=D(2026, 7, 2),
                )
    return made


def test_partner_sees_only_their_own_firms_invoices(cast, invoices):
    body = session_client(cast.partner_rep_a1.user).get(INVOICES).json()
    assert body["count"] == 1
    (invoice,) = body["results"]
    assert (invoice["firm_name"], invoice["amount"], invoice["status"]) == (
        cast.firm_a1.name,
        "1500.00",
        "open",
    )


def test_finance_sees_every_firm_of_their_vendor_only(cast, invoices):
    body = session_client(cast.finance_a).get(INVOICES).json()
    assert {row["firm"] for row in body["results"]} == {cast.firm_a1.pk, cast.firm_a2.pk}
    assert {"count", "next", "previous", "results"} <= set(body)


def test_finance_records_a_payment_once(cast, invoices):
    finance = session_client(cast.finance_a)
    url = f"{INVOICES}{invoices[cast.firm_a1.pk].pk}/record-payment/"
    response = finance.post(url, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "paid"
    assert_error_shape(finance.post(url, content_type="application/json"), 409, "conflict")


@pytest.mark.parametrize("who", ["manager_a", "partner_admin_a1"])
def test_only_finance_records_payments(cast, invoices, who):
    person = getattr(cast, who)
    url = f"{INVOICES}{invoices[cast.firm_a1.pk].pk}/record-payment/"
    response = session_client(getattr(person, "user", person)).post(url)
    assert response.status_code in (403, 404)
    with tenant_scope(cast.tenant_a):
        assert PartnerInvoice.objects.get(pk=invoices[cast.firm_a1.pk].pk).status == "open"


@pytest.mark.parametrize("who", ["partner_rep_a2", "manager_b", "stranger"])
def test_outsiders_get_404_for_an_invoice(cast, invoices, who):
    person = getattr(cast, who)
    url = f"{INVOICES}{invoices[cast.firm_a1.pk].pk}/record-payment/"
    assert session_client(getattr(person, "user", person)).post(url).status_code == 404
    assert session_client(cast.finance_a).get("/ipsoft/api/v1/partner-invoices/").status_code == 404
