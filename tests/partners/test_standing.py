"""Good standing has one owner: a manager's decision (with a reason) stands over evaluations;
evaluations judge IPsoft's Registered requirements in each territory; commissions, payout
holds, the console and the API all give the same answer (seed 002 §2.0, §5.0, §7.2)."""

import datetime

import pytest
import time_machine
from django.test import Client

from commissions.models import PayoutLine
from commissions.tasks import payouts_daily
from partners.models import (
    Enrolment,
    EnrolmentStatus,
    PartnerContact,
    StandingChange,
    StandingSource,
)
from partners.services.enrolments import enrolment_confirm_minimum_met
from tenants.scope import tenant_scope
from tenants.services import api_key_create
from tenants.tasks import run_for_every_tenant
from tests.commissions.conftest import accrue, cim_partner, line, sell
from tests.isolation import assert_hidden_from
from tests.partners.conftest import load_program
from tests.tiers.conftest import (
    D,
    join,
    lead,
    manager,
    noon,
    refreshed,
    update_registration,
)
from tests.tiers.test_ipsoft import qualified_deals, standing_requirements
from tiers.models import TierEvaluation
from tiers.tasks import evaluate_program_period

JOINED = D(2025, 1, 6)
CONFIRMED = D(2025, 1, 20)
APRIL_2 = D(2025, 4, 2)  # Q1 closed: the daily tick finds it due


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def contact_of(tenant, enrolment):
    with tenant_scope(tenant):
        return PartnerContact.objects.filter(firm=enrolment.firm).order_by("pk").first().user


def ipsoft_advisor(loaded, email, *, territories=("US",), meets=True, track="advisor"):
    """An active IPsoft advisor (or partner of `track`; Registered since the manager confirmed
    its minimum criteria) authorised in `territories`; with `meets`, it meets every Registered
    requirement in Q1 (an Alliance Partner needs 3 qualified opportunities, 002 §5.0)."""
    tenant, _program, enrolment = join("ipsoft", JOINED, tracks=[track], email=email, loaded=loaded)
    with tenant_scope(tenant):
        Enrolment.objects.filter(pk=enrolment.pk).update(territories=list(territories))
        enrolment.refresh_from_db()
        enrolment_confirm_minimum_met(
            tenant=tenant, enrolment=enrolment, user=manager(tenant), today=CONFIRMED
        )
    standing_requirements(tenant, enrolment)
    if meets:
        qualified_deals(tenant, enrolment, 3 if track == "alliance" else 2, wins=1)
    return refreshed(tenant, enrolment)


def beat_runs_evaluations(on: datetime.date) -> None:
    """What beat's "evaluations-daily" entry does, on `on` (tasks run in-process)."""
    with time_machine.travel(noon(on), tick=False):
        run_for_every_tenant.apply(args=["tiers.tasks.evaluations_daily"]).get()


def api_standing(user, tenant, enrolment) -> dict:
    rows = signed_in(user).get(f"/{tenant.slug}/api/v1/enrolments/").json()["results"]
    [row] = [r for r in rows if r["id"] == enrolment.pk]
    return row


def history_of(tenant, enrolment) -> list[StandingChange]:
    with tenant_scope(tenant):
        return list(StandingChange.objects.filter(enrolment=enrolment).order_by("pk"))


def standing_url(enrolment) -> str:
    return f"/admin/partners/enrolment/{enrolment.pk}/standing/"


