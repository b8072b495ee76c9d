"""End to end: the engine obeys the definition fields it reads (docs/program-definitions.md).

evaluation.events, onboarding.on_miss / refund, deal_registration.require_new_customer /
reminder_days, obligations.step and the commissions.withholding default. Each variant is a
seed definition with one line changed, loaded for its own vendor through load_programs.
"""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client

from deals.models import DealRegistration
from deals.services.orders import customer_upsert
from deals.services.registrations import registration_approve, registration_submit
from deals.tasks import registrations_daily
from partners.models import (
    Activity,
    EnrolmentStatus,
    FeeInvoice,
    PartnerContact,
    PayoutProfile,
    ReviewStatus,
)
from partners.services.enrolments import fee_invoice_mark_paid
from partners.tasks import enrolments_daily
from programs.models import Program
from tenants.scope import tenant_scope
from tests.factories import StaffMembershipFactory, TenantFactory, UserFactory
from tests.partners.conftest import DEFINITIONS, load_program
from tests.partners.test_applications import submit
from tests.partners.test_enrolments import enrol
from tests.tiers.conftest import join, lead, noon, order
from tiers.models import TierEvaluation

D = datetime.date
CIM_EVENTS = "events: [order_completed, activity_verified, sales_call_recorded]"


def variant(tmp_path, seed: str, slug: str, name: str, **replace: str):
    """(tenant, program): the seed definition with lines replaced, loaded for vendor `slug`."""
    text = (DEFINITIONS / f"{seed}.yaml").read_text()
    for old, new in {f"tenant: {seed}\n": f"tenant: {slug}\n", **replace}.items():
        assert text.count(old) == 1, f"{seed}.yaml no longer has exactly one {old!r}"
        text = text.replace(old, new)
    tenant = TenantFactory(slug=slug, name=name)
    path = tmp_path / f"{slug}.yaml"
    path.write_text(text)
    call_command("load_programs", str(path), publish=True)
    with tenant_scope(tenant):
        return tenant, Program.objects.get()


@pytest.fixture
def applicant(db):
    return UserFactory(email="founder@newfirm.test")


