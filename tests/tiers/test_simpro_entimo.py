"""Simpro (seed 001): closed-won within 6 months, module scoping, Premier by invitation.
Entimo (seed 000): advance mid-term when met; a downgrade waits for the next term."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from partners.terms import add_months
from tenants.errors import ApplicationError
from tenants.scope import tenant_scope
from tests.partners.conftest import load_program
from tests.tiers.conftest import (
    D,
    activity,
    attest,
    certify,
    evaluate,
    held,
    join,
    lead,
    manager,
    noon,
    order,
    refreshed,
    results_of,
)
from tiers.models import TierAssignment
from tiers.selectors import tier_timeline
from tiers.services import evaluation_decide, tier_override
from tiers.windows import as_of, quarter_containing

SIMPRO_JOINED = D(2024, 6, 3)
REFERRED = D(2024, 7, 1)
Q1_2025 = quarter_containing(D(2025, 1, 1))


def referrals(tenant, enrolment, count, *, months_to_order=2, late=0):
    """`count` referrals made on REFERRED, each ordered `months_to_order` later; the first
    `late` of them only 7 months later. Returns (counted, not counted) registration ids."""
    counted, missed = [], []
    for n in range(count):
        registration = lead(tenant, enrolment, f"Trade Co {enrolment.pk}-{n}", REFERRED)
        months = 7 if n < late else months_to_order
        order(tenant, registration, f"Trade Co {enrolment.pk}-{n}", add_months(REFERRED, months))
        (missed if n < late else counted).append(registration.pk)
    return counted, missed


def simpro_partner(tracks, *, email="founder@newfirm.test", loaded=None):
    tenant, program, enrolment = join(
        "simpro", SIMPRO_JOINED, tracks=tracks, email=email, loaded=loaded
    )
    attest(tenant, enrolment, "vendor_branding_on_website", SIMPRO_JOINED)
    return tenant, program, enrolment


@pytest.mark.parametrize(("count", "tier"), [(9, "registered"), (10, "select")])
def test_select_needs_ten_closed_won_opportunities(db, count, tier):
    tenant, program, enrolment = simpro_partner(["service-providers"])
    counted, _ = referrals(tenant, enrolment, count)

    [evaluation] = evaluate(tenant, program, Q1_2025, today=D(2025, 4, 1))

    closed = results_of(tenant, evaluation)["closed-won"]
    assert (closed.value, closed.threshold, closed.passed) == (count, 10, count >= 10)
    assert sorted(closed.evidence) == sorted(counted)
    assert (closed.window_start, closed.window_end) == (D(2024, 4, 1), D(2025, 3, 31))
    assert evaluation.resulting_tier == tier
    # Simpro's definition asks a manager to confirm every change
    assert evaluation.status == ("awaiting" if tier == "select" else "no_change")


@pytest.mark.parametrize(("months", "counts"), [(6, True), (7, False)])
def test_an_order_more_than_six_months_after_the_referral_does_not_count(db, months, counts):
    tenant, program, enrolment = simpro_partner(["service-providers"])
    referrals(tenant, enrolment, 9)
    last = lead(tenant, enrolment, "Late Buyer Pty", REFERRED)
    order(tenant, last, "Late Buyer", add_months(REFERRED, months))

    [evaluation] = evaluate(tenant, program, Q1_2025, today=D(2025, 4, 1))

    closed = results_of(tenant, evaluation)["closed-won"]
    assert (last.pk in closed.evidence, closed.value) == (counts, 10 if counts else 9)
    assert evaluation.resulting_tier == ("select" if counts else "registered")


def test_a_referral_only_enrolment_is_not_held_to_closed_won(db):
    loaded = load_program("simpro")
    tenant, program, providers = simpro_partner(
        ["service-providers"], email="a@providers.test", loaded=loaded
    )
    _, _, referral = simpro_partner(["referral"], email="b@referral.test", loaded=loaded)

    outcomes = {e.enrolment_id: e for e in evaluate(tenant, program, Q1_2025, D(2025, 4, 1))}

    of_providers = results_of(tenant, outcomes[providers.pk])
    of_referral = results_of(tenant, outcomes[referral.pk])
    assert (of_providers["closed-won"].value, of_providers["closed-won"].passed) == (0, False)
    assert outcomes[providers.pk].resulting_tier == "registered"
    assert [m["requirement"] for m in outcomes[providers.pk].missing_for_next] == ["closed-won"]
    # only the agreement applies to the Referral module (001 lists no other requirement)
    assert set(of_referral) == {"agreement"}
    assert all(m["requirement"] != "closed-won" for m in outcomes[referral.pk].missing_for_next)
    assert outcomes[referral.pk].resulting_tier == "select"
    assert outcomes[referral.pk].status == "awaiting"  # the manager still decides


def premier_ready(tenant, enrolment):
    """Select requirements plus this quarter's QBR: everything Premier asks."""
    referrals(tenant, enrolment, 10)
    return activity(tenant, enrolment, "qbr", D(2025, 3, 12))


