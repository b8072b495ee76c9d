import pytest
from django.test import Client

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


def body(**overrides) -> dict:
    return {
        "program": "partner-program",
        "firm_name": "Bluebird",
        "country": "AU",
        "territories": ["AU"],
        "tracks": ["referral"],
        "accept_agreement": True,
    } | overrides


def test_apply_by_api_then_read_the_enrolment(db):
    tenant, _ = load_program("simpro")
    user = UserFactory(email="api@bluebird.test")
    client = signed_in(user)
    created = client.post("/simpro/api/v1/applications/", body(), content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["agreement_version"] == 1
    assert client.get("/simpro/api/v1/enrolments/").status_code == 404  # not a partner yet
    from partners.models import Application

    with tenant_scope(tenant):
        application_approve(
            tenant=tenant,
            application=Application.objects.get(),
            user=StaffMembershipFactory(tenant=tenant).user,
        )
    [enrolment] = client.get("/simpro/api/v1/enrolments/").json()
    assert (enrolment["tier"], enrolment["tier_name"], enrolment["tracks"]) == (
        "registered",
        "Registered",
        ["referral"],
    )
    assert enrolment["term_end"] == "2026-04-14"
    assert "Deal registration and reporting in the Simpro Partner Portal" in enrolment["benefits"]


def test_api_application_errors_name_the_field(db):
    load_program("simpro")
    client = signed_in(UserFactory(email="api@bluebird.test"))
    refused = client.post(
        "/simpro/api/v1/applications/",
        body(accept_agreement=False, country="Australia"),
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert "country" in refused.json()["error"]["fields"]
    no_agreement = client.post(
        "/simpro/api/v1/applications/",
        body(accept_agreement=False),
        content_type="application/json",
    )
    assert no_agreement.json()["error"]["fields"] == {
        "accept_agreement": ["You must accept the agreement shown."]
    }


def test_anonymous_cannot_apply(db):
    load_program("simpro")
    response = Client().post(
        "/simpro/api/v1/applications/", body(), content_type="application/json"
    )
    assert response.status_code == 401


def test_partner_sees_only_their_firms_enrolments(cast):
    _, program = load_program("simpro")
    manager = StaffMembershipFactory(tenant=cast.tenant_a).user
    from partners.services.applications import application_submit

    for contact in (cast.partner_admin_a1, cast.partner_rep_a2):
        contact.role = "partner_admin"
        with tenant_scope(cast.tenant_a):
            contact.save()
            application = application_submit(
                tenant=cast.tenant_a,
                program=program,
                user=contact.user,
                firm_name="x",
                country="AU",
                tracks=["referral"],
                accept_agreement=True,
            )
            application_approve(tenant=cast.tenant_a, application=application, user=manager)
    mine = signed_in(cast.partner_rep_a1.user).get("/simpro/api/v1/enrolments/").json()
    assert [e["firm"] for e in mine] == [cast.firm_a1.name]
    staff = signed_in(cast.manager_a).get("/simpro/api/v1/enrolments/").json()
    assert {e["firm"] for e in staff} == {cast.firm_a1.name, cast.firm_a2.name}
    assert_hidden_from(cast.partner_rep_b1.user, "/simpro/api/v1/enrolments/")