def api_order(tenant, registration, customer, on) -> dict:
    """The vendor's ERP records a completed order of 50,000.00 referred by `registration`."""
    with tenant_scope(tenant):
        key = api_key_create(tenant=tenant, name="ERP")[1]
    erp = Client(headers={"Authorization": f"Api-Key {key}"})
    base = f"/{tenant.slug}/api/v1/"
    erp.post(
        base + "products/create/",
        {"code": "AMELIA", "name": "Amelia", "category": "platform"},
        content_type="application/json",
    )
    buyer = erp.post(
        base + "customers/create/",
        {"name": customer, "external_id": f"CRM-{customer}"},
        content_type="application/json",
    ).json()
    made = erp.post(
        base + "orders/create/",
        {
            "customer": buyer["id"],
            "external_id": f"SO-{customer}",
            "ordered_on": on.isoformat(),
            "registration": registration.pk,
            "order_form_signed_on": on.isoformat(),
            "initial_payment_received_on": on.isoformat(),
            "lines": [{"product_code": "AMELIA", "list_price": "50000.00", "price": "50000.00"}],
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    return made.json()


@pytest.mark.django_db(transaction=True)
def test_a_managers_decision_stands_through_the_evaluation_and_stops_referral_fees(
    cast, eager_tasks
):
    # given two active IPsoft Registered Alliance Partners (their classification earns
    # referral fees, 002 §3.0) that meet every Registered requirement
    loaded = load_program("ipsoft")
    tenant = cast.tenant_b
    held = ipsoft_advisor(loaded, "held@advisor.test", track="alliance")
    outsider = ipsoft_advisor(loaded, "fine@advisor.test", track="alliance")
    # when the manager puts the first out of good standing in the console, with a reason
    with time_machine.travel(noon(D(2025, 3, 20)), tick=False):
        decided = signed_in(cast.manager_b).post(
            standing_url(held), {"good_standing": "no", "reason": "Unpaid program fee"}
        )
    # and the quarterly evaluation then runs as beat runs it
    beat_runs_evaluations(APRIL_2)
    # then the evaluation found the requirements met, yet the manager's decision stands
    assert decided.status_code == 302
    q1 = {e.enrolment_id: e for e in _evaluations(tenant, "2025-Q1")}
    assert (q1[held.pk].standing_met, q1[outsider.pk].standing_met) == (True, True)
    assert refreshed(tenant, held).in_good_standing is False
    [change] = history_of(tenant, held)
    assert (change.source, change.good_standing, change.reason, change.decided_by) == (
        StandingSource.MANAGER,
        False,
        "Unpaid program fee",
        cast.manager_b,
    )
    page = signed_in(cast.manager_b).get(f"/admin/partners/enrolment/{held.pk}/change/")
    body = page.content.decode()
    assert "Not in good standing — manager@ipsoft.test, 2025-03-20: Unpaid program fee" in body
    assert api_standing(cast.manager_b, tenant, held)["standing"] == "Not in good standing"
    assert history_of(tenant, outsider) == []  # in good standing since approval: no change
    # when each completes a referral order through the ERP API
    with time_machine.travel(noon(D(2025, 4, 10)), tick=False):
        api_order(
            tenant, lead(tenant, held, "Bank Corp", D(2025, 4, 1)), "Bank Corp", D(2025, 4, 10)
        )
        api_order(
            tenant,
            lead(tenant, outsider, "Trust Corp", D(2025, 4, 1)),
            "Trust Corp",
            D(2025, 4, 10),
        )
    # then the partner held out of standing earns 0.00 and is told why; the other earns 10 %
    [mine] = _lines_seen_by(contact_of(tenant, held), tenant)
    [theirs] = _lines_seen_by(contact_of(tenant, outsider), tenant)
    assert (mine["amount"], mine["earned"], mine["explanation"]) == (
        "0.00",
        False,
        "Partner not in good standing on the completion day.",
    )
    assert (theirs["amount"], theirs["earned"], theirs["tier_key"]) == (
        "5000.00",
        True,
        "registered",
    )
    # and another vendor's manager cannot open the action, nor record anything with it
    assert_hidden_from(cast.manager_a, standing_url(outsider))
    assert_hidden_from(
        cast.manager_a,
        standing_url(outsider),
        method="post",
        data={"good_standing": "no", "reason": "Not ours to decide"},
    )
    assert history_of(tenant, outsider) == []


def _evaluations(tenant, run_key) -> list[TierEvaluation]:
    with tenant_scope(tenant):
        return list(TierEvaluation.objects.filter(run_key=run_key))


def _lines_seen_by(user, tenant) -> list[dict]:
    response = signed_in(user).get(f"/{tenant.slug}/api/v1/commission-lines/")
    assert response.status_code == 200
    return response.json()["results"]


def test_the_reason_is_required_and_nothing_is_recorded_without_it(cast):
    # given an active IPsoft partner in good standing
    loaded = load_program("ipsoft")
    enrolment = ipsoft_advisor(loaded, "noreason@advisor.test", meets=False)
    # when the manager records a standing with no reason, or only blanks
    console = signed_in(cast.manager_b)
    empty = console.post(standing_url(enrolment), {"good_standing": "no", "reason": ""})
    blank = console.post(standing_url(enrolment), {"good_standing": "no", "reason": "   "})
    # then the page says so, and nothing changed
    for page in (empty, blank):
        assert page.status_code == 200 and b"This field is required." in page.content
    assert history_of(cast.tenant_b, enrolment) == []
    assert refreshed(cast.tenant_b, enrolment).in_good_standing is True
    assert api_standing(cast.manager_b, cast.tenant_b, enrolment)["standing"] == "In good standing"


def test_an_evaluation_sets_standing_from_the_registered_requirements_and_restores_it(
    cast, eager_tasks
):
    # given an active IPsoft advisor with no qualified opportunity in Q1, and no manager decision
    loaded = load_program("ipsoft")
    tenant = cast.tenant_b
    enrolment = ipsoft_advisor(loaded, "slow@advisor.test", meets=False)
    # when Q1 is evaluated as beat runs it
    beat_runs_evaluations(APRIL_2)
    # then the partner is out of good standing, and the reason names the missed requirement
    [q1] = [e for e in _evaluations(tenant, "2025-Q1") if e.enrolment_id == enrolment.pk]
    missed = {s["requirement"] for s in q1.standing_shortfalls}
    assert q1.standing_met is False and "qualified-opps-advisor" in missed
    assert "sales-advisor" not in missed  # certified people were there
    enrolment = refreshed(tenant, enrolment)
    assert (enrolment.in_good_standing, enrolment.standing_label) == (
        False,
        "Not in good standing",
    )
    [lost] = history_of(tenant, enrolment)
    assert lost.source == StandingSource.EVALUATION and lost.run_key == "2025-Q1"
    assert lost.reason.startswith("Evaluation 2025-Q1: not met — ")
    assert "1 qualified opportunity this quarter" in lost.reason
    assert api_standing(cast.manager_b, tenant, enrolment)["good_standing"] is False
    # when the partner meets them again in Q2 and Q2 is evaluated
    qualified_deals(tenant, enrolment, 2, wins=1, on=D(2025, 4, 7))
    beat_runs_evaluations(D(2025, 7, 2))
    # then good standing is restored, by the evaluation, and the history shows both
    enrolment = refreshed(tenant, enrolment)
    assert enrolment.in_good_standing is True
    lost_again, restored = history_of(tenant, enrolment)
    assert (restored.good_standing, restored.run_key, restored.reason) == (
        True,
        "2025-Q2",
        "Evaluation 2025-Q2: every standing requirement is met.",
    )
    assert lost_again.pk == lost.pk
    assert api_standing(cast.manager_b, tenant, enrolment)["standing"] == "In good standing"


def territorial_deals(tenant, enrolment, country, count, *, wins):
    """`count` registrations in `country` on Feb 3, qualified a week later; `wins` of them won."""
    deals = qualified_deals(tenant, enrolment, count, wins=wins)
    for registration in deals:
        update_registration(tenant, registration, country=country)
    return deals


@pytest.mark.parametrize(
    ("territories", "standing", "missed"),
    [
        (("US", "DE"), False, "1 qualified opportunity this quarter in DE"),
        (("US",), True, None),
    ],
)
def test_standing_is_met_in_each_territory(cast, territories, standing, missed):
    # given an IPsoft advisor whose qualified opportunities were all in the US
    loaded = load_program("ipsoft")
    tenant = cast.tenant_b
    enrolment = ipsoft_advisor(loaded, "two@regions.test", territories=territories, meets=False)
    territorial_deals(tenant, enrolment, "US", 2, wins=1)
    # when Q1 is evaluated
    with time_machine.travel(noon(APRIL_2), tick=False):
        evaluate_program_period.apply(
            args=[tenant.pk, enrolment.program_id, "2025-Q1", "2025-Q1", APRIL_2.isoformat()]
        ).get()
    # then a partner authorised in DE as well misses it there; a US-only partner passes
    [q1] = _evaluations(tenant, "2025-Q1")
    labels = [s["label"] for s in q1.standing_shortfalls]
    assert q1.standing_met is standing
    assert refreshed(tenant, enrolment).in_good_standing is standing
    if missed:
        assert missed in labels
        assert all(s["territory"] == "DE" for s in q1.standing_shortfalls), labels
        assert api_standing(cast.manager_b, tenant, enrolment)["standing"] == "Not in good standing"
    else:
        assert labels == []


@pytest.mark.parametrize(
    ("status", "label"),
    [(EnrolmentStatus.SUSPENDED, "Suspended"), (EnrolmentStatus.TERMINATED, "Terminated")],
)
def test_every_place_says_suspended_or_terminated_never_in_good_standing(db, status, label):
    # given a CIMcloud partner with a May sale, accrued while it was active
    tenant, _program, enrolment = cim_partner()
    order = sell(
        tenant,
        lead(tenant, enrolment, "Acme Corp", D(2026, 4, 1)),
        [line("CONNECT", "10000.00")],
        D(2026, 5, 12),
    )
    assert accrue(tenant, order)["CONNECT"].amount_minor == 300_000
    # when the vendor suspends (or terminates) it
    with tenant_scope(tenant):
        Enrolment.objects.filter(pk=enrolment.pk).update(
            status=status, ended_on=D(2026, 5, 20) if status == EnrolmentStatus.TERMINATED else None
        )
    staff = manager(tenant)
    # then the console list and page, and the API, say so, never "In good standing"
    console = signed_in(staff)
    listing = console.get("/admin/partners/enrolment/").content.decode()
    page = console.get(f"/admin/partners/enrolment/{enrolment.pk}/change/").content.decode()
    row = api_standing(staff, tenant, enrolment)
    for body in (listing, page):
        assert label in body and "In good standing" not in body
    assert (row["good_standing"], row["standing"], row["status"]) == (False, label, status)
    assert refreshed(tenant, enrolment).in_good_standing is False
    # and the monthly payout run (as beat runs it) holds a suspended partner's payment
    payouts_daily(tenant.pk, "2026-06-01")
    with tenant_scope(tenant):
        payout = PayoutLine.objects.get(firm=enrolment.firm)
    if status == EnrolmentStatus.SUSPENDED:
        assert (payout.status, payout.payable_minor, payout.hold_reason) == (
            "held",
            0,
            "Suspended: payment held until the standing is restored.",
        )
    else:  # CIMcloud holds an ended partner's final payment until finance releases it (§8.1)
        assert (payout.status, payout.payable_minor) == ("held", 0)
        assert payout.hold_reason.startswith("Final payment: the partnership ended on 2026-05-20")


@pytest.mark.django_db(transaction=True)
def test_standing_is_read_on_the_completion_day_not_the_day_the_order_is_recorded(
    cast, eager_tasks
):
    # given an IPsoft Registered Alliance Partner in good standing, with a registration
    # approved April 1
    loaded = load_program("ipsoft")
    tenant = cast.tenant_b
    enrolment = ipsoft_advisor(loaded, "late@erp.test", track="alliance")
    registration = lead(tenant, enrolment, "Bank Corp", D(2025, 4, 1))
    # when the manager puts it out of good standing on April 15
    with time_machine.travel(noon(D(2025, 4, 15)), tick=False):
        signed_in(cast.manager_b).post(
            standing_url(enrolment), {"good_standing": "no", "reason": "Audit findings"}
        )
    # and the ERP records on April 20 an order that completed on April 10
    with time_machine.travel(noon(D(2025, 4, 20)), tick=False):
        api_order(tenant, registration, "Bank Corp", D(2025, 4, 10))
    # then it earns its 10 %: on April 10 the partner was in good standing
    [fee] = _lines_seen_by(contact_of(tenant, enrolment), tenant)
    assert (fee["amount"], fee["earned"]) == ("5000.00", True), fee["explanation"]