def test_premier_is_never_granted_by_evaluation(db):
    tenant, program, enrolment = simpro_partner(["service-providers"])
    qbr = premier_ready(tenant, enrolment)

    [evaluation] = evaluate(tenant, program, Q1_2025, today=D(2025, 4, 1))

    results = results_of(tenant, evaluation)
    assert (results["quarterly-qbr"].tier, results["quarterly-qbr"].passed) == ("premier", True)
    assert results["quarterly-qbr"].evidence == [qbr.pk]
    assert (evaluation.resulting_tier, evaluation.next_tier) == ("select", "premier")
    assert [m["requirement"] for m in evaluation.missing_for_next] == ["invitation"]


def test_premier_comes_only_by_an_invitation_with_a_reason(db):
    tenant, program, enrolment = simpro_partner(["service-providers"])
    premier_ready(tenant, enrolment)
    invite = {"tenant": tenant, "enrolment": enrolment, "tier": "premier"}

    with tenant_scope(tenant), time_machine.travel(noon(D(2025, 4, 15)), tick=False):
        with pytest.raises(ApplicationError):
            tier_override(**invite, reason="  ", user=manager(tenant))
        assignment = tier_override(
            **invite,
            reason="Joint business case agreed at the March QBR",
            user=manager(tenant),
            valid_from=D(2025, 4, 15),
        )

    assert (assignment.source, assignment.tier) == ("invitation", "premier")
    assert assignment.reason == "Joint business case agreed at the March QBR"
    assert held(tenant, enrolment, D(2025, 4, 14)) == "registered"
    assert held(tenant, enrolment, D(2025, 4, 15)) == "premier"
    # an invitation stands while Premier's requirements hold (a QBR in Q2 too)
    activity(tenant, enrolment, "qbr", D(2025, 6, 3))
    [evaluation] = evaluate(tenant, program, quarter_containing(D(2025, 4, 1)), today=D(2025, 7, 1))
    assert (evaluation.current_tier, evaluation.resulting_tier, evaluation.change) == (
        "premier",
        "premier",
        "none",
    )


# --- Entimo ---------------------------------------------------------------------------

ENTIMO_JOINED = D(2024, 3, 1)  # first term: 2024-03-01 .. 2027-02-28
TERM_START = D(2027, 3, 1)
SILVER_EARNED = D(2025, 1, 10)  # two certifications, expiring 2026-01-10
SILVER_REFERRED = D(2025, 2, 3)
WEEKS_4 = datetime.timedelta(weeks=4)


def meets_silver(tenant, enrolment, *, earned=SILVER_EARNED, referred=SILVER_REFERRED):
    """Two certified sales people and three registered deals won within 12 months."""
    people = [certify(tenant, enrolment, "sales", earned) for _ in range(2)]
    deals = []
    for n in range(3):
        registration = lead(tenant, enrolment, f"Pharma {referred:%Y%m}-{n}", referred)
        order(tenant, registration, f"Pharma {referred:%Y%m}-{n}", referred + WEEKS_4)
        deals.append(registration)
    return people, deals


def decide(tenant, evaluation, today):
    with tenant_scope(tenant):
        return evaluation_decide(
            tenant=tenant, evaluation=evaluation, user=manager(tenant), confirm=True, today=today
        )


@pytest.fixture
def silver(db):
    """An Entimo partner upgraded to Silver on 2025-06-30, mid-term."""
    tenant, program, enrolment = join("entimo", ENTIMO_JOINED)
    people, deals = meets_silver(tenant, enrolment)
    [evaluation] = evaluate(tenant, program, as_of(D(2025, 6, 30)), D(2025, 6, 30))
    return tenant, program, enrolment, evaluation, people, deals