def console(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def manager_of(tenant, email):
    return StaffMembershipFactory(tenant=tenant, user=UserFactory(email=email)).user


def evaluations_of(tenant, enrolment) -> list[str]:
    with tenant_scope(tenant):
        return list(
            TierEvaluation.objects.filter(enrolment=enrolment)
            .order_by("pk")
            .values_list("run_key", flat=True)
        )


# --- evaluation.events ------------------------------------------------------------


def submitted_activity(tenant, enrolment, on) -> Activity:
    with tenant_scope(tenant):
        return Activity.objects.create(
            tenant=tenant,
            firm=enrolment.firm,
            kind="orientation",
            occurred_on=on,
            description="Registered Partner Orientation",
            status=ReviewStatus.SUBMITTED,
        )


def verify_in_console(user, activity, on) -> None:
    with time_machine.travel(noon(on), tick=False):
        response = console(user).post(
            "/admin/partners/activity/",
            {"action": "verify_selected", "_selected_action": [activity.pk], "index": 0},
            follow=True,
        )
    assert response.status_code == 200
    assert b"Verified 1 of 1 selected." in response.content


@pytest.mark.django_db(transaction=True)  # domain events are delivered after the commit
def test_on_event_programs_reevaluate_only_on_the_events_they_list(tmp_path):
    joined = D(2025, 4, 15)
    cim, _, cim_partner = join("cimcloud", joined, email="founder@cim.test")
    orders_only = variant(
        tmp_path,
        "cimcloud",
        "cimcloud-orders",
        "CIMcloud Orders",
        **{CIM_EVENTS: "events: [order_completed]"},
    )
    other, _, other_partner = join(
        "cimcloud", joined, email="founder@orders.test", loaded=orders_only
    )
    cim_before, other_before = (
        evaluations_of(cim, cim_partner),
        evaluations_of(other, other_partner),
    )

    # CIMcloud lists activity_verified: verifying an orientation re-evaluates the partner ...
    verify_in_console(
        manager_of(cim, "manager@cim.test"),
        submitted_activity(cim, cim_partner, D(2025, 4, 20)),
        D(2025, 4, 22),
    )
    cim_after = evaluations_of(cim, cim_partner)
    assert len(cim_after) == len(cim_before) + 1 and cim_after[-1].startswith("event-")
    # ... and only that partner: the other vendor's firm gets nothing
    assert evaluations_of(other, other_partner) == other_before

    # the orders-only variant: the same verification re-evaluates nobody
    activity = submitted_activity(other, other_partner, D(2025, 4, 20))
    verify_in_console(manager_of(other, "manager@orders.test"), activity, D(2025, 4, 23))
    with tenant_scope(other):
        activity.refresh_from_db()
    assert activity.status == ReviewStatus.VERIFIED
    assert evaluations_of(other, other_partner) == other_before
    assert evaluations_of(cim, cim_partner) == cim_after

    # the event it does list still re-evaluates (the cadence is on, the filter is the events)
    with time_machine.travel(noon(D(2025, 4, 24)), tick=False):
        order(
            other,
            lead(other, other_partner, "Acme Corp", D(2025, 4, 21)),
            "Acme Corp",
            D(2025, 4, 24),
        )
    assert len(evaluations_of(other, other_partner)) == len(other_before) + 1
    assert evaluations_of(cim, cim_partner) == cim_after


# --- onboarding.on_miss / refund ---------------------------------------------------

DEADLINE = D(2025, 9, 1)  # paid on 2025-03-01, 6 months to meet the minimum


def paid_onboarding(email, loaded=None):
    """(tenant, enrolment, invoice): an IPsoft-style advisor whose fee was paid on March 1."""
    tenant, _, enrolment = enrol(
        "ipsoft", D(2025, 2, 10), tracks=["advisor"], email=email, loaded=loaded
    )
    with tenant_scope(tenant):
        invoice = FeeInvoice.objects.get(enrolment=enrolment)
        with time_machine.travel(noon(D(2025, 3, 1)), tick=False):
            fee_invoice_mark_paid(
                tenant=tenant,
                invoice=invoice,
                paid_on=D(2025, 3, 1),
                user=StaffMembershipFactory(tenant=tenant).user,
            )
        enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.onboarding_deadline) == (
        EnrolmentStatus.ONBOARDING,
        DEADLINE,
    )
    return tenant, enrolment, invoice


def daily(tenant, day: datetime.date, capture) -> None:
    """The beat's per-tenant enrolment job for `day`, its e-mails sent on commit."""
    with capture(execute=True):
        enrolments_daily.apply(args=[tenant.pk, day.isoformat()]).get()


def reloaded(tenant, *rows):
    with tenant_scope(tenant):
        for row in rows:
            row.refresh_from_db()


def mails_to(address):
    return [m for m in mail.outbox if address in m.to]


def test_ipsoft_deactivates_a_missed_deadline_and_keeps_the_fee(
    db, django_capture_on_commit_callbacks
):
    tenant, enrolment, invoice = paid_onboarding("founder@late.test")
    mail.outbox.clear()
    daily(tenant, DEADLINE, django_capture_on_commit_callbacks)  # the deadline day itself
    assert mails_to("founder@late.test") == []
    daily(tenant, DEADLINE + datetime.timedelta(days=1), django_capture_on_commit_callbacks)
    reloaded(tenant, enrolment, invoice)
    assert enrolment.status == EnrolmentStatus.DEACTIVATED
    assert invoice.status == "paid"
    [message] = mails_to("founder@late.test")
    assert "has been deactivated" in message.subject
    assert "Program fees are not refunded." in message.body
    assert "refunded; finance" not in message.body


