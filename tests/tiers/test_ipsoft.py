"""IPsoft (seed 002): per-classification thresholds, conversion, timely registration,
expiring certifications, and quarterly results that take effect on the notification date
once a manager confirms (§5.0 requirements table, §8.0 evaluation calendar)."""

import datetime
from decimal import Decimal

import pytest

from tenants.errors import Conflict
from tenants.scope import tenant_scope
from tests.partners.conftest import load_program
from tests.tiers.conftest import (
    D,
    attest,
    certify,
    designate,
    evaluate,
    held,
    join,
    lead,
    manager,
    refreshed,
    results_of,
    update_registration,
    won,
)
from tiers.services import evaluation_decide, scheduled_tiers_apply
from tiers.windows import as_of, parse_period, quarter_containing

JOINED = D(2025, 1, 6)
Q1 = quarter_containing(D(2025, 1, 1))
WEEK = datetime.timedelta(days=7)
FEBRUARY_3 = D(2025, 2, 3)
EARNED = D(2025, 1, 10)  # valid until 2026-01-10


def ipsoft_partner(track, *, email="founder@newfirm.test", loaded=None):
    return join("ipsoft", JOINED, tracks=[track], email=email, loaded=loaded)


def qualified_deals(tenant, enrolment, count, *, wins, on=FEBRUARY_3):
    """`count` registrations qualified a week after `on`; the first `wins` of them won."""
    deals = []
    for n in range(count):
        registration = lead(tenant, enrolment, f"Prospect {enrolment.pk}-{n}", on)
        update_registration(tenant, registration, qualified_on=on + WEEK)
        if n < wins:
            won(tenant, registration, on + 2 * WEEK)
        deals.append(registration)
    return deals


def standing_requirements(tenant, enrolment):
    """Partner manager, two sales and one presales certified people, logo, go-to-market."""
    designate(tenant, enrolment, "partner_manager")
    sales = [certify(tenant, enrolment, "sales", EARNED) for _ in range(2)]
    certify(tenant, enrolment, "presales", EARNED)
    attest(tenant, enrolment, "vendor_logo_on_website", JOINED)
    attest(tenant, enrolment, "go_to_market_strategy", JOINED)
    return sales


def test_the_same_data_passes_for_an_advisor_and_fails_for_an_alliance_partner(db):
    loaded = load_program("ipsoft")
    tenant, program, advisor = ipsoft_partner("advisor", email="a@advisor.test", loaded=loaded)
    _, _, alliance = ipsoft_partner("alliance", email="b@alliance.test", loaded=loaded)
    for enrolment in (advisor, alliance):
        standing_requirements(tenant, enrolment)
        qualified_deals(tenant, enrolment, 2, wins=1)

    by_enrolment = {e.enrolment_id: e for e in evaluate(tenant, program, Q1, today=D(2025, 4, 2))}

    of_advisor = results_of(tenant, by_enrolment[advisor.pk])
    of_alliance = results_of(tenant, by_enrolment[alliance.pk])
    assert by_enrolment[advisor.pk].resulting_tier == "registered"
    assert by_enrolment[alliance.pk].resulting_tier == "prospective"
    assert (
        of_advisor["qualified-opps-advisor"].value,
        of_advisor["qualified-opps-advisor"].passed,
    ) == (
        Decimal(2),
        True,
    )
    assert of_alliance["qualified-opps-alliance"].threshold == 3
    assert (
        of_alliance["qualified-opps-alliance"].value,
        of_alliance["qualified-opps-alliance"].passed,
    ) == (
        Decimal(2),
        False,
    )
    assert [k for k, r in of_alliance.items() if not r.passed] == ["qualified-opps-alliance"]
    # each classification is measured by its own column of the table only
    assert "qualified-opps-alliance" not in of_advisor and "sales-alliance" not in of_advisor
    assert "qualified-opps-advisor" not in of_alliance and "sales-advisor" not in of_alliance
    assert of_alliance["sales-alliance"].value == 2 and of_advisor["sales-advisor"].value == 2


