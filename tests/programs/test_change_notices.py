"""CIMcloud 003 §7: changes to Exhibit B need 30 days' written notice; old rates stay for
orders completed before the change takes effect."""

import datetime
import html
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from commissions.models import CommissionLine
from partners.models import Enrolment, EnrolmentStatus, PartnerContact
from programs.models import (
    CommissionRule,
    ProgramChangeNotice,
    ProgramVersion,
    Tier,
    VersionStatus,
)
from programs.services import program_draft_from, program_version_publish
from tenants.scope import tenant_scope
from tests.commissions.conftest import accrue, cim_partner, line, sell
from tests.factories import StaffMembershipFactory
from tests.isolation import assert_hidden_from
from tests.partners.conftest import DEFINITIONS
from tests.partners.test_enrolments import enrol
from tests.tiers.conftest import lead, noon

D = datetime.date
VERSIONS = "/admin/programs/programversion/"
TODAY = D(2026, 6, 1)
NEW_RATES = {"enrolled": None, "tier-1": "0.2", "tier-2": "0.35", "tier-3": "0.4"}
CHANGED = "CIMcloud Connect Services - ERP, Tier 2 Registered Partner: from 30 % to 35 %."


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def contact_user(tenant, enrolment):
    with tenant_scope(tenant):
        return PartnerContact.objects.get(firm=enrolment.firm).user


def draft_with_new_rates(tenant, program):
    """v2 of the CIMcloud program: Connect Services pays 35 % at Tier 2 (was 30 %)."""
    with tenant_scope(tenant):
        v1 = ProgramVersion.objects.get(program=program, number=1)
        draft = program_draft_from(tenant=tenant, version=v1)
        CommissionRule.objects.filter(version=draft, key="connect-services-erp").update(
            rates=NEW_RATES
        )
    return draft


def change_notice_mails():
    return [m for m in mail.outbox if "commission changes" in m.subject]


@pytest.mark.django_db(transaction=True)
def test_rate_change_needs_thirty_days_notice_and_every_partner_is_told(eager_tasks):
    # given two CIMcloud partners, one that has left, and an Entimo partner (another vendor)
    tenant, program, first = cim_partner("one@cim.test")
    _, _, second = cim_partner("two@cim.test", loaded=(tenant, program))
    _, _, gone = cim_partner("gone@cim.test", loaded=(tenant, program))
    with tenant_scope(tenant):
        Enrolment.objects.filter(pk=gone.pk).update(
            status=EnrolmentStatus.TERMINATED, ended_on=D(2026, 3, 1)
        )
    other_tenant, _, outsider = enrol("entimo", D(2026, 1, 5), email="partner@entimo.test")
    manager = StaffMembershipFactory(tenant=tenant).user
    draft = draft_with_new_rates(tenant, program)
    mail.outbox.clear()

    with time_machine.travel(noon(TODAY), tick=False):
        # when the manager publishes the new rates effective in 10 days
        refused = signed_in(manager).post(
            f"{VERSIONS}{draft.pk}/publish/", {"effective_from": "2026-06-11"}
        )
        # then it is refused with the notice period, and nothing is published
        assert refused.status_code == 200
        assert (
            "CIMcloud's program requires 30 days' written notice of commission changes; "
            "the earliest effective date is 2026-07-01."
        ) in html.unescape(refused.content.decode())
        with tenant_scope(tenant):
            assert ProgramVersion.objects.get(pk=draft.pk).status == VersionStatus.DRAFT
            assert not ProgramChangeNotice.objects.exists()
        assert change_notice_mails() == []

        # when published effective in 31 days
        done = signed_in(manager).post(
            f"{VERSIONS}{draft.pk}/publish/", {"effective_from": "2026-07-02"}
        )
        assert done.status_code == 302
        with tenant_scope(tenant):
            assert ProgramVersion.objects.get(pk=draft.pk).status == VersionStatus.PUBLISHED

        # then each live CIMcloud partner gets one e-mail naming the change and the new rate
        letters = change_notice_mails()
        assert sorted(m.to[0] for m in letters) == ["one@cim.test", "two@cim.test"]
        body = letters[0].body
        assert CHANGED in body
        assert "2026-07-02" in body and "30 days' notice" in body
        assert "connect-services-erp" not in body and "tier-2" not in body

        # and the portal shows the notice until the partner marks it read (per person)
        one, two = contact_user(tenant, first), contact_user(tenant, second)
        home = signed_in(one).get("/cimcloud/portal/").content.decode()
        assert "Notice: commission changes" in home and html.escape(CHANGED) in home
        with tenant_scope(tenant):
            notice = ProgramChangeNotice.objects.get()
        read = signed_in(one).post(f"/cimcloud/portal/notices/{notice.pk}/read/")
        assert read.status_code == 302
        assert (
            "Notice: commission changes"
            not in signed_in(one).get("/cimcloud/portal/").content.decode()
        )
        assert (
            "Notice: commission changes" in signed_in(two).get("/cimcloud/portal/").content.decode()
        )

        # and the other vendor's partner got nothing and cannot reach the notice
        entimo_user = contact_user(other_tenant, outsider)
        entimo_home = signed_in(entimo_user).get("/entimo/portal/").content.decode()
        assert "commission changes" not in entimo_home
        assert (
            signed_in(entimo_user).post(f"/entimo/portal/notices/{notice.pk}/read/").status_code
            == 404
        )
        assert "partner@entimo.test" not in [m.to[0] for m in mail.outbox]

        # and the console lists the notice for this vendor's managers only, in words
        notice_page = f"/admin/programs/programchangenotice/{notice.pk}/change/"
        console = signed_in(manager).get(notice_page).content.decode()
        assert html.escape(CHANGED) in console and "one@cim.test" in console
        assert_hidden_from(StaffMembershipFactory(tenant=other_tenant).user, notice_page)


