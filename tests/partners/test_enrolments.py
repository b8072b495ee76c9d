import datetime

import pytest
import time_machine
from django.core import mail

from partners.models import Enrolment, EnrolmentStatus, FeeInvoice, Notice, TerminationTask
from partners.services.applications import application_approve
from partners.services.enrolments import (
    enrolment_confirm_minimum_met,
    enrolments_renew,
    fee_invoice_mark_paid,
    notice_record,
    onboarding_deadlines_enforce,
)
from partners.tasks import enrolments_daily
from tenants.scope import tenant_scope
from tests.factories import StaffMembershipFactory, UserFactory
from tests.partners.conftest import load_program
from tests.partners.test_applications import submit

D = datetime.date


def enrol(vendor, on: datetime.date, *, tracks=(), email="founder@newfirm.test", loaded=None):
    tenant, program = loaded or load_program(vendor)
    user = UserFactory(email=email)
    application = submit(
        tenant, program, user, tracks=list(tracks), today=on, firm_name=f"Firm of {email}"
    )
    with tenant_scope(tenant), time_machine.travel(on, tick=False):
        enrolment = application_approve(
            tenant=tenant,
            application=application,
            user=StaffMembershipFactory(tenant=tenant).user,
            today=on,
        )
    return tenant, program, enrolment


@pytest.mark.parametrize(
    ("joined", "amount_minor"),
    [(D(2025, 2, 10), 1_000_000), (D(2025, 4, 15), 750_000), (D(2025, 11, 20), 250_000)],
)
def test_ipsoft_fee_invoice_follows_the_proration(db, joined, amount_minor):
    tenant, _, enrolment = enrol("ipsoft", joined, tracks=["implementation"])
    with tenant_scope(tenant):
        invoice = FeeInvoice.objects.get(enrolment=enrolment)
    assert (invoice.amount_minor, invoice.currency, invoice.status) == (
        amount_minor,
        "USD",
        "unpaid",
    )


def test_ipsoft_rejoin_in_the_same_program_year_is_waived(db):
    tenant, program, first = enrol("ipsoft", D(2025, 1, 20), tracks=["alliance"])
    with tenant_scope(tenant):
        onboarding_deadlines_enforce(tenant=tenant, today=D(2025, 1, 21))  # no deadline yet
        Enrolment.objects.filter(pk=first.pk).update(
            status=EnrolmentStatus.DEACTIVATED, ended_on=D(2025, 8, 1)
        )
    admin = first.firm.contacts.model.objects
    with tenant_scope(tenant):
        user = admin.get(firm=first.firm).user
    application = submit(tenant, program, user, tracks=["alliance"], today=D(2025, 9, 10))
    with tenant_scope(tenant):
        second = application_approve(
            tenant=tenant,
            application=application,
            user=StaffMembershipFactory(tenant=tenant).user,
            today=D(2025, 9, 10),
        )
        invoice = FeeInvoice.objects.get(enrolment=second)
    assert (invoice.amount_minor, invoice.status) == (0, "waived")
    assert "waived" in invoice.description


def test_onboarding_clock_starts_when_the_fee_is_paid(db):
    tenant, _, enrolment = enrol("ipsoft", D(2025, 2, 10), tracks=["advisor"])
    assert enrolment.onboarding_deadline is None
    from partners.selectors.enrolments import portal_overview

    with tenant_scope(tenant):
        [overview] = portal_overview(firm=enrolment.firm, today=D(2025, 2, 11))
    assert overview.notes == [
        "Your 6 months to meet the minimum criteria start when the program fee is paid."
    ]
    with tenant_scope(tenant):
        invoice = FeeInvoice.objects.get(enrolment=enrolment)
        with time_machine.travel(D(2025, 3, 1), tick=False):
            fee_invoice_mark_paid(
                tenant=tenant,
                invoice=invoice,
                paid_on=D(2025, 3, 1),
                user=StaffMembershipFactory(tenant=tenant).user,
            )
        enrolment.refresh_from_db()
    assert enrolment.onboarding_deadline == D(2025, 9, 1)


