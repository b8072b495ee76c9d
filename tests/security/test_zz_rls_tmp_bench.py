# TEMPORARY (rls helper): overhead of the RLS execute wrapper and policy; not kept.
import time

import pytest
from django.db import connection, transaction

from partners.models import PartnerFirm
from tenants import rls
from tenants.scope import tenant_scope

N = 10_000


def run(firm, atomic: bool) -> float:
    start = time.perf_counter()
    if atomic:
        with transaction.atomic():
            for _ in range(N):
                list(PartnerFirm.objects.filter(pk=firm.pk).values_list("pk"))
    else:
        for _ in range(N):
            list(PartnerFirm.objects.filter(pk=firm.pk).values_list("pk"))
    return time.perf_counter() - start


@pytest.mark.django_db(transaction=True)
def test_bench(cast):
    a = cast.tenant_a
    with tenant_scope(a):
        firm = PartnerFirm.objects.first()
        results = {}
        for atomic in (True, False):
            results[("rls", atomic)] = run(firm, atomic)
        wrappers = list(connection.execute_wrappers)
        connection.execute_wrappers.clear()
        rls.uninstall(connection, rls.tenant_tables())
        try:
            for atomic in (True, False):
                results[("plain", atomic)] = run(firm, atomic)
        finally:
            connection.execute_wrappers.extend(wrappers)
            rls.install(connection)
        for atomic in (True, False):
            results[("rls2", atomic)] = run(firm, atomic)
    for key, secs in results.items():
        print(f"BENCH {key}: {secs:.2f}s = {secs / N * 1e6:.0f} us/query")
