"""Engine properties: idempotent runs, evaluations pinned to their program version, a query
count independent of the number of enrolments, and partners seeing only their own rows."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from programs.models import ProgramVersion, Requirement
from programs.selectors import version_in_force
from programs.services import program_draft_from, program_version_publish
from tenants import rls
from tenants.scope import tenant_scope
from tests.partners.conftest import load_program
from tests.tiers.conftest import (
    D,
    activity,
    attest,
    evaluate,
    evaluation_of,
    join,
    results_of,
)
from tiers.models import RequirementResult, TierAssignment, TierEvaluation
from tiers.selectors import evaluations_of
from tiers.windows import as_of, quarter_containing

MARCH_20 = D(2025, 3, 20)


def cimcloud_partners(count, *, tier_1=True, prefix="p"):
    """`count` CIMcloud enrolments joined on 2025-01-06, each meeting Tier 1 (or not)."""
    loaded = load_program("cimcloud")
    enrolments = []
    for n in range(count):
        _, _, enrolment = join(
            "cimcloud", D(2025, 1, 6), email=f"{prefix}{n}@f.test", loaded=loaded
        )
        if tier_1:
            activity(loaded[0], enrolment, "orientation", D(2025, 1, 20))
            attest(loaded[0], enrolment, "website_lists_vendor", D(2025, 1, 20))
        enrolments.append(enrolment)
    return *loaded, enrolments


def counts(tenant) -> tuple[int, int, int]:
    with tenant_scope(tenant):
        return (
            TierEvaluation.objects.count(),
            RequirementResult.objects.count(),
            TierAssignment.objects.count(),
        )


@pytest.mark.parametrize(
    "period", [as_of(MARCH_20), quarter_containing(MARCH_20)], ids=["as-of", "quarter"]
)
def test_running_the_same_program_period_again_stores_nothing_new(db, period):
    tenant, program, enrolments = cimcloud_partners(2)
    first = evaluate(tenant, program, period, D(2025, 4, 1))
    stored = counts(tenant)

    again = evaluate(tenant, program, period, D(2025, 4, 2))

    assert len(first) == 2 and again == []
    assert stored == counts(tenant)
    assert stored[:2] == (2, 2 * 7)  # CIMcloud has 7 requirements, all measured
    tiers = {e.pk: evaluation_of(tenant, e, period.key).resulting_tier for e in enrolments}
    assert set(tiers.values()) == {"tier-1"}


def test_an_evaluation_stays_tied_to_the_version_it_used(db):
    tenant, program, [early, late] = cimcloud_partners(2)
    [old] = evaluate(tenant, program, as_of(MARCH_20), MARCH_20, enrolments=[early])
    with tenant_scope(tenant):
        v1 = version_in_force(program, MARCH_20)
        draft = program_draft_from(tenant=tenant, version=v1)
        # v2 asks 2 completed deals for Tier 3 instead of 4
        Requirement.objects.filter(version=draft, key="completed-deals").update(threshold=2)
        v2 = program_version_publish(tenant=tenant, version=draft, effective_from=D(2025, 7, 1))

    [new] = evaluate(tenant, program, as_of(D(2025, 7, 15)), D(2025, 7, 15), enrolments=[early])
    [past_period] = evaluate(tenant, program, as_of(MARCH_20), D(2025, 7, 15), enrolments=[late])

    with tenant_scope(tenant):
        old.refresh_from_db()
        assert (v1.number, v2.number) == (1, 2)
        assert old.program_version_id == v1.pk
        assert ProgramVersion.objects.get(pk=old.program_version_id).status == "published"
    assert results_of(tenant, old)["completed-deals"].threshold == Decimal(4)
    assert (new.enrolment_id, new.program_version_id) == (early.pk, v2.pk)
    assert results_of(tenant, new)["completed-deals"].threshold == Decimal(2)
    # a period that ended before v2 took effect is measured by v1, even when run later
    assert past_period.program_version_id == v1.pk


def statements(context: CaptureQueriesContext) -> list[str]:
    """The queries run, minus bulk INSERTs split into batches (they grow with rows, fine)."""
    executed = (rls.without_settings(q["sql"]) for q in context.captured_queries)
    return [sql for sql in executed if not (sql.startswith("INSERT") and "), (" in sql)]


def queries_for(tenant, program, enrolments, day) -> list[str]:
    with CaptureQueriesContext(connection) as context:
        evaluate(tenant, program, as_of(day), day, enrolments=enrolments)
    return statements(context)


def test_queries_do_not_grow_with_enrolments_when_no_tier_changes(db):
    tenant, program, enrolments = cimcloud_partners(15, tier_1=False)

    three = queries_for(tenant, program, enrolments[:3], MARCH_20)
    twelve = queries_for(tenant, program, enrolments[3:], MARCH_20)

    assert len(three) == len(twelve), "\n".join(twelve)
    with tenant_scope(tenant):
        assert TierEvaluation.objects.filter(status="no_change").count() == 15


def test_queries_do_not_grow_with_enrolments_when_every_tier_changes(db):
    # every partner moves enrolled -> Tier 1, applied at once (no confirmation in 003): the
    # assignments are written per (tier, date) group, not per enrolment
    tenant, program, enrolments = cimcloud_partners(15)

    three = queries_for(tenant, program, enrolments[:3], MARCH_20)
    twelve = queries_for(tenant, program, enrolments[3:], MARCH_20)

    with tenant_scope(tenant):
        assert TierEvaluation.objects.filter(status="applied").count() == 15
        history = set(
            TierAssignment.objects.values_list("enrolment_id", "tier", "valid_from", "valid_to")
        )
    assert len(three) == len(twelve)
    assert history == {
        row
        for e in enrolments
        for row in (
            (e.pk, "enrolled", D(2025, 1, 6), D(2025, 3, 19)),
            (e.pk, "tier-1", MARCH_20, None),
        )
    }


def test_evaluations_of_returns_only_that_enrolments_rows(db):
    tenant, program, [mine, theirs] = cimcloud_partners(2)
    evaluate(tenant, program, as_of(D(2025, 2, 1)), D(2025, 2, 1))
    evaluate(tenant, program, as_of(MARCH_20), MARCH_20)

    with tenant_scope(tenant):
        rows = list(evaluations_of(mine))
        assert {e.enrolment_id for e in rows} == {mine.pk}
        assert [e.run_key for e in rows] == ["asof-2025-03-20", "asof-2025-02-01"]
        assert all(r.evaluation.enrolment_id == mine.pk for e in rows for r in e.results.all())
        assert {e.enrolment_id for e in evaluations_of(theirs)} == {theirs.pk}


def test_a_partner_reads_only_its_own_evaluations_and_history(db):
    tenant, program, [mine, theirs] = cimcloud_partners(2)
    evaluate(tenant, program, as_of(MARCH_20), MARCH_20)
    client = Client()
    client.force_login(_partner_admin(tenant, mine))
    api = "/cimcloud/api/v1/"

    listed = client.get(f"{api}tier-evaluations/").json()
    narrowed = client.get(f"{api}tier-evaluations/", {"enrolment": theirs.pk}).json()
    own_history = client.get(f"{api}enrolments/{mine.pk}/tiers/", {"on": "2025-03-20"})
    other_history = client.get(f"{api}enrolments/{theirs.pk}/tiers/", {"on": "2025-03-20"})

    assert [e["enrolment"] for e in listed["results"]] == [mine.pk]
    assert listed["results"][0]["program_version"] == 1
    assert {r["requirement"] for r in listed["results"][0]["results"]} >= {"agreement"}
    assert narrowed["count"] == 0
    assert (own_history.status_code, own_history.json()["tier_on"]) == (200, "tier-1")
    assert other_history.status_code == 404


def _partner_admin(tenant, enrolment):
    with tenant_scope(tenant):
        return enrolment.firm.contacts.get(role="partner_admin").user
