"""The API and portal under concurrent load, against /healthz on the same server.

    DATABASE_URL=postgres://prm:prm@127.0.0.1:5432/prm \\
        .venv/bin/python bench/http_load.py --registrations 1000000 --firms 1000

One tenant (CIMcloud), `--firms` partner firms, `--registrations` deal registrations spread
over them (COPY), a commission line per registration for the measured firm. The production
server (gunicorn on config.wsgi, DEBUG off) is started once per `--server` configuration;
a bounded asyncio HTTP/1.1 client (keep-alive, `--clients` connections) drives each endpoint
for `--seconds`. Reported per endpoint: req/s, p50/p95/p99, the ratio of its req/s to
/healthz's on the same server in the same run, and the queries one request makes, counted
in-process with 1 % of the data loaded and again with all of it (constant as data grows).
"""

import argparse
import asyncio
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from support import (
    REGISTRATION_STATUSES,
    copy_registrations,
    copy_rows,
    in_throwaway_database,
    load_enrolled_firms,
)

from tenants import rls

ROOT = Path(__file__).resolve().parents[1]
PORT = 8765

# (label, path, who): who is "partner" (session), "staff" (session) or "key" (API key)
ENDPOINTS = [
    ("baseline /healthz", "/healthz", None),
    ("partner deal-list API", "/cimcloud/api/v1/deal-registrations/", "partner"),
    ("API-key deal-list API", "/cimcloud/api/v1/deal-registrations/", "key"),
    ("partner commission lines API", "/cimcloud/api/v1/commission-lines/", "partner"),
    ("portal home", "/cimcloud/portal/", "partner"),
    ("portal deals page", "/cimcloud/portal/deals/", "partner"),
]


# -- data -------------------------------------------------------------------------------


def load_registrations(tenant_id, program_id, firms, start, count) -> None:
    copy_registrations(
        tenant_id,
        program_id,
        (
            (
                firms[i % len(firms)],
                f"Prospect {i}",
                f"prospect {i}",
                f"prospect-{i}.example",
                REGISTRATION_STATUSES[i % 3],
            )
            for i in range(start, start + count)
        ),
    )


