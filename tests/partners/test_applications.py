import datetime

import pytest
from django.core import mail

from partners.models import (
    AgreementAcceptance,
    Application,
    ContactRequest,
    Enrolment,
    EnrolmentStatus,
    PartnerContact,
)
from partners.services.applications import (
    application_approve,
    application_reject,
    application_submit,
)
from tenants.errors import ApplicationError, Conflict
from tenants.scope import tenant_scope
from tests.factories import StaffMembershipFactory
from tests.partners.conftest import load_program

APRIL_15 = datetime.date(2025, 4, 15)


def submit(tenant, program, user, **overrides):
    data = {
        "firm_name": "Acme Integrations",
        "country": "us",
        "territories": ["us", "CA"],
        "tracks": [],
        "accept_agreement": True,
        "ip_address": "203.0.113.7",
        "user_agent": "pytest",
        "today": APRIL_15,
    } | overrides
    with tenant_scope(tenant):
        return application_submit(tenant=tenant, program=program, user=user, **data)


def manager_of(tenant):
    return StaffMembershipFactory(tenant=tenant).user


@pytest.mark.parametrize(
    ("vendor", "tracks", "status", "term_end"),
    [
        ("entimo", [], EnrolmentStatus.ACTIVE, datetime.date(2028, 4, 14)),
        (
            "simpro",
            ["service-providers", "technology"],
            EnrolmentStatus.ACTIVE,
            datetime.date(2026, 4, 14),
        ),
        ("ipsoft", ["implementation"], EnrolmentStatus.ONBOARDING, datetime.date(2025, 12, 31)),
        ("cimcloud", [], EnrolmentStatus.ACTIVE, datetime.date(2026, 4, 14)),
    ],
)
def test_approved_application_becomes_an_enrolment_with_the_programs_term(
    applicant, vendor, tracks, status, term_end, django_capture_on_commit_callbacks
):
    tenant, program = load_program(vendor)
    application = submit(tenant, program, applicant, tracks=tracks)
    with tenant_scope(tenant), django_capture_on_commit_callbacks(execute=True):
        enrolment = application_approve(
            tenant=tenant, application=application, user=manager_of(tenant), today=APRIL_15
        )
    with tenant_scope(tenant):
        contact = PartnerContact.objects.select_related("firm").get(user=applicant)
        acceptance = AgreementAcceptance.objects.select_related("firm").get(application=application)
    assert (enrolment.status, enrolment.term_start, enrolment.term_end) == (
        status,
        APRIL_15,
        term_end,
    )
    assert enrolment.tracks == tracks
    assert enrolment.territories == ["CA", "US"]
    assert contact.firm.name == "Acme Integrations" and contact.role == "partner_admin"
    assert acceptance.firm == contact.firm
    assert acceptance.ip_address == "203.0.113.7"
    assert acceptance.program_version_id == application.program_version_id
    assert [m.to for m in mail.outbox] == [[applicant.email]]
    assert "approved" in mail.outbox[0].body


def test_entry_tier_is_the_programs_entry_tier(applicant):
    tenant, program = load_program("cimcloud")
    application = submit(tenant, program, applicant)
    with tenant_scope(tenant):
        enrolment = application_approve(
            tenant=tenant, application=application, user=manager_of(tenant), today=APRIL_15
        )
    assert enrolment.tier_key == "enrolled"


def test_application_without_accepting_the_agreement_is_refused(applicant):
    tenant, program = load_program("entimo")
    with pytest.raises(ApplicationError) as refused:
        submit(tenant, program, applicant, accept_agreement=False)
    assert "accept_agreement" in refused.value.fields
    with tenant_scope(tenant):
        assert not Application.objects.exists()
        assert not AgreementAcceptance.objects.exists()


def test_entimo_registration_implies_directory_consent(applicant):
    tenant, program = load_program("entimo")
    application = submit(tenant, program, applicant, directory_consent=False)
    assert application.directory_consent is True


@pytest.mark.parametrize(
    ("vendor", "tracks", "message"),
    [
        ("ipsoft", ["advisor", "solution"], "exactly one"),
        ("ipsoft", [], "exactly one"),
        ("simpro", [], "at least one"),
        ("simpro", ["gardening"], "Unknown track"),
        ("cimcloud", ["technology"], "no tracks"),
    ],
)
def test_tracks_must_fit_the_programs_selection(applicant, vendor, tracks, message):
    tenant, program = load_program(vendor)
    with pytest.raises(ApplicationError) as refused:
        submit(tenant, program, applicant, tracks=tracks)
    assert message in str(refused.value.message) + str(refused.value.fields)


def test_oem_interest_is_a_contact_request_not_an_enrolment(applicant):
    tenant, program = load_program("ipsoft")
    result = submit(tenant, program, applicant, tracks=["oem"])
    assert isinstance(result, ContactRequest)
    with tenant_scope(tenant):
        assert not Application.objects.exists()


def test_rejection_needs_a_reason_and_mails_it(applicant, django_capture_on_commit_callbacks):
    tenant, program = load_program("simpro")
    application = submit(tenant, program, applicant, tracks=["referral"])
    manager = manager_of(tenant)
    with tenant_scope(tenant), pytest.raises(ApplicationError):
        application_reject(tenant=tenant, application=application, user=manager, reason="  ")
    with tenant_scope(tenant), django_capture_on_commit_callbacks(execute=True):
        application_reject(
            tenant=tenant,
            application=application,
            user=manager,
            reason="We already have a partner in your territory.",
        )
    with tenant_scope(tenant):
        assert not Enrolment.objects.exists()
    assert "We already have a partner in your territory." in mail.outbox[-1].body
    with tenant_scope(tenant), pytest.raises(Conflict):
        application_approve(tenant=tenant, application=application, user=manager)


def test_a_second_open_application_is_refused(applicant):
    tenant, program = load_program("simpro")
    submit(tenant, program, applicant, tracks=["referral"])
    with pytest.raises(Conflict):
        submit(tenant, program, applicant, tracks=["referral"])


def test_approving_twice_creates_one_enrolment(applicant):
    tenant, program = load_program("cimcloud")
    application = submit(tenant, program, applicant)
    manager = manager_of(tenant)
    with tenant_scope(tenant):
        application_approve(tenant=tenant, application=application, user=manager, today=APRIL_15)
        with pytest.raises(Conflict):
            application_approve(tenant=tenant, application=application, user=manager)
        assert Enrolment.objects.count() == 1
