"""Benchmark: monthly payout batches, bulk accruals and the batch CSV export (PostgreSQL).

    DATABASE_URL=postgres://prm:prm@127.0.0.1:5432/prm \
        .venv/bin/python bench/payouts.py --firms 10000 100000

For each size, in its own throw-away database: CIMcloud, N partner firms (enrolled at
Tier 2; 2 % not in good standing, 5 % without a verified tax form, 10 % with tax
withheld), one completed order per firm with 10 lines, their commission lines and 10
accrual entries per firm in May 2026 (plus a clawback for one firm in ten), all loaded
with COPY. Then, in the same run:
  * commissions.payouts.batch_build for May against the floor: the same payout lines
    and batch items written by hand (INSERT ... SELECT ... GROUP BY firm_id, then
    INSERT ... SELECT of the settled entries), rolled back; time and query counts;
  * commissions.accruals.orders_accrue over a bulk import of completed orders (COPY),
    in chunks of 1,000 order ids: orders per second;
  * at the largest size, commissions.exports.batch_csv of the batch consumed into
    /dev/null in a fresh child interpreter against COPY (SELECT ...) TO STDOUT WITH CSV
    of the same rows, also in a child; each child reports its time and its own peak RSS
    (VmHWM, see `peak_rss_kb`), next to an idle child's (interpreter + Django, no export).
"""

import argparse
import cProfile
import datetime
import io
import json
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from support import copy_rows, ids, in_throwaway_database, load_enrolled_firms

MAY = datetime.date(2026, 5, 1)
MAY_END = datetime.date(2026, 5, 31)
JUNE = datetime.date(2026, 6, 15)
JOINED = "2026-01-05 12:00:00+00"
NOW = "2026-06-01 12:00:00+00"
LINES_PER_ORDER = 10
#: (product code, category, price minor, monthly fee minor, rule key, rate, commission minor)
PRODUCTS = [
    ("CONNECT", "connect_services_erp", 1_000_000, None, "connect-services-erp", "0.3", 300_000),
    ("SYNC", "erp_sync_monthly_fee", 0, 50_000, "erp-sync-monthly-fee", "0.3", 180_000),
    ("PLATFORM", "platform_cart", 2_400_000, None, "platform-referral", "1000", 100_000),
    ("ADDON", "add_on_bundle", 120_000, None, "add-on-bundle-referral", "350", 35_000),
]
SETTLED_KINDS = "('accrual', 'clawback', 'offset', 'adjustment')"


def held_by_standing(i: int) -> bool:
    return i % 50 == 7


def without_tax_form(i: int) -> bool:
    return i % 20 == 3


def load_firms(t: int, program_id: int, n: int) -> list[int]:
    """N firms, each enrolled at Tier 2, most with a verified tax form; some withheld."""
    firms = load_enrolled_firms(
        t,
        program_id,
        n,
        tier="tier-2",
        approved_at=JOINED,
        term=("2026-01-05", "2027-01-04"),
        name=lambda i: f"Firm {i:06d}",
        good_standing=lambda i: not held_by_standing(i),
    )
    copy_rows(
        "partners_taxdocument",
        [
            "tenant_id",
            "firm_id",
            "kind",
            "file",
            "original_name",
            "content_type",
            "size",
            "status",
            "uploaded_at",
        ],
        (
            (
                t,
                f,
                "w9",
                "tax-documents/w9.pdf",
                "w9.pdf",
                "application/pdf",
                1000,
                "verified",
                JOINED,
            )
            for i, f in enumerate(firms)
            if not without_tax_form(i)
        ),
    )
    copy_rows(
        "partners_payoutprofile",
        [
            "tenant_id",
            "firm_id",
            "method",
            "account_holder",
            "account_reference",
            "routing_number",
            "bic",
            "account_type",
            "withholding_rate",
            "updated_at",
        ],
        (
            (
                t,
                f,
                "bank_transfer",
                f"Firm {i}",
                f"ACCT{i:08d}",
                "",
                "",
                "checking",
                "0.2400",
                JOINED,
            )
            for i, f in enumerate(firms)
            if i % 10 == 0
        ),
    )
    return firms


