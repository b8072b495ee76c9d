"""CIMcloud (seed 003): Tier 1 staff awareness, Tier 2 per quarter, Tier 3 unique clients.

Changes are effective immediately (003 §4.2.2) and quarterly status resets (§4.2.1).
"""

import datetime
from decimal import Decimal

import pytest

from partners.models import ReviewStatus
from tests.partners.conftest import load_program
from tests.tiers.conftest import (
    D,
    activity,
    attest,
    call,
    evaluate,
    evaluation_of,
    held,
    join,
    lead,
    order,
    refreshed,
    results_of,
)
from tiers.windows import as_of, quarter_containing

JOINED = D(2024, 9, 2)
MARCH_20 = D(2025, 3, 20)
SEPTEMBER_20 = D(2025, 9, 20)
FEBRUARY_3 = D(2025, 2, 3)
WEEK = datetime.timedelta(days=7)


@pytest.fixture
def partner(db):
    tenant, program, enrolment = join("cimcloud", JOINED)
    return tenant, program, enrolment


def tier_1_basics(tenant, enrolment):
    """Orientation (counts as this year's training), website listing: Tier 1 in 2025."""
    return (
        activity(tenant, enrolment, "orientation", D(2025, 1, 14)),
        attest(tenant, enrolment, "website_lists_vendor", D(2025, 1, 15)),
    )


def tier_2_quarter(
    tenant, enrolment, *, with_call=True, marketing="email_promotion", on=FEBRUARY_3
):
    """A partner lead with a discovery call, and a marketing activity, in `on`'s quarter."""
    registration = lead(tenant, enrolment, "Northwind Traders", on)
    calls = [call(tenant, registration, "discovery_call", on + WEEK)] if with_call else []
    done = [activity(tenant, enrolment, marketing, on + 2 * WEEK)] if marketing else []
    return registration, calls, done


def test_enrolled_partner_with_all_staff_awareness_requirements_is_tier_1(partner):
    tenant, program, enrolment = partner
    orientation, listing = tier_1_basics(tenant, enrolment)

    [evaluation] = evaluate(tenant, program, as_of(MARCH_20), MARCH_20)

    assert (evaluation.current_tier, evaluation.resulting_tier) == ("enrolled", "tier-1")
    results = results_of(tenant, evaluation)
    assert {k: (r.tier, r.value, r.passed) for k, r in results.items() if r.tier == "tier-1"} == {
        "agreement": ("tier-1", Decimal(1), True),
        "orientation": ("tier-1", Decimal(1), True),
        "annual-training": ("tier-1", Decimal(1), True),
        "website-listing": ("tier-1", Decimal(1), True),
    }
    assert results["orientation"].evidence == [orientation.pk]
    assert results["annual-training"].evidence == [orientation.pk]
    assert (results["annual-training"].window_start, results["annual-training"].window_end) == (
        D(2025, 1, 1),
        MARCH_20,
    )
    assert results["website-listing"].evidence == [listing.pk]
    assert results["orientation"].window_start is None  # since enrolment


@pytest.mark.parametrize(
    ("missing", "failing"),
    [
        ("website", ["website-listing"]),
        ("training", ["annual-training"]),  # orientation was last year, no 2025 session
        # a submitted, unverified orientation counts for nothing (nor as this year's training)
        ("unverified", ["orientation", "annual-training"]),
    ],
)
def test_tier_1_needs_every_staff_awareness_requirement(partner, missing, failing):
    tenant, program, enrolment = partner
    if missing != "website":
        attest(tenant, enrolment, "website_lists_vendor", D(2025, 1, 15))
    if missing == "training":
        activity(tenant, enrolment, "orientation", D(2024, 10, 1))
    elif missing == "unverified":
        activity(tenant, enrolment, "orientation", D(2025, 1, 14), status=ReviewStatus.SUBMITTED)
    else:
        activity(tenant, enrolment, "orientation", D(2025, 1, 14))

    [evaluation] = evaluate(tenant, program, as_of(MARCH_20), MARCH_20)

    assert (evaluation.resulting_tier, evaluation.change) == ("enrolled", "none")
    results = results_of(tenant, evaluation)
    assert [k for k, r in results.items() if r.tier == "tier-1" and not r.passed] == failing
    assert all(results[k].value == 0 and results[k].evidence == [] for k in failing)
    assert evaluation.next_tier == "tier-1"
    assert [m["requirement"] for m in evaluation.missing_for_next] == failing


def test_annual_training_this_year_renews_an_orientation_of_last_year(partner):
    tenant, program, enrolment = partner
    activity(tenant, enrolment, "orientation", D(2024, 10, 1))
    training = activity(tenant, enrolment, "annual_training", D(2025, 2, 4))
    attest(tenant, enrolment, "website_lists_vendor", D(2024, 10, 1))

    [evaluation] = evaluate(tenant, program, as_of(MARCH_20), MARCH_20)

    assert evaluation.resulting_tier == "tier-1"
    assert results_of(tenant, evaluation)["annual-training"].evidence == [training.pk]