@pytest.mark.parametrize(
    ("wins", "rate", "passed", "tier"),
    [
        (1, Decimal("0.25"), False, "prospective"),  # exactly 25 % is not above 25 %
        (2, Decimal("0.5"), True, "registered"),
    ],
)
def test_conversion_must_be_above_25_percent(db, wins, rate, passed, tier):
    tenant, program, enrolment = ipsoft_partner("advisor")
    standing_requirements(tenant, enrolment)
    deals = qualified_deals(tenant, enrolment, 4, wins=wins)

    [evaluation] = evaluate(tenant, program, Q1, today=D(2025, 4, 2))

    conversion = results_of(tenant, evaluation)["conversion-rate"]
    assert (conversion.value, conversion.comparator, conversion.passed) == (rate, ">", passed)
    assert sorted(conversion.evidence) == sorted(d.pk for d in deals)
    assert evaluation.resulting_tier == tier


@pytest.mark.parametrize(
    ("late", "ratio", "passed"),
    [(0, Decimal(1), True), (1, Decimal("0.9"), True), (2, Decimal("0.8"), False)],
)
def test_timely_registration_needs_at_least_90_percent(db, late, ratio, passed):
    tenant, program, enrolment = ipsoft_partner("advisor")
    standing_requirements(tenant, enrolment)
    deals = qualified_deals(tenant, enrolment, 10, wins=5)
    for n, registration in enumerate(deals):
        # registered Feb 3: an opportunity the vendor opened on Feb 1 was registered late
        opened = D(2025, 2, 1) if n < late else D(2025, 2, 5)
        update_registration(tenant, registration, opportunity_created_on=opened)

    [evaluation] = evaluate(tenant, program, Q1, today=D(2025, 4, 2))

    timely = results_of(tenant, evaluation)["timely-registration"]
    assert (timely.value, timely.threshold, timely.passed) == (ratio, Decimal("0.9"), passed)
    assert len(timely.evidence) == 10
    assert evaluation.resulting_tier == ("registered" if passed else "prospective")


@pytest.mark.parametrize(
    ("earned", "expires", "counted"),
    [
        (D(2024, 1, 10), D(2025, 1, 10), False),  # expired before the window ended
        (D(2024, 4, 1), D(2025, 3, 31), False),  # expires on the last day: not valid then
        (D(2025, 1, 10), D(2026, 1, 10), True),
    ],
)
def test_an_expired_certification_does_not_count(db, earned, expires, counted):
    tenant, program, enrolment = ipsoft_partner("advisor")
    standing_requirements(tenant, enrolment)
    with tenant_scope(tenant):
        enrolment.firm.resources.update(is_active=False)  # only the person below counts
    certify(tenant, enrolment, "presales", D(2025, 1, 10))
    certification = certify(tenant, enrolment, "sales", earned, expires)
    qualified_deals(tenant, enrolment, 2, wins=1)

    [evaluation] = evaluate(tenant, program, Q1, today=D(2025, 4, 2))

    sales = results_of(tenant, evaluation)["sales-advisor"]
    assert sales.window_end == D(2025, 3, 31)
    assert (sales.value, sales.passed) == (Decimal(int(counted)), counted)
    assert sales.evidence == ([certification.pk] if counted else [])
    assert evaluation.resulting_tier == ("registered" if counted else "prospective")


@pytest.fixture
def q1_upgrade(db):
    """An advisor meeting every requirement in Q1, evaluated on April 2."""
    tenant, program, enrolment = ipsoft_partner("advisor")
    standing_requirements(tenant, enrolment)
    qualified_deals(tenant, enrolment, 2, wins=1)
    [evaluation] = evaluate(tenant, program, Q1, today=D(2025, 4, 2))
    return tenant, enrolment, evaluation


def test_a_q1_result_waits_for_the_manager(q1_upgrade):
    tenant, enrolment, evaluation = q1_upgrade

    assert (evaluation.change, evaluation.status, evaluation.effective_on) == (
        "upgrade",
        "awaiting",
        D(2025, 5, 1),
    )
    assert held(tenant, enrolment, D(2025, 4, 2)) == "prospective"
    assert held(tenant, enrolment, D(2025, 5, 1)) == "prospective"  # nothing until confirmed
    assert refreshed(tenant, enrolment).tier_key == "prospective"


