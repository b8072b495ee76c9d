"""Benchmark: a full CIMcloud tier evaluation with evidence stored, at scale (PostgreSQL).

    DATABASE_URL=postgres://prm:prm@127.0.0.1:5432/prm \
        .venv/bin/python bench/tier_evaluation.py --enrolments 10000

Per enrolment it loads 50 registrations, 10 sales calls, 10 completed orders from
distinct customers, 4 activities and an attestation (so 10,000 enrolments = 500,000
registrations and 100,000 orders), then measures in the same run:
  * tiers.services.tiers_evaluate for a quarter still running on its last day (metrics,
    an evaluation and 7 result rows per enrolment stored, every tier change applied),
    its time and query count;
  * the floor, first: hand-written SQL computing the same seven metrics with their
    evidence ids (GROUP BY firm), COPY of the same rows, set-based tier changes and the
    commit's foreign-key checks, rolled back.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time

from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from support import (
    copy_rows,
    ids,
    in_throwaway_database,
    load_enrolled_firms,
    load_tier_evidence,
)

# The floor: the same work written by hand. Per firm, the ids each requirement counts
# (GROUP BY firm, arrays: the ids are the stored evidence), then the same evaluation,
# result and tier-history rows written with COPY and set-based SQL.
FLOOR_SQL = [
    (
        ["agreement"],
        "SELECT firm_id, array_agg(id) FROM partners_agreementacceptance WHERE tenant_id = %(t)s "
        "AND accepted_at < %(after)s GROUP BY firm_id",
    ),
    (
        ["orientation", "annual-training", "marketing-activity"],
        "SELECT firm_id, array_agg(id) FILTER (WHERE kind = 'orientation'), array_agg(id) FILTER "
        "(WHERE kind IN ('annual_training','orientation') AND occurred_on >= %(year)s), "
        "array_agg(id) FILTER (WHERE kind = ANY(%(marketing)s) AND occurred_on >= %(start)s) "
        "FROM partners_activity WHERE tenant_id = %(t)s AND status = 'verified' AND occurred_on "
        "<= %(end)s GROUP BY firm_id",
    ),
    (
        ["website-listing"],
        "SELECT firm_id, array_agg(id) FROM partners_attestation WHERE tenant_id = %(t)s AND "
        "status = 'verified' AND kind = 'website_lists_vendor' AND valid_from <= %(end)s AND "
        "(valid_until IS NULL OR valid_until >= %(end)s) GROUP BY firm_id",
    ),
    (
        ["lead-with-call"],
        "SELECT r.firm_id, array_agg(DISTINCT s.registration_id) FROM deals_salesactivity s "
        "JOIN deals_dealregistration r ON r.id = s.registration_id WHERE s.tenant_id = %(t)s AND "
        "s.occurred_on BETWEEN %(start)s AND %(end)s AND s.vendor_attended AND s.kind IN "
        "('discovery_call','demo_call') AND r.lead_source = 'partner' GROUP BY r.firm_id",
    ),
    (
        ["completed-deals"],
        "SELECT firm_id, array_agg(id) FROM (SELECT DISTINCT ON (firm_id, customer_id) firm_id, "
        "id FROM deals_order WHERE tenant_id = %(t)s AND is_initial_purchase AND lead_source = "
        "'partner' AND completed_on BETWEEN %(trailing)s AND %(end)s ORDER BY firm_id, "
        "customer_id, id) first_orders GROUP BY firm_id",
    ),
]
MARKETING = [
    "account_review_session",
    "co_branded_webinar",
    "customer_event_invitation",
    "email_promotion",
    "dedicated_web_page",
]
EVALUATION_COLUMNS = [
    "id",
    "tenant_id",
    "enrolment_id",
    "program_version_id",
    "run_key",
    "as_of",
    "current_tier",
    "resulting_tier",
    "next_tier",
    "missing_for_next",
    "standing_shortfalls",
    "change",
    "effective_on",
    "status",
    "created_at",
]
RESULT_COLUMNS = [
    "tenant_id",
    "evaluation_id",
    "tier",
    "requirement",
    "label",
    "metric",
    "comparator",
    "threshold",
    "value",
    "window_start",
    "window_end",
    "passed",
    "evidence",
]
TOUCHED = "tiers_tierevaluation, tiers_requirementresult, tiers_tierassignment, partners_enrolment"


def load(tenant, program, version, user, n: int) -> None:
    import datetime

    now = "2025-05-01 12:00:00+00"
    day = datetime.date(2025, 5, 10)
    t = tenant.pk
    firms = load_enrolled_firms(
        t, program.pk, n, tier="tier-1", approved_at=now, term=("2025-01-01", "2025-12-31")
    )
    load_tier_evidence(
        t,
        user.pk,
        version.pk,
        firms,
        at=now,
        day=day,
        kinds=("orientation", "annual_training", "co_branded_webinar", "qbr"),
    )
    copy_rows(
        "deals_dealregistration",
        [
            "tenant_id",
            "program_id",
            "firm_id",
            "lead_source",
            "external_id",
            "company_name",
            "normalized_name",
            "domain",
            "normalized_domain",
            "country",
            "contact_name",
            "contact_email",
            "products",
            "currency",
            "notes",
            "status",
            "decision_reason",
            "submitted_at",
            "extension_reason",
            "rejection_reason",
            "rejection_reason_label",
        ],
        (
            (
                t,
                program.pk,
                f,
                "partner",
                "",
                f"Lead {f}-{j}",
                f"lead {f} {j}",
                "",
                "",
                "US",
                "",
                "",
                "",
                "USD",
                "",
                "approved",
                "",
                now,
                "",
                "",
                "",
            )
            for f in firms
            for j in range(50)
        ),
    )
    registrations = ids("deals_dealregistration", t)
    copy_rows(
        "deals_salesactivity",
        [
            "tenant_id",
            "registration_id",
            "kind",
            "occurred_on",
            "vendor_attended",
            "notes",
            "recorded_at",
        ],
        ((t, r, "demo_call", day, "true", "", now) for r in registrations[::5]),
    )
    copy_rows(
        "deals_customer",
        [
            "tenant_id",
            "name",
            "normalized_name",
            "domain",
            "normalized_domain",
            "country",
            "external_id",
            "created_at",
        ],
        ((t, f"C{i}", f"c{i}", "", "", "US", "", now) for i in range(n * 10)),
    )
    customers = ids("deals_customer", t)
    copy_rows(
        "deals_order",
        [
            "tenant_id",
            "customer_id",
            "external_id",
            "firm_id",
            "lead_source",
            "reseller_of_record",
            "reseller_of_record_source",
            "ordered_on",
            "currency",
            "order_form_signed_on",
            "initial_payment_received_on",
            "completed_on",
            "is_initial_purchase",
            "created_at",
        ],
        (
            (
                t,
                customers[i],
                "",
                firms[i // 10],
                "partner",
                "true",
                "",
                day,
                "USD",
                day,
                day,
                day,
                "true",
                now,
            )
            for i in range(n * 10)
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def floor_measure(params: dict) -> dict[str, dict[int, list[int]]]:
    """Requirement key -> firm id -> the ids counted."""
    counted: dict[str, dict[int, list[int]]] = {}
    with connection.cursor() as cursor:
        for keys, sql in FLOOR_SQL:
            cursor.execute(sql, params)
            for firm_id, *arrays in cursor.fetchall():
                for key, ids in zip(keys, arrays, strict=True):
                    counted.setdefault(key, {})[firm_id] = ids or []
    return counted


def floor_evaluate(program, version, requirements, params: dict, today) -> None:
    """The hand-written floor: measure, store the same rows, apply the changes (all reach
    Tier 3 here, so no rules are applied in Python), check the deferred foreign keys."""
    import datetime

    counted = floor_measure(params)
    now = datetime.datetime.now(datetime.UTC).isoformat()
    applied = ("upgrade", today, "applied", now)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, firm_id, tenant_id FROM partners_enrolment WHERE program_id = %s",
            [program.pk],
        )
        enrolments = cursor.fetchall()
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('tiers_tierevaluation', 'id')) "
            "FROM generate_series(1, %s)",
            [len(enrolments)],
        )
        ids = sorted(pk for (pk,) in cursor.fetchall())
    copy_rows(
        "tiers_tierevaluation",
        EVALUATION_COLUMNS,
        (
            (
                pk,
                t,
                e,
                version.pk,
                "floor",
                params["end"],
                "tier-1",
                "tier-3",
                "",
                "[]",
                "[]",
                *applied,
            )
            for pk, (e, _, t) in zip(ids, enrolments, strict=True)
        ),
    )
    copy_rows(
        "tiers_requirementresult",
        RESULT_COLUMNS,
        floor_results(zip(ids, enrolments, strict=True), requirements, counted, params),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tiers_tierassignment (tenant_id, enrolment_id, tier, valid_from, "
            "valid_to, source, reason, created_at) SELECT tenant_id, id, tier_key, "
            "approved_at::date, %(before)s, 'initial', '', now() FROM partners_enrolment "
            "WHERE program_id = %(program)s",
            {"before": today - datetime.timedelta(days=1), "program": program.pk},
        )
        cursor.execute(
            "INSERT INTO tiers_tierassignment (tenant_id, enrolment_id, tier, valid_from, source, "
            "evaluation_id, reason, created_at) SELECT tenant_id, enrolment_id, resulting_tier, "
            "effective_on, 'evaluation', id, '', now() FROM tiers_tierevaluation "
            "WHERE run_key = 'floor'"
        )
        cursor.execute(
            "UPDATE partners_enrolment SET tier_key = 'tier-3', tier_since = %s "
            "WHERE program_id = %s",
            [today, program.pk],
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what COMMIT would check


def floor_results(evaluations, requirements, counted, params: dict):
    """One result row per evaluation and requirement: the count, pass/fail, the ids."""
    window = (params["start"], params["end"])
    for pk, (_, firm, t) in evaluations:
        for r in requirements:
            found = counted[r.key].get(firm, [])
            passed = len(found) >= (r.threshold or 1)
            rule = (r.tier.key, r.key, r.label, r.metric, r.comparator, r.threshold)
            yield (t, pk, *rule, len(found), *window, passed, found[:200])


def timed_floor(program, version, requirements, params: dict, today) -> float:
    """The floor's time; its writes are rolled back and vacuumed away."""
    with transaction.atomic():
        started = time.perf_counter()
        floor_evaluate(program, version, requirements, params, today)
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {TOUCHED}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enrolments", type=int, default=2000)
    args = parser.parse_args()
    in_throwaway_database(lambda: run(args.enrolments))


