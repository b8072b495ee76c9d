"""Benchmark: a what-if over four quarters against the real evaluation and accrual (PostgreSQL).

    DATABASE_URL=postgres://prm:prm@127.0.0.1:5432/prm \
        .venv/bin/python bench/whatif.py --partners 10000

CIMcloud, N partner firms enrolled at Tier 1 from 2026-01-05 with what Tier 1 asks (the
agreement, orientation, a training this year, the website attestation; bench/payouts.py's
tax forms and good standing), and in each quarter of 2026 one completed order per firm with
a Connect line and an ERP Sync line, spread over `--days` completion days a quarter (4N
orders, 8N lines, loaded with COPY). Then, in the same run:
  * the real work, in calendar order as beat and the order events make it: on each
    completion day the event evaluation of that day's partners (tiers_evaluate as of the
    day) and orders_accrue of that day's orders in chunks of 1,000; on each quarter's last
    day the daily tick's evaluation, and the day after the quarterly evaluation;
  * commissions.whatif.what_if of a draft raising Tier 1's Connect rate from 20 % to 25 %
    over the same four quarters (which replays the same evaluations twice, the version in
    force and the draft, and re-commissions every line), stored nothing; its time and query
    count, and the ratio to the real work.
"""

import argparse
import cProfile
import datetime
import io
import logging
import pstats
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext
from payouts import PRODUCTS, load_firms, load_orders
from support import load_tier_evidence

JOINED = "2026-01-05 12:00:00+00"
FIRST, LAST = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)
REAL_SECONDS = [0.0]  # the real year's time, once measured
QUARTERS = [datetime.date(2026, m, 1) for m in (1, 4, 7, 10)]


def completion_days(quarter: datetime.date, days: int) -> list[datetime.date]:
    """`days` completion days spread over the quarter, a week apart (from the 6th: the
    partners joined on 5 January)."""
    return [quarter + datetime.timedelta(days=5 + 7 * i) for i in range(days)]


def load_year(t: int, firms: list[int], days: int) -> dict[datetime.date, list[int]]:
    """{completion day: order ids}: one order a quarter per firm, firms spread over the days."""
    by_day: dict[datetime.date, list[int]] = {}
    for quarter in QUARTERS:
        spread = completion_days(quarter, days)
        for k, day in enumerate(spread):
            buyers = firms[k::days]
            by_day[day] = load_orders(t, buyers, day, 2, f"Customer {day}")
    return by_day


def raise_tier_1_connect(tenant, program):
    """A draft whose Tier 1 Connect rate is 25 % (20 % in force)."""
    from programs.models import CommissionRule
    from programs.services import program_draft_from

    draft = program_draft_from(tenant=tenant, version=program.versions.get(number=1))
    rule = CommissionRule.objects.get(version=draft, key="connect-services-erp")
    rule.rates = {**rule.rates, "tier-1": 0.25}
    rule.save()
    return draft


def expected_extra() -> int:
    """What 25 % instead of 20 % adds to the real Tier 1 Connect lines, each rounded as the
    engine rounds it."""
    from decimal import Decimal

    from commissions.models import CommissionLine
    from tenants.money import round_minor

    lines = CommissionLine.objects.filter(
        rule_key="connect-services-erp", tier_key="tier-1", earned=True
    ).values_list("basis_minor", "amount_minor")
    return sum(round_minor(Decimal(basis) * Decimal("0.25")) - real for basis, real in lines)


def real_year(tenant, program, by_day: dict[datetime.date, list[int]], chunk: int):
    """The year as it really runs; (seconds, queries)."""
    from commissions.accruals import orders_accrue
    from deals.models import Order
    from partners.models import Enrolment
    from partners.terms import ONE_DAY
    from tiers.services import tiers_evaluate
    from tiers.windows import as_of, quarter_containing

    quarter_ends = [quarter_containing(q).end for q in QUARTERS]
    plan: list[tuple[datetime.date, int, object]] = []
    for day, orders in by_day.items():
        plan.append((day, 1, ("event", orders)))
    for end in quarter_ends:
        plan += [(end, 0, ("tick", end)), (end + ONE_DAY, 0, ("quarter", end))]
    queries, started = 0, time.perf_counter()
    for day, _, (kind, what) in sorted(plan, key=lambda p: (p[0], p[1])):
        with CaptureQueriesContext(connection) as captured:
            if kind == "event":
                firms = set(Order.objects.filter(pk__in=what).values_list("firm_id", flat=True))
                enrolments = list(Enrolment.objects.filter(program=program, firm_id__in=firms))
                tiers_evaluate(
                    tenant=tenant,
                    program=program,
                    period=as_of(day),
                    today=day,
                    enrolments=enrolments,
                    run_key=f"event-{day}",
                )
                for first in range(0, len(what), chunk):
                    orders_accrue(tenant=tenant, order_ids=what[first : first + chunk])
            elif kind == "tick":
                tiers_evaluate(
                    tenant=tenant,
                    program=program,
                    period=as_of(what),
                    today=what,
                    run_key=f"tick-{what}",
                )
            else:
                tiers_evaluate(
                    tenant=tenant,
                    program=program,
                    period=quarter_containing(what),
                    today=what + ONE_DAY,
                )
        queries += len(captured)
    return time.perf_counter() - started, queries


