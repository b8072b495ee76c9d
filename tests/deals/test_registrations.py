import datetime
import re
import tempfile
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from deals.matching import normalize_domain
from deals.models import DealRegistration, Product, RegistrationMatch, RegistrationStatus
from deals.services.orders import LineInput, customer_upsert, order_record
from deals.services.registrations import (
    ALREADY_PROTECTED,
    NEVER_AFTER_ORDER,
    conflict_candidates,
    registration_approve,
    registration_close,
    registration_decide_extension,
    registration_reject,
    registration_request_extension,
    registration_start_review,
    registration_submit,
    registrations_expire,
    sales_activity_record,
    vendor_lead_answer,
    vendor_lead_offer,
)
from deals.workflow import TRANSITIONS
from tenants.errors import ApplicationError, Conflict
from tenants.scope import tenant_scope

D = datetime.date
DEFINITIONS = Path(__file__).resolve().parents[2] / "programs" / "definitions"


def register(contact, name="Acme Inc.", domain="www.acme.com", **extra):
    with tenant_scope(contact.tenant):
        return registration_submit(
            tenant=contact.tenant,
            firm=contact.firm,
            user=contact.user,
            company_name=name,
            domain=domain,
            country="AU",
            today=D(2025, 4, 15),
            **extra,
        )


def test_conflicts_are_recorded_for_the_reviewer_only(deals_cast):
    c = deals_cast
    first = register(c.partner_admin_a1, "Acme Inc.", "www.acme.com")
    second = register(c.partner_rep_a2, "ACME, Incorporated", "sales.acme.com")
    with tenant_scope(c.tenant_a):
        by_email = conflict_candidates(
            tenant=c.tenant_a,
            name="acme robotics",
            domain=normalize_domain("jane@acme.com"),
            exclude_firm=c.firm_a2,
        )
        matches = {
            m.registration_id: list(m.registration.matches.all())
            for m in RegistrationMatch.objects.all()
        }
    assert [m.other_registration_id for m in matches[second.pk]] == [first.pk]
    assert matches[second.pk][0].explanation == (
        "Same company domain acme.com; Same name and country: 'acme' in AU"
    )
    assert matches[second.pk][0].strong
    assert [(kind, record.pk) for kind, record, _ in by_email] == [("registration", first.pk)]
    assert first.pk not in matches  # the first had nothing to conflict with
    assert second.status == RegistrationStatus.SUBMITTED


def test_another_firms_approved_registration_blocks_without_naming_it(
    deals_cast, django_capture_on_commit_callbacks
):
    c = deals_cast
    first = register(c.partner_admin_a1, "Acme Inc.", "acme.com")
    with tenant_scope(c.tenant_a):
        registration_approve(tenant=c.tenant_a, registration=first, user=c.manager_a)
    with django_capture_on_commit_callbacks(execute=True):
        blocked = register(c.partner_rep_a2, "ACME, Incorporated", "jane@acme.com")
    assert blocked.status == RegistrationStatus.REJECTED
    assert blocked.decision_reason == ALREADY_PROTECTED
    mail_to_partner = mail.outbox[-1]
    assert mail_to_partner.to == [c.partner_rep_a2.user.email]
    assert c.firm_a1.name not in mail_to_partner.body
    with tenant_scope(c.tenant_a):
        assert blocked.matches.get().other_registration == first  # the reviewer still sees it


def test_registrations_of_another_tenant_never_conflict(deals_cast):
    c = deals_cast
    register(c.partner_admin_a1, "Acme Inc.", "acme.com")
    other = register(c.partner_rep_b1, "Acme Inc.", "acme.com")
    with tenant_scope(c.tenant_b):
        assert not RegistrationMatch.objects.filter(registration=other).exists()


def test_a_firm_cannot_register_the_same_prospect_twice(deals_cast):
    register(deals_cast.partner_admin_a1, "Acme Inc.", "acme.com")
    with pytest.raises(Conflict, match=r"already registered Acme Inc\."):
        register(deals_cast.partner_admin_a1, "ACME Incorporated", "")


def test_bad_input_names_the_fields(deals_cast):
    with pytest.raises(ApplicationError) as refused:
        register(deals_cast.partner_admin_a1, "Inc.", "not a domain", estimated_value=Decimal(-1))
    assert set(refused.value.fields) == {"domain", "estimated_value"}