def test_entimo_upgrades_mid_term_once_accepted(silver):
    tenant, _, enrolment, evaluation, people, deals = silver
    assert (evaluation.change, evaluation.status, evaluation.effective_on) == (
        "upgrade",
        "awaiting",  # "once Entimo accepts you for the level" (000 ¶3)
        D(2025, 6, 30),
    )
    results = results_of(tenant, evaluation)
    assert sorted(results["silver-certified"].evidence) == sorted(p.pk for p in people)
    assert sorted(results["silver-wins"].evidence) == sorted(d.pk for d in deals)
    assert (results["gold-certified"].value, results["gold-certified"].passed) == (2, False)

    decided = decide(tenant, evaluation, D(2025, 6, 30))

    assert decided.status == "applied"
    assert held(tenant, enrolment, D(2025, 6, 29)) == "registered"
    assert held(tenant, enrolment, D(2025, 6, 30)) == "silver"
    enrolment = refreshed(tenant, enrolment)
    assert (enrolment.tier_key, enrolment.tier_since) == ("silver", D(2025, 6, 30))
    assert enrolment.term_end == D(2027, 2, 28)  # mid-term


def test_entimo_downgrade_waits_for_the_next_term(silver):
    tenant, program, enrolment, upgrade, _, _ = silver
    decide(tenant, upgrade, D(2025, 6, 30))

    # the certifications expired on 2026-01-10
    [evaluation] = evaluate(tenant, program, as_of(D(2026, 2, 2)), D(2026, 2, 2))
    assert (evaluation.current_tier, evaluation.resulting_tier, evaluation.change) == (
        "silver",
        "registered",
        "downgrade",
    )
    assert evaluation.effective_on == TERM_START == enrolment.term_end + datetime.timedelta(1)
    assert results_of(tenant, evaluation)["silver-certified"].value == Decimal(0)

    decide(tenant, evaluation, D(2026, 2, 3))

    assert held(tenant, enrolment, D(2026, 2, 3)) == "silver"
    assert held(tenant, enrolment, D(2027, 2, 28)) == "silver"
    assert held(tenant, enrolment, TERM_START) == "registered"
    assert refreshed(tenant, enrolment).tier_key == "silver"
    with tenant_scope(tenant):
        history = list(
            TierAssignment.objects.filter(enrolment=enrolment).values_list(
                "tier", "valid_from", "valid_to"
            )
        )
    assert history == [
        ("registered", ENTIMO_JOINED, D(2025, 6, 29)),
        ("silver", D(2025, 6, 30), D(2027, 2, 28)),
        ("registered", TERM_START, None),
    ]


def test_meeting_the_tier_again_before_the_term_ends_withdraws_the_downgrade(silver):
    """Regression (fixed in 2bd88c6): the confirmed downgrade used to land regardless."""
    tenant, program, enrolment, upgrade, _, _ = silver
    decide(tenant, upgrade, D(2025, 6, 30))
    [downgrade] = evaluate(tenant, program, as_of(D(2026, 2, 2)), D(2026, 2, 2))
    decide(tenant, downgrade, D(2026, 2, 3))
    # recertified and three new wins: Silver again, a year before the term ends
    meets_silver(tenant, enrolment, earned=D(2026, 2, 16), referred=D(2026, 2, 9))

    [again] = evaluate(tenant, program, as_of(D(2026, 4, 1)), D(2026, 4, 1))

    assert (again.current_tier, again.resulting_tier, again.change) == ("silver", "silver", "none")
    assert refreshed(tenant, downgrade).status == "dismissed"
    assert held(tenant, enrolment, TERM_START) == "silver"
    with tenant_scope(tenant):
        rows = list(
            TierAssignment.objects.filter(enrolment=enrolment)
            .order_by("pk")
            .values_list("pk", "tier", "valid_from", "valid_to", "source", "replaces_id")
        )
        timeline = [(p.tier, p.valid_from, p.valid_to) for p in tier_timeline(enrolment)]
        withdrawn = TierAssignment.objects.get(pk=rows[2][0]).withdrawn_at
    # nothing is deleted: the planned downgrade stays in the history, withdrawn, and a new
    # row says why Silver continues from the day it would have taken effect
    assert [row[1:5] for row in rows] == [
        ("registered", ENTIMO_JOINED, D(2025, 6, 29), "initial"),
        ("silver", D(2025, 6, 30), D(2027, 2, 28), "evaluation"),
        ("registered", TERM_START, None, "evaluation"),
        ("silver", TERM_START, None, "withdrawal"),
    ]
    assert withdrawn is not None and rows[3][5] == rows[2][0]
    assert timeline == [
        ("registered", ENTIMO_JOINED, D(2025, 6, 29)),
        ("silver", D(2025, 6, 30), None),
    ]