def test_orders_before_the_effective_date_keep_the_old_rate(db):
    # given a Tier 2 CIMcloud partner with two leads, and v2 paying 35 % from 2026-07-02
    tenant, program, enrolment = cim_partner()
    acme = lead(tenant, enrolment, "Acme Corp", D(2026, 5, 1))
    globex = lead(tenant, enrolment, "Globex Inc", D(2026, 5, 1))
    draft = draft_with_new_rates(tenant, program)
    with tenant_scope(tenant):
        v2 = program_version_publish(
            tenant=tenant, version=draft, effective_from=D(2026, 7, 2), today=TODAY
        )
    # when one order completes the day before the change and one after it
    before = sell(tenant, acme, [line("CONNECT", "10000.00")], D(2026, 7, 1))
    after = sell(tenant, globex, [line("CONNECT", "10000.00")], D(2026, 7, 10))
    # then the first earns the old 30 % under v1, the second the new 35 % under v2
    old, new = accrue(tenant, before)["CONNECT"], accrue(tenant, after)["CONNECT"]
    with tenant_scope(tenant):
        old_number = old.version.number
    assert (old.amount_minor, old_number) == (300_000, 1)
    assert (new.amount_minor, new.version_id) == (350_000, v2.pk)
    with tenant_scope(tenant):
        assert CommissionLine.objects.filter(firm=enrolment.firm).count() == 2


def test_a_change_that_leaves_the_commission_rules_alone_needs_no_notice(db):
    tenant, program, _ = cim_partner()
    with tenant_scope(tenant):
        v1 = ProgramVersion.objects.get(program=program, number=1)
        draft = program_draft_from(tenant=tenant, version=v1)
        Tier.objects.filter(version=draft, key="tier-1").update(name="Tier One Partner")
        # a rule's citation is where it came from, not what it pays
        CommissionRule.objects.filter(version=draft, key="connect-services-erp").update(
            source="003 Exhibit B §1 (re-cited)"
        )
        published = program_version_publish(
            tenant=tenant,
            version=draft,
            effective_from=TODAY + datetime.timedelta(days=1),
            today=TODAY,
        )
        assert published.status == VersionStatus.PUBLISHED
        assert not ProgramChangeNotice.objects.exists()
    assert change_notice_mails() == []


def test_load_programs_refuses_a_rate_change_without_notice(db, tmp_path):
    tenant, program, _ = cim_partner()
    today = timezone.now().astimezone(zoneinfo.ZoneInfo("America/Chicago")).date()
    text = (DEFINITIONS / "cimcloud.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "effective_from: 2024-08-12", f"effective_from: {today + datetime.timedelta(days=10)}"
    )
    text = text.replace("tier-2: 0.30, tier-3: 0.40}", "tier-2: 0.35, tier-3: 0.40}", 1)
    changed = tmp_path / "cimcloud.yaml"
    changed.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("load_programs", str(changed), publish=True)
    with tenant_scope(tenant):
        assert list(
            ProgramVersion.objects.filter(program=program).values_list("number", flat=True)
        ) == [1]
        assert not ProgramChangeNotice.objects.exists()
