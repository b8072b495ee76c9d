"""Benchmark: a full CIMcloud tier evaluation with evidence stored, at scale (PostgreSQL).

    DATABASE_URL=postgres://prm:prm@127.0.0.1:5432/prm \
        .venv/bin/python bench/tier_evaluation.py --enrolments 10000

Per enrolment it loads 50 registrations, 10 sales calls, 10 completed orders from
distinct customers, 4 activities and an attestation (so 10,000 enrolments = 500,000
registrations and 100,000 orders), then measures in the same run:
  * tiers.services.tiers_evaluate for a quarter (metrics + 8 result rows per enrolment
    stored + tier changes applied), its time and query count;
  * the floor: hand-written SQL computing the same seven metrics (GROUP BY firm).
"""

import argparse
import io
import time

from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from support import copy_rows, in_throwaway_database

FLOOR_SQL = [
    # agreement accepted
    "SELECT firm_id, count(*) FROM partners_agreementacceptance WHERE tenant_id = %(t)s "
    "GROUP BY firm_id",
    # orientation ever; training this year; marketing this quarter (three activity counts)
    "SELECT firm_id, count(*) FILTER (WHERE kind = 'orientation'), count(*) FILTER (WHERE kind "
    "IN ('annual_training','orientation') AND occurred_on >= %(year)s), count(*) FILTER (WHERE "
    "kind NOT IN ('annual_training','orientation') AND occurred_on >= %(start)s) FROM "
    "partners_activity WHERE tenant_id = %(t)s AND status = 'verified' AND occurred_on <= %(end)s "
    "GROUP BY firm_id",
    # website attestation
    "SELECT firm_id, count(*) FROM partners_attestation WHERE tenant_id = %(t)s AND status = "
    "'verified' AND kind = 'website_lists_vendor' AND valid_from <= %(end)s GROUP BY firm_id",
    # leads with a discovery or demo call this quarter
    "SELECT r.firm_id, count(DISTINCT s.registration_id) FROM deals_salesactivity s JOIN "
    "deals_dealregistration r ON r.id = s.registration_id WHERE s.tenant_id = %(t)s AND "
    "s.occurred_on BETWEEN %(start)s AND %(end)s AND s.vendor_attended GROUP BY r.firm_id",
    # completed initial orders from unique clients, trailing 12 months
    "SELECT firm_id, count(DISTINCT customer_id) FROM deals_order WHERE tenant_id = %(t)s AND "
    "is_initial_purchase AND completed_on BETWEEN %(trailing)s AND %(end)s GROUP BY firm_id",
]


def ids(table: str, tenant_id: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} WHERE tenant_id = %s ORDER BY id", [tenant_id])
        return [row[0] for row in cursor.fetchall()]


def load(tenant, program, version, user, n: int) -> None:
    import datetime

    now = "2025-05-01 12:00:00+00"
    day = datetime.date(2025, 5, 10)
    t = tenant.pk
    copy_rows(
        "partners_partnerfirm",
        ["tenant_id", "name", "website", "country", "created_at"],
        ((t, f"Firm {i}", "", "US", now) for i in range(n)),
    )
    firms = ids("partners_partnerfirm", t)
    copy_rows(
        "partners_enrolment",
        [
            "tenant_id",
            "firm_id",
            "program_id",
            "tracks",
            "territories",
            "status",
            "good_standing",
            "tier_key",
            "tier_since",
            "directory_consent",
            "financial_benefit",
            "approved_at",
            "term_start",
            "term_end",
            "auto_renew",
            "end_reason",
        ],
        (
            (
                t,
                f,
                program.pk,
                "[]",
                "[]",
                "active",
                "true",
                "tier-1",
                "2025-01-01",
                "false",
                "",
                now,
                "2025-01-01",
                "2025-12-31",
                "true",
                "",
            )
            for f in firms
        ),
    )
    copy_rows(
        "partners_agreementacceptance",
        ["tenant_id", "user_id", "program_version_id", "firm_id", "accepted_at", "user_agent"],
        ((t, user.pk, version.pk, f, now, "") for f in firms),
    )
    copy_rows(
        "partners_activity",
        [
            "tenant_id",
            "firm_id",
            "status",
            "submitted_at",
            "rejection_reason",
            "kind",
            "occurred_on",
            "description",
            "evidence_url",
        ],
        (
            (t, f, "verified", now, "", kind, day, "x", "")
            for f in firms
            for kind in ("orientation", "annual_training", "co_branded_webinar", "qbr")
        ),
    )
    copy_rows(
        "partners_attestation",
        [
            "tenant_id",
            "firm_id",
            "status",
            "submitted_at",
            "rejection_reason",
            "kind",
            "statement",
            "evidence_url",
            "valid_from",
        ],
        ((t, f, "verified", now, "", "website_lists_vendor", "x", "", day) for f in firms),
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
    params = {
        "t": tenant.pk,
        "start": period.start,
        "end": period.end,
        "year": datetime.date(2025, 1, 1),
        "trailing": datetime.date(2024, 7, 1),
    }
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in FLOOR_SQL:
            cursor.execute(sql, params)
            cursor.fetchall()
    floor = time.perf_counter() - started

    with tenant_scope(tenant), CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        stored = tiers_evaluate(
            tenant=tenant, program=program, period=period, today=datetime.date(2025, 7, 1)
        )
        ours = time.perf_counter() - started
        tiers = dict(TierEvaluation.objects.values_list("resulting_tier").annotate(n=Count("id")))
    print(f"\n{n:,} enrolments, CIMcloud 2025-Q2")
    print(f"floor (hand-written SQL, {len(FLOOR_SQL)} queries): {floor:8.2f} s")
    print(
        f"tiers_evaluate (metrics + {len(stored):,} evaluations with evidence stored): "
        f"{ours:8.2f} s, {len(captured)} queries"
    )
    print(f"ratio ours / floor: {ours / floor:.1f}x   resulting tiers: {tiers}")


if __name__ == "__main__":
    main()
