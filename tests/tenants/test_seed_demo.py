from django.core.management import call_command
from django.test import Client

from deals.models import DealRegistration, Order, RegistrationMatch
from partners.models import Application, Enrolment, PartnerContact, PartnerFirm
from tenants.models import StaffMembership, Tenant
from tenants.scope import all_tenants


def seed() -> str:
    from io import StringIO

    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_creates_the_four_vendors_and_is_idempotent(db):
    first = seed()
    seed()
    assert set(Tenant.objects.values_list("slug", flat=True)) == {
        "entimo",
        "simpro",
        "ipsoft",
        "cimcloud",
    }
    with all_tenants():
        assert StaffMembership.objects.count() == 8
        assert PartnerFirm.objects.count() == 4 * 6
        assert PartnerContact.objects.count() == 4 * (2 * 2 + 4)
        statuses = set(Enrolment.objects.values_list("status", flat=True))
        labels = {e.standing_label for e in Enrolment.objects.all()}
        assert Application.objects.filter(status="submitted").count() == 4
        assert DealRegistration.objects.count() == 4 * 3
        assert RegistrationMatch.objects.count() == 4  # one conflict to review per vendor
        assert (
            Order.objects.filter(completed_on__isnull=False, is_initial_purchase=True).count() == 4
        )
    assert {"active", "suspended", "terminated", "deactivated"} <= statuses
    assert {"In good standing", "Not in good standing", "Suspended", "Terminated"} <= labels
    assert "manager@simpro.demo" in first
    assert "demo-partner-2026" in first


def test_printed_demo_logins_work(db):
    seed()
    client = Client()
    response = client.post(
        "/accounts/login/",
        {"login": "admin1@partner.cimcloud.demo", "password": "demo-partner-2026"},
    )
    assert response.status_code == 302
    portal = client.get("/cimcloud/portal/")
    assert portal.status_code == 200
    assert b"Prairie ERP Partners Inc" in portal.content

    manager = Client()
    manager.post(
        "/admin/login/?next=/admin/",
        {"username": "manager@ipsoft.demo", "password": "demo-partner-2026"},
    )
    changelist = manager.get("/admin/partners/partnerfirm/")
    assert changelist.status_code == 200
    assert b"Cognitive Advisors LLC" in changelist.content
    assert b"Prairie ERP Partners Inc" not in changelist.content