def test_missed_onboarding_deadline_deactivates_once_and_mails(
    db, django_capture_on_commit_callbacks
):
    tenant, _, enrolment = enrol("ipsoft", D(2025, 2, 10), tracks=["advisor"])
    with tenant_scope(tenant):
        Enrolment.objects.filter(pk=enrolment.pk).update(onboarding_deadline=D(2025, 8, 10))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert enrolments_daily.apply(args=[tenant.pk, "2025-08-10"]).get()["deactivated"] == 0
        assert enrolments_daily.apply(args=[tenant.pk, "2025-08-11"]).get()["deactivated"] == 1
        assert enrolments_daily.apply(args=[tenant.pk, "2025-08-11"]).get()["deactivated"] == 0
    with tenant_scope(tenant):
        enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.DEACTIVATED
    assert "not refunded" in enrolment.end_reason
    to_partner, to_manager = mail.outbox  # once each, though the job ran twice that day
    assert "deactivated" in to_partner.subject
    assert "the enrolment has been deactivated" in to_manager.body
    assert to_manager.to != to_partner.to


def test_confirming_the_minimum_makes_an_ipsoft_partner_registered(db):
    tenant, _, enrolment = enrol("ipsoft", D(2025, 2, 10), tracks=["advisor"])
    with tenant_scope(tenant):
        enrolment_confirm_minimum_met(
            tenant=tenant,
            enrolment=enrolment,
            user=StaffMembershipFactory(tenant=tenant).user,
            today=D(2025, 5, 2),
        )
    assert (enrolment.status, enrolment.tier_key, enrolment.tier_since) == (
        EnrolmentStatus.ACTIVE,
        "registered",
        D(2025, 5, 2),
    )


@pytest.mark.parametrize(
    ("vendor", "joined", "run_on", "term"),
    [
        ("cimcloud", D(2024, 8, 12), D(2025, 8, 12), (D(2025, 8, 12), D(2026, 8, 11))),
        ("ipsoft", D(2025, 4, 15), D(2026, 1, 1), (D(2026, 1, 1), D(2026, 12, 31))),
        ("entimo", D(2024, 3, 1), D(2027, 3, 1), (D(2027, 3, 1), D(2030, 2, 28))),
        # a worker down for over a year catches up term by term
        ("cimcloud", D(2024, 9, 1), D(2026, 10, 1), (D(2026, 9, 1), D(2027, 8, 31))),
    ],
)
def test_renewal_follows_the_term_policy_and_catches_up(db, vendor, joined, run_on, term):
    tenant, _, enrolment = enrol(vendor, joined, tracks=["advisor"] if vendor == "ipsoft" else ())
    with tenant_scope(tenant):
        enrolments_renew(tenant=tenant, today=run_on)
        again = enrolments_renew(tenant=tenant, today=run_on)
        enrolment.refresh_from_db()
    assert (enrolment.term_start, enrolment.term_end) == term
    assert again == {"renewed": 0, "ended": 0}


@pytest.mark.parametrize(
    ("given_on", "ends_on"),
    [(D(2025, 12, 2), D(2025, 12, 31)), (D(2025, 12, 3), D(2026, 12, 31))],
)
def test_ipsoft_non_renewal_needs_30_days_before_january_1(db, given_on, ends_on):
    tenant, _, enrolment = enrol("ipsoft", D(2025, 4, 15), tracks=["advisor"])
    with tenant_scope(tenant), time_machine.travel(given_on, tick=False):
        notice = notice_record(
            tenant=tenant,
            enrolment=enrolment,
            kind=Notice.Kind.NON_RENEWAL,
            given_by=Notice.GivenBy.PARTNER,
            given_on=given_on,
            user=StaffMembershipFactory(tenant=tenant).user,
        )
    assert notice.effective_on == ends_on
    with tenant_scope(tenant):
        enrolments_renew(tenant=tenant, today=D(2026, 1, 1))
        enrolment.refresh_from_db()
    if ends_on == D(2025, 12, 31):
        assert enrolment.status == EnrolmentStatus.TERMINATED
        assert enrolment.ended_on == D(2025, 12, 31)
    else:
        assert enrolment.is_live and enrolment.term_end == D(2026, 12, 31)


def test_entimo_termination_creates_the_return_of_material_checklist(db):
    tenant, _, enrolment = enrol("entimo", D(2024, 5, 1))
    with tenant_scope(tenant), time_machine.travel(D(2025, 6, 1), tick=False):
        notice_record(
            tenant=tenant,
            enrolment=enrolment,
            kind=Notice.Kind.TERMINATION,
            given_by=Notice.GivenBy.PARTNER,
            given_on=D(2025, 6, 1),
            user=StaffMembershipFactory(tenant=tenant).user,
            reason="Focus shift",
        )
        enrolment.refresh_from_db()
        tasks = list(TerminationTask.objects.filter(enrolment=enrolment))
    assert enrolment.status == EnrolmentStatus.TERMINATED
    assert [t.description for t in tasks] == [
        "return all software and other material provided within the program (checklist per item)"
    ]