def test_a_change_is_effective_on_the_day_it_is_evaluated(partner):
    tenant, program, enrolment = partner
    tier_1_basics(tenant, enrolment)

    [evaluation] = evaluate(tenant, program, as_of(D(2025, 2, 5)), D(2025, 2, 5))

    assert (evaluation.change, evaluation.effective_on, evaluation.status) == (
        "upgrade",
        D(2025, 2, 5),
        "applied",  # no manager confirmation in 003
    )
    assert held(tenant, enrolment, D(2025, 2, 4)) == "enrolled"
    assert held(tenant, enrolment, D(2025, 2, 5)) == "tier-1"
    enrolment = refreshed(tenant, enrolment)
    assert (enrolment.tier_key, enrolment.tier_since) == ("tier-1", D(2025, 2, 5))


@pytest.mark.parametrize(
    "marketing",
    [
        "account_review_session",
        "co_branded_webinar",
        "customer_event_invitation",
        "email_promotion",
        "dedicated_web_page",
    ],
)
def test_tier_2_needs_a_lead_with_a_call_and_any_marketing_activity(partner, marketing):
    tenant, program, enrolment = partner
    tier_1_basics(tenant, enrolment)
    registration, _, [done] = tier_2_quarter(tenant, enrolment, marketing=marketing)

    [evaluation] = evaluate(tenant, program, as_of(MARCH_20), MARCH_20)

    assert evaluation.resulting_tier == "tier-2"
    results = results_of(tenant, evaluation)
    assert (results["lead-with-call"].value, results["lead-with-call"].evidence) == (
        Decimal(1),
        [registration.pk],
    )
    assert results["marketing-activity"].evidence == [done.pk]
    assert results["lead-with-call"].window_start == D(2025, 1, 1)
    assert held(tenant, enrolment, MARCH_20) == "tier-2"


@pytest.mark.parametrize(
    ("with_call", "marketing", "failing"),
    [
        (True, None, "marketing-activity"),
        (False, "co_branded_webinar", "lead-with-call"),
        (True, "other", "marketing-activity"),  # not one of the five marketing activities
    ],
)
def test_one_tier_2_requirement_without_the_other_stays_tier_1(
    partner, with_call, marketing, failing
):
    tenant, program, enrolment = partner
    tier_1_basics(tenant, enrolment)
    tier_2_quarter(tenant, enrolment, with_call=with_call, marketing=marketing)

    [evaluation] = evaluate(tenant, program, as_of(MARCH_20), MARCH_20)

    assert (evaluation.resulting_tier, evaluation.next_tier) == ("tier-1", "tier-2")
    results = results_of(tenant, evaluation)
    assert [k for k, r in results.items() if r.tier == "tier-2" and not r.passed] == [failing]


def test_a_call_the_vendor_did_not_attend_or_a_previous_quarters_call_does_not_count(partner):
    tenant, program, enrolment = partner
    tier_1_basics(tenant, enrolment)
    registration, _, _ = tier_2_quarter(tenant, enrolment, with_call=False)
    call(tenant, registration, "demo_call", D(2025, 3, 3), vendor_attended=False)
    call(tenant, registration, "demo_call", D(2024, 12, 30))

    [evaluation] = evaluate(tenant, program, as_of(MARCH_20), MARCH_20)

    assert evaluation.resulting_tier == "tier-1"
    assert results_of(tenant, evaluation)["lead-with-call"].value == 0


ORDER_DAYS = [D(2024, 10, 1), D(2024, 11, 5), D(2024, 12, 2), D(2025, 1, 14)]


@pytest.mark.parametrize(
    ("clients", "tier", "unique"),
    [
        (["Acme", "Bolt", "Crux"], "tier-2", 3),
        (["Acme", "Bolt", "Crux", "Dyno"], "tier-3", 4),
        (["Acme", "Bolt", "Crux", "Crux"], "tier-2", 3),  # a second order of a client: once
    ],
)
def test_tier_3_needs_four_completed_initial_orders_from_four_clients(
    partner, clients, tier, unique
):
    tenant, program, enrolment = partner
    tier_1_basics(tenant, enrolment)
    tier_2_quarter(tenant, enrolment, on=D(2025, 8, 4))
    # completed before the trailing twelve months (2024-09-21 .. 2025-09-20) began
    old = lead(tenant, enrolment, "Elder Co", D(2024, 9, 3))
    order(tenant, old, "Elder", D(2024, 9, 10))
    registrations, counted = {}, []
    for day, client in zip(ORDER_DAYS, clients, strict=False):
        if client not in registrations:
            registrations[client] = lead(tenant, enrolment, f"{client} Ltd", day - WEEK)
        placed = order(tenant, registrations[client], client, day)
        if placed.is_initial_purchase:
            counted.append(placed.pk)

    [evaluation] = evaluate(tenant, program, as_of(SEPTEMBER_20), SEPTEMBER_20)

    assert evaluation.resulting_tier == tier
    deals = results_of(tenant, evaluation)["completed-deals"]
    assert (deals.value, deals.passed) == (unique, unique >= 4)
    assert sorted(deals.evidence) == sorted(counted) and len(counted) == unique
    assert (deals.window_start, deals.window_end) == (D(2024, 9, 21), SEPTEMBER_20)