def test_a_confirmed_q1_result_takes_effect_on_may_1(q1_upgrade):
    tenant, enrolment, evaluation = q1_upgrade

    with tenant_scope(tenant):
        decided = evaluation_decide(
            tenant=tenant,
            evaluation=evaluation,
            user=manager(tenant),
            confirm=True,
            today=D(2025, 4, 15),
        )

    assert decided.status == "scheduled" and decided.decided_by is not None
    assert held(tenant, enrolment, D(2025, 4, 15)) == "prospective"
    assert held(tenant, enrolment, D(2025, 4, 30)) == "prospective"
    assert held(tenant, enrolment, D(2025, 5, 1)) == "registered"
    assert refreshed(tenant, enrolment).tier_key == "prospective"
    with tenant_scope(tenant):
        assert scheduled_tiers_apply(tenant=tenant, today=D(2025, 4, 30)) == 0
        assert scheduled_tiers_apply(tenant=tenant, today=D(2025, 5, 1)) == 1
    enrolment = refreshed(tenant, enrolment)
    assert (enrolment.tier_key, enrolment.tier_since) == ("registered", D(2025, 5, 1))
    assert refreshed(tenant, decided).status == "applied"


def test_a_dismissed_result_changes_nothing_and_is_decided_once(q1_upgrade):
    tenant, enrolment, evaluation = q1_upgrade
    with tenant_scope(tenant):
        decided = evaluation_decide(
            tenant=tenant,
            evaluation=evaluation,
            user=manager(tenant),
            confirm=False,
            today=D(2025, 4, 15),
        )
        with pytest.raises(Conflict):
            evaluation_decide(
                tenant=tenant,
                evaluation=evaluation,
                user=manager(tenant),
                confirm=True,
                today=D(2025, 4, 16),
            )

    assert decided.status == "dismissed"
    assert held(tenant, enrolment, D(2025, 5, 1)) == "prospective"


def test_evaluating_before_may_1_keeps_the_confirmed_q1_upgrade(q1_upgrade):
    tenant, enrolment, evaluation = q1_upgrade
    with tenant_scope(tenant):
        evaluation_decide(
            tenant=tenant,
            evaluation=evaluation,
            user=manager(tenant),
            confirm=True,
            today=D(2025, 4, 15),
        )

    # tiers.admin PartnerTierAdmin.evaluate_now: as_of(today), run key manual-<stamp>
    [now] = evaluate(
        tenant, enrolment.program, as_of(D(2025, 4, 20)), D(2025, 4, 20), run_key="manual-1"
    )

    assert (now.current_tier, now.resulting_tier, now.change) == (
        "prospective",
        "prospective",  # Q2 so far has no qualified opportunity
        "none",
    )
    assert refreshed(tenant, evaluation).status == "scheduled"
    assert held(tenant, enrolment, D(2025, 5, 1)) == "registered"


@pytest.mark.parametrize(
    ("period", "deal_day", "run_on", "effective"),
    [
        ("2025-Q2", D(2025, 4, 7), D(2025, 7, 2), D(2025, 8, 1)),
        ("2025-Q3", D(2025, 7, 7), D(2025, 10, 2), D(2025, 11, 1)),
        ("2025-Q4", D(2025, 10, 6), D(2026, 1, 5), D(2026, 2, 1)),
        ("2025", D(2025, 10, 6), D(2026, 1, 5), D(2026, 2, 1)),  # the annual review
    ],
)
def test_each_quarters_result_takes_effect_on_its_notification_date(
    db, period, deal_day, run_on, effective
):
    tenant, program, enrolment = ipsoft_partner("advisor")
    standing_requirements(tenant, enrolment)
    qualified_deals(tenant, enrolment, 2, wins=1, on=deal_day)

    [evaluation] = evaluate(tenant, program, parse_period(period), today=run_on)
    with tenant_scope(tenant):
        evaluation_decide(
            tenant=tenant, evaluation=evaluation, user=manager(tenant), confirm=True, today=run_on
        )

    assert (evaluation.resulting_tier, evaluation.effective_on) == ("registered", effective)
    assert held(tenant, enrolment, effective - datetime.timedelta(days=1)) == "prospective"
    assert held(tenant, enrolment, effective) == "registered"