def test_refund_true_makes_the_paid_fee_refund_due_for_finance(
    db, tmp_path, django_capture_on_commit_callbacks
):
    refunding = variant(
        tmp_path, "ipsoft", "ipsoft-refunds", "IPsoft Refunds", **{"refund: false": "refund: true"}
    )
    tenant, enrolment, invoice = paid_onboarding("founder@refund.test", loaded=refunding)
    # outsider: the seed IPsoft program, a partner past the same deadline, its job not run
    ipsoft, ipsoft_partner, ipsoft_invoice = paid_onboarding("founder@ipsoft.test")
    mail.outbox.clear()

    daily(tenant, DEADLINE + datetime.timedelta(days=1), django_capture_on_commit_callbacks)

    reloaded(tenant, enrolment, invoice)
    assert enrolment.status == EnrolmentStatus.DEACTIVATED
    assert invoice.status == "refund_due"
    [message] = mails_to("founder@refund.test")
    assert "The program fee you paid is refunded" in message.body
    assert "not refunded" not in message.body
    finance = StaffMembershipFactory(
        tenant=tenant, role="finance", user=UserFactory(email="finance@refunds.test")
    ).user
    listing = console(finance).get("/admin/partners/feeinvoice/")
    assert listing.status_code == 200 and "Refund due" in listing.content.decode()

    reloaded(ipsoft, ipsoft_partner, ipsoft_invoice)
    assert ipsoft_partner.status == EnrolmentStatus.ONBOARDING
    assert ipsoft_partner.onboarding_missed_on is None
    assert ipsoft_invoice.status == "paid"
    assert mails_to("founder@ipsoft.test") == []


def test_notify_keeps_the_partner_onboarding_and_mails_once(
    db, tmp_path, django_capture_on_commit_callbacks
):
    notifying = variant(
        tmp_path,
        "ipsoft",
        "ipsoft-notify",
        "IPsoft Notify",
        **{"on_miss: deactivate": "on_miss: notify"},
    )
    tenant, enrolment, invoice = paid_onboarding("founder@notify.test", loaded=notifying)
    manager = StaffMembershipFactory(
        tenant=tenant, role="manager", user=UserFactory(email="manager@notify.test")
    ).user
    # outsider: a manager of the seed IPsoft tenant hears nothing of this firm
    ipsoft, _, _ = paid_onboarding("founder@ipsoft-other.test")
    StaffMembershipFactory(
        tenant=ipsoft, role="manager", user=UserFactory(email="manager@ipsoft.test")
    )
    mail.outbox.clear()

    daily(tenant, DEADLINE + datetime.timedelta(days=1), django_capture_on_commit_callbacks)
    daily(tenant, DEADLINE + datetime.timedelta(days=2), django_capture_on_commit_callbacks)

    reloaded(tenant, enrolment, invoice)
    assert (enrolment.status, enrolment.ended_on) == (EnrolmentStatus.ONBOARDING, None)
    assert enrolment.onboarding_missed_on == DEADLINE + datetime.timedelta(days=1)
    assert invoice.status == "paid"
    [message] = mails_to("founder@notify.test")
    assert "missed the onboarding deadline" in message.subject
    assert "You stay enrolled" in message.body
    [to_manager] = mails_to("manager@notify.test")
    assert "keeps the partner enrolled; please contact the firm" in to_manager.body
    assert mails_to("manager@ipsoft.test") == []
    page = console(manager).get(f"/admin/partners/enrolment/{enrolment.pk}/change/")
    assert page.status_code == 200
    assert "Onboarding missed on" in page.content.decode()


def test_the_apply_page_states_what_a_missed_deadline_means(db, tmp_path, applicant):
    load_program("ipsoft")
    variant(
        tmp_path,
        "ipsoft",
        "ipsoft-notify",
        "IPsoft Notify",
        **{"on_miss: deactivate": "on_miss: notify"},
    )
    variant(
        tmp_path, "ipsoft", "ipsoft-refunds", "IPsoft Refunds", **{"refund: false": "refund: true"}
    )
    client = console(applicant)
    pages = {
        slug: client.get(f"/{slug}/portal/apply/").content.decode()
        for slug in ("ipsoft", "ipsoft-refunds", "ipsoft-notify")
    }
    assert "the enrolment is deactivated and fees are not refunded" in pages["ipsoft"]
    assert "the enrolment is deactivated and the program fee refunded" in pages["ipsoft-refunds"]
    assert "you stay enrolled" in pages["ipsoft-notify"]
    assert "deactivated" not in pages["ipsoft-notify"]


# --- deal_registration.require_new_customer / reminder_days --------------------------


