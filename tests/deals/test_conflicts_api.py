"""Conflict detection end to end through the REST API: real companies, not gmail.com."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from deals.models import Product
from deals.services.orders import LineInput, customer_upsert, order_record
from deals.services.registrations import ALREADY_PROTECTED
from tenants.scope import tenant_scope
from tests.isolation import assert_hidden_from

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def register(contact, company_name, country="AU", **fields) -> dict:
    """POST a registration as the partner; the partner's view of it."""
    response = signed_in(contact.user).post(
        f"/{contact.tenant.slug}/api/v1/deal-registrations/",
        {"company_name": company_name, "country": country, **fields},
    )
    assert response.status_code == 201, response.content
    return response.json()


def approve(manager, tenant, registration) -> None:
    url = f"/{tenant.slug}/api/v1/deal-registrations/{registration['id']}/approve/"
    assert signed_in(manager).post(url).json()["status"] == "approved"


def review(manager, tenant, registration) -> dict:
    """The reviewer's view: the registration with its conflict candidates."""
    url = f"/{tenant.slug}/api/v1/deal-registrations/{registration['id']}/"
    return signed_in(manager).get(url).json()


def test_two_prospects_on_gmail_do_not_conflict(deals_cast):
    c = deals_cast
    first = register(c.partner_admin_a1, "Harbour Foods", contact_email="jane@gmail.com")
    approve(c.manager_a, c.tenant_a, first)
    second = register(c.partner_rep_a2, "Kelp Analytics", contact_email="bob@gmail.com")
    assert (second["status"], second["decision_reason"]) == ("submitted", "")
    assert review(c.manager_a, c.tenant_a, second)["matches"] == []


def test_same_company_domain_is_rejected_as_before(deals_cast):
    c = deals_cast
    first = register(c.partner_admin_a1, "Acme Dental", domain="www.acme.com")
    approve(c.manager_a, c.tenant_a, first)
    blocked = register(c.partner_rep_a2, "Coyote Supplies", contact_email="jane@sales.acme.com")
    assert (blocked["status"], blocked["decision_reason"]) == ("rejected", ALREADY_PROTECTED)
    assert c.firm_a1.name not in str(blocked)
    [match] = review(c.manager_a, c.tenant_a, blocked)["matches"]
    assert match == {
        "kind": "opportunity",
        "strong": True,
        "similarity": match["similarity"],
        "explanation": "Same company domain acme.com",
        "other_firm": c.firm_a1.name,
        "other_company": "Acme Dental",
        "other_status": "approved",
        "customer": None,
    }


def test_a_similar_name_goes_to_review_with_its_score(deals_cast):
    c = deals_cast
    first = register(c.partner_admin_a1, "Acme Dental Pty Ltd", domain="acmedental.com.au")
    approve(c.manager_a, c.tenant_a, first)
    second = register(c.partner_rep_a2, "Acme Dentistry", domain="acme-dentistry.com")
    assert second["status"] == "submitted"
    assert "matches" not in second  # partners never see conflicts
    [match] = review(c.manager_a, c.tenant_a, second)["matches"]
    assert (match["kind"], match["strong"], match["similarity"], match["explanation"]) == (
        "opportunity",
        False,
        0.72,
        "Similar name: 'acme dentistry' vs 'acme dental' (0.72)",  # this one's name first
    )


def test_the_same_name_in_another_country_goes_to_review(deals_cast):
    c = deals_cast
    first = register(c.partner_admin_a1, "Acme Dental", domain="acmedental.com.au")
    approve(c.manager_a, c.tenant_a, first)
    second = register(c.partner_rep_a2, "ACME Dental Ltd", country="NZ", domain="acme.co.nz")
    assert second["status"] == "submitted"
    [match] = review(c.manager_a, c.tenant_a, second)["matches"]
    assert (match["strong"], match["explanation"]) == (
        False,
        "Same name, another country: 'acme dental' (NZ vs AU)",
    )


def test_a_customer_of_a_similar_name_elsewhere_never_rejects(deals_cast):
    c = deals_cast  # IPsoft: never after an order, but only for the same customer
    with tenant_scope(c.tenant_b):
        Product.objects.create(tenant=c.tenant_b, code="AMELIA", name="Amelia", category="any")
        customer = customer_upsert(tenant=c.tenant_b, name="Globex Corporation", country="US")
        order_record(
            tenant=c.tenant_b,
            customer=customer,
            ordered_on=datetime.date(2025, 1, 10),
            currency="USD",
            lines=[LineInput("AMELIA", 1, Decimal(100), Decimal(100))],
        )
    registration = register(c.partner_rep_b1, "Globex", country="AU", domain="globex.com.au")
    assert registration["status"] == "submitted"
    [match] = review(c.manager_b, c.tenant_b, registration)["matches"]
    assert (match["kind"], match["strong"], match["customer"]) == (
        "customer",
        False,
        "Globex Corporation",
    )


def test_another_tenants_registration_never_conflicts(deals_cast):
    c = deals_cast
    theirs = register(c.partner_admin_a1, "Acme Dental", domain="acme.com")
    approve(c.manager_a, c.tenant_a, theirs)
    outsider = register(c.partner_rep_b1, "Acme Dental", domain="www.acme.com")
    assert outsider["status"] == "submitted"
    assert review(c.manager_b, c.tenant_b, outsider)["matches"] == []
    url = f"/{c.tenant_a.slug}/api/v1/deal-registrations/{theirs['id']}/"
    assert_hidden_from(c.partner_rep_b1.user, url)  # another tenant
    assert_hidden_from(c.partner_rep_a2.user, url)  # another firm of the same vendor
