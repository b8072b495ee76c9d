"""The financial-benefit election: Simpro pays a referral fee OR a discount, never both."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from partners.models import ContactRole, Enrolment, EnrolmentStatus
from partners.services.tax import enrolment_elect_financial_benefit
from programs.models import Program
from tenants.errors import ApplicationError
from tenants.scope import all_tenants, tenant_scope
from tests.factories import PartnerContactFactory, UserFactory
from tests.isolation import assert_hidden_from, assert_visible_to

BOTH = ["referral-fee", "subscription-discount"]


def load_program(name: str) -> None:
    call_command(
        "load_programs", f"programs/definitions/{name}.yaml", publish=True, stdout=StringIO()
    )


def enrol(firm, *, status=EnrolmentStatus.ACTIVE) -> Enrolment:
    """An enrolment created directly (the partner-lifecycle flow is another issue's)."""
    # building across tenants on purpose: the fixture plays the loader's part
    with all_tenants():
        program = Program.objects.get(tenant=firm.tenant, slug="partner-program")
        return Enrolment.objects.create(
            tenant=firm.tenant,
            firm=firm,
            program=program,
            tracks=["referral"],
            territories=["AU"],
            status=status,
            tier_key="registered",
            tier_since=datetime.date(2025, 1, 1),
            approved_at=timezone.now(),
            term_start=datetime.date(2025, 1, 1),
            term_end=datetime.date(2025, 12, 31),
        )


@pytest.fixture
def enrolments(cast):
    """Simpro's firms A1 and A2 and IPsoft's firm B1 are enrolled in their vendors' programs."""
    load_program("simpro")
    load_program("ipsoft")
    return {"a1": enrol(cast.firm_a1), "a2": enrol(cast.firm_a2), "b1": enrol(cast.firm_b1)}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def portal_url(enrolment, tenant="simpro") -> str:
    return f"/{tenant}/portal/tax/enrolments/{enrolment.pk}/financial-benefit/"


def api_url(enrolment, tenant="simpro", elect=False) -> str:
    return f"/{tenant}/api/v1/enrolments/{enrolment.pk}/financial-benefit/" + (
        "elect/" if elect else ""
    )


def elect_api(user, enrolment, benefit, tenant="simpro"):
    return signed_in(user).post(
        api_url(enrolment, tenant, elect=True),
        {"financial_benefit": benefit},
        content_type="application/json",
    )


def elected(enrolment) -> str:
    with all_tenants():
        return Enrolment.objects.get(pk=enrolment.pk).financial_benefit


def admin_of(firm, email: str):
    contact = PartnerContactFactory(
        firm=firm, role=ContactRole.PARTNER_ADMIN, user=UserFactory(email=email)
    )
    return contact.user


def test_a_partner_admin_elects_one_benefit_in_the_portal(cast, enrolments):
    client = signed_in(cast.partner_admin_a1.user)

    response = client.post(portal_url(enrolments["a1"]), {"financial_benefit": "referral-fee"})

    assert response.status_code == 302
    assert elected(enrolments["a1"]) == "referral-fee"
    page = client.get("/simpro/portal/tax/").content.decode()
    assert "Elected: <strong>Referral fee for a net-new Qualified Referral</strong>" in page
    assert "<legend>Financial benefit (one only):</legend>" in page


def test_choosing_both_in_the_form_is_refused(cast, enrolments):
    client = signed_in(cast.partner_admin_a1.user)

    response = client.post(portal_url(enrolments["a1"]), {"financial_benefit": BOTH})

    assert response.status_code == 400
    assert "allows one financial benefit only" in response.content.decode()
    assert elected(enrolments["a1"]) == ""


def test_choosing_both_through_the_api_is_refused(cast, enrolments):
    response = elect_api(cast.partner_admin_a1.user, enrolments["a1"], BOTH)

    assert response.status_code == 400
    error = response.json()["error"]
    assert "allows one financial benefit only" in error["message"]
    assert error["fields"]["financial_benefit"] == [error["message"]]
    assert elected(enrolments["a1"]) == ""


@pytest.mark.parametrize("benefit", ["cash-back", "referral-fees", "", []])
def test_an_unknown_or_missing_benefit_is_refused(cast, enrolments, benefit):
    response = elect_api(cast.partner_admin_a1.user, enrolments["a1"], benefit)

    assert response.status_code == 400
    assert elected(enrolments["a1"]) == ""


def test_a_program_without_exclusive_benefits_refuses_any_election(cast, enrolments):
    ipsoft_admin = admin_of(cast.firm_b1, "admin@cognitive.test")

    response = elect_api(ipsoft_admin, enrolments["b1"], "referral-fee", tenant="ipsoft")

    assert response.status_code == 400
    assert "has no financial benefit to elect" in response.json()["error"]["message"]
    assert elected(enrolments["b1"]) == ""
    detail = signed_in(ipsoft_admin).get(api_url(enrolments["b1"], "ipsoft")).json()
    assert detail["choices"] == []


def test_the_election_can_be_changed_later(cast, enrolments):
    admin = cast.partner_admin_a1.user
    elect_api(admin, enrolments["a1"], "referral-fee")

    response = elect_api(admin, enrolments["a1"], ["subscription-discount"])

    assert response.status_code == 200
    assert response.json()["financial_benefit"] == "subscription-discount"
    assert elected(enrolments["a1"]) == "subscription-discount"


def test_an_ended_enrolment_cannot_elect(cast, enrolments):
    ended = enrolments["a1"]
    with all_tenants():
        Enrolment.objects.filter(pk=ended.pk).update(status=EnrolmentStatus.TERMINATED)

    with tenant_scope(cast.tenant_a), pytest.raises(ApplicationError, match="has ended"):
        enrolment_elect_financial_benefit(
            tenant=cast.tenant_a, enrolment=ended, benefits=["referral-fee"], elected_by=None
        )


def test_the_service_refuses_both_benefits(cast, enrolments):
    with tenant_scope(cast.tenant_a), pytest.raises(ApplicationError, match="one financial"):
        enrolment_elect_financial_benefit(
            tenant=cast.tenant_a,
            enrolment=enrolments["a1"],
            benefits=BOTH,
            elected_by=cast.partner_admin_a1.user,
        )


def test_reps_and_staff_read_the_election_but_cannot_make_it(cast, enrolments):
    a1 = enrolments["a1"]
    for user in (cast.partner_rep_a1.user, cast.manager_a, cast.finance_a):
        assert_visible_to(user, api_url(a1))
        assert elect_api(user, a1, "referral-fee").status_code == 403
    assert signed_in(cast.partner_rep_a1.user).post(portal_url(a1)).status_code == 403
    body = signed_in(cast.partner_rep_a1.user).get(api_url(a1)).json()
    assert [c["key"] for c in body["choices"]] == BOTH
    assert elected(a1) == ""


def test_outsiders_get_404_for_another_firms_election(cast, enrolments):
    a1 = enrolments["a1"]
    other_admin = admin_of(cast.firm_a2, "admin@kiwi.test")
    for user in (other_admin, cast.partner_rep_a2.user, cast.partner_rep_b1.user, cast.manager_b):
        assert_hidden_from(user, api_url(a1))
        assert_hidden_from(user, api_url(a1, elect=True), method="post")
        assert_hidden_from(user, portal_url(a1), method="post", data={"financial_benefit": "x"})
    assert_hidden_from(cast.manager_b, api_url(a1, tenant="ipsoft"))
    assert elected(a1) == ""
    assert_visible_to(cast.partner_admin_a1.user, api_url(a1))