def load_commission_lines(tenant_id, program_id, firm_id, start, count) -> None:
    """`count` orders of the measured firm, one line each, each with its commission line."""
    from deals.models import Customer
    from tenants.scope import all_tenants

    with all_tenants():
        customer, _ = Customer.objects.get_or_create(
            tenant_id=tenant_id, external_id="LB", defaults={"name": "Load Buyer"}
        )
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
            "completed_on",
            "is_initial_purchase",
            "created_at",
        ],
        (
            (
                tenant_id,
                customer.pk,
                f"SO-{i}",
                firm_id,
                "partner",
                "true",
                "",
                "2026-05-01",
                "USD",
                "2026-05-02",
                "false",
                "2026-05-02T00:00:00+00:00",
            )
            for i in range(start, start + count)
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO deals_orderline (tenant_id, order_id, product_code, product_category, "
            "quantity, list_price_minor, price_minor, discount_approved, no_charge) "
            "SELECT tenant_id, id, 'CONNECT', 'connect_services_erp', 1, 100000, 100000, "
            "false, false FROM deals_order o WHERE tenant_id = %s "
            "AND NOT EXISTS (SELECT 1 FROM deals_orderline l WHERE l.order_id = o.id)",
            [tenant_id],
        )
        cursor.execute(
            "INSERT INTO commissions_commissionline (tenant_id, order_id, order_line_id, "
            "firm_id, program_id, rule_key, rule_name, tier_key, basis_minor, rate, "
            "amount_minor, currency, earned, explanation, completed_on, calculated_at) "
            "SELECT %s, o.id, l.id, o.firm_id, %s, 'connect', 'Connect', 'tier-2', 100000, "
            "'0.3', 30000, 'USD', true, 'Connect: 30 %% of line amount', o.completed_on, "
            "now() FROM deals_order o JOIN deals_orderline l ON l.order_id = o.id "
            "WHERE o.tenant_id = %s AND NOT EXISTS "
            "(SELECT 1 FROM commissions_commissionline c WHERE c.order_line_id = l.id)",
            [tenant_id, program_id, tenant_id],
        )


def setup(args):
    """(tenant, partner user, staff user, API key token) with the first 1 % of the data."""
    from django.core.management import call_command

    from partners.models import PartnerContact
    from partners.models.firms import ContactRole
    from programs.models import Program
    from tenants.models import StaffMembership, StaffRole, Tenant
    from tenants.scope import tenant_scope
    from tenants.services import api_key_create
    from tests.factories import UserFactory

    tenant = Tenant.objects.create(slug="cimcloud", name="CIMcloud", currency="USD")
    call_command(
        "load_programs", "programs/definitions/cimcloud.yaml", publish=True, stdout=io.StringIO()
    )
    with tenant_scope(tenant):
        program = Program.objects.get()
        firms = load_enrolled_firms(
            tenant.pk,
            program.pk,
            args.firms,
            tier="tier-2",
            approved_at="2026-01-05T00:00:00+00:00",
            term=("2026-01-05", "2027-01-04"),
        )
        partner = UserFactory(email="load@partner.example")
        PartnerContact.objects.create(
            tenant=tenant, firm_id=firms[0], user=partner, role=ContactRole.PARTNER_ADMIN
        )
        staff = UserFactory(email="load@vendor.example")
        StaffMembership.objects.create(tenant=tenant, user=staff, role=StaffRole.ADMIN)
        _, token = api_key_create(tenant=tenant, name="Load", created_by=staff)
    return tenant, program, firms, partner, staff, token


def queries_per_request(tenant, partner, staff, token, explain=False) -> dict[str, int]:
    clients = {"partner": Client(), "staff": Client(), "key": Client(), None: Client()}
    clients["partner"].force_login(partner)
    clients["staff"].force_login(staff)
    counts = {}
    for label, path, who in ENDPOINTS:
        headers = {"Authorization": f"Api-Key {token}"} if who == "key" else {}
        clients[who].get(path, headers=headers)  # warm: first-request caches
        with CaptureQueriesContext(connection) as captured:
            response = clients[who].get(path, headers=headers)
        assert response.status_code == 200, (label, response.status_code)
        counts[label] = len(captured)
        if explain:
            print(f"\n-- {label}")
            with connection.cursor() as cursor:
                for query in captured.captured_queries:
                    statement = rls.without_settings(query["sql"])
                    if statement.startswith("SELECT"):
                        cursor.execute("EXPLAIN ANALYZE " + statement)
                        plan = [row[0] for row in cursor.fetchall()]
                        print(f"{statement[:160]}\n   {plan[-1]}  {plan[0][:120]}")
    return counts


def _timed(spent: list):
    """An execute wrapper adding each statement's time (and one) to `spent`."""

    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[0] += time.perf_counter() - started
            spent[1] += 1

    return wrapper


def profile_requests(partner, staff, token, repeats: int) -> None:
    """Each endpoint `repeats` times in this process, timed (with the part spent inside the
    database driver) and then under cProfile: where a request's Python time goes (the test
    client, not gunicorn; the middleware and views are the same)."""
    import cProfile
    import pstats

    clients = {"partner": Client(), "staff": Client(), "key": Client(), None: Client()}
    clients["partner"].force_login(partner)
    clients["staff"].force_login(staff)
    for label, path, who in ENDPOINTS:
        headers = {"Authorization": f"Api-Key {token}"} if who == "key" else {}
        clients[who].get(path, headers=headers)
        in_driver = [0.0, 0]  # seconds inside cursor.execute (SQL, network, RLS), statements
        started = time.perf_counter()
        with connection.execute_wrapper(_timed(in_driver)):
            for _ in range(repeats):
                clients[who].get(path, headers=headers)
        plain = (time.perf_counter() - started) / repeats * 1000
        driver, statements = in_driver[0] / repeats * 1000, in_driver[1] / repeats
        print(
            f"\n{label}: {plain:.1f} ms per request, of which {driver:.1f} ms "
            f"in the database driver over {statements:.0f} statements"
        )
        started = time.perf_counter()
        with cProfile.Profile() as profile:
            for _ in range(repeats):
                clients[who].get(path, headers=headers)
        per_request = (time.perf_counter() - started) / repeats * 1000
        print(f"== {label}: {per_request:.1f} ms per request under the profiler")
        pstats.Stats(profile).sort_stats("cumulative").print_stats(35)
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


# -- the server ----------------------------------------------------------------------------


def start_server(config: str) -> subprocess.Popen:
    """The Dockerfile's server (config/gunicorn.py) at `config` = "<workers>x<threads>"."""
    from django.conf import settings

    workers, _, threads = config.partition("x")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "SECRET_KEY": settings.SECRET_KEY,  # the sessions made here are signed with it
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": str(Path(tempfile.gettempdir()) / "prm-bench-static"),
        "GUNICORN_BIND": f"127.0.0.1:{PORT}",
        "WEB_CONCURRENCY": workers,
        "GUNICORN_THREADS": threads or "1",
        # one key and one person make every request here: measure the server, not the limit
        "API_THROTTLE_KEY_RATE": "10000000/min",
        "API_THROTTLE_USER_RATE": "10000000/min",
    }
    # as the Dockerfile does: the manifest storage serves only collected files
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "config/gunicorn.py",
        "--access-logfile",
        "/dev/null",
        "--log-level",
        "warning",
        "config.wsgi:application",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    for _ in range(100):
        try:
            asyncio.run(_get_once("/healthz", {}))
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


