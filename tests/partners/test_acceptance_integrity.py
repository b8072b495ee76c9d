"""Agreement acceptances: the client address behind proxies, and acceptance of *this* program."""

import datetime

import pytest
from django.test import Client, RequestFactory, override_settings

from partners.models import AgreementAcceptance, Application, Enrolment
from partners.services.applications import application_approve
from programs.models import ProgramVersion
from programs.services import (
    parse_definition,
    program_definition_load,
    program_draft_from,
    program_version_publish,
)
from tenants.client_ip import client_ip
from tenants.scope import tenant_scope
from tests.factories import StaffMembershipFactory, UserFactory
from tests.partners.conftest import DEFINITIONS, load_program
from tiers.metrics import IMPLEMENTATIONS

pytestmark = pytest.mark.usefixtures("frozen")


def apply(user, **headers):
    client = Client(**headers)
    client.force_login(user)
    return client.post(
        "/simpro/api/v1/applications/",
        {
            "program": "partner-program",
            "firm_name": "Bluebird",
            "country": "AU",
            "territories": ["AU"],
            "tracks": ["referral"],
            "accept_agreement": True,
        },
        content_type="application/json",
    )


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.2"),  # no proxy: the header is the client's own claim
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # a spoofed left entry is ignored
        (2, "198.51.100.7, 203.0.113.9", "198.51.100.7"),
        (2, "203.0.113.9", "10.0.0.2"),  # fewer hops than proxies: not trusted
        (1, "not-an-ip", "10.0.0.2"),
    ],
)
def test_client_ip_honours_the_proxy_count(proxies, forwarded, expected):
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="10.0.0.2")
    with override_settings(PROXY_COUNT=proxies):
        assert client_ip(request) == expected


def test_an_acceptance_through_the_api_records_the_client_behind_the_proxy(db):
    tenant, _ = load_program("simpro")
    user = UserFactory(email="api@bluebird.test")
    with override_settings(PROXY_COUNT=1):
        created = apply(user, HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.23", REMOTE_ADDR="10.0.0.2")
    assert created.status_code == 201, created.content
    with tenant_scope(tenant):
        [acceptance] = AgreementAcceptance.objects.all()
    assert acceptance.ip_address == "198.51.100.23"


def test_the_console_lockout_reads_the_same_address():
    from axes.helpers import get_client_ip_address

    request = RequestFactory().get(
        "/", HTTP_X_FORWARDED_FOR="198.51.100.23", REMOTE_ADDR="10.0.0.2"
    )
    with override_settings(PROXY_COUNT=1):
        assert get_client_ip_address(request) == "198.51.100.23"


def _accepted(tenant, enrolment, on, params=None) -> int:
    with tenant_scope(tenant):
        measures = IMPLEMENTATIONS["agreement_accepted"]([enrolment], None, on, params or {})
    return int(measures[enrolment.pk].value)


def test_agreement_accepted_means_this_programs_version_in_force(db):
    tenant, program = load_program("simpro")
    user = UserFactory(email="api@bluebird.test")
    assert apply(user).status_code == 201
    manager = StaffMembershipFactory(tenant=tenant).user
    with tenant_scope(tenant):
        enrolment = application_approve(
            tenant=tenant, application=Application.objects.get(), user=manager
        )
    today = datetime.date(2025, 4, 15)
    assert _accepted(tenant, enrolment, today) == 1

    # the vendor publishes version 2: accepting version 1 no longer holds from its date
    with tenant_scope(tenant):
        v1 = ProgramVersion.objects.get(program=program, number=1)
        draft = program_draft_from(tenant=tenant, version=v1)
        program_version_publish(
            tenant=tenant, version=draft, user=manager, effective_from=datetime.date(2025, 6, 1)
        )
    assert _accepted(tenant, enrolment, datetime.date(2025, 5, 31)) == 1
    assert _accepted(tenant, enrolment, datetime.date(2025, 6, 1)) == 0
    # ... unless the program says an earlier version is enough
    assert _accepted(tenant, enrolment, datetime.date(2025, 6, 1), {"since_version": 1}) == 1


def test_an_acceptance_of_another_programs_agreement_does_not_count(db):
    tenant, _program = load_program("simpro")
    user = UserFactory(email="api@bluebird.test")
    assert apply(user).status_code == 201
    manager = StaffMembershipFactory(tenant=tenant).user
    text = (
        (DEFINITIONS / "simpro.yaml")
        .read_text()
        .replace("slug: partner-program", "slug: reseller-program", 1)
    )
    with tenant_scope(tenant):
        enrolment = application_approve(
            tenant=tenant, application=Application.objects.get(), user=manager
        )
        loaded = program_definition_load(
            tenant=tenant, definition=parse_definition(text, where="reseller.yaml")
        )
        program_version_publish(tenant=tenant, version=loaded.version, user=manager)
        # the same firm measured in the second program: its only acceptance is the first's
        elsewhere = Enrolment(
            pk=enrolment.pk, tenant=tenant, firm=enrolment.firm, program=loaded.version.program
        )
    assert _accepted(tenant, enrolment, datetime.date(2025, 4, 15)) == 1
    assert _accepted(tenant, elsewhere, datetime.date(2025, 4, 15)) == 0
