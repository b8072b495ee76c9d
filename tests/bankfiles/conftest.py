"""Builders for bank-file scenarios: a vendor paying by bank file, partners with details.

A CIMcloud (USD) vendor with a bank originator; partners owed known amounts (booked as
adjustments, so the amount is exactly what a clerk reads on the batch page); an IPsoft
outsider vendor whose partner has perfectly valid details and must never appear.
"""

import datetime
from dataclasses import dataclass

import time_machine
from django.test import Client

from commissions.bankfiles.models import BankOriginator
from commissions.claims import correction_book
from commissions.models import EntryKind, PayoutBatch, PayoutLine
from commissions.payouts import batch_approve, batch_build
from partners.models import PartnerFirm, PayoutProfile
from partners.services.tax import payout_profile_update
from tenants.models import StaffRole, Tenant
from tenants.scope import tenant_scope
from tests.commissions.conftest import D, cim_partner, tax_form
from tests.factories import StaffMembershipFactory
from tests.partners.conftest import load_program
from tests.tiers.conftest import join, manager, noon

MAY = D(2026, 5, 1)
APPROVED_ON = D(2026, 6, 2)
#: the day finance downloads the files: the batch is due June 30, a Tuesday
DOWNLOADED_AT = datetime.datetime(2026, 6, 3, 9, 30, tzinfo=datetime.UTC)

ACME_ROUTING, ACME_ACCOUNT = "021000021", "000123456789"
BOLT_ROUTING, BOLT_ACCOUNT = "011000015", "98765432"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def owed(tenant, program, firm, amount: str, key: str) -> None:
    """`amount` owed to the firm in May (an adjustment booked by finance)."""
    with tenant_scope(tenant):
        correction_book(
            tenant=tenant,
            firm=firm,
            program=program,
            kind=EntryKind.ADJUSTMENT,
            amount=amount,
            reason="Scenario",
            key=key,
            today=D(2026, 5, 20),
            user=None,
        )


def details(tenant, firm, **fields) -> PayoutProfile:
    """Payout details entered as a partner enters them (checked)."""
    with tenant_scope(tenant):
        return payout_profile_update(tenant=tenant, firm=firm, **fields)


def originator(tenant, **fields) -> BankOriginator:
    values = {
        "name": "CIMcloud Inc.",
        "ach_company_id": "1123456789",
        "ach_odfi_routing": "121000358",
        "ach_odfi_name": "Bank of America",
        "sepa_iban": "DE89370400440532013000",
        "sepa_bic": "COBADEFFXXX",
        **fields,
    }
    with tenant_scope(tenant):
        return BankOriginator.objects.create(tenant=tenant, **values)


@dataclass
class UsdBatch:
    tenant: Tenant
    program: object
    batch: PayoutBatch
    acme: PartnerFirm  # ACH checking, 2,289.50
    bolt: PartnerFirm  # ACH savings, 1,000.00
    pal: PartnerFirm  # PayPal, 150.25
    bad: PartnerFirm  # a routing number stored before the checks existed: held
    finance: object
    outsider: PartnerFirm
    outsider_finance: object

    def line(self, firm) -> PayoutLine:
        with tenant_scope(self.tenant):
            return PayoutLine.objects.get(batch=self.batch, firm=firm)


def usd_batch(*, approve=True) -> UsdBatch:
    """CIMcloud's May batch with four partners, built and (by default) approved."""
    tenant, program, acme = cim_partner("acme@cim.test")
    firms = [acme.firm]
    for email in ("bolt@cim.test", "pal@cim.test", "bad@cim.test"):
        firms.append(cim_partner(email, loaded=(tenant, program))[2].firm)
    acme_firm, bolt, pal, bad = firms
    with tenant_scope(tenant):
        PartnerFirm.objects.filter(pk=acme_firm.pk).update(name="Acme Integrations LLC")
        acme_firm.refresh_from_db()
    originator(tenant)
    details(
        tenant,
        acme_firm,
        method="bank_transfer",
        account_holder="Acme Integrations LLC",
        account_reference=ACME_ACCOUNT,
        routing_number=ACME_ROUTING,
    )
    details(
        tenant,
        bolt,
        method="bank_transfer",
        account_holder="Bolt Systems",
        account_reference=BOLT_ACCOUNT,
        routing_number=BOLT_ROUTING,
        account_type="savings",
    )
    details(tenant, pal, method="paypal", account_holder="Pal Co", account_reference="pay@pal.test")
    with tenant_scope(tenant):  # stored unchecked, as before validation existed
        PayoutProfile.objects.create(
            tenant=tenant,
            firm=bad,
            method="bank_transfer",
            account_holder="Bad Data Inc",
            account_reference="44443333",
            routing_number="123456789",
        )
    for firm, amount in ((acme_firm, "2289.50"), (bolt, "1000.00"), (pal, "150.25")):
        owed(tenant, program, firm, amount, f"owed-{firm.pk}")
    owed(tenant, program, bad, "500.00", f"owed-{bad.pk}")
    outsider_tenant, outsider_program = load_program("ipsoft")
    _, _, outsider = join(
        "ipsoft",
        D(2026, 2, 2),
        tracks=["alliance"],
        email="out@ipsoft.test",
        loaded=(outsider_tenant, outsider_program),
    )
    tax_form(outsider_tenant, outsider.firm)
    originator(outsider_tenant, name="IPsoft")
    details(
        outsider_tenant,
        outsider.firm,
        method="bank_transfer",
        account_holder="Outsider Partner",
        account_reference="55555555",
        routing_number=ACME_ROUTING,
    )
    owed(outsider_tenant, outsider_program, outsider.firm, "777.00", "outsider-owed")
    with tenant_scope(outsider_tenant):
        batch_build(tenant=outsider_tenant, program=outsider_program, period=MAY)
    with tenant_scope(tenant):
        batch, _ = batch_build(tenant=tenant, program=program, period=MAY)
        if approve:
            with time_machine.travel(noon(APPROVED_ON), tick=False):
                batch = batch_approve(
                    tenant=tenant, batch=batch, user=manager(tenant), today=APPROVED_ON
                )
    return UsdBatch(
        tenant=tenant,
        program=program,
        batch=batch,
        acme=acme_firm,
        bolt=bolt,
        pal=pal,
        bad=bad,
        finance=StaffMembershipFactory(tenant=tenant, role=StaffRole.FINANCE).user,
        outsider=outsider.firm,
        outsider_finance=StaffMembershipFactory(
            tenant=outsider_tenant, role=StaffRole.FINANCE
        ).user,
    )


def download(user, batch, kind: str, *, follow=False):
    """Finance's click on the batch page's bank-file link (redirects back when refused)."""
    ext = {"nacha": "ach", "sepa": "xml", "paypal": "csv"}[kind]
    url = f"/admin/commissions/payoutbatch/{batch.pk}/bank-{kind}.{ext}"
    with time_machine.travel(DOWNLOADED_AT, tick=False):
        return signed_in(user).get(url, follow=follow)