# -- the client ----------------------------------------------------------------------------


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readline()).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


def _request(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{PORT}", "Connection: keep-alive"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _get_once(path: str, headers: dict[str, str]) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    writer.write(_request(path, headers))
    status = await _read_response(reader)
    writer.close()
    return status


async def drive(path: str, headers: dict[str, str], clients: int, seconds: float):
    """(latencies in ms, errors) of `clients` keep-alive connections for `seconds`."""
    request = _request(path, headers)
    latencies: list[float] = []
    errors = 0
    statuses: dict[int, int] = {}
    deadline = time.perf_counter() + seconds

    async def one_client():
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            writer.write(request)
            try:
                status = await _read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
                continue
            if status != 200:
                errors += 1
                statuses[status] = statuses.get(status, 0) + 1
            latencies.append((time.perf_counter() - started) * 1000)
        writer.close()

    await asyncio.gather(*(one_client() for _ in range(clients)))
    if statuses:
        print(f"   non-200 answers: {statuses}")
    return latencies, errors


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# -- the run -------------------------------------------------------------------------------


def run(args) -> None:
    from django.conf import settings

    tenant, program, firms, partner, staff, token = setup(args)
    small = max(1, args.registrations // 100)
    load_registrations(tenant.pk, program.pk, firms, 0, small)
    lines_small = max(1, args.commission_lines // 100)
    load_commission_lines(tenant.pk, program.pk, firms[0], 0, lines_small)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    queries_small = queries_per_request(tenant, partner, staff, token)
    started = time.perf_counter()
    load_registrations(tenant.pk, program.pk, firms, small, args.registrations - small)
    load_commission_lines(
        tenant.pk, program.pk, firms[0], lines_small, args.commission_lines - lines_small
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"loaded {args.registrations:,} registrations over {args.firms:,} firms "
        f"({args.registrations // args.firms:,} for the measured partner) and "
        f"{args.commission_lines:,} commission lines in {time.perf_counter() - started:.0f} s"
    )
    queries_full = queries_per_request(tenant, partner, staff, token, explain=args.explain)
    if args.profile:
        profile_requests(partner, staff, token, args.profile)
        return

    sessions = {}
    for who, user in (("partner", partner), ("staff", staff)):
        client = Client()
        client.force_login(user)
        sessions[who] = client.cookies[settings.SESSION_COOKIE_NAME].value
    connection.close()  # the server's connections are the ones that count now

    for config in args.server:
        server = start_server(config)
        try:
            print(f"\n== gunicorn {config}, {args.clients} clients, {args.seconds:.0f} s each")
            print(
                f"{'endpoint':<30} {'req/s':>7} {'ratio':>6} {'p50':>8} {'p95':>8} "
                f"{'p99':>8} {'errors':>6} {'queries 1%/100%':>16}"
            )
            baseline = None
            for label, path, who in ENDPOINTS:
                headers = {}
                if who == "key":
                    headers["Authorization"] = f"Api-Key {token}"
                elif who:
                    headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={sessions[who]}"
                asyncio.run(drive(path, headers, 2, 1.0))  # warm every worker's caches
                latencies, errors = asyncio.run(drive(path, headers, args.clients, args.seconds))
                rate = len(latencies) / args.seconds
                baseline = baseline or rate
                print(
                    f"{label:<30} {rate:7.1f} {rate / baseline:5.2f}x "
                    f"{statistics.median(latencies):6.1f}ms {percentile(latencies, 0.95):6.1f}ms "
                    f"{percentile(latencies, 0.99):6.1f}ms {errors:6d} "
                    f"{queries_small[label]:>8} / {queries_full[label]:<6}"
                )
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--registrations", type=int, default=1_000_000)
    parser.add_argument("--firms", type=int, default=1_000)
    parser.add_argument("--commission-lines", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--explain", action="store_true", help="print each query's plan")
    parser.add_argument(
        "--profile", type=int, metavar="N", help="profile N requests per endpoint, no server"
    )
    parser.add_argument(
        "--server",
        nargs="+",
        default=["3x1", "2x4", "4x4"],
        help="gunicorn configurations to compare, <workers>x<threads> (config/gunicorn.py)",
    )
    args = parser.parse_args()
    in_throwaway_database(lambda: run(args))


if __name__ == "__main__":
    main()
