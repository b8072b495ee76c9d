"""A partner disputes an automatic rejection (the prospect looked like an existing customer);
the manager upholds and approves it. An unanswered dispute escalates on beat's daily tick."""

import pytest
import time_machine
from django.core import mail

from deals.services.orders import customer_upsert
from deals.services.registrations import registration_submit
from disputes.models import Dispute
from tenants.models import StaffRole
from tenants.scope import tenant_scope
from tenants.tasks import run_for_every_tenant
from tests.commissions.conftest import D, cim_partner
from tests.disputes.conftest import console_action, on, partner_user, signed_in, staff
from tests.tiers.conftest import noon

FRIDAY = D(2026, 6, 5)


def auto_rejected(tenant, enrolment, user):
    """Globex registered on FRIDAY; CIMcloud already has a Globex at the same domain."""
    with tenant_scope(tenant), time_machine.travel(noon(FRIDAY), tick=False):
        customer_upsert(tenant=tenant, name="Globex Inc", domain="globex.com", external_id="G-1")
        return registration_submit(
            tenant=tenant,
            firm=enrolment.firm,
            user=user,
            company_name="Globex Subsidiary",
            domain="globex.com",
            country="US",
            program=enrolment.program,
            today=FRIDAY,
        )


@pytest.fixture
def rejected(db):
    tenant, _program, enrolment = cim_partner()
    user = partner_user(tenant, enrolment)
    registration = auto_rejected(tenant, enrolment, user)
    assert (
        registration.status == "rejected" and registration.rejection_reason == "existing-customer"
    )
    manager = staff(tenant)
    with tenant_scope(tenant):
        enrolment.partner_manager = manager
        enrolment.save(update_fields=["partner_manager"])
    return tenant, enrolment, registration, user, manager


def file_it(partner, registration):
    return partner.post(
        f"/cimcloud/portal/disputes/file/registration/{registration.pk}/",
        {"reason": "Globex Subsidiary is a separate company that never bought from you."},
    )


def test_an_upheld_rejection_is_approved_and_recorded(rejected, django_capture_on_commit_callbacks):
    tenant, _enrolment, registration, user, manager = rejected
    partner = signed_in(user)
    with on(FRIDAY):
        page = partner.get(f"/cimcloud/portal/deals/{registration.pk}/").content.decode()
        assert "Dispute this decision" in page
        file_it(partner, registration)
    with tenant_scope(tenant):
        dispute = Dispute.objects.get()
    assert dispute.evidence["registration"]["automatic"] is True
    [match] = dispute.evidence["matches"]
    assert match["kind"] == "customer" and match["strong"] is True
    assert "globex.com" in match["explanation"]
    with on(D(2026, 6, 8)):
        portal = partner.get(f"/cimcloud/portal/disputes/{dispute.pk}/").content.decode()
        console = signed_in(manager).get(f"/admin/disputes/dispute/{dispute.pk}/change/")
    assert "Existing customer — strong match" in portal and "globex.com" not in portal
    assert "globex.com" in console.content.decode()  # reviewers see why it matched

    with on(D(2026, 6, 8)), django_capture_on_commit_callbacks(execute=True):
        upheld = console_action(
            manager, dispute, "uphold", {"outcome": "approve", "note": "A separate company."}
        )
    assert upheld.status_code == 302
    with tenant_scope(tenant):
        registration.refresh_from_db()
        dispute = Dispute.objects.select_related("registration_transition").get(pk=dispute.pk)
        moves = list(registration.transitions.values_list("to_status", flat=True))
    assert registration.status == "approved" and registration.expires_on == D(2026, 9, 6)
    assert moves[-3:] == ["rejected", "under_review", "approved"]
    assert dispute.registration_transition.to_status == "approved"
    assert {m.to[0] for m in mail.outbox} >= {user.email}
    assert any("upheld" in m.subject for m in mail.outbox)


def test_an_unanswered_dispute_escalates_once_on_the_daily_tick(
    rejected, django_capture_on_commit_callbacks
):
    tenant, _enrolment, registration, user, manager = rejected
    boss = staff(tenant, StaffRole.ADMIN)
    with on(FRIDAY):
        file_it(signed_in(user), registration)
    with tenant_scope(tenant):
        dispute = Dispute.objects.get()
    # CIMcloud answers within two business days: Friday + 2 = Tuesday
    assert dispute.response_due_on == D(2026, 6, 9)

    def tick(day):
        with on(day), django_capture_on_commit_callbacks(execute=True):
            run_for_every_tenant.apply(args=["disputes.tasks.disputes_daily"]).get()

    mail.outbox.clear()
    tick(D(2026, 6, 9))
    with tenant_scope(tenant):
        assert Dispute.objects.get().escalated_at is None
    tick(D(2026, 6, 10))
    tick(D(2026, 6, 11))  # a second tick escalates nothing more

    with tenant_scope(tenant):
        dispute = Dispute.objects.get()
        steps = list(dispute.timeline.values_list("step", flat=True))
    assert dispute.escalated_at is not None and steps == ["filed", "escalated"]
    [escalation] = [m for m in mail.outbox if "Overdue" in m.subject]
    assert set(escalation.to) == {manager.email, boss.email}
    assert f"/admin/disputes/dispute/{dispute.pk}/change/" in escalation.body

    with on(D(2026, 6, 11)):
        queue = signed_in(manager).get("/admin/disputes/dispute/").content.decode()
        portal = signed_in(user).get("/cimcloud/portal/disputes/").content.decode()
        console_home = signed_in(manager).get("/admin/").content.decode()
    assert "1 waiting, 1 overdue" in queue
    assert "Response due 2026-06-09: overdue by 2 business days" in queue
    assert "overdue by 2 business days" in portal
    assert "Escalated disputes" in console_home