def test_tier_2_resets_with_a_new_quarter(partner):
    tenant, program, enrolment = partner
    tier_1_basics(tenant, enrolment)
    tier_2_quarter(tenant, enrolment)
    evaluate(tenant, program, as_of(MARCH_20), MARCH_20)

    [evaluation] = evaluate(tenant, program, as_of(D(2025, 4, 1)), D(2025, 4, 1))

    assert (evaluation.current_tier, evaluation.resulting_tier, evaluation.change) == (
        "tier-2",
        "tier-1",
        "downgrade",
    )
    assert evaluation.effective_on == D(2025, 4, 1)
    results = results_of(tenant, evaluation)
    assert (results["lead-with-call"].window_start, results["lead-with-call"].value) == (
        D(2025, 4, 1),
        Decimal(0),
    )
    assert held(tenant, enrolment, D(2025, 3, 31)) == "tier-2"
    assert held(tenant, enrolment, D(2025, 4, 1)) == "tier-1"


def test_the_closing_q1_run_does_not_carry_tier_2_into_q2(partner):
    """Regression (fixed in 2bd88c6): the closing run used to grant Tier 2 from April 1."""
    tenant, program, enrolment = partner
    tier_1_basics(tenant, enrolment)
    tier_2_quarter(tenant, enrolment)
    evaluate(tenant, program, as_of(MARCH_20), MARCH_20)
    # the calendar enqueues both on April 1 (tiers.calendar.due_periods); either may run first
    evaluate(tenant, program, as_of(D(2025, 4, 1)), D(2025, 4, 1))
    [closing] = evaluate(tenant, program, quarter_containing(MARCH_20), D(2025, 4, 1))

    assert evaluation_of(tenant, enrolment, "2025-Q1").pk == closing.pk
    assert closing.resulting_tier == "tier-2"  # the quarter's evidence is kept
    assert (closing.status, closing.effective_on) == ("no_change", None)
    assert held(tenant, enrolment, D(2025, 3, 31)) == "tier-2"
    assert held(tenant, enrolment, D(2025, 4, 1)) == "tier-1"  # no Q2 activity yet


def test_a_current_quarter_run_of_an_immediate_program_takes_effect_the_same_day(partner):
    tenant, program, enrolment = partner
    tier_1_basics(tenant, enrolment)
    tier_2_quarter(tenant, enrolment)

    [evaluation] = evaluate(tenant, program, quarter_containing(MARCH_20), MARCH_20)

    assert evaluation.resulting_tier == "tier-2"
    assert evaluation.effective_on == MARCH_20
    assert held(tenant, enrolment, MARCH_20) == "tier-2"


def test_lead_with_call_counts_each_lead_once_with_the_lowest_ids_as_evidence(db):
    """Two calls on one lead count it once; the evidence lists the firm's leads, lowest id
    first, and never another firm's (counted by the database on PostgreSQL)."""
    loaded = load_program("cimcloud")
    tenant, program, enrolment = join("cimcloud", JOINED, loaded=loaded)
    _, _, other = join("cimcloud", JOINED, email="founder@otherfirm.test", loaded=loaded)
    first = lead(tenant, enrolment, "Northwind Traders", FEBRUARY_3)
    second = lead(tenant, enrolment, "Contoso Pharma", FEBRUARY_3)
    theirs = lead(tenant, other, "Fabrikam Foods", FEBRUARY_3)
    for registration in (second, first, first, theirs):
        call(tenant, registration, "discovery_call", FEBRUARY_3 + WEEK)

    evaluations = evaluate(tenant, program, as_of(MARCH_20), MARCH_20)

    ours, others = (
        results_of(tenant, next(e for e in evaluations if e.enrolment_id == x.pk))["lead-with-call"]
        for x in (enrolment, other)
    )
    assert (ours.value, ours.evidence) == (Decimal(2), sorted([first.pk, second.pk]))
    assert (others.value, others.evidence) == (Decimal(1), [theirs.pk])
