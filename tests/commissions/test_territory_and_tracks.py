"""IPsoft's referral fee: net-new business in the partner's designated territory, paid only to
the classifications enrolled in the referral fee program (seed 002 §3.0, §4.0, §7.2)."""

from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from commissions.models import CommissionLine, LedgerEntry
from deals.models import Product
from deals.services.orders import LineInput, customer_upsert, order_record
from partners.models import Enrolment, PartnerContact
from programs.errors import DefinitionError
from programs.models import CommissionRule, ProgramVersion
from programs.serialization import canonical, rule_conditions, rule_tracks, version_document
from programs.services import validate_document
from tenants.models import StaffRole
from tenants.scope import tenant_scope
from tenants.services import api_key_create
from tests.commissions.conftest import accrue
from tests.factories import StaffMembershipFactory
from tests.isolation import assert_hidden_from
from tests.partners.conftest import load_program
from tests.tiers.conftest import D, join, lead, noon

JOINED = D(2025, 1, 6)
REFERRED = D(2025, 4, 1)
COMPLETED = D(2025, 4, 10)
OUTSIDE = "Customer in FR is outside the designated territory (CA, US)."


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def contact_of(tenant, enrolment):
    with tenant_scope(tenant):
        return PartnerContact.objects.filter(firm=enrolment.firm).order_by("pk").first().user


def ipsoft_partner(loaded, email, *, track, territories=("US", "CA")):
    """A Registered IPsoft partner of `track`, authorised in `territories`, in good standing."""
    tenant, _program, enrolment = join("ipsoft", JOINED, tracks=[track], email=email, loaded=loaded)
    with tenant_scope(tenant):
        Enrolment.objects.filter(pk=enrolment.pk).update(
            tier_key="registered", territories=list(territories)
        )
        enrolment.refresh_from_db()
    return enrolment


