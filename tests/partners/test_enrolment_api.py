import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from partners.services.applications import application_approve
from tenants.scope import tenant_scope
from tests.factories import StaffMembershipFactory, UserFactory
from tests.isolation import assert_hidden_from
from tests.partners.conftest import load_program

pytestmark = pytest.mark.usefixtures("frozen")
NOON = datetime.datetime(2025, 4, 15, 12, tzinfo=datetime.UTC)


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
    [enrolment] = client.get("/simpro/api/v1/enrolments/").json()["results"]
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
    mine = signed_in(cast.partner_rep_a1.user).get("/simpro/api/v1/enrolments/").json()["results"]
    assert [e["firm"] for e in mine] == [cast.firm_a1.name]
    staff = signed_in(cast.manager_a).get("/simpro/api/v1/enrolments/").json()["results"]
    assert {e["firm"] for e in staff} == {cast.firm_a1.name, cast.firm_a2.name}
    assert_hidden_from(cast.partner_rep_b1.user, "/simpro/api/v1/enrolments/")


def enrol_many(tenant, program, count: int, *, prefix: str = "Firm") -> None:
    """`count` more active firms in the program (rows, not the application flow: only volume)."""
    from partners.models import Enrolment, FeeInvoice, PartnerFirm
    from programs.selectors import version_in_force

    today = datetime.date(2025, 4, 15)
    with tenant_scope(tenant):
        version = version_in_force(program, today)
        start = PartnerFirm.objects.count()
        firms = PartnerFirm.objects.bulk_create(
            PartnerFirm(tenant=tenant, name=f"{prefix} {start + n:04}", country="AU")
            for n in range(count)
        )
        enrolments = Enrolment.objects.bulk_create(
            Enrolment(
                tenant=tenant,
                firm=firm,
                program=program,
                status="active",
                tier_key="registered",
                tier_since=today,
                tracks=["referral"],
                territories=["AU"],
                approved_at=NOON,
                term_start=today,
                term_end=today.replace(year=2026),
            )
            for firm in firms
        )
        FeeInvoice.objects.bulk_create(
            FeeInvoice(
                tenant=tenant,
                enrolment=enrolment,
                program_version=version,
                description="Program fee",
                amount_minor=10_000,
                currency="AUD",
                issued_on=today,
                status="paid",
            )
            for enrolment in enrolments
        )


def enrolment_list_queries(client, url="/simpro/api/v1/enrolments/") -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as sql:
        response = client.get(url)
    assert response.status_code == 200
    return len(sql.captured_queries), response.json()


def test_staff_enrolment_list_is_paged_in_constant_queries(cast):
    _, program = load_program("simpro")
    staff = signed_in(cast.manager_a)
    enrol_many(cast.tenant_a, program, 10)
    few, page = enrolment_list_queries(staff)
    assert page["count"] == 10 and len(page["results"]) == 10

    enrol_many(cast.tenant_a, program, 240)
    many, page = enrolment_list_queries(staff)

    assert many == few, (few, many)
    assert page["count"] == 250 and len(page["results"]) == 50 and page["next"]
    first = page["results"][0]
    assert (first["firm"], first["tier_name"], first["tracks"]) == (
        "Firm 0002",
        "Registered",
        ["referral"],
    )
    assert "Deal registration and reporting in the Simpro Partner Portal" in first["benefits"]
    _, last = enrolment_list_queries(staff, "/simpro/api/v1/enrolments/?page=5")
    assert last["results"][-1]["firm"] == "Firm 0251" and last["next"] is None
    # another vendor's staff see none of them, and neither does a partner of another firm
    assert signed_in(cast.manager_b).get("/ipsoft/api/v1/enrolments/").json()["count"] == 0
    assert (
        signed_in(cast.partner_rep_a2.user).get("/simpro/api/v1/enrolments/").json()["count"] == 0
    )
    assert_hidden_from(cast.manager_b, "/simpro/api/v1/enrolments/")
