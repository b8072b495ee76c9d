"""Builders for commission scenarios: a CIMcloud partner, its tier, tax form, leads and orders.

Orders are accrued by calling the service (plain `db` tests never commit, so the
order-completed event does not fire); one test checks the event wiring itself.
"""

import datetime
from decimal import Decimal

import time_machine

from commissions.accruals import orders_accrue
from commissions.models import CommissionLine
from deals.models import Product
from deals.services.orders import LineInput, customer_upsert, order_record
from deals.services.registrations import vendor_lead_answer, vendor_lead_offer
from partners.models import TaxDocument
from partners.models.tax import TaxDocumentStatus
from tenants.scope import tenant_scope
from tests.tiers.conftest import join, manager, noon
from tiers.services import tier_override

D = datetime.date
JOINED = D(2026, 1, 5)

CIM_PRODUCTS = {
    "CONNECT": "connect_services_erp",
    "SYNC": "erp_sync_monthly_fee",
    "PLATFORM": "platform_cart",
    "ADDON": "add_on_bundle",
    "PS": "professional_services",
}


def cim_partner(email="founder@cim.test", *, tier="tier-2", tax=True, loaded=None):
    """(tenant, program, enrolment): a CIMcloud partner holding `tier` from the day it joined."""
    tenant, program, enrolment = join("cimcloud", JOINED, email=email, loaded=loaded)
    with tenant_scope(tenant):
        for code, category in CIM_PRODUCTS.items():
            Product.objects.get_or_create(
                tenant=tenant, code=code, defaults={"name": code.title(), "category": category}
            )
    if tier:
        hold_tier(tenant, enrolment, tier, JOINED)
    if tax:
        tax_form(tenant, enrolment.firm)
    return tenant, program, enrolment


def hold_tier(tenant, enrolment, tier, on):
    with tenant_scope(tenant):
        tier_override(
            tenant=tenant,
            enrolment=enrolment,
            tier=tier,
            reason="Scenario",
            user=manager(tenant),
            valid_from=on,
        )


def tax_form(tenant, firm, expires_on=None):
    with tenant_scope(tenant):
        return TaxDocument.objects.create(
            tenant=tenant,
            firm=firm,
            kind="w9",
            file="tax-documents/w9.pdf",
            original_name="w9.pdf",
            content_type="application/pdf",
            size=1000,
            status=TaxDocumentStatus.VERIFIED,
            expires_on=expires_on,
        )


def vendor_lead(tenant, enrolment, company, on):
    """A CIMcloud lead shared with the partner and accepted on `on`."""
    user = manager(tenant)
    with tenant_scope(tenant), time_machine.travel(noon(on), tick=False):
        offered = vendor_lead_offer(
            tenant=tenant, firm=enrolment.firm, user=user, company_name=company, country="US"
        )
        return vendor_lead_answer(
            tenant=tenant, registration=offered, user=user, accept=True, today=on
        )


def line(
    code,
    amount="0",
    *,
    qty=1,
    months=12,
    monthly=None,
    no_charge=False,
    list_price=None,
    discount=False,
) -> LineInput:
    return LineInput(
        product_code=code,
        quantity=qty,
        list_price=Decimal(list_price or amount),
        price=Decimal(amount),
        discount_approved=discount,
        monthly_fee=Decimal(monthly) if monthly else None,
        initial_contract_months=months,
        no_charge=no_charge,
    )


def sell(tenant, registration, lines, on, *, customer=None, reseller=True, completed=True):
    """An order from the registration's company (or `customer`) completed on `on`."""
    with tenant_scope(tenant):
        buyer = customer_upsert(
            tenant=tenant,
            name=customer or registration.company_name,
            external_id=customer or registration.company_name,
        )
        registration.refresh_from_db()
        return order_record(
            tenant=tenant,
            customer=buyer,
            ordered_on=on,
            lines=lines,
            currency="USD",
            registration=registration,
            reseller_of_record=reseller,
            order_form_signed_on=on if completed else None,
            initial_payment_received_on=on if completed else None,
        )


def accrue(tenant, *orders) -> dict[str, CommissionLine]:
    """Accrue the orders; their calculated lines by product code."""
    with tenant_scope(tenant):
        orders_accrue(tenant=tenant, order_ids=[o.pk for o in orders])
        return {
            c.order_line.product_code: c
            for c in CommissionLine.objects.filter(order__in=orders).select_related("order_line")
        }
