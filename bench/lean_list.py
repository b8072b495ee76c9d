"""What the API-key deal list would cost per request without DRF, and without the ORM.

    DATABASE_URL=postgres://prm:prm@127.0.0.1:5432/prm .venv/bin/python bench/lean_list.py

A design question, not a product path: issue 18 asks every list for 0.3x the req/s of a
bare view under load, which on two cores leaves a list request about 1.8 ms of Django. The
same first page (50 registrations, newest first, the API's JSON fields) is served in-process,
with the production middleware and the tenant scope, four ways, alternating:
- the DRF list the API serves today;
- a plain Django view: the same key check and the ORM `values()` page, no DRF;
- that view with the page's SQL compiled once per process and executed through Django's
  cursor (so row-level security still applies);
- `/healthz`, the baseline.

The two experimental views live only here (this module is their URLconf while it runs).
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from django.db import connection
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import path

COMPILED: dict[int, tuple[str, tuple]] = {}


def _page(request):
    from deals.api.registrations import REGISTRATION_ROWS
    from deals.selectors.registrations import registrations_for_reviewer

    queryset = registrations_for_reviewer(tenant=request.tenant, membership=None)
    return REGISTRATION_ROWS, REGISTRATION_ROWS.of(queryset, "submitted_at", "id")[:51]


def _key_of(request):
    from rest_framework.exceptions import AuthenticationFailed

    from tenants.api_auth import TenantApiKeyAuthentication

    try:
        found = TenantApiKeyAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None
    return found[1] if found else None


def orm_view(request):
    if _key_of(request) is None:
        return HttpResponse(status=401)
    rows, page = _page(request)
    body = json.dumps({"results": rows.render(list(page)[:50])}, default=str)
    return HttpResponse(body, content_type="application/json")


def sql_view(request):
    if _key_of(request) is None:
        return HttpResponse(status=401)
    if request.tenant.pk not in COMPILED:
        COMPILED[request.tenant.pk] = _page(request)[1].query.sql_with_params()
    sql, params = COMPILED[request.tenant.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()[:50]]
    body = json.dumps({"results": rows}, default=str)
    return HttpResponse(body, content_type="application/json")


def _urlpatterns():
    from config.urls import urlpatterns

    return [
        path("<slug:tenant_slug>/lean/orm/", orm_view),
        path("<slug:tenant_slug>/lean/sql/", sql_view),
        *urlpatterns,
    ]


def __getattr__(name: str):  # the URLconf is read only once Django is set up
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


def run(args) -> None:
    import http_load

    tenant, program, firms, _partner, _staff, token = http_load.setup(args)
    http_load.load_registrations(tenant.pk, program.pk, firms, 0, args.registrations)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    client, headers = Client(), {"Authorization": f"Api-Key {token}"}
    paths = {
        "DRF list (the API today)": "/cimcloud/api/v1/deal-registrations/",
        "plain view, ORM values()": "/cimcloud/lean/orm/",
        "plain view, SQL compiled once": "/cimcloud/lean/sql/",
        "/healthz": "/healthz",
    }
    print(f"{args.registrations:,} registrations; ms per request, {args.requests} each, in turn")
    with override_settings(ROOT_URLCONF="lean_list"):
        for url in paths.values():
            response = client.get(url, headers=headers)
            assert response.status_code == 200, (url, response.status_code)
        for turn in range(args.turns):
            for label, url in paths.items():
                started = time.perf_counter()
                for _ in range(args.requests):
                    client.get(url, headers=headers)
                per_request = (time.perf_counter() - started) / args.requests * 1000
                print(f"  turn {turn + 1}: {label:32} {per_request:5.2f} ms")


if __name__ == "__main__":
    from support import in_throwaway_database

    parser = argparse.ArgumentParser()
    parser.add_argument("--registrations", type=int, default=20_000)
    parser.add_argument("--firms", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--turns", type=int, default=3)
    arguments = parser.parse_args()
    in_throwaway_database(lambda: run(arguments))
