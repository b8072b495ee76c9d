"""CIMcloud 003 §8.2: notice of material breach, 30 days to cure, then termination for cause."""

import datetime
import html

import pytest
import time_machine
from django.test import Client

from partners.models import BreachNotice, EnrolmentStatus, Notice, PartnerContact
from partners.services.breaches import breach_notice_record
from tenants.errors import ApplicationError
from tenants.scope import tenant_scope
from tests.factories import StaffMembershipFactory
from tests.isolation import assert_hidden_from
from tests.partners.conftest import load_program
from tests.partners.test_enrolments import enrol
from tests.tiers.conftest import noon

D = datetime.date
ENROLMENTS = "/admin/partners/enrolment/"
NOTIFIED = D(2026, 5, 1)
CURE_BY = D(2026, 5, 31)  # 30 calendar days after the notice


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def contact_user(tenant, enrolment):
    with tenant_scope(tenant):
        return PartnerContact.objects.get(firm=enrolment.firm).user


def refreshed(tenant, row):
    with tenant_scope(tenant):
        row.refresh_from_db()
    return row


@pytest.fixture
def cimcloud(db):
    """Two CIMcloud partners (the second is the outsider firm) and a manager."""
    loaded = load_program("cimcloud")
    tenant, _, breaching = enrol("cimcloud", D(2026, 1, 5), email="late@cim.test", loaded=loaded)
    _, _, other = enrol("cimcloud", D(2026, 1, 5), email="fine@cim.test", loaded=loaded)
    return tenant, breaching, other, StaffMembershipFactory(tenant=tenant).user


def record_breach(manager, enrolment):
    with time_machine.travel(noon(NOTIFIED), tick=False):
        return signed_in(manager).post(
            f"{ENROLMENTS}{enrolment.pk}/breach/",
            {"given_on": "2026-05-01", "description": "Partner represented itself as Tier 3."},
        )


def terminate(manager, enrolment, day, breach=None):
    data = {"kind": "termination", "given_by": "vendor", "given_on": day.isoformat()}
    if breach is not None:
        data["for_cause"] = breach.pk
    with time_machine.travel(noon(day), tick=False):
        return signed_in(manager).post(f"{ENROLMENTS}{enrolment.pk}/notice/", data)


def test_breach_clock_then_termination_for_cause_only_once_it_ran_out(cimcloud):
    tenant, breaching, other, manager = cimcloud
    # when the manager records a notice of material breach in the console
    assert record_breach(manager, breaching).status_code == 302
    with tenant_scope(tenant):
        breach = BreachNotice.objects.get(enrolment=breaching)
    assert (breach.cure_days, breach.cure_by) == (30, CURE_BY)

    # then the partner sees the clock on the portal, and the manager on the enrolment page
    with time_machine.travel(noon(D(2026, 5, 20)), tick=False):
        home = signed_in(contact_user(tenant, breaching)).get("/cimcloud/portal/")
        console = signed_in(manager).get(f"{ENROLMENTS}{breaching.pk}/change/")
        others_home = signed_in(contact_user(tenant, other)).get("/cimcloud/portal/")
    assert "Cure by 2026-05-31 — 12 days left." in html.unescape(home.content.decode())
    assert "Partner represented itself as Tier 3." in html.unescape(home.content.decode())
    assert "Cure by 2026-05-31 — 12 days left." in html.unescape(console.content.decode())
    assert "material breach" not in others_home.content.decode()  # the other firm sees nothing

    # when the manager terminates for cause before the cure period has run out: refused
    early = terminate(manager, breaching, D(2026, 5, 31), breach)
    assert early.status_code == 200
    assert (
        "The partner may cure the breach until 2026-05-31 (30 days after the notice of "
        "2026-05-01); termination for cause is possible from 2026-06-01."
    ) in html.unescape(early.content.decode())
    assert refreshed(tenant, breaching).status == EnrolmentStatus.ACTIVE
    with tenant_scope(tenant):
        assert not Notice.objects.filter(enrolment=breaching).exists()

    # when the cure period has run out uncured: the termination for cause goes through
    assert terminate(manager, breaching, D(2026, 6, 1), breach).status_code == 302
    breaching = refreshed(tenant, breaching)
    assert breaching.status == EnrolmentStatus.TERMINATED
    assert breaching.end_reason == "Terminated for cause by vendor notice of 2026-06-01"
    with tenant_scope(tenant):
        termination = refreshed(tenant, breach).termination
    assert termination.reason.startswith(
        "For cause: material breach notified on 2026-05-01 not cured by 2026-05-31"
    )
    assert refreshed(tenant, other).status == EnrolmentStatus.ACTIVE


