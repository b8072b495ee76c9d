"""Portal forms: countries by name, date pickers, long input refused with a message."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from deals.models import DealRegistration
from tenants.scope import tenant_scope
from tests.factories import UserFactory
from tests.partners.conftest import load_program

NEW_DEAL = "/simpro/portal/deals/new/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def partner(deals_cast):
    return signed_in(deals_cast.partner_admin_a1.user)


def test_the_deal_form_offers_countries_by_name_and_a_date_picker(partner):
    form = partner.get(NEW_DEAL).content.decode()

    assert '<select name="country"' in form
    assert '<option value="AU">Australia</option>' in form
    assert '<option value="DE">Germany</option>' in form
    assert 'type="date" name="expected_close_on"' in form


def test_over_long_input_is_refused_with_a_message_and_nothing_is_stored(partner, deals_cast):
    form = partner.get(NEW_DEAL).content.decode()
    assert "maxlength" not in form  # a browser would cut a pasted name without a word

    response = partner.post(NEW_DEAL, {"company_name": "A" * 250, "country": "AU"})

    assert response.status_code == 200
    assert "Ensure this value has at most 200 characters (it has 250)." in response.content.decode()
    with tenant_scope(deals_cast.tenant_a):
        assert not DealRegistration.objects.exists()


def test_a_deal_shows_its_country_products_and_notes(partner, deals_cast):
    response = partner.post(
        NEW_DEAL,
        {
            "company_name": "Initech Pty Ltd",
            "country": "AU",
            "products": "Field service, Stock",
            "notes": "Met at the Sydney expo.\nWants a demo.",
        },
    )
    page = partner.get(response["Location"]).content.decode()

    assert "Australia" in page
    assert "Field service, Stock" in page
    assert "Met at the Sydney expo.<br>Wants a demo." in page
    other_firm = signed_in(deals_cast.partner_rep_a2.user).get(response["Location"])
    assert other_firm.status_code == 404


def test_the_application_form_offers_countries_by_name(db):
    load_program("simpro")
    form = signed_in(UserFactory(email="new@bluebird.test")).get("/simpro/portal/apply/")

    body = form.content.decode()
    assert '<select name="country"' in body and '<option value="NZ">New Zealand</option>' in body


def test_the_lead_import_offers_a_template_that_imports_as_it_stands(partner, deals_cast):
    page = partner.get("/simpro/portal/deals/import/").content.decode()
    assert 'href="/simpro/portal/deals/import/template.csv" download>' in page

    template = partner.get("/simpro/portal/deals/import/template.csv")

    assert template["Content-Type"] == "text/csv; charset=utf-8"
    assert "deal-registrations-template.csv" in template["Content-Disposition"]
    header = template.content.decode().splitlines()[0]
    assert header.startswith("external_id,company_name,domain,country")
    upload = SimpleUploadedFile("leads.csv", template.content, content_type="text/csv")
    response = partner.post("/simpro/portal/deals/import/", {"file": upload}, follow=True)
    assert "Registrations imported" in response.content.decode()
    with tenant_scope(deals_cast.tenant_a):
        assert DealRegistration.objects.get().company_name == "Example Prospect Pty Ltd"


def test_the_template_is_for_partners_only(deals_cast):
    stranger = signed_in(deals_cast.stranger).get("/simpro/portal/deals/import/template.csv")
    assert stranger.status_code == 404