def erp_order(tenant, registration, customer, country, on) -> None:
    """The vendor's ERP records a completed order of 50,000.00 from `customer` in `country`."""
    with tenant_scope(tenant):
        key = api_key_create(tenant=tenant, name=f"ERP {customer}")[1]
    erp = Client(headers={"Authorization": f"Api-Key {key}"})
    base = f"/{tenant.slug}/api/v1/"
    erp.post(
        base + "products/create/",
        {"code": "AMELIA", "name": "Amelia", "category": "platform"},
        content_type="application/json",
    )
    buyer = erp.post(
        base + "customers/create/",
        {"name": customer, "external_id": f"CRM-{customer}", "country": country},
        content_type="application/json",
    ).json()
    made = erp.post(
        base + "orders/create/",
        {
            "customer": buyer["id"],
            "external_id": f"SO-{customer}",
            "ordered_on": on.isoformat(),
            "registration": registration.pk,
            "order_form_signed_on": on.isoformat(),
            "initial_payment_received_on": on.isoformat(),
            "lines": [{"product_code": "AMELIA", "list_price": "50000.00", "price": "50000.00"}],
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.content


def sale(tenant, enrolment, customer, country) -> None:
    registration = lead(tenant, enrolment, customer, REFERRED)
    with time_machine.travel(noon(COMPLETED), tick=False):
        erp_order(tenant, registration, customer, country, COMPLETED)


def lines_seen_by(user, tenant) -> dict[str, dict]:
    response = signed_in(user).get(f"/{tenant.slug}/api/v1/commission-lines/")
    assert response.status_code == 200
    # "Order SO-Acme of Acme" -> keyed by the customer
    return {row["order"].split(" of ")[-1]: row for row in response.json()["results"]}


@pytest.mark.django_db(transaction=True)
def test_referral_fee_only_inside_the_designated_territory(cast, eager_tasks):
    # given an IPsoft Alliance Partner authorised in the US and Canada
    loaded = load_program("ipsoft")
    tenant = cast.tenant_b
    alliance = ipsoft_partner(loaded, "alliance@partner.test", track="alliance")
    # when the ERP records a completed referral order from a French customer and one from a
    # Canadian one (the order-completed event accrues them)
    sale(tenant, alliance, "Banque de Lyon", "FR")
    sale(tenant, alliance, "Maple Trust", "CA")
    # then the French order earns 0.00, saying why, and the Canadian one its 10 %
    partner = contact_of(tenant, alliance)
    seen = lines_seen_by(partner, tenant)
    french, canadian = seen["Banque de Lyon"], seen["Maple Trust"]
    assert (french["amount"], french["earned"], french["explanation"]) == ("0.00", False, OUTSIDE)
    assert (canadian["amount"], canadian["earned"]) == ("5000.00", True), canadian["explanation"]
    with tenant_scope(tenant):
        assert list(LedgerEntry.objects.values_list("amount_minor", flat=True)) == [500_000]
    # and the partner's commissions page and the console show the same reason
    page = signed_in(partner).get("/ipsoft/portal/commissions/").content.decode()
    assert "outside the designated territory (CA, US)" in page and "5,000.00 USD" in page
    console = signed_in(cast.manager_b).get("/admin/commissions/commissionline/")
    assert console.status_code == 200 and OUTSIDE in console.content.decode()
    # and nobody outside the firm sees its lines
    assert_hidden_from(cast.manager_a, "/ipsoft/api/v1/commission-lines/")
    assert lines_seen_by(cast.partner_rep_b1.user, tenant) == {}


@pytest.mark.django_db(transaction=True)
def test_a_classification_not_in_the_referral_fee_program_earns_nothing(cast, eager_tasks):
    # given an Advisory Partner and an Implementation Partner, both authorised in the US
    loaded = load_program("ipsoft")
    tenant = cast.tenant_b
    advisor = ipsoft_partner(loaded, "advisor@partner.test", track="advisor")
    implementer = ipsoft_partner(loaded, "implementer@partner.test", track="implementation")
    # when each completes a referral order from a US customer
    sale(tenant, advisor, "Acme Bank", "US")
    sale(tenant, implementer, "Beta Bank", "US")
    # then only the Implementation Partner earns: advisors are not in the referral fee program
    mine = lines_seen_by(contact_of(tenant, advisor), tenant)["Acme Bank"]
    theirs = lines_seen_by(contact_of(tenant, implementer), tenant)["Beta Bank"]
    assert (mine["amount"], mine["earned"], mine["explanation"]) == (
        "0.00",
        False,
        "Referral fee (share of first-year net revenue) is paid only to partners enrolled as "
        "Alliance Partner or Implementation Partner.",
    )
    assert (theirs["amount"], theirs["earned"]) == ("5000.00", True), theirs["explanation"]
    with tenant_scope(tenant):
        assert CommissionLine.objects.filter(earned=True).count() == 1


def test_rule_tracks_round_trip_and_an_unknown_track_is_refused_with_its_path(db):
    tenant, program = load_program("ipsoft")
    with tenant_scope(tenant):
        version = ProgramVersion.objects.get(program=program)
        rule = CommissionRule.objects.get(version=version, key="referral-fee")
        document = version_document(version)
    assert rule_tracks(rule) == ["alliance", "implementation"]
    assert "customer_in_territory" in rule_conditions(rule)
    assert canonical(document)["commissions"]["rules"][0]["tracks"] == [
        "alliance",
        "implementation",
    ]

    document["commissions"]["rules"][0]["tracks"] = ["alliance", "reseller"]
    with pytest.raises(DefinitionError) as refused:
        validate_document(document, where="ipsoft.yaml")
    assert "commissions.rules[0].tracks: unknown track 'reseller'" in refused.value.problems


def test_without_a_customer_country_the_registered_prospects_country_decides(db):
    # given an Alliance Partner authorised in Canada only, and a lead registered in the US
    loaded = load_program("ipsoft")
    tenant = loaded[0]
    partner = ipsoft_partner(loaded, "ca-only@partner.test", track="alliance", territories=["CA"])
    registration = lead(tenant, partner, "Gamma Corp", REFERRED)
    # when the order is recorded for a customer whose record has no country
    with tenant_scope(tenant):
        Product.objects.create(tenant=tenant, code="AMELIA", name="Amelia", category="platform")
        buyer = customer_upsert(tenant=tenant, name="Gamma Corp", external_id="gamma")
        registration.refresh_from_db()
        order = order_record(
            tenant=tenant,
            customer=buyer,
            ordered_on=COMPLETED,
            lines=[LineInput("AMELIA", 1, Decimal("50000.00"), Decimal("50000.00"))],
            currency="USD",
            registration=registration,
            order_form_signed_on=COMPLETED,
            initial_payment_received_on=COMPLETED,
        )
    fee = accrue(tenant, order)["AMELIA"]
    # then the prospect's registered country (US) is outside the territory, and finance sees why
    assert (fee.earned, fee.amount_minor, fee.explanation) == (
        False,
        0,
        "Customer in US is outside the designated territory (CA).",
    )
    staff = StaffMembershipFactory(tenant=tenant, role=StaffRole.FINANCE).user
    body = signed_in(staff).get("/admin/commissions/commissionline/").content.decode()
    assert "outside the designated territory (CA)" in body