@pytest.fixture
def deals_cast(cast):
    """Sparkline in Simpro (tenant A) and Cognitive Advisors in IPsoft (tenant B), enrolled."""
    from tests.deals.conftest import enrol_firm

    _, simpro = load_program("simpro")
    _, ipsoft = load_program("ipsoft")
    with tenant_scope(cast.tenant_b):
        PartnerContact.objects.filter(pk=cast.partner_rep_b1.pk).update(role="partner_admin")
    enrol_firm(cast.tenant_a, simpro, cast.partner_admin_a1, ["referral"])
    enrol_firm(cast.tenant_b, ipsoft, cast.partner_rep_b1, ["advisor"])
    return cast


def register(contact, company_name, domain, country="AU"):
    response = console(contact.user).post(
        f"/{contact.tenant.slug}/api/v1/deal-registrations/",
        {"company_name": company_name, "country": country, "domain": domain},
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_a_known_customer_is_rejected_as_new_customers_only(
    deals_cast, django_capture_on_commit_callbacks
):
    c = deals_cast  # Simpro (tenant A) and IPsoft (tenant B) both require new customers
    with tenant_scope(c.tenant_a):
        customer_upsert(tenant=c.tenant_a, name="Globex Pty Ltd", domain="globex.com.au")
    with tenant_scope(c.tenant_b):  # only IPsoft's customer
        customer_upsert(tenant=c.tenant_b, name="Initech Pty Ltd", domain="initech.com.au")

    with django_capture_on_commit_callbacks(execute=True):
        known = register(c.partner_admin_a1, "Globex", "www.globex.com.au")
    assert known["status"] == "rejected"
    assert "new customers only" in known["decision_reason"]
    assert known["rejection_reason_label"] == "Existing customer"
    again = console(c.partner_admin_a1.user).get(
        f"/simpro/api/v1/deal-registrations/{known['id']}/"
    )
    assert again.json()["status"] == "rejected"
    assert "new customers only" in again.json()["decision_reason"]
    assert "Reason: Existing customer" in mails_to(c.partner_admin_a1.user.email)[-1].body

    unknown = register(c.partner_admin_a1, "Umbrella Plumbing", "umbrella-plumbing.com.au")
    assert (unknown["status"], unknown["decision_reason"]) == ("submitted", "")
    elsewhere = register(c.partner_admin_a1, "Initech", "initech.com.au")  # IPsoft's customer
    assert (elsewhere["status"], elsewhere["decision_reason"]) == ("submitted", "")
    same_at_ipsoft = register(c.partner_rep_b1, "Initech", "initech.com.au")
    assert same_at_ipsoft["status"] == "rejected"  # the positive control in tenant B


def approved_registration(tenant, enrolment, company, on) -> DealRegistration:
    """A registration the firm's partner admin submitted and the vendor approved on `on`."""
    with tenant_scope(tenant):
        submitter = PartnerContact.objects.get(firm=enrolment.firm, role="partner_admin").user
        with time_machine.travel(noon(on), tick=False):
            registration = registration_submit(
                tenant=tenant,
                firm=enrolment.firm,
                user=submitter,
                company_name=company,
                country="AU",
                today=on,
            )
            return registration_approve(
                tenant=tenant,
                registration=registration,
                user=StaffMembershipFactory(tenant=tenant).user,
                today=on,
            )


def test_reminder_days_sets_how_early_partners_are_reminded(
    db, tmp_path, django_capture_on_commit_callbacks
):
    approved_on = D(2025, 4, 15)  # Simpro protects 180 days: until 2025-10-12
    early = variant(
        tmp_path,
        "simpro",
        "simpro-early",
        "Simpro Early",
        **{"  protection_days: 180\n": "  protection_days: 180\n  reminder_days: 30\n"},
    )
    seed = load_program("simpro")
    early_t, _, early_partner = enrol(
        "simpro", approved_on, tracks=["referral"], email="sp@early.test", loaded=early
    )
    seed_t, _, seed_partner = enrol(
        "simpro", approved_on, tracks=["referral"], email="sp@seed.test", loaded=seed
    )
    early_reg = approved_registration(early_t, early_partner, "Harbour Foods", approved_on)
    seed_reg = approved_registration(seed_t, seed_partner, "Harbour Foods", approved_on)
    assert early_reg.expires_on == seed_reg.expires_on == D(2025, 10, 12)
    mail.outbox.clear()

    twenty_days_before = D(2025, 9, 22)
    with django_capture_on_commit_callbacks(execute=True):
        for tenant in (early_t, seed_t):
            registrations_daily.apply(args=[tenant.pk, twenty_days_before.isoformat()]).get()

    ends = "Protection of Harbour Foods ends on 2025-10-12"
    assert [m.subject for m in mails_to("sp@early.test")] == [ends]
    assert mails_to("sp@seed.test") == []

    with django_capture_on_commit_callbacks(execute=True):  # 14 days before: the default
        for tenant in (early_t, seed_t):
            registrations_daily.apply(args=[tenant.pk, "2025-09-28"]).get()
    assert [m.subject for m in mails_to("sp@early.test")] == [ends]  # never twice
    assert [m.subject for m in mails_to("sp@seed.test")] == [ends]


# --- obligations.step ----------------------------------------------------------------

CIM_APPROVAL = (
    "CIMcloud decides, at its sole discretion, whether a submitted lead is new and unique."
)
CIM_ATTESTATION = (
    "Make reasonable efforts to assist CIMcloud with communication during the sales process."
)
IPSOFT_OVERRIDE = "IPsoft may re-assign a partner to another classification"


def section(html: str, start: str, end: str) -> str:
    match = re.search(re.escape(start) + "(.*?)" + re.escape(end), html, re.S)
    assert match, f"no {start!r} … {end!r} on the page"
    return match.group(1)


def test_each_obligation_is_shown_at_its_step(db, applicant):
    cim, cim_program = load_program("cimcloud")
    ipsoft, ipsoft_program = load_program("ipsoft")

    apply_page = console(applicant).get("/cimcloud/portal/apply/").content.decode()
    yours = section(apply_page, "Your obligations", "What CIMcloud")
    decides = section(apply_page, "What CIMcloud", "</ul>")
    assert CIM_ATTESTATION in yours and CIM_APPROVAL not in yours
    assert CIM_APPROVAL in decides and CIM_ATTESTATION not in decides

    application = submit(cim, cim_program, UserFactory(email="lead@cim-applicant.test"))
    approve = console(manager_of(cim, "manager@cim.test")).get(
        f"/admin/partners/application/{application.pk}/approve/"
    )
    assert approve.status_code == 200
    assert CIM_APPROVAL in approve.content.decode()
    assert "Make reasonable efforts to assist CIMcloud" not in approve.content.decode()

    _, _, enrolment = enrol(
        "ipsoft", D(2025, 4, 15), tracks=["advisor"], loaded=(ipsoft, ipsoft_program)
    )
    override = console(manager_of(ipsoft, "manager@ipsoft.test")).get(
        f"/admin/tiers/partnertier/{enrolment.pk}/override/"
    )
    assert override.status_code == 200
    assert IPSOFT_OVERRIDE in override.content.decode()
    assert "Staff complete IPsoft technology certification" not in override.content.decode()


# --- commissions.withholding default ---------------------------------------------------


def test_simpro_withholds_nothing_whatever_the_payout_profile_says(db):
    from commissions.models import PayoutLine
    from commissions.payouts import batch_build
    from tests.commissions.conftest import accrue, line, sell
    from tests.commissions.test_claims_and_programs import simpro_partner

    tenant, program, enrolment = simpro_partner("referral-fee")
    with tenant_scope(tenant):
        PayoutProfile.objects.create(
            tenant=tenant,
            firm=enrolment.firm,
            method="bank_transfer",
            account_holder="Firm",
            account_reference="AU001",
            withholding_rate=Decimal("0.24"),
        )
    sale = sell(
        tenant,
        lead(tenant, enrolment, "Plumbing Co", D(2026, 2, 1)),
        [line("SUB", "12000.00")],
        D(2026, 3, 2),
    )
    assert accrue(tenant, sale)["SUB"].amount_minor == 120_000
    with tenant_scope(tenant):
        batch, _ = batch_build(tenant=tenant, program=program, period=D(2026, 3, 1))
        payout = PayoutLine.objects.get(batch=batch, firm=enrolment.firm)
    assert (payout.withholding_minor, payout.payable_minor) == (0, 120_000)