def run(n: int) -> None:
    import datetime

    from django.core.management import call_command

    from programs.models import Program
    from tenants.models import Tenant
    from tenants.scope import tenant_scope
    from tests.factories import UserFactory
    from tiers.models import TierEvaluation
    from tiers.services import tiers_evaluate
    from tiers.windows import parse_period

    tenant = Tenant.objects.create(
        slug="cimcloud", name="CIMcloud", currency="USD", time_zone="America/Chicago"
    )
    call_command(
        "load_programs", "programs/definitions/cimcloud.yaml", publish=True, stdout=io.StringIO()
    )
    with tenant_scope(tenant):
        program = Program.objects.get()
        version = program.versions.get()
    user = UserFactory(email="bench@example.com")
    started = time.perf_counter()
    load(tenant, program, version, user, n)
    print(
        f"loaded {n:,} enrolments, {n * 50:,} registrations, {n * 10:,} orders "
        f"in {time.perf_counter() - started:.1f} s"
    )

    period = parse_period("2025-Q2")
    today = period.end  # the quarter still running: every change is applied at once
    params = {
        "t": tenant.pk,
        "start": period.start,
        "end": period.end,
        "after": datetime.datetime(2025, 7, 1, 5, tzinfo=datetime.UTC),  # Chicago midnight
        "year": datetime.date(2025, 1, 1),
        "trailing": datetime.date(2024, 7, 1),
        "marketing": MARKETING,
    }
    with tenant_scope(tenant):
        requirements = list(version.requirements.select_related("tier").order_by("position"))
    floor_measure(params)  # warm the cache for both runs
    floor = timed_floor(program, version, requirements, params, today)

    profiler = cProfile.Profile() if os.environ.get("PRM_BENCH_PROFILE") else None
    with tenant_scope(tenant), CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        if profiler:  # PRM_BENCH_PROFILE=1: where the run's Python time goes, on stderr
            profiler.enable()
        stored = tiers_evaluate(tenant=tenant, program=program, period=period, today=today)
        ours = time.perf_counter() - started
        if profiler:
            profiler.disable()
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(30)
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
        tiers = {
            (tier, status): count
            for tier, status, count in TierEvaluation.objects.values_list(
                "resulting_tier", "status"
            ).annotate(n=Count("id"))
        }
    print(f"\n{n:,} enrolments, CIMcloud 2025-Q2, evaluated on {today}")
    print(f"floor (hand-written SQL + COPY of the same rows): {floor:8.2f} s")
    print(
        f"tiers_evaluate ({len(stored):,} evaluations, "
        f"{len(stored) * len(requirements):,} results stored): "
        f"{ours:8.2f} s, {len(captured)} queries"
    )
    print(f"ratio ours / floor: {ours / floor:.2f}x   (resulting tier, status): {tiers}")
    in_sql = sum(float(query["time"]) for query in captured.captured_queries)
    print(f"  of which in SQL statements {in_sql:.2f} s (COPY, commit included), the rest Python")
    for query in sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:8]:
        print(f"  {float(query['time']):6.2f} s  {query['sql'][:110]}")


if __name__ == "__main__":
    main()
