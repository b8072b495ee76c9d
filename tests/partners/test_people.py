"""People: colleagues invited and removed, resources, certifications, evidence, expiry."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from partners.models import Certification, ContactRole, PartnerContact, Resource
from partners.selectors.people import valid_certifications
from tenants.scope import all_tenants, tenant_scope
from tests.factories import PartnerContactFactory, UserFactory
from tests.files import sample_pdf, sample_png
from tests.isolation import assert_hidden_from, assert_visible_to
from tests.vocabularies import cast_programs

PEOPLE = "/simpro/portal/people/"
PDF = sample_pdf()
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
D = datetime.date


@pytest.fixture(autouse=True)
def _cast_programs(request):
    """Both cast vendors run a program declaring the kinds these tests record."""
    if "cast" in request.fixturenames:
        cast_programs(request.getfixturevalue("cast"))


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def resource_of(firm, name="Ada Lovelace") -> Resource:
    with all_tenants():
        return Resource.objects.create(tenant=firm.tenant, firm=firm, name=name)


def certification_of(resource, *, earned_on, expires_on=None, status="verified", evidence=""):
    with all_tenants():
        return Certification.objects.create(
            tenant=resource.tenant,
            resource=resource,
            firm=resource.firm,
            kind="ctl",
            earned_on=earned_on,
            expires_on=expires_on or earned_on.replace(year=earned_on.year + 1),
            status=status,
            evidence=evidence,
        )


def contact_row(contact) -> PartnerContact:
    with all_tenants():
        return PartnerContact.objects.get(pk=contact.pk)


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()]


# --- colleagues --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the invitation is sent when the request commits
def test_partner_admin_invites_a_new_colleague_who_gets_an_email(cast, mailoutbox):
    client = signed_in(cast.partner_admin_a1.user)
    response = client.post(
        f"{PEOPLE}invite/", {"email": "New.Hire@Sparkline.test", "role": "partner_rep"}
    )
    assert response.status_code == 302
    with tenant_scope(cast.tenant_a):
        invited = PartnerContact.objects.get(user__email="new.hire@sparkline.test")
    assert (invited.firm_id, invited.role, invited.is_active) == (
        cast.firm_a1.pk,
        ContactRole.PARTNER_REP,
        True,
    )
    assert [m.to for m in mailoutbox] == [["new.hire@sparkline.test"]]


def test_inviting_a_person_of_another_firm_is_refused_and_says_why(cast):
    client = signed_in(cast.partner_admin_a1.user)
    response = client.post(f"{PEOPLE}invite/", {"email": "rep@kiwi.test", "role": "partner_rep"})
    assert response.status_code == 400
    assert "already works with another partner firm" in response.content.decode()
    assert contact_row(cast.partner_rep_a2).firm_id == cast.firm_a2.pk


def test_invite_form_shows_what_is_wrong(cast):
    client = signed_in(cast.partner_admin_a1.user)
    response = client.post(f"{PEOPLE}invite/", {"email": "not-an-address", "role": "boss"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Enter a valid email address." in html
    assert "Select a valid choice. boss is not one of the available choices." in html


def test_partner_rep_sees_people_but_cannot_invite_remove_or_designate(cast):
    client = signed_in(cast.partner_rep_a1.user)
    page = client.get(PEOPLE)
    assert page.status_code == 200
    assert "admin@sparkline.test" in page.content.decode()
    assert "Invite a colleague" not in page.content.decode()
    admin = cast.partner_admin_a1
    assert client.post(f"{PEOPLE}invite/", {"email": "x@y.test"}).status_code == 403
    assert client.post(f"{PEOPLE}{admin.pk}/remove/").status_code == 403
    designation = {"designation": "partner_manager"}
    assert client.post(f"{PEOPLE}{admin.pk}/designation/", designation).status_code == 403
    assert contact_row(admin).is_active and contact_row(admin).designation == ""


def test_partner_admin_removes_a_colleague_who_then_loses_the_portal(cast):
    rep = cast.partner_rep_a1
    response = signed_in(cast.partner_admin_a1.user).post(f"{PEOPLE}{rep.pk}/remove/")
    assert response.status_code == 302
    assert contact_row(rep).is_active is False
    assert signed_in(rep.user).get(PEOPLE).status_code == 404


def test_last_partner_admin_cannot_remove_themselves(cast):
    admin = cast.partner_admin_a1
    response = signed_in(admin.user).post(f"{PEOPLE}{admin.pk}/remove/")
    assert response.status_code == 400
    assert "You are the last active partner admin of Sparkline Pty Ltd" in response.content.decode()
    assert contact_row(admin).is_active is True


def test_an_admin_may_leave_when_another_admin_remains(cast):
    PartnerContactFactory(
        firm=cast.firm_a1,
        role=ContactRole.PARTNER_ADMIN,
        user=UserFactory(email="co@sparkline.test"),
    )
    admin = cast.partner_admin_a1
    response = signed_in(admin.user).post(f"{PEOPLE}{admin.pk}/remove/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert contact_row(admin).is_active is False


def test_last_partner_admin_cannot_demote_themselves_by_invitation(cast):
    admin = cast.partner_admin_a1
    client = signed_in(admin.user)
    response = client.post(f"{PEOPLE}invite/", {"email": admin.user.email, "role": "partner_rep"})
    assert response.status_code == 400
    assert "last active partner admin" in response.content.decode()
    assert contact_row(admin).role == ContactRole.PARTNER_ADMIN


def test_partner_admin_designates_a_colleague(cast):
    rep = cast.partner_rep_a1
    client = signed_in(cast.partner_admin_a1.user)
    response = client.post(f"{PEOPLE}{rep.pk}/designation/", {"designation": "partner_manager"})
    assert response.status_code == 302
    assert contact_row(rep).designation == "partner_manager"
    refused = client.post(f"{PEOPLE}{rep.pk}/designation/", {"designation": "ceo"})
    assert refused.status_code == 400
    assert contact_row(rep).designation == "partner_manager"


def test_people_pages_are_hidden_from_other_firms_and_tenants(cast):
    other_admin = PartnerContactFactory(firm=cast.firm_a2, role=ContactRole.PARTNER_ADMIN)
    resource = resource_of(cast.firm_a1)
    rep = cast.partner_rep_a1
    assert_visible_to(rep.user, PEOPLE)
    assert_visible_to(rep.user, f"{PEOPLE}resources/{resource.pk}/")
    for outsider in (cast.partner_rep_b1.user, cast.stranger, cast.manager_b):
        assert_hidden_from(outsider, PEOPLE)
    for outsider in (cast.partner_rep_a2.user, cast.partner_rep_b1.user, cast.manager_a):
        assert_hidden_from(outsider, f"{PEOPLE}resources/{resource.pk}/")
        assert_hidden_from(
            outsider, f"{PEOPLE}resources/{resource.pk}/certifications/add/", method="post"
        )
    # another tenant's partner, through their own vendor's prefix, still finds nothing
    assert_hidden_from(cast.partner_rep_b1.user, f"/ipsoft/portal/people/resources/{resource.pk}/")
    assert_hidden_from(other_admin.user, f"{PEOPLE}{rep.pk}/remove/", method="post")
    assert_hidden_from(
        other_admin.user, f"{PEOPLE}{rep.pk}/designation/", method="post", data={"designation": ""}
    )
    assert contact_row(rep).is_active is True


def test_another_firms_page_shows_none_of_our_people(cast):
    resource_of(cast.firm_a1, name="Grace Hopper")
    html = signed_in(cast.partner_rep_a2.user).get(PEOPLE).content.decode()
    assert "rep@kiwi.test" in html
    assert "Grace Hopper" not in html and "admin@sparkline.test" not in html


# --- resources and certifications --------------------------------------------------


def test_partner_adds_a_resource_and_a_certification_valid_for_a_year(cast):
    client = signed_in(cast.partner_rep_a1.user)
    response = client.post(f"{PEOPLE}resources/add/", {"name": "Ada Lovelace", "job_title": "CTL"})
    assert response.status_code == 302
    with tenant_scope(cast.tenant_a):
        resource = Resource.objects.get(name="Ada Lovelace")
    assert resource.firm_id == cast.firm_a1.pk

    form = {"kind": "ctl", "product": "simpro", "earned_on": "2024-02-29"}
    response = client.post(f"{PEOPLE}resources/{resource.pk}/certifications/add/", form)
    assert response.status_code == 302
    with tenant_scope(cast.tenant_a):
        certification = Certification.objects.get(resource=resource)
    assert certification.expires_on == D(2025, 2, 28)
    assert certification.status == Certification.Status.SUBMITTED
    assert certification.firm_id == cast.firm_a1.pk


def test_expiry_before_earning_is_refused_with_a_clear_error(cast):
    resource = resource_of(cast.firm_a1)
    form = {"kind": "sales", "earned_on": "2025-03-01", "expires_on": "2025-02-01"}
    client = signed_in(cast.partner_rep_a1.user)
    response = client.post(f"{PEOPLE}resources/{resource.pk}/certifications/add/", form)
    assert response.status_code == 400
    assert (
        "The expiry date must be after the earning date (2025-03-01)." in response.content.decode()
    )
    with tenant_scope(cast.tenant_a):
        assert not Certification.objects.exists()


def test_valid_certifications_count_from_earning_until_the_day_before_expiry(cast):
    resource = resource_of(cast.firm_a1)
    counted = certification_of(resource, earned_on=D(2025, 3, 1))  # expires 2026-03-01
    certification_of(resource, earned_on=D(2025, 3, 1), status="submitted")
    certification_of(resource, earned_on=D(2025, 3, 1), status="rejected")
    certification_of(resource_of(cast.firm_b1), earned_on=D(2025, 3, 1))

    def valid_on(day):
        with tenant_scope(cast.tenant_a):
            return list(valid_certifications(tenant=cast.tenant_a, on=day))

    assert valid_on(D(2025, 2, 28)) == []
    assert valid_on(D(2025, 3, 1)) == [counted]
    assert valid_on(D(2026, 2, 28)) == [counted]
    assert valid_on(D(2026, 3, 1)) == []  # the expiry date itself no longer counts
    assert valid_on(D(2026, 9, 1)) == []


def test_evidence_is_stored_under_a_server_generated_name_and_served_to_the_firm(
    cast, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    resource = resource_of(cast.firm_a1)
    upload = SimpleUploadedFile("../../etc/passwd.pdf", PDF, content_type="application/pdf")
    form = {"kind": "ctl", "earned_on": "2025-03-01", "evidence": upload}
    client = signed_in(cast.partner_rep_a1.user)
    response = client.post(f"{PEOPLE}resources/{resource.pk}/certifications/add/", form)
    assert response.status_code == 302
    with tenant_scope(cast.tenant_a):
        certification = Certification.objects.get(resource=resource)
    assert re.fullmatch(
        r"certifications/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", certification.evidence.name
    )
    [stored] = stored_files(tmp_path)
    assert stored.read_bytes() == PDF

    url = f"{PEOPLE}certifications/{certification.pk}/evidence/"
    download = client.get(url)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF
    for outsider in (cast.partner_rep_a2.user, cast.partner_rep_b1.user, cast.manager_a):
        assert_hidden_from(outsider, url)


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("certificate.pdf", EXE, "This file is not a PDF, PNG or JPEG file"),
        ("huge.pdf", PDF + b"0" * (5 * 1024 * 1024), "the limit is 5 MB."),
    ],
    ids=["renamed-exe", "over-5-mb"],
)
def test_bad_evidence_is_refused_and_nothing_is_stored(
    cast, settings, tmp_path, name, content, message
):
    settings.MEDIA_ROOT = tmp_path
    resource = resource_of(cast.firm_a1)
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    form = {"kind": "ctl", "earned_on": "2025-03-01", "evidence": upload}
    client = signed_in(cast.partner_rep_a1.user)
    response = client.post(f"{PEOPLE}resources/{resource.pk}/certifications/add/", form)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert stored_files(tmp_path) == []
    with tenant_scope(cast.tenant_a):
        assert not Certification.objects.exists()


# --- API ---------------------------------------------------------------------------

API = "/simpro/api/v1/"


@pytest.fixture
def api_key_a(cast) -> str:
    from tenants.services import api_key_create

    with tenant_scope(cast.tenant_a):
        return api_key_create(tenant=cast.tenant_a, name="LMS sync")[1]


def test_api_partners_see_their_firms_certifications_staff_and_keys_the_tenants(cast, api_key_a):
    ours = certification_of(resource_of(cast.firm_a1), earned_on=D(2025, 3, 1))
    theirs = certification_of(resource_of(cast.firm_a2), earned_on=D(2025, 3, 1))
    certification_of(resource_of(cast.firm_b1), earned_on=D(2025, 3, 1))

    def ids(response):
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids(signed_in(cast.partner_rep_a1.user).get(f"{API}certifications/")) == {ours.pk}
    assert ids(signed_in(cast.finance_a).get(f"{API}certifications/")) == {ours.pk, theirs.pk}
    key = {"Authorization": f"Api-Key {api_key_a}"}
    assert ids(Client().get(f"{API}certifications/", headers=key)) == {ours.pk, theirs.pk}
    valid_later = signed_in(cast.manager_a).get(f"{API}certifications/?valid_on=2026-03-01")
    assert ids(valid_later) == set()
    detail = f"{API}certifications/{ours.pk}/"
    assert_visible_to(cast.partner_rep_a1.user, detail)
    for outsider in (cast.partner_rep_a2.user, cast.partner_rep_b1.user, cast.manager_b):
        assert_hidden_from(outsider, detail)
        assert_hidden_from(outsider, f"{API}resources/{ours.resource_id}/")


def test_api_partner_creates_a_resource_and_certification_for_their_own_firm_only(cast):
    client = signed_in(cast.partner_rep_a1.user)
    response = client.post(
        f"{API}resources/create/", {"name": "Ada"}, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["firm"] == cast.firm_a1.pk
    resource_id = response.json()["id"]

    cert = {"resource": resource_id, "kind": "presales", "earned_on": "2025-01-15"}
    response = client.post(f"{API}certifications/create/", cert, content_type="application/json")
    assert response.status_code == 201
    assert (response.json()["expires_on"], response.json()["status"]) == ("2026-01-15", "submitted")

    other_firms_resource = resource_of(cast.firm_a2)
    cert["resource"] = other_firms_resource.pk
    response = client.post(f"{API}certifications/create/", cert, content_type="application/json")
    assert response.status_code == 404
    foreign_firm = {"name": "Eve", "firm": cast.firm_a2.pk}
    response = client.post(f"{API}resources/create/", foreign_firm, content_type="application/json")
    assert response.status_code == 404


def test_api_errors_come_in_the_one_format(cast):
    resource = resource_of(cast.firm_a1)
    bad = {
        "resource": resource.pk,
        "kind": "ctl",
        "earned_on": "2025-03-01",
        "expires_on": "2025-03-01",
    }
    response = signed_in(cast.partner_admin_a1.user).post(
        f"{API}certifications/create/", bad, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "expires_on": ["The expiry date must be after the earning date (2025-03-01)."]
    }
    staff_without_firm = signed_in(cast.manager_a).post(
        f"{API}resources/create/", {"name": "Ada"}, content_type="application/json"
    )
    assert staff_without_firm.status_code == 400
    assert staff_without_firm.json()["error"]["fields"] == {"firm": ["Required."]}
    finance = signed_in(cast.finance_a).post(
        f"{API}resources/create/",
        {"name": "Ada", "firm": cast.firm_a1.pk},
        content_type="application/json",
    )
    assert finance.status_code == 403 and finance.json()["error"]["code"] == "not_allowed"


def test_api_upload_is_checked_by_content_and_evidence_downloads_in_the_console(
    cast, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    resource = resource_of(cast.firm_a1)
    client = signed_in(cast.partner_rep_a1.user)
    data = {"resource": resource.pk, "kind": "ctl", "earned_on": "2025-03-01"}
    exe = SimpleUploadedFile("cert.png", EXE, content_type="image/png")
    response = client.post(f"{API}certifications/create/", {**data, "evidence": exe})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "evidence": [
            "This file is not a PDF, PNG or JPEG file (its content was checked, not its name)."
        ]
    }
    assert stored_files(tmp_path) == []

    png = SimpleUploadedFile("cert.exe", sample_png())
    response = client.post(f"{API}certifications/create/", {**data, "evidence": png})
    assert response.status_code == 201 and response.json()["has_evidence"] is True
    pk = response.json()["id"]
    console = f"/admin/partners/certification/{pk}/"
    assert b"evidence/" in signed_in(cast.manager_a).get(f"{console}change/").content
    download = signed_in(cast.finance_a).get(f"{console}evidence/")
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert_hidden_from(cast.manager_b, f"{console}evidence/")
    assert_hidden_from(cast.manager_b, f"{console}change/")


def test_the_people_page_pages_its_resources_in_constant_queries(cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(30):
        resource_of(cast.firm_a1, name=f"Engineer {n:02}")
    resource_of(cast.firm_a2, name="Kiwi engineer")  # the other firm's
    partner = Client()
    partner.force_login(cast.partner_admin_a1.user)

    def page(query: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as sql:
            response = partner.get(PEOPLE + query)
        assert response.status_code == 200
        return len(sql.captured_queries), response.content.decode()

    queries, first = page("")
    assert [n for n in range(30) if f"Engineer {n:02}<" in first] == list(range(25))  # by name
    assert 'href="?resources_page=2" rel="next"' in first
    _, second = page("?resources_page=2")
    assert [n for n in range(30) if f"Engineer {n:02}<" in second] == list(range(25, 30))
    assert "Kiwi engineer" not in first + second
    for n in range(30, 90):
        resource_of(cast.firm_a1, name=f"Engineer {n:02}")
    assert page("")[0] == queries
