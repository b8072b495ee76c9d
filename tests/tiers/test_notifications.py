"""A partner's people hear about a tier change (applied or scheduled), with the evidence,
once the transaction commits; other firms hear nothing."""

from tenants.scope import tenant_scope
from tests.partners.conftest import load_program
from tests.tiers.conftest import (
    D,
    activity,
    attest,
    evaluate,
    join,
    manager,
    results_of,
)
from tests.tiers.test_ipsoft import Q1, ipsoft_partner, qualified_deals, standing_requirements
from tiers.services import evaluation_decide
from tiers.windows import as_of

FEBRUARY_5 = D(2025, 2, 5)


def test_contacts_are_mailed_the_evidence_when_their_tier_changes(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    loaded = load_program("cimcloud")
    tenant, program, mover = join("cimcloud", D(2024, 9, 2), email="mover@a.test", loaded=loaded)
    join("cimcloud", D(2024, 9, 2), email="stays@b.test", loaded=loaded)
    activity(tenant, mover, "orientation", D(2025, 1, 14))
    attest(tenant, mover, "website_lists_vendor", D(2025, 1, 15))
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        [moved, _] = sorted(
            evaluate(tenant, program, as_of(FEBRUARY_5), FEBRUARY_5),
            key=lambda e: e.enrolment_id != mover.pk,
        )

    [letter] = mailoutbox
    assert letter.to == ["mover@a.test"]
    assert letter.subject == f"Your tier is now Tier 1 Registered Partner ({program.name})"
    assert (
        "Tier: Enrolled (no tier level yet) -> Tier 1 Registered Partner (upgrade), "
        "effective 2025-02-05." in letter.body
    )
    assert "- Registered Partner Orientation completed: 1 (met, needed " in letter.body
    assert "- CIMcloud Partnership Agreement executed: 1 (met)" in letter.body
    assert "Missing for the next tier:" in letter.body
    assert [r.tier for r in results_of(tenant, moved).values()].count("tier-1") == 4


def test_contacts_are_mailed_when_a_confirmed_change_is_scheduled(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    loaded = load_program("ipsoft")
    tenant, program, enrolment = ipsoft_partner("advisor", email="advisor@a.test", loaded=loaded)
    ipsoft_partner("advisor", email="other@b.test", loaded=loaded)  # evaluated, not confirmed
    standing_requirements(tenant, enrolment)
    qualified_deals(tenant, enrolment, 2, wins=1)
    evaluations = evaluate(tenant, program, Q1, today=D(2025, 4, 2))
    [proposal] = [e for e in evaluations if e.enrolment_id == enrolment.pk]
    mailoutbox.clear()

    with tenant_scope(tenant), django_capture_on_commit_callbacks(execute=True):
        evaluation_decide(
            tenant=tenant,
            evaluation=proposal,
            user=manager(tenant),
            confirm=True,
            today=D(2025, 4, 15),
        )

    [letter] = mailoutbox
    assert sorted(letter.to) == ["advisor@a.test", f"partner_manager-{enrolment.pk}@partner.test"]
    assert letter.subject == (
        f"Your tier changes to Registered Partner on 2025-05-01 ({program.name})"
    )
    assert (
        "Tier: Prospective Partner -> Registered Partner (upgrade), effective 2025-05-01."
        in letter.body
    )
    counted = [r for r in results_of(tenant, proposal).values() if r.tier == "registered"]
    evidence = letter.body.split("What counted:\n")[1].split("\n\n")[0].splitlines()
    assert len(evidence) == len(counted) > 0
    assert all(line.startswith("- ") and "(met" in line for line in evidence)