def load_orders(t: int, firms: list[int], day: datetime.date, lines: int, tag: str) -> list[int]:
    """One completed partner-sourced order per firm (repeat `firms` for more), new customers."""
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
        ((t, f"{tag} {i}", f"{tag} {i}".lower(), "", "", "US", "", NOW) for i in range(len(firms))),
    )
    customers = ids("deals_customer", t)[-len(firms) :]
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
            (t, c, f"{tag}-{i}", f, "partner", "true", "", day, "USD", day, day, day, "true", NOW)
            for i, (c, f) in enumerate(zip(customers, firms, strict=True))
        ),
    )
    orders = ids("deals_order", t)[-len(firms) :]
    copy_rows(
        "deals_orderline",
        [
            "tenant_id",
            "order_id",
            "product_code",
            "product_category",
            "quantity",
            "list_price_minor",
            "price_minor",
            "discount_approved",
            "monthly_fee_minor",
            "initial_contract_months",
            "no_charge",
        ],
        (
            (t, o, code, category, 1, price, price, "false", monthly, 12, "false")
            for o in orders
            for code, category, price, monthly, *_ in (
                PRODUCTS[j % len(PRODUCTS)] for j in range(lines)
            )
        ),
    )
    return orders


def load_ledger(t: int, program_id: int, version_id: int, firms: list[int]) -> int:
    """May's commission lines and accrual entries (LINES_PER_ORDER per firm), a few clawbacks."""
    from tenants.money import format_minor

    orders = load_orders(t, firms, datetime.date(2026, 5, 12), LINES_PER_ORDER, "May customer")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, order_id FROM deals_orderline WHERE order_id >= %s ORDER BY id",
            [orders[0]],
        )
        order_lines = cursor.fetchall()
    firm_of = dict(zip(orders, firms, strict=True))
    products = [PRODUCTS[j % len(PRODUCTS)] for j in range(LINES_PER_ORDER)]
    copy_rows(
        "commissions_commissionline",
        [
            "tenant_id",
            "order_id",
            "order_line_id",
            "firm_id",
            "program_id",
            "version_id",
            "rule_key",
            "rule_name",
            "tier_key",
            "basis_minor",
            "rate",
            "amount_minor",
            "currency",
            "earned",
            "explanation",
            "completed_on",
            "calculated_at",
        ],
        (
            (
                t,
                order,
                line,
                firm_of[order],
                program_id,
                version_id,
                rule,
                rule,
                "tier-2",
                0,
                rate,
                amount,
                "USD",
                "true",
                f"{rule} at Tier 2",
                "2026-05-12",
                NOW,
            )
            for k, (line, order) in enumerate(order_lines)
            for _, _, _, _, rule, rate, amount in [products[k % LINES_PER_ORDER]]
        ),
    )
    commission_lines = ids("commissions_commissionline", t)
    entries = [
        (
            t,
            firm_of[order],
            program_id,
            "USD",
            "accrual",
            amount,
            f"accrual:line:{line}:program:{program_id}",
            "2026-05-12",
            "2026-05-12",
            "2026-06-30",
            commission,
            version_id,
            f"{rule} at Tier 2 = {format_minor(amount, 'USD')}",
            NOW,
        )
        for k, ((line, order), commission) in enumerate(
            zip(order_lines, commission_lines, strict=True)
        )
        for _, _, _, _, rule, _, amount in [products[k % LINES_PER_ORDER]]
    ]
    entries += [
        (
            t,
            firm,
            program_id,
            "USD",
            "clawback",
            -30000,
            f"clawback:bench:{firm}",
            "2026-05-20",
            "2026-05-20",
            "2026-06-30",
            None,
            version_id,
            "Refund: share",
            NOW,
        )
        for firm in firms[::10]
    ]
    copy_rows(
        "commissions_ledgerentry",
        [
            "tenant_id",
            "firm_id",
            "program_id",
            "currency",
            "kind",
            "amount_minor",
            "key",
            "occurred_on",
            "booked_on",
            "due_on",
            "commission_line_id",
            "version_id",
            "memo",
            "created_at",
        ],
        entries,
    )
    return len(entries)