def test_a_cured_breach_is_no_cause_for_termination(cimcloud):
    tenant, breaching, _, manager = cimcloud
    record_breach(manager, breaching)
    with tenant_scope(tenant):
        breach = BreachNotice.objects.get(enrolment=breaching)
    # when the manager records the breach cured, with a note
    with time_machine.travel(noon(D(2026, 5, 10)), tick=False):
        cured = signed_in(manager).post(
            f"{ENROLMENTS}{breaching.pk}/cure/",
            {"breach": breach.pk, "note": "Website corrected to Tier 1 on 2026-05-09."},
        )
        # then the cure action is no longer offered: nothing is left open
        assert signed_in(manager).get(f"{ENROLMENTS}{breaching.pk}/cure/").status_code == 403
    assert cured.status_code == 302
    breach = refreshed(tenant, breach)
    assert (breach.cured_by, breach.cure_note) == (
        manager,
        "Website corrected to Tier 1 on 2026-05-09.",
    )
    # and termination for cause is refused even after the cure period
    refused = terminate(manager, breaching, D(2026, 6, 15), breach)
    assert "was cured (2026-05-10); it is no cause for termination." in html.unescape(
        refused.content.decode()
    )
    assert refreshed(tenant, breaching).status == EnrolmentStatus.ACTIVE
    # while the ordinary written-notice termination stays as it is
    assert terminate(manager, breaching, D(2026, 6, 15)).status_code == 302
    assert refreshed(tenant, breaching).status == EnrolmentStatus.TERMINATED
    with pytest.raises(ValueError), tenant_scope(tenant):
        breach.delete()  # the notice stays on record


def test_no_cure_period_no_breach_action_and_outsiders_see_nothing(cimcloud):
    tenant, breaching, _, manager = cimcloud
    # given an Entimo partner: Entimo's program names no cure period
    entimo, _, entimo_partner = enrol("entimo", D(2026, 1, 5), email="p@entimo.test")
    entimo_manager = StaffMembershipFactory(tenant=entimo).user
    page = signed_in(entimo_manager).get(f"{ENROLMENTS}{entimo_partner.pk}/change/")
    assert page.status_code == 200
    assert f"{entimo_partner.pk}/breach/" not in page.content.decode()
    with time_machine.travel(noon(NOTIFIED), tick=False):
        assert (
            signed_in(entimo_manager)
            .post(
                f"{ENROLMENTS}{entimo_partner.pk}/breach/",
                {"given_on": "2026-05-01", "description": "Anything"},
            )
            .status_code
            == 403
        )
        with tenant_scope(entimo), pytest.raises(ApplicationError, match="no cure period"):
            breach_notice_record(
                tenant=entimo,
                enrolment=entimo_partner,
                description="Anything",
                given_on=NOTIFIED,
                user=entimo_manager,
            )
    # CIMcloud's enrolment page offers it; another vendor's manager cannot reach it
    cim_page = signed_in(manager).get(f"{ENROLMENTS}{breaching.pk}/change/")
    assert f"{breaching.pk}/breach/" in cim_page.content.decode()
    assert_hidden_from(entimo_manager, f"{ENROLMENTS}{breaching.pk}/breach/")
    assert_hidden_from(entimo_manager, f"{ENROLMENTS}{breaching.pk}/breach/", method="post")
    with tenant_scope(tenant):
        assert not BreachNotice.objects.exists()