def test_ipsoft_never_after_an_order(deals_cast, django_capture_on_commit_callbacks):
    c = deals_cast
    with tenant_scope(c.tenant_b):
        Product.objects.create(tenant=c.tenant_b, code="AMELIA", name="Amelia", category="any")
        customer = customer_upsert(
            tenant=c.tenant_b, name="Globex Corporation", domain="globex.com"
        )
        order_record(
            tenant=c.tenant_b,
            customer=customer,
            ordered_on=D(2025, 1, 10),
            currency="USD",
            lines=[LineInput("AMELIA", 1, Decimal(100), Decimal(100))],
        )
    with django_capture_on_commit_callbacks(execute=True):
        registration = register(c.partner_rep_b1, "Globex", "www.globex.com")
    assert registration.status == RegistrationStatus.REJECTED
    assert registration.decision_reason == NEVER_AFTER_ORDER
    assert NEVER_AFTER_ORDER in mail.outbox[-1].body


def test_review_workflow_records_every_transition(deals_cast, django_capture_on_commit_callbacks):
    c = deals_cast
    registration = register(c.partner_admin_a1)
    with tenant_scope(c.tenant_a), django_capture_on_commit_callbacks(execute=True):
        registration_start_review(tenant=c.tenant_a, registration=registration, user=c.manager_a)
        registration_approve(
            tenant=c.tenant_a, registration=registration, user=c.manager_a, today=D(2025, 4, 20)
        )
        registration.refresh_from_db()
        history = [(t.from_status, t.to_status, t.by) for t in registration.transitions.all()]
    assert history == [
        ("", "submitted", c.partner_admin_a1.user),
        ("submitted", "under_review", c.manager_a),
        ("under_review", "approved", c.manager_a),
    ]
    assert registration.expires_on == D(2025, 4, 20) + datetime.timedelta(days=180)  # Simpro
    assert "approved" in mail.outbox[-1].subject.lower()


@pytest.mark.parametrize(
    ("status", "attempt"),
    [("rejected", "approve"), ("won", "reject"), ("expired", "approve"), ("lost", "won")],
)
def test_illegal_transitions_are_refused(deals_cast, status, attempt):
    c = deals_cast
    registration = register(c.partner_admin_a1)
    with tenant_scope(c.tenant_a):
        DealRegistration.objects.filter(pk=registration.pk).update(status=status)
        registration.refresh_from_db()
        with pytest.raises(Conflict, match="cannot become"):
            if attempt == "approve":
                registration_approve(tenant=c.tenant_a, registration=registration, user=c.manager_a)
            elif attempt == "reject":
                registration_reject(
                    tenant=c.tenant_a, registration=registration, user=c.manager_a, reason="no"
                )
            else:
                registration_close(
                    tenant=c.tenant_a, registration=registration, user=c.manager_a, won=True
                )
        assert DealRegistration.objects.get(pk=registration.pk).status == status


def test_terminal_states_allow_nothing():
    for status in ("rejected", "declined", "won", "lost", "expired"):
        assert TRANSITIONS[status] == frozenset()


def test_rejection_needs_a_reason(deals_cast):
    registration = register(deals_cast.partner_admin_a1)
    with tenant_scope(deals_cast.tenant_a), pytest.raises(ApplicationError):
        registration_reject(
            tenant=deals_cast.tenant_a,
            registration=registration,
            user=deals_cast.manager_a,
            reason=" ",
        )


def approved(c, today=None):
    registration = register(c.partner_admin_a1)
    with tenant_scope(c.tenant_a):
        return registration_approve(
            tenant=c.tenant_a,
            registration=registration,
            user=c.manager_a,
            today=today or D(2025, 4, 15),
        )


def test_expiry_job_expires_once_and_reminds_before(deals_cast, django_capture_on_commit_callbacks):
    c = deals_cast
    registration = approved(c)  # Simpro protects 180 days: until 2025-10-12
    with tenant_scope(c.tenant_a), django_capture_on_commit_callbacks(execute=True):
        assert registrations_expire(tenant=c.tenant_a, today=D(2025, 9, 27)) == {
            "expired": 0,
            "reminded": 0,
        }
        assert registrations_expire(tenant=c.tenant_a, today=D(2025, 9, 28)) == {
            "expired": 0,
            "reminded": 1,
        }
        assert registrations_expire(tenant=c.tenant_a, today=D(2025, 10, 12))["expired"] == 0
        assert registrations_expire(tenant=c.tenant_a, today=D(2025, 10, 13))["expired"] == 1
        assert registrations_expire(tenant=c.tenant_a, today=D(2025, 10, 14)) == {
            "expired": 0,
            "reminded": 0,
        }
        registration.refresh_from_db()
    assert registration.status == RegistrationStatus.EXPIRED
    assert [m.subject for m in mail.outbox if "ends on" in m.subject] == [
        "Protection of Acme Inc. ends on 2025-10-12"
    ]