# -- the batch build and its floor ----------------------------------------------------------

UNSETTLED = f"""
    FROM commissions_ledgerentry e
    LEFT JOIN commissions_batchitem b ON b.entry_id = e.id
    WHERE e.tenant_id = %(t)s AND e.program_id = %(program)s AND e.kind IN {SETTLED_KINDS}
        AND e.booked_on <= %(cutoff)s AND b.id IS NULL
"""
FLOOR_LINES = f"""
WITH sums AS (
    SELECT e.firm_id,
        COALESCE(sum(e.amount_minor) FILTER (WHERE e.kind = 'accrual'), 0) AS accruals,
        COALESCE(sum(e.amount_minor) FILTER (WHERE e.kind = 'clawback'), 0) AS clawbacks,
        COALESCE(sum(e.amount_minor) FILTER (WHERE e.kind IN ('offset', 'adjustment')), 0)
            AS corrections,
        sum(e.amount_minor) AS net
    {UNSETTLED}
    GROUP BY e.firm_id
), facts AS MATERIALIZED (
    SELECT s.*, COALESCE(p.withholding_rate, 0) AS rate,
        en.good_standing IS FALSE AS not_standing,
        en.good_standing IS FALSE OR tax.firm_id IS NULL AS held
    FROM sums s
    LEFT JOIN (
        SELECT DISTINCT ON (firm_id) firm_id, good_standing FROM partners_enrolment
        WHERE program_id = %(program)s ORDER BY firm_id, approved_at DESC
    ) en ON en.firm_id = s.firm_id
    LEFT JOIN (
        SELECT DISTINCT firm_id FROM partners_taxdocument
        WHERE tenant_id = %(t)s AND status = 'verified'
            AND (expires_on IS NULL OR expires_on >= %(cutoff)s)
    ) tax ON tax.firm_id = s.firm_id
    LEFT JOIN partners_payoutprofile p ON p.firm_id = s.firm_id
), decided AS MATERIALIZED (
    SELECT *, net > 0 AND NOT held AS payable, round(net * rate) AS withheld FROM facts
)
INSERT INTO commissions_payoutline (tenant_id, batch_id, firm_id, accruals_minor,
    clawbacks_minor, corrections_minor, net_minor, withholding_rate, withholding_minor,
    payable_minor, status, hold_reason, statement_hash)
SELECT %(t)s, %(batch)s, firm_id, accruals, clawbacks, corrections, net,
    CASE WHEN payable THEN rate ELSE 0 END,
    CASE WHEN payable THEN withheld ELSE 0 END,
    CASE WHEN payable THEN net - withheld ELSE 0 END,
    CASE WHEN net < 0 THEN 'invoiced' WHEN net = 0 THEN 'nothing' WHEN held THEN 'held'
        ELSE 'payable' END,
    CASE WHEN net <= 0 OR NOT held THEN ''
        WHEN not_standing THEN 'Not in good standing: payment held.'
        ELSE 'No valid tax document (W-9 / W-8) on file: payment held.' END,
    ''
FROM decided
"""
FLOOR_ITEMS = f"""
INSERT INTO commissions_batchitem (tenant_id, batch_id, entry_id, firm_id)
SELECT %(t)s, %(batch)s, e.id, e.firm_id
{UNSETTLED}
    AND e.firm_id NOT IN (SELECT firm_id FROM commissions_payoutline
                          WHERE batch_id = %(batch)s AND status = 'held')
"""
BATCH_SUMMARY = """
SELECT status, count(*), sum(net_minor), sum(withholding_minor), sum(payable_minor),
    (SELECT count(*) FROM commissions_batchitem WHERE batch_id = %(batch)s)
FROM commissions_payoutline WHERE batch_id = %(batch)s GROUP BY status ORDER BY status
"""


def summary(batch_id: int) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(BATCH_SUMMARY, {"batch": batch_id})
        return cursor.fetchall()


