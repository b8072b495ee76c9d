"""Missing or invalid payout details are a hold at batch build, for vendors paying by file."""

from django.test import Client

from commissions.models import PayoutLine
from commissions.payouts import batch_build
from commissions.statements import statement_of
from partners.models import PartnerContact
from tenants.scope import tenant_scope
from tests.bankfiles.conftest import MAY, details, originator, owed, usd_batch
from tests.commissions.conftest import cim_partner


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_partner_without_details_is_held_and_sees_why_in_the_portal(db):
    tenant, program, enrolment = cim_partner("nodetails@cim.test")
    originator(tenant)
    owed(tenant, program, enrolment.firm, "420.00", "nodetails")

    with tenant_scope(tenant):
        batch, _ = batch_build(tenant=tenant, program=program, period=MAY)
        line = PayoutLine.objects.get(batch=batch, firm=enrolment.firm)
        statement = statement_of(line).data
        partner = PartnerContact.objects.filter(firm=enrolment.firm).first().user
    page = signed_in(partner).get("/cimcloud/portal/commissions/").content.decode()

    reason = "No valid payout details: none entered. Payment held until the partner corrects"
    assert (line.status, line.payable_minor, line.net_minor) == ("held", 0, 42_000)
    assert line.hold_reason.startswith(reason)
    assert statement["hold_reason"].startswith(reason)
    assert reason in page.replace("&amp;", "&")


def test_a_vendor_without_bank_files_pays_as_before(db):
    # no bank originator: the vendor pays from its ERP and never collected details here
    tenant, program, enrolment = cim_partner("erp@cim.test")
    owed(tenant, program, enrolment.firm, "420.00", "erp")

    with tenant_scope(tenant):
        batch, _ = batch_build(tenant=tenant, program=program, period=MAY)
        line = PayoutLine.objects.get(batch=batch, firm=enrolment.firm)

    assert (line.status, line.payable_minor) == ("payable", 42_000)


def test_details_corrected_after_the_build_are_paid_next_month(db):
    scenario = usd_batch()
    details(
        scenario.tenant,
        scenario.bad,
        method="bank_transfer",
        account_holder="Bad Data Inc",
        account_reference="44443333",
        routing_number="011000028",
    )
    owed(scenario.tenant, scenario.program, scenario.bad, "1.00", "june")

    with tenant_scope(scenario.tenant):
        june, _ = batch_build(
            tenant=scenario.tenant, program=scenario.program, period=MAY.replace(month=6)
        )
        line = PayoutLine.objects.get(batch=june, firm=scenario.bad)

    assert (line.status, line.payable_minor) == ("payable", 50_100)  # May's 500.00 carried