def test_extension_request_and_decision(deals_cast):
    c = deals_cast
    registration = approved(c)
    with tenant_scope(c.tenant_a):
        with pytest.raises(ApplicationError):
            registration_request_extension(
                tenant=c.tenant_a,
                registration=registration,
                user=c.partner_admin_a1.user,
                reason="",
            )
        registration_request_extension(
            tenant=c.tenant_a,
            registration=registration,
            user=c.partner_admin_a1.user,
            reason="Board meets in Nov",
        )
        with pytest.raises(Conflict):
            registration_request_extension(
                tenant=c.tenant_a,
                registration=registration,
                user=c.partner_admin_a1.user,
                reason="again",
            )
        registration = registration_decide_extension(
            tenant=c.tenant_a,
            registration=registration,
            user=c.manager_a,
            grant=True,
            today=D(2025, 10, 1),
        )
    assert registration.expires_on == D(2025, 10, 12) + datetime.timedelta(days=180)
    assert registration.extension_requested_at is None


def _share_vendor_leads(slug: str, effective_from: str) -> None:
    """Publish a version of the seed program with `vendor_leads: true` (CIMcloud §3.1)."""
    text = (DEFINITIONS / f"{slug}.yaml").read_text()
    text = re.sub(r"effective_from: \S+", f"effective_from: {effective_from}", text, count=1)
    text = text.replace("deal_registration:\n", "deal_registration:\n  vendor_leads: true\n", 1)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as file:
        file.write(text)
    call_command("load_programs", file.name, publish=True, stdout=StringIO())


def test_vendor_leads_only_where_the_program_shares_them(deals_cast):
    c = deals_cast
    with tenant_scope(c.tenant_a), pytest.raises(Conflict, match="does not share vendor leads"):
        vendor_lead_offer(
            tenant=c.tenant_a, firm=c.firm_a1, user=c.manager_a, company_name="X", country="AU"
        )
    with tenant_scope(c.tenant_a):
        assert not DealRegistration.objects.exists()


def test_vendor_lead_accept_and_decline(deals_cast):
    c = deals_cast
    _share_vendor_leads("simpro", "2025-03-01")
    with tenant_scope(c.tenant_a):
        lead = vendor_lead_offer(
            tenant=c.tenant_a,
            firm=c.firm_a1,
            user=c.manager_a,
            company_name="Initech",
            country="AU",
        )
        other = vendor_lead_offer(
            tenant=c.tenant_a, firm=c.firm_a1, user=c.manager_a, company_name="Hooli", country="AU"
        )
        lead = vendor_lead_answer(
            tenant=c.tenant_a,
            registration=lead,
            user=c.partner_admin_a1.user,
            accept=True,
            today=D(2025, 4, 15),
        )
        other = vendor_lead_answer(
            tenant=c.tenant_a, registration=other, user=c.partner_admin_a1.user, accept=False
        )
    assert (lead.status, lead.lead_source, lead.expires_on) == (
        "approved",
        "vendor",
        D(2025, 10, 12),
    )
    assert other.status == "declined"


def test_sales_calls_are_recorded_on_live_registrations(deals_cast):
    c = deals_cast
    registration = approved(c)
    with tenant_scope(c.tenant_a):
        sales_activity_record(
            tenant=c.tenant_a,
            registration=registration,
            user=c.partner_admin_a1.user,
            kind="demo_call",
            occurred_on=timezone.localdate(registration.submitted_at),
        )
        with pytest.raises(ApplicationError):
            sales_activity_record(
                tenant=c.tenant_a,
                registration=registration,
                user=c.partner_admin_a1.user,
                kind="demo_call",
                occurred_on=D(2999, 1, 1),
            )
        assert registration.activities.count() == 1
