import datetime

import pytest
import time_machine
from django.test import Client

from partners.models import Application, Enrolment
from partners.services.applications import application_approve
from tenants.scope import tenant_scope
from tests.factories import StaffMembershipFactory, UserFactory
from tests.isolation import assert_hidden_from
from tests.partners.conftest import load_program

pytestmark = pytest.mark.usefixtures("frozen")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def apply_form(**overrides) -> dict:
    return {
        "firm_name": "Bluebird Services",
        "website": "bluebird.example",
        "country": "au",
        "territories": "AU, NZ",
        "tracks": ["service-providers"],
        "accept_agreement": "on",
    } | overrides


def test_newcomer_is_locked_to_the_application_until_they_apply(db):
    load_program("simpro")
    client = signed_in(UserFactory(email="new@bluebird.test"))
    response = client.get("/simpro/portal/")
    assert response.status_code == 302 and response["Location"] == "/simpro/portal/apply/"
    page = client.get("/simpro/portal/apply/")
    assert page.status_code == 200
    assert b"The program agreement you accept" in page.content
    assert b"Premier" in page.content and b"(by invitation)" in page.content
    assert client.get("/simpro/api/v1/partner-firms/").status_code == 404


def test_application_without_agreement_shows_the_error_and_stores_nothing(db):
    tenant, _ = load_program("simpro")
    client = signed_in(UserFactory(email="new@bluebird.test"))
    form = apply_form()
    del form["accept_agreement"]
    response = client.post("/simpro/portal/apply/", form)
    assert response.status_code == 200
    assert b"You must accept the program agreement to apply." in response.content
    with tenant_scope(tenant):
        assert not Application.objects.exists()


def test_bad_input_is_explained_field_by_field(db):
    load_program("simpro")
    client = signed_in(UserFactory(email="new@bluebird.test"))
    response = client.post(
        "/simpro/portal/apply/", apply_form(country="Australia", territories="AU, AUS", tracks=[])
    )
    body = response.content.decode()
    assert "Use the two-letter ISO code" in body
    assert "Territory &#x27;AUS&#x27; is not a country in ISO 3166" in body
    assert "This field is required." in body  # modules


def test_apply_then_approval_opens_the_portal_home(db):
    tenant, _ = load_program("simpro")
    user = UserFactory(email="new@bluebird.test")
    client = signed_in(user)
    response = client.post("/simpro/portal/apply/", apply_form())
    assert response.status_code == 302
    pending = client.get("/simpro/portal/apply/")
    assert b"under review" in pending.content
    with tenant_scope(tenant):
        application = Application.objects.get()
        assert application.tracks == ["service-providers"]
        assert application.territories == ["AU", "NZ"]
        acceptance = application.acceptances.get()
        with time_machine.travel(datetime.date(2025, 4, 15), tick=False):
            application_approve(
                tenant=tenant,
                application=application,
                user=StaffMembershipFactory(tenant=tenant).user,
            )
    assert acceptance.ip_address == "127.0.0.1"
    home = client.get("/simpro/portal/")
    assert home.status_code == 200
    body = home.content.decode()
    assert "Bluebird Services" in body
    assert "Registered" in body and "2025-04-15 to 2026-04-14" in body
    assert "Listing on the Simpro Partner Directory" in body
    assert "Dedicated Partner Manager" not in body  # Select and Premier only


def test_directory_lists_consenting_active_partners_with_accepted_tier(db):
    tenant, program = load_program("entimo")
    manager = StaffMembershipFactory(tenant=tenant).user
    from tests.partners.test_applications import submit

    for email, name in (("a@one.test", "One GmbH"), ("b@two.test", "Two AG")):
        application = submit(tenant, program, UserFactory(email=email), firm_name=name)
        with tenant_scope(tenant):
            application_approve(tenant=tenant, application=application, user=manager)
    with tenant_scope(tenant):
        Enrolment.objects.filter(firm__name="Two AG").update(status="suspended")
        Enrolment.objects.filter(firm__name="One GmbH").update(tier_key="silver")
    page = Client().get("/entimo/directory/")
    assert page.status_code == 200
    assert b"One GmbH" in page.content and b"Silver" in page.content
    assert b"Two AG" not in page.content
    filtered = Client().get("/entimo/directory/?tier=gold")
    assert b"One GmbH" not in filtered.content


def test_directory_of_another_vendor_shows_none_of_these_partners(db, cast):
    tenant, program = load_program("simpro")
    from tests.partners.test_applications import submit

    application = submit(
        tenant, program, cast.partner_admin_a1.user, tracks=["referral"], directory_consent=True
    )
    with tenant_scope(tenant):
        application_approve(tenant=tenant, application=application, user=cast.manager_a)
    assert cast.firm_a1.name.encode() in Client().get("/simpro/directory/").content
    other = Client().get("/ipsoft/directory/")
    assert other.status_code == 200 and cast.firm_a1.name.encode() not in other.content


def test_portal_home_of_another_vendor_is_not_reachable_for_a_partner(cast):
    response = signed_in(cast.partner_rep_a1.user).get("/ipsoft/portal/")
    assert response.status_code == 302  # to IPsoft's application page, never IPsoft's data
    assert_hidden_from(cast.partner_rep_a1.user, "/ipsoft/api/v1/partner-firms/")
