"""Benchmark: conflict detection and the partner's deal list at scale (PostgreSQL).

    DATABASE_URL=postgres://prm:prm@127.0.0.1:5432/prm \
        .venv/bin/python bench/deal_conflicts.py --registrations 1000000 --customers 200000

Builds a throw-away database (Django's test-database machinery), loads the rows with
COPY, then measures, in the same run:
  * conflict detection (deals.services.registrations.conflict_candidates) against a
    baseline of the four hand-written index look-ups it needs (same name or domain,
    names sharing the first word; registrations and customers);
  * the partner's deal-list API page (GET /<tenant>/api/v1/deal-registrations/).
Prints p50/p99 in ms, queries per call, and ratio = ours / baseline.
"""

import argparse
import io
import random
import statistics
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext
from support import REGISTRATION_STATUSES, copy_registrations, copy_rows, in_throwaway_database

WORDS = [
    "acme",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "stark",
    "wayne",
    "tyrell",
    "cyberdyne",
    "soylent",
    "wonka",
    "vandelay",
    "massive",
    "dynamic",
    "aperture",
    "oscorp",
    "gringotts",
    "monarch",
    "nakatomi",
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def company(i: int) -> tuple[str, str]:
    name = f"{WORDS[i % len(WORDS)]} {WORDS[(i // 19) % len(WORDS)]} {i}"
    return name, f"{name.replace(' ', '-')}.example"


def load(tenant, firms, program, registrations: int, customers: int) -> None:
    from django.utils import timezone

    now = timezone.now().isoformat()
    started = time.perf_counter()
    copy_registrations(
        tenant.pk,
        program.pk,
        (
            (
                firms[i % len(firms)].pk,
                name,
                name,
                domain,
                REGISTRATION_STATUSES[i % 3],
            )
            for i in range(registrations)
            for name, domain in [company(i)]
        ),
    )
    copy_rows(
        "deals_customer",
        [
            "tenant_id",
            "name",
            "normalized_name",
            "name_key",
            "domain",
            "normalized_domain",
            "country",
            "external_id",
            "created_at",
        ],
        (
            (tenant.pk, name, name, name.split(" ", 1)[0], domain, domain, "US", f"c{i}", now)
            for i in range(registrations, registrations + customers)
            for name, domain in [company(i)]
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE deals_dealregistration; ANALYZE deals_customer;")
    print(
        f"loaded {registrations:,} registrations and {customers:,} customers "
        f"in {time.perf_counter() - started:.1f} s"
    )


def baseline(tenant_id: int, name: str, domain: str) -> None:
    key = name.split(" ", 1)[0]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM deals_dealregistration WHERE tenant_id = %s AND status IN "
            "('submitted', 'under_review', 'approved') AND (normalized_name = %s OR "
            "normalized_domain = %s) LIMIT 50",
            [tenant_id, name, domain],
        )
        cursor.fetchall()
        cursor.execute(
            "SELECT id, normalized_name FROM deals_dealregistration WHERE tenant_id = %s AND "
            "status IN ('submitted', 'under_review', 'approved') AND name_key = %s AND "
            "normalized_name <> %s LIMIT 200",
            [tenant_id, key, name],
        )
        cursor.fetchall()
        cursor.execute(
            "SELECT id FROM deals_customer WHERE tenant_id = %s AND (normalized_name = %s OR "
            "normalized_domain = %s) LIMIT 50",
            [tenant_id, name, domain],
        )
        cursor.fetchall()
        cursor.execute(
            "SELECT id, normalized_name FROM deals_customer WHERE tenant_id = %s AND "
            "name_key = %s AND normalized_name <> %s LIMIT 200",
            [tenant_id, key, name],
        )
        cursor.fetchall()


def measure(fn, probes) -> tuple[list[float], int]:
    timings, queries = [], 0
    for probe in probes:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            fn(probe)
            timings.append((time.perf_counter() - started) * 1000)
        queries = max(queries, len(captured))
    return timings, queries


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--registrations", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--probes", type=int, default=500)
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    args = parser.parse_args()
    in_throwaway_database(lambda: run(args))


def run(args) -> None:
    from django.core.management import call_command
    from django.test import Client

    from deals.services.registrations import conflict_candidates
    from partners.models import PartnerContact, PartnerFirm
    from programs.models import Program
    from tenants.models import Tenant
    from tenants.scope import tenant_scope
    from tests.factories import UserFactory

    tenant = Tenant.objects.create(slug="cimcloud", name="CIMcloud", currency="USD")
    call_command(
        "load_programs", "programs/definitions/cimcloud.yaml", publish=True, stdout=io.StringIO()
    )
    with tenant_scope(tenant):
        program = Program.objects.get()
        firms = [PartnerFirm.objects.create(tenant=tenant, name=f"Firm {i}") for i in range(50)]
        user = UserFactory(email="bench@partner.example")
        PartnerContact.objects.create(tenant=tenant, firm=firms[0], user=user)
    load(tenant, firms, program, args.registrations, args.customers)

    rng = random.Random(7)
    total = args.registrations + args.customers
    probes = [company(rng.randrange(total)) for _ in range(args.probes // 2)]
    probes += [(f"nobody {i}", f"nobody-{i}.example") for i in range(args.probes // 2)]

    with tenant_scope(tenant):
        ours, our_queries = measure(
            lambda p: conflict_candidates(tenant=tenant, name=p[0], domain=p[1]), probes
        )
        base, base_queries = measure(lambda p: baseline(tenant.pk, *p), probes)
    client = Client()
    client.force_login(user)
    pages, page_queries = measure(
        lambda _: client.get("/cimcloud/api/v1/deal-registrations/"), range(100)
    )

    def line(label, values, queries):
        print(
            f"{label:<34} p50 {statistics.median(values):7.2f} ms   "
            f"p99 {percentile(values, 0.99):7.2f} ms   {queries} queries"
        )

    print(
        f"\n{args.registrations:,} registrations, {args.customers:,} customers, "
        f"{len(probes)} probes (half hits, half misses)"
    )
    if args.explain:
        with tenant_scope(tenant), CaptureQueriesContext(connection) as captured:
            conflict_candidates(tenant=tenant, name=probes[0][0], domain=probes[0][1])
        with connection.cursor() as cursor:
            for query in captured.captured_queries:
                cursor.execute("EXPLAIN ANALYZE " + query["sql"])
                print("\n".join(row[0] for row in cursor.fetchall()))
    line("conflict detection", ours, our_queries)
    line("baseline (4 raw index look-ups)", base, base_queries)
    print(
        f"ratio p50 {statistics.median(ours) / statistics.median(base):.2f}x   "
        f"p99 {percentile(ours, 0.99) / percentile(base, 0.99):.2f}x"
    )
    line("partner deal list API page", pages, page_queries)


if __name__ == "__main__":
    main()
