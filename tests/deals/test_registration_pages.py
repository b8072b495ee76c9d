from django.test import Client

from deals.models import DealRegistration
from deals.services.registrations import registration_submit
from tenants.scope import tenant_scope
from tests.isolation import assert_hidden_from, assert_visible_to


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def registration_of(contact, name="Acme Inc.", domain="acme.com"):
    with tenant_scope(contact.tenant):
        return registration_submit(
            tenant=contact.tenant,
            firm=contact.firm,
            user=contact.user,
            company_name=name,
            domain=domain,
            country="AU",
        )


def test_partner_registers_a_deal_in_the_portal(deals_cast):
    client = signed_in(deals_cast.partner_admin_a1.user)
    response = client.post(
        "/simpro/portal/deals/new/",
        {
            "company_name": "Acme Inc.",
            "domain": "acme.com",
            "country": "au",
            "estimated_value": "25000.50",
            "contact_email": "jane@acme.com",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert b"Acme Inc." in page.content and b"Submitted" in page.content
    assert b"25,000.50 AUD" in page.content


def test_form_errors_are_shown_and_nothing_stored(deals_cast):
    client = signed_in(deals_cast.partner_admin_a1.user)
    response = client.post(
        "/simpro/portal/deals/new/",
        {
            "company_name": "Acme",
            "domain": "nonsense",
            "country": "AU",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "&#x27;nonsense&#x27; is not a web domain" in body
    with tenant_scope(deals_cast.tenant_a):
        assert not DealRegistration.objects.exists()


def test_partner_never_sees_another_firms_registration_or_the_conflict(deals_cast):
    c = deals_cast
    theirs = registration_of(c.partner_rep_a2, "Acme Inc.", "acme.com")
    mine = registration_of(c.partner_admin_a1, "ACME Incorporated", "www.acme.com")
    page = signed_in(c.partner_admin_a1.user).get(f"/simpro/portal/deals/{mine.pk}/")
    assert c.firm_a2.name.encode() not in page.content
    assert b"conflict" not in page.content.lower()
    api = signed_in(c.partner_admin_a1.user).get(f"/simpro/api/v1/deal-registrations/{mine.pk}/")
    assert "matches" not in api.json()
    for url in (
        f"/simpro/portal/deals/{theirs.pk}/",
        f"/simpro/api/v1/deal-registrations/{theirs.pk}/",
    ):
        assert_hidden_from(c.partner_admin_a1.user, url)
        assert_hidden_from(c.partner_rep_b1.user, url)
    assert_visible_to(c.partner_rep_a2.user, f"/simpro/portal/deals/{theirs.pk}/")
    review = signed_in(c.manager_a).get(f"/simpro/api/v1/deal-registrations/{mine.pk}/").json()
    assert [m["other_firm"] for m in review["matches"]] == [c.firm_a2.name]


def test_reviewer_sees_candidates_side_by_side_in_the_console(deals_cast):
    c = deals_cast
    registration_of(c.partner_rep_a2, "Acme Inc.", "acme.com")
    mine = registration_of(c.partner_admin_a1, "ACME Incorporated", "www.acme.com")
    page = signed_in(c.manager_a).get(f"/admin/deals/dealregistration/{mine.pk}/change/")
    assert page.status_code == 200
    assert c.firm_a2.name.encode() in page.content
    assert b"Same company domain acme.com" in page.content
    assert_hidden_from(c.manager_b, f"/admin/deals/dealregistration/{mine.pk}/change/")


def test_territory_limited_reviewer_sees_only_their_countries(deals_cast):
    c = deals_cast
    mine = registration_of(c.partner_admin_a1)
    membership = c.manager_a.staff_memberships.model
    with tenant_scope(c.tenant_a):
        membership.objects.filter(user=c.manager_a).update(territories=["NZ"])
    assert_hidden_from(c.manager_a, f"/admin/deals/dealregistration/{mine.pk}/change/")
    assert signed_in(c.manager_a).get("/simpro/api/v1/deal-registrations/").json()["results"] == []


def test_approve_and_reject_by_api_are_for_managers(deals_cast):
    c = deals_cast
    registration = registration_of(c.partner_admin_a1)
    url = f"/simpro/api/v1/deal-registrations/{registration.pk}/approve/"
    assert signed_in(c.finance_a).post(url).status_code == 403
    assert signed_in(c.partner_admin_a1.user).post(url).status_code == 404  # not staff
    assert signed_in(c.manager_a).post(url, {"reason": "Welcome"}).json()["status"] == "approved"


def test_partner_registers_by_api(deals_cast):
    client = signed_in(deals_cast.partner_rep_a2.user)
    created = client.post(
        "/simpro/api/v1/deal-registrations/",
        {
            "company_name": "Globex",
            "domain": "globex.com",
            "country": "AU",
            "estimated_value": "1000.10",
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["estimated_value"] == "1000.10"
    listing = client.get("/simpro/api/v1/deal-registrations/").json()
    assert [r["company_name"] for r in listing["results"]] == ["Globex"]
