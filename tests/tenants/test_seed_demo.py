import pytest
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


@pytest.mark.django_db(transaction=True)  # commits, so the e-mails sent after commit are sent
def test_logins_print_last_with_the_served_url_and_every_status_firm(capsys, settings, eager_tasks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    call_command("seed_demo", url="http://127.0.0.1:8101/")
    out = capsys.readouterr().out

    ready = out.index("Demo data ready. Sign in at http://127.0.0.1:8101/")
    assert "Subject:" in out and out.rindex("Subject:") < ready  # the e-mails came first
    logins = out[ready:].splitlines()[2:]
    assert all(line.startswith("  ") and "@" in line for line in logins)  # nothing after them
    printed = {line.split()[0] for line in logins}
    for vendor in ("entimo", "simpro", "ipsoft", "cimcloud"):
        for index in (3, 4, 5):
            assert f"admin{index}@partner.{vendor}.demo" in printed
    assert "Dormant Digital Ltd (not in good standing)" in out[ready:]
    assert "8000" not in out[ready:]
    # and the printed status-firm login signs in, but sees only its own firm
    client = Client()
    client.post(
        "/accounts/login/",
        {"login": "admin4@partner.simpro.demo", "password": "demo-partner-2026"},
    )
    firms = client.get("/simpro/api/v1/partner-firms/").json()["results"]
    assert [f["name"] for f in firms] == ["Paused Partners Inc"]