def timed_floor(t: int, program_id: int) -> tuple[float, int, list[tuple]]:
    """The floor's time, statements and outcome; its writes are rolled back and vacuumed."""
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO commissions_payoutbatch (tenant_id, program_id, period, cutoff, "
                "due_on, currency, status, built_at, payment_reference) VALUES "
                "(%s, %s, %s, %s, %s, 'USD', 'draft', now(), '') RETURNING id",
                [t, program_id, MAY, MAY_END, MAY_END + datetime.timedelta(days=30)],
            )
            params = {"t": t, "program": program_id, "cutoff": MAY_END}
            params["batch"] = cursor.fetchone()[0]
            cursor.execute(FLOOR_LINES, params)
            cursor.execute(FLOOR_ITEMS, params)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the foreign keys COMMIT checks
        elapsed = time.perf_counter() - started
        outcome = summary(params["batch"])
        transaction.set_rollback(True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE commissions_payoutline, commissions_batchitem")
    return elapsed, len(captured) - 2, outcome  # SET CONSTRAINTS, summary: not statements


def profiled_build(tenant, program) -> None:
    """Where batch_build's time goes: a rolled-back run under cProfile, top functions."""
    from commissions.payouts import batch_build

    profiler = cProfile.Profile()
    with transaction.atomic():
        profiler.enable()
        batch_build(tenant=tenant, program=program, period=MAY)
        profiler.disable()
        transaction.set_rollback(True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE commissions_payoutline, commissions_batchitem")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    print("\nbatch_build profile (rolled-back run, by own time):")
    print("\n".join(out.getvalue().splitlines()[6:24]))


def measure_build(tenant, program, profile: bool):
    from commissions.payouts import batch_build

    with connection.cursor() as cursor:  # warm the cache for both runs
        cursor.execute("SELECT count(*), sum(amount_minor) FROM commissions_ledgerentry")
    floor, floor_queries, floor_outcome = timed_floor(tenant.pk, program.pk)
    if profile:
        profiled_build(tenant, program)
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        batch, built = batch_build(tenant=tenant, program=program, period=MAY)
        ours = time.perf_counter() - started
    assert built
    outcome = summary(batch.pk)
    slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:4]
    return batch, floor, floor_queries, ours, len(captured), outcome == floor_outcome, slowest


# -- accruals on a bulk import ------------------------------------------------------------------


ACCRUAL_FLOOR_LOCK = "SELECT id FROM deals_order WHERE id = ANY(%(orders)s) ORDER BY id FOR UPDATE"
#: The same commission lines and accrual entries as orders_accrue, by one statement that
#: knows the answer: each product's rule and amount at Tier 2 (PRODUCTS), earned where the
#: firm has a verified tax form; an explanation of about the same length as ours.
ACCRUAL_FLOOR = """
WITH products (category, rule_key, rate, amount) AS (
    SELECT * FROM unnest(%(categories)s::text[], %(rules)s::text[], %(rates)s::numeric[],
        %(amounts)s::bigint[])
),
taxed AS (
    SELECT DISTINCT firm_id FROM partners_taxdocument
    WHERE tenant_id = %(t)s AND status = 'verified' AND firm_id IN (
        SELECT firm_id FROM deals_order WHERE id = ANY(%(orders)s))
),
lines AS (
    INSERT INTO commissions_commissionline (tenant_id, order_id, order_line_id, firm_id,
        program_id, version_id, rule_key, rule_name, tier_key, basis_minor, rate, amount_minor,
        currency, earned, explanation, completed_on, calculated_at)
    SELECT o.tenant_id, o.id, ol.id, o.firm_id, en.program_id, %(version)s, p.rule_key,
        p.rule_key, en.tier_key, coalesce(ol.price_minor, 0), p.rate,
        CASE WHEN taxed.firm_id IS NULL THEN 0 ELSE p.amount END, o.currency,
        taxed.firm_id IS NOT NULL,
        p.rule_key || ' at ' || en.tier_key || ': ' || p.rate || ' of ' || ol.price_minor
            || ' = ' || to_char(p.amount / 100.0, 'FM999,999,990.00') || ' ' || o.currency
            || CASE WHEN taxed.firm_id IS NULL THEN '; no valid tax form' ELSE '' END,
        o.completed_on, now()
    FROM deals_order o
    JOIN deals_orderline ol ON ol.order_id = o.id
    JOIN products p ON p.category = ol.product_category
    JOIN partners_enrolment en ON en.firm_id = o.firm_id AND en.program_id = %(program)s
    LEFT JOIN taxed ON taxed.firm_id = o.firm_id
    WHERE o.id = ANY(%(orders)s)
    RETURNING id, tenant_id, firm_id, program_id, order_line_id, amount_minor, earned,
        currency, completed_on, explanation, version_id
)
INSERT INTO commissions_ledgerentry (tenant_id, firm_id, program_id, currency, kind,
    amount_minor, key, occurred_on, booked_on, due_on, commission_line_id, version_id, memo,
    created_at)
SELECT tenant_id, firm_id, program_id, currency, 'accrual', amount_minor,
    'accrual:line:' || order_line_id || ':program:' || program_id, completed_on,
    completed_on, %(due)s, id, version_id, explanation, now()
FROM lines WHERE earned AND amount_minor <> 0
"""
ACCRUED = """
SELECT cl.order_line_id, cl.program_id, cl.rule_key, cl.amount_minor, cl.earned, e.key,
    e.amount_minor, e.due_on
FROM commissions_commissionline cl
LEFT JOIN commissions_ledgerentry e ON e.commission_line_id = cl.id
WHERE cl.order_id = ANY(%s)
"""


def accrued(orders: list[int]) -> set[tuple]:
    """What an accrual of these orders made: each line's rule, amount and entry."""
    with connection.cursor() as cursor:
        cursor.execute(ACCRUED, [orders])
        return set(cursor.fetchall())


def accrual_floor(tenant, program, orders: list[int], chunk: int) -> tuple[float, set[tuple]]:
    """The floor's time over the same orders and chunks as ours, and what it made: per
    chunk the orders' lock and one INSERT of the lines with their entries, then the
    foreign-key checks COMMIT would make (`SET CONSTRAINTS ALL IMMEDIATE`). Rolled back."""
    from commissions import ledger
    from programs.selectors import version_in_force
    from tenants import rls

    version = version_in_force(program, JUNE)
    params = {
        "t": tenant.pk,
        "program": program.pk,
        "version": version.pk,
        "due": ledger.due_day(ledger.policy_of(version), JUNE),
        "categories": [p[1] for p in PRODUCTS],
        "rules": [p[4] for p in PRODUCTS],
        "rates": [p[5] for p in PRODUCTS],
        "amounts": [p[6] for p in PRODUCTS],
    }
    with transaction.atomic(), connection.cursor() as cursor:
        rls.carry_scope(connection)
        started = time.perf_counter()
        for start in range(0, len(orders), chunk):
            params["orders"] = orders[start : start + chunk]
            cursor.execute(ACCRUAL_FLOOR_LOCK, params)
            cursor.execute(ACCRUAL_FLOOR, params)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        elapsed = time.perf_counter() - started
        made = accrued(orders)
        transaction.set_rollback(True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE commissions_commissionline, commissions_ledgerentry")
    return elapsed, made


def measure_accruals(tenant, program, firms: list[int], count: int, chunk: int):
    """(floor seconds, our seconds, queries per chunk at most, ledger entries booked, whether
    ours made what the floor made) for `count` imported orders."""
    from commissions.accruals import orders_accrue
    from commissions.models import LedgerEntry

    buyers = [firms[i % len(firms)] for i in range(count)]
    orders = load_orders(tenant.pk, buyers, JUNE, len(PRODUCTS), "June customer")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    floor, floor_made = accrual_floor(tenant, program, orders, chunk)
    before = LedgerEntry.objects.filter(booked_on=JUNE).count()
    profiler = cProfile.Profile() if os.environ.get("PRM_BENCH_PROFILE_ACCRUAL") else None
    queries, started = 0, time.perf_counter()
    for start in range(0, len(orders), chunk):
        with CaptureQueriesContext(connection) as captured:
            if profiler:
                profiler.enable()
            orders_accrue(tenant=tenant, order_ids=orders[start : start + chunk])
            if profiler:
                profiler.disable()
        queries = max(queries, len(captured))
    elapsed = time.perf_counter() - started
    if profiler:  # PRM_BENCH_PROFILE_ACCRUAL=1: where the accrual's time goes, on stderr
        for order in ("tottime", "cumulative"):
            pstats.Stats(profiler, stream=sys.stderr).sort_stats(order).print_stats(25)
    booked = LedgerEntry.objects.filter(booked_on=JUNE).count() - before
    ours_made = accrued(orders)
    if os.environ.get("PRM_BENCH_DIFF"):
        print("ours only", sorted(ours_made - floor_made)[:5])
        print("floor only", sorted(floor_made - ours_made)[:5])
    return floor, elapsed, queries, booked, ours_made == floor_made


# -- the CSV export, in child processes ----------------------------------------------------

COPY_SQL = """
COPY (
    SELECT f.name, l.status, l.hold_reason, l.payable_minor / 100.0, e.kind, e.booked_on,
        e.due_on, o.id, o.external_id, c.name, ol.product_code, cl.rule_key, cl.tier_key,
        cl.rate, e.amount_minor / 100.0, e.currency, e.key, e.memo
    FROM commissions_batchitem b
    JOIN commissions_ledgerentry e ON e.id = b.entry_id
    JOIN partners_partnerfirm f ON f.id = e.firm_id
    JOIN commissions_payoutline l ON l.batch_id = b.batch_id AND l.firm_id = e.firm_id
    LEFT JOIN commissions_commissionline cl ON cl.id = e.commission_line_id
    LEFT JOIN deals_order o ON o.id = cl.order_id
    LEFT JOIN deals_customer c ON c.id = o.customer_id
    LEFT JOIN deals_orderline ol ON ol.id = cl.order_line_id
    WHERE b.batch_id = {batch}
    ORDER BY f.name, e.booked_on, e.id
) TO STDOUT WITH CSV
"""


def export_child(mode: str, batch_id: int) -> None:
    """Runs in a fresh interpreter: write the export to /dev/null, print time, bytes, peak RSS."""
    from commissions.exports import batch_csv
    from commissions.models import PayoutBatch
    from tenants.rls import carry_scope
    from tenants.scope import all_tenants, tenant_scope

    with all_tenants():  # the bench's only tenant, found by the batch id
        batch = PayoutBatch.objects.select_related("tenant").get(pk=batch_id)
    written, started = 0, time.perf_counter()
    with open(os.devnull, "wb") as sink:
        if mode == "csv":
            with tenant_scope(batch.tenant):
                for chunk in batch_csv(batch):
                    written += sink.write(chunk)
        elif mode == "copy":  # raw psycopg: the transaction carries the tenant for RLS
            with (
                transaction.atomic(),
                tenant_scope(batch.tenant),
                connection.cursor() as cursor,
            ):
                carry_scope(connection)
                with cursor.connection.cursor().copy(COPY_SQL.format(batch=batch.pk)) as copy:
                    for chunk in copy:
                        written += sink.write(chunk)
    elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": elapsed, "bytes": written, "peak_kb": peak_rss_kb()}))


def peak_rss_kb() -> int:
    """This process's peak RSS since its exec (VmHWM).

    Not getrusage(...).ru_maxrss: Linux carries the forking parent's high-water mark over
    fork + exec, so a child of this multi-gigabyte loader would report the loader's peak.
    """
    with open("/proc/self/status") as status:
        for row in status:
            if row.startswith("VmHWM:"):
                return int(row.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def run_child(mode: str, batch_id: int) -> dict:
    settings = connection.settings_dict
    url = (
        f"postgres://{quote(settings['USER'])}:{quote(settings['PASSWORD'])}@"
        f"{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    )
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", mode, str(batch_id)],
        env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.PIPE,
        stderr=None if os.environ.get("PRM_BENCH_PROFILE_EXPORT") else subprocess.PIPE,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the run ----------------------------------------------------------------------------------


def run(n: int, args, export: bool) -> None:
    from django.core.management import call_command

    from programs.models import Program
    from tenants.models import Tenant
    from tenants.scope import tenant_scope

    tenant = Tenant.objects.create(slug="cimcloud", name="CIMcloud", currency="USD")
    call_command(
        "load_programs", "programs/definitions/cimcloud.yaml", publish=True, stdout=io.StringIO()
    )
    with tenant_scope(tenant):
        program = Program.objects.get()
        version = program.versions.get()
    started = time.perf_counter()
    firms = load_firms(tenant.pk, program.pk, n)
    entries = load_ledger(tenant.pk, program.pk, version.pk, firms)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"\nloaded {n:,} firms, {n:,} orders, {n * LINES_PER_ORDER:,} commission lines and "
        f"{entries:,} ledger entries in {time.perf_counter() - started:.1f} s"
    )

    with tenant_scope(tenant):
        batch, floor, floor_queries, ours, queries, same, slowest = measure_build(
            tenant, program, args.profile
        )
    lines = {status: count for status, count, *_ in summary(batch.pk)}
    settled = summary(batch.pk)[0][-1]
    print(f"May 2026 batch: {lines} partner lines, {settled:,} entries settled")
    print(f"floor (INSERT ... SELECT GROUP BY firm_id + items):  {floor:7.2f} s  {floor_queries} q")
    print(f"commissions.payouts.batch_build:                     {ours:7.2f} s  {queries} q")
    print(f"ratio ours / floor: {ours / floor:.2f}x   same lines and items as the floor: {same}")
    for query in slowest:
        print(f"  {float(query['time']):6.2f} s  {query['sql'][:110]}")

    with tenant_scope(tenant):
        floor, seconds, chunk_queries, booked, same = measure_accruals(
            tenant, program, firms, args.accrual_orders, args.chunk
        )
    count = args.accrual_orders
    print(
        f"accruals of {count:,} imported orders ({len(PRODUCTS)} lines each) in chunks of "
        f"{args.chunk:,}:"
    )
    print(
        f"  floor (lock + one INSERT of lines and entries):  {floor:6.2f} s = "
        f"{count / floor:,.0f} orders/s"
    )
    print(
        f"  commissions.accruals.orders_accrue:             {seconds:6.2f} s = "
        f"{count / seconds:,.0f} orders/s, at most {chunk_queries} queries per chunk"
    )
    print(
        f"  ratio ours / floor: {seconds / floor:.2f}x   {booked:,} accruals booked, "
        f"same lines and entries as the floor: {same}"
    )

    if export:
        connection.close()  # the children open their own connections
        idle = run_child("idle", batch.pk)
        ours_csv = run_child("csv", batch.pk)
        copy = run_child("copy", batch.pk)
        print(f"CSV export of the batch's {settled:,} settled entries into /dev/null:")
        for label, result in (
            ("interpreter + Django, no export", idle),
            ("commissions.exports.batch_csv", ours_csv),
            ("COPY (SELECT ...) TO STDOUT CSV", copy),
        ):
            print(
                f"  {label:<34} {result['seconds']:7.2f} s  {result['bytes'] / 1e6:7.1f} MB "
                f"written  peak RSS {result['peak_kb'] / 1024:6.1f} MB"
            )
        print(f"  ratio time ours / COPY: {ours_csv['seconds'] / copy['seconds']:.2f}x")


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        if os.environ.get("PRM_BENCH_PROFILE_EXPORT") and sys.argv[2] == "csv":
            import cProfile
            import pstats

            with cProfile.Profile() as profile:
                export_child(sys.argv[2], int(sys.argv[3]))
            pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(20)
        else:
            export_child(sys.argv[2], int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--firms", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--accrual-orders", type=int, default=20_000)
    parser.add_argument("--chunk", type=int, default=1_000)
    parser.add_argument("--no-export", action="store_true", help="skip the CSV export")
    parser.add_argument("--profile", action="store_true", help="profile a rolled-back build")
    args = parser.parse_args()
    for n in args.firms:
        export = not args.no_export and n == max(args.firms)
        in_throwaway_database(lambda n=n, export=export: run(n, args, export))


if __name__ == "__main__":
    main()
