"""Amounts as people see them: formatted by the currency's own decimals, never minor units."""

import pytest
from django.test import Client

from commissions.models import CommissionLine, LedgerEntry
from deals.services.orders import customer_upsert, order_record
from programs.models import Program
from tenants.errors import ApplicationError
from tenants.models import StaffRole, Tenant
from tenants.scope import all_tenants, tenant_scope
from tests.commissions.conftest import D, accrue, cim_partner, line
from tests.commissions.test_claims_and_programs import submit
from tests.commissions.test_pages_and_api import admin_of
from tests.factories import StaffMembershipFactory
from tests.tiers.conftest import lead

MAY = D(2026, 5, 12)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def finance_of(tenant) -> Client:
    return signed_in(StaffMembershipFactory(tenant=tenant, role=StaffRole.FINANCE).user)


def in_yen(tenant, program) -> None:
    """The vendor and its program work in JPY (no decimals)."""
    with all_tenants():
        Tenant.objects.filter(pk=tenant.pk).update(currency="JPY")
        Program.objects.filter(pk=program.pk).update(currency="JPY")
    program.currency = tenant.currency = "JPY"


def test_the_console_shows_a_claim_of_350_usd_formatted_not_in_minor_units(db):
    tenant, program, enrolment = cim_partner()
    claim = submit(tenant, program, enrolment, event_on=D(2026, 5, 12), today=D(2026, 6, 1))
    console = finance_of(tenant)

    change = console.get(f"/admin/commissions/claim/{claim.pk}/change/")
    listing = console.get("/admin/commissions/claim/")

    body = change.content.decode()
    assert change.status_code == 200
    assert "350.00 USD" in body
    assert "35000" not in body and "35,000" not in body
    assert "Amount minor" not in body and "amount_minor" not in body
    assert "350.00 USD" in listing.content.decode()


def test_ledger_and_commission_pages_show_amounts_not_minor_units(db):
    tenant, _, enrolment = cim_partner()
    order = _sale(tenant, enrolment, "USD", "10000.00")
    accrue(tenant, order)
    with tenant_scope(tenant):
        commission = CommissionLine.objects.get(earned=True)
        entry = LedgerEntry.objects.get(commission_line=commission)
    console = finance_of(tenant)

    for url in (
        f"/admin/commissions/commissionline/{commission.pk}/change/",
        f"/admin/commissions/ledgerentry/{entry.pk}/change/",
    ):
        body = console.get(url).content.decode()
        assert "3,000.00 USD" in body, url
        assert "minor" not in body.lower() and "300000" not in body, url


def _sale(tenant, enrolment, currency, amount):
    registration = lead(tenant, enrolment, "Acme Corp", D(2026, 4, 1))
    with tenant_scope(tenant):
        buyer = customer_upsert(tenant=tenant, name="Acme Corp", external_id="ACME")
        return order_record(
            tenant=tenant,
            customer=buyer,
            ordered_on=MAY,
            lines=[line("CONNECT", amount)],
            currency=currency,
            registration=registration,
            reseller_of_record=True,
            order_form_signed_on=MAY,
            initial_payment_received_on=MAY,
        )


def test_a_yen_vendors_amounts_have_no_decimals_in_portal_api_and_console(db):
    tenant, program, enrolment = cim_partner()
    in_yen(tenant, program)
    accrue(tenant, _sale(tenant, enrolment, "JPY", "1000000"))
    claim = submit(
        tenant, program, enrolment, event_on=D(2026, 5, 12), today=D(2026, 6, 1), amount="35000"
    )
    partner = signed_in(admin_of(tenant, enrolment.firm))

    portal = partner.get("/cimcloud/portal/commissions/").content.decode()
    lines = partner.get("/cimcloud/api/v1/commission-lines/").json()["results"]
    claims = partner.get("/cimcloud/api/v1/claims/").json()
    claims = claims["results"] if isinstance(claims, dict) else claims  # paginated or not
    console = finance_of(tenant).get(f"/admin/commissions/claim/{claim.pk}/change/")

    assert "30 % of line amount 1,000,000 JPY at Tier 2 Registered Partner = 300,000 JPY" in portal
    assert "35,000 JPY" in portal  # the claim
    assert "300,000.00" not in portal and "3,000.00" not in portal
    earned = [x for x in lines if x["earned"]]
    assert [(x["amount"], x["amount_minor"], x["currency"]) for x in earned] == [
        ("300000", 300_000, "JPY")
    ]
    assert [(c["amount"], c["amount_minor"]) for c in claims] == [("35000", 35_000)]
    assert "35,000 JPY" in console.content.decode()


def test_a_yen_claim_with_decimals_is_refused_with_a_clear_error(db):
    tenant, program, enrolment = cim_partner()
    in_yen(tenant, program)

    with pytest.raises(ApplicationError) as refused:
        submit(
            tenant,
            program,
            enrolment,
            event_on=D(2026, 5, 12),
            today=D(2026, 6, 1),
            amount="350.50",
        )

    assert refused.value.fields == {"amount": ["A positive amount in JPY, e.g. 350.00."]}