def run(n: int, days: int, chunk: int, profile: bool = False) -> None:
    from django.core.management import call_command

    from commissions.models import CommissionLine
    from programs.models import Program, Requirement
    from tenants.models import Tenant
    from tenants.scope import tenant_scope
    from tests.factories import UserFactory
    from tiers.models import TierEvaluation

    tenant = Tenant.objects.create(slug="cimcloud", name="CIMcloud", currency="USD")
    call_command(
        "load_programs", "programs/definitions/cimcloud.yaml", publish=True, stdout=io.StringIO()
    )
    with tenant_scope(tenant):
        program = Program.objects.get()
        version = program.versions.get()
    user = UserFactory(email="bench@example.com")
    started = time.perf_counter()
    firms = load_firms(tenant.pk, program.pk, n)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE partners_enrolment SET tier_key = 'tier-1'")
    # what Tier 1 asks, so the year's evaluations keep every firm there
    load_tier_evidence(
        tenant.pk,
        user.pk,
        version.pk,
        firms,
        at=JOINED,
        day="2026-01-06",
        kinds=("orientation", "annual_training"),
    )
    by_day = load_year(tenant.pk, firms, days)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    orders = sum(len(o) for o in by_day.values())
    print(
        f"loaded {n:,} partners, {orders:,} orders ({orders * 2:,} lines) on {len(by_day)} "
        f"completion days in {time.perf_counter() - started:.1f} s"
    )

    with tenant_scope(tenant):
        real, real_queries = real_year(tenant, program, by_day, chunk)
        evaluations = TierEvaluation.objects.count()
        lines = CommissionLine.objects.count()
        draft = raise_tier_1_connect(tenant, program)
    REAL_SECONDS[0] = real
    print(
        f"real year: {evaluations:,} evaluations and {lines:,} commission lines stored in "
        f"{real:.1f} s, {real_queries:,} queries"
    )

    with tenant_scope(tenant):
        expected = expected_extra()
    rate_only = measure(tenant, draft, chunk, profile, "Tier 1 Connect 20 % -> 25 %")
    assert rate_only.difference_minor == expected, (rate_only.difference_minor, expected)
    with tenant_scope(tenant):
        Requirement.objects.filter(version=draft).delete()
    measure(tenant, draft, chunk, profile, "and no tier requirements (all reach Tier 3)")
    with tenant_scope(tenant):
        assert TierEvaluation.objects.count() == evaluations  # stored nothing
        assert CommissionLine.objects.count() == lines
    print(f"real year: {real:.1f} s (the ratios above divide by it)")


def measure(tenant, draft, chunk: int, profile: bool, label: str):
    """One what-if of 2026, timed, its queries counted; printed against the real year."""
    from commissions.whatif import what_if
    from tenants.scope import tenant_scope

    with tenant_scope(tenant), CaptureQueriesContext(connection) as captured:
        profiler = cProfile.Profile() if profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        result = what_if(draft, FIRST, LAST, chunk=chunk * 5)
        ours = time.perf_counter() - started
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    print(
        f"what-if, {label}: {result.runs} evaluation runs replayed ({result.evaluated} through "
        f"the engine), {result.lines:,} lines re-commissioned in {ours:.1f} s, "
        f"{len(captured):,} queries; cost change {result.difference_minor / 100:,.2f} USD, "
        f"moved up/down {result.moved_up:,}/{result.moved_down:,}; "
        f"ratio to the real year {ours / REAL_SECONDS[0]:.2f}x"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--partners", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=13, help="Completion days a quarter.")
    parser.add_argument("--chunk", type=int, default=1_000)
    parser.add_argument("--profile", action="store_true", help="Profile the what-if.")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the eager event deliveries log every payload
    assert len(PRODUCTS) >= 2  # a Connect and an ERP Sync line per order
    from support import in_throwaway_database

    in_throwaway_database(lambda: run(args.partners, args.days, args.chunk, args.profile))


if __name__ == "__main__":
    main()
