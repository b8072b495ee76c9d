"""The SEPA pain.001.001.03 file of an approved EUR batch, validated against its XSD."""

import os
import xml.etree.ElementTree as ET
from decimal import Decimal

import sepaxml
import time_machine
import xmlschema

from commissions.models import PayoutLine
from commissions.payouts import batch_approve, batch_build
from tenants.models import StaffRole
from tenants.scope import tenant_scope
from tests.bankfiles.conftest import (
    APPROVED_ON,
    MAY,
    details,
    download,
    originator,
    owed,
    usd_batch,
)
from tests.commissions.conftest import D, tax_form
from tests.factories import StaffMembershipFactory
from tests.partners.conftest import load_program
from tests.tiers.conftest import join, manager, noon

XSD = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", "pain.001.001.03.xsd")
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}


def eur_batch():
    """Entimo's approved May batch: Berlin (IBAN + BIC) 2,289.50, Lyon (IBAN) 10.05, one held."""
    tenant, program = load_program("entimo")
    firms = []
    for email in ("berlin@entimo.test", "lyon@entimo.test", "typo@entimo.test"):
        _, _, enrolment = join("entimo", D(2026, 2, 2), email=email, loaded=(tenant, program))
        tax_form(tenant, enrolment.firm)
        firms.append(enrolment.firm)
    berlin, lyon, typo = firms
    originator(tenant, name="Entimo AG")
    details(
        tenant,
        berlin,
        method="bank_transfer",
        account_holder="Berlin Partner GmbH",
        account_reference="DE89 3704 0044 0532 0130 00",
        bic="COBADEFFXXX",
    )
    details(
        tenant,
        lyon,
        method="bank_transfer",
        account_holder="Lyon Intégration SARL",
        account_reference="FR1420041010050500013M02606",
    )
    details(  # a US account cannot take a EUR transfer: held
        tenant,
        typo,
        method="bank_transfer",
        account_holder="Typo Ltd",
        account_reference="12345670",
        routing_number="021000021",
    )
    for firm, amount in ((berlin, "2289.50"), (lyon, "10.05"), (typo, "99.00")):
        owed(tenant, program, firm, amount, f"eur-{firm.pk}")
    with tenant_scope(tenant), time_machine.travel(noon(APPROVED_ON), tick=False):
        batch, _ = batch_build(tenant=tenant, program=program, period=MAY)
        batch = batch_approve(tenant=tenant, batch=batch, user=manager(tenant), today=APPROVED_ON)
    finance = StaffMembershipFactory(tenant=tenant, role=StaffRole.FINANCE).user
    return tenant, batch, finance, firms


def test_finance_downloads_a_schema_valid_sepa_file(db):
    # given Entimo's approved EUR batch and CIMcloud's USD one (an outsider vendor)
    tenant, batch, finance, (berlin, lyon, typo) = eur_batch()
    usd_batch()

    response = download(finance, batch, "sepa")

    # then the file is valid pain.001.001.03 and its controls are the batch's payable
    assert response.status_code == 200 and response["Content-Type"] == "application/xml"
    xmlschema.XMLSchema(XSD).validate(response.content.decode())
    root = ET.fromstring(response.content)
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    assert header.find("p:NbOfTxs", NS).text == "2"
    assert Decimal(header.find("p:CtrlSum", NS).text) == Decimal("2299.55")
    info = root.find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert info.find("p:DbtrAcct/p:Id/p:IBAN", NS).text == "DE89370400440532013000"
    assert info.find("p:ReqdExctnDt", NS).text == "2026-06-30"
    transfers = {
        tx.find("p:CdtrAcct/p:Id/p:IBAN", NS).text: (
            tx.find("p:Amt/p:InstdAmt", NS).text,
            tx.find("p:Amt/p:InstdAmt", NS).get("Ccy"),
            tx.find("p:Cdtr/p:Nm", NS).text,
            tx.find("p:PmtId/p:EndToEndId", NS).text,
        )
        for tx in info.findall("p:CdtTrfTxInf", NS)
    }
    reference = f"PRM-B{batch.pk}-F"
    assert transfers == {
        "DE89370400440532013000": (
            "2289.50",
            "EUR",
            "Berlin Partner GmbH",
            f"{reference}{berlin.pk}",
        ),
        "FR1420041010050500013M02606": (
            "10.05",
            "EUR",
            "Lyon Integration SARL",
            f"{reference}{lyon.pk}",
        ),
    }  # names transliterated for the banks (Intégration -> Integration)
    # and the partner with US details is held, in no file
    with tenant_scope(tenant):
        held = PayoutLine.objects.get(batch=batch, firm=typo)
    assert held.status == "held" and "needs an IBAN" in held.hold_reason
    assert b"Typo" not in response.content and b"CIMcloud" not in response.content


def test_a_eur_batch_has_no_nacha_file(db):
    _, batch, finance, _ = eur_batch()

    page = download(finance, batch, "nacha", follow=True)

    assert "A NACHA (ACH) file pays USD; " in page.content.decode()
