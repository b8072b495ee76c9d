"""Benchmark: what row-level security costs per query (PostgreSQL).

    DATABASE_URL=postgres://prm:prm@127.0.0.1:5432/prm \
        .venv/bin/python bench/rls.py --queries 10000

One tenant-scoped ORM read (a firm by primary key), N times, measured in the same run:
  * behind RLS as the app runs: the tenants/rls.py execute wrapper and the policy, inside
    one transaction (a request or task's atomic block: one set_config per transaction)
    and in autocommit (each statement wrapped in its own transaction with set_config);
  * the baseline: the same reads with the wrapper removed and the policies dropped.
"""

import argparse
import time

from django.db import connection, transaction
from support import in_throwaway_database

from partners.models import PartnerFirm
from tenants import rls
from tenants.models import Tenant
from tenants.scope import tenant_scope


def reads(firm_id: int, n: int, *, atomic: bool) -> float:
    def run() -> None:
        for _ in range(n):
            list(PartnerFirm.objects.filter(pk=firm_id).values_list("pk"))

    started = time.perf_counter()
    if atomic:
        with transaction.atomic():
            run()
    else:
        run()
    return time.perf_counter() - started


def measure(tenant: Tenant, firm_id: int, n: int) -> dict[str, float]:
    with tenant_scope(tenant):
        reads(firm_id, n // 10, atomic=True)  # warm up
        return {
            "one transaction": reads(firm_id, n, atomic=True),
            "autocommit": reads(firm_id, n, atomic=False),
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=10_000)
    n = parser.parse_args().queries

    def run() -> None:
        tenant = Tenant.objects.create(slug="bench", name="Bench")
        other = Tenant.objects.create(slug="other", name="Other")
        firm = PartnerFirm.objects.create(tenant=tenant, name="Bench firm")
        PartnerFirm.objects.bulk_create(
            PartnerFirm(tenant=other, name=f"Firm {i}") for i in range(1000)
        )
        # the outer bench scope (all tenants) would hide what a request sees: measure in
        # the tenant's own scope only
        behind = measure(tenant, firm.pk, n)
        wrappers = list(connection.execute_wrappers)
        connection.execute_wrappers.clear()
        rls.uninstall(connection, rls.tenant_tables())
        try:
            bare = measure(tenant, firm.pk, n)
        finally:
            connection.execute_wrappers.extend(wrappers)
            rls.install(connection)
        print(f"\n{n:,} scoped reads of one firm by id (PostgreSQL)")
        for mode in behind:
            ours, base = behind[mode], bare[mode]
            print(
                f"{mode:16} without RLS {base / n * 1e6:6.0f} us/query, "
                f"behind RLS {ours / n * 1e6:6.0f} us/query, ratio {ours / base:.2f}x"
            )
        print(f"set_config statements sent in total: {rls.statements_sent:,}")

    in_throwaway_database(run)


if __name__ == "__main__":
    main()
