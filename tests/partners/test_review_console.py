import pytest
from django.core import mail
from django.test import Client

from partners.models import Enrolment, FeeInvoice
from tenants.scope import all_tenants, tenant_scope
from tests.factories import UserFactory
from tests.isolation import assert_hidden_from
from tests.partners.conftest import load_program
from tests.partners.test_applications import submit

pytestmark = pytest.mark.usefixtures("frozen")
APPS = "/admin/partners/application/"


@pytest.fixture
def queue(cast):
    """An application to Simpro (tenant A) and one to IPsoft (tenant B)."""
    _, simpro = load_program("simpro")
    _, ipsoft = load_program("ipsoft")
    a = submit(cast.tenant_a, simpro, UserFactory(email="a@new.test"), tracks=["referral"])
    b = submit(cast.tenant_b, ipsoft, UserFactory(email="b@new.test"), tracks=["advisor"])
    return a, b


def console(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_manager_sees_only_their_queue(cast, queue):
    a, b = queue
    page = console(cast.manager_a).get(APPS)
    assert a.firm_name.encode() in page.content
    assert_hidden_from(cast.manager_a, f"{APPS}{b.pk}/change/")
    assert_hidden_from(cast.manager_a, f"{APPS}{b.pk}/approve/", method="post")


def test_approve_in_the_console_creates_the_enrolment_and_mails(
    cast, queue, django_capture_on_commit_callbacks
):
    a, _ = queue
    client = console(cast.manager_a)
    assert b"Approve" in client.get(f"{APPS}{a.pk}/approve/").content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{APPS}{a.pk}/approve/")
    assert response.status_code == 302
    with tenant_scope(cast.tenant_a):
        enrolment = Enrolment.objects.get(application=a)
    assert response["Location"] == f"/admin/partners/enrolment/{enrolment.pk}/change/"
    assert mail.outbox[-1].to == ["a@new.test"]


def test_reject_needs_a_reason(cast, queue, django_capture_on_commit_callbacks):
    a, _ = queue
    client = console(cast.manager_a)
    empty = client.post(f"{APPS}{a.pk}/reject/", {"reason": ""})
    assert empty.status_code == 200 and b"This field is required." in empty.content
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{APPS}{a.pk}/reject/", {"reason": "Outside our territories."})
    with tenant_scope(cast.tenant_a):
        a.refresh_from_db()
    assert (a.status, a.rejection_reason) == ("rejected", "Outside our territories.")
    assert "Outside our territories." in mail.outbox[-1].body


def test_finance_records_fee_payment_but_cannot_approve(cast, queue):
    _, b = queue
    ipsoft_finance = UserFactory(email="finance@ipsoft.test")
    from tests.factories import StaffMembershipFactory

    StaffMembershipFactory(tenant=cast.tenant_b, user=ipsoft_finance, role="finance")
    assert console(ipsoft_finance).post(f"{APPS}{b.pk}/approve/").status_code == 403
    console(cast.manager_b).post(f"{APPS}{b.pk}/approve/")
    with all_tenants():
        invoice = FeeInvoice.objects.get(enrolment__application=b)
    response = console(ipsoft_finance).post(
        f"/admin/partners/feeinvoice/{invoice.pk}/paid/", {"paid_on": "2025-04-15"}
    )
    assert response.status_code == 302
    with all_tenants():
        invoice.refresh_from_db()
        enrolment = invoice.enrolment
    assert invoice.status == "paid"
    assert str(enrolment.onboarding_deadline) == "2025-10-15"
