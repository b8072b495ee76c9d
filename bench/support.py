"""What every benchmark needs: Django on the test settings, a throw-away PostgreSQL
database, and COPY for loading millions of rows quickly."""

import io
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from tenants import rls  # noqa: E402
from tenants.scope import all_tenants  # noqa: E402

setup_test_environment()  # the test client's host, locmem e-mail


def copy_rows(table: str, columns: list[str], rows: Iterable[tuple]) -> int:
    """COPY `rows` into `table`; return how many were written."""
    buffer, count = io.StringIO(), 0
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
        count += 1
    buffer.seek(0)
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        cursor.execute("SELECT relforcerowsecurity FROM pg_class WHERE oid = %s::regclass", [table])
        [(forced,)] = cursor.fetchall()
        raw = cursor.connection.cursor()
        if forced and connection.in_atomic_block:
            # a floor measured inside a transaction: through a staging table, as the app's
            # own COPY goes (tenants/bulk.py), since RLS refuses COPY into the table
            rls.carry_scope(connection)
            raw.execute(
                f"CREATE TEMPORARY TABLE bench_copy ON COMMIT DROP AS "
                f"SELECT {names} FROM {table} WITH NO DATA"
            )
            _copy_buffer(raw, f"COPY bench_copy ({names}) FROM STDIN", buffer)
            raw.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM bench_copy")
            raw.execute("DROP TABLE bench_copy")
            return count
        # A fixture is loaded past row-level security (the table's policy is lifted for the
        # load, outside any transaction); what is measured runs behind it.
        if forced:
            cursor.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        try:
            _copy_buffer(raw, f"COPY {table} ({names}) FROM STDIN", buffer)
        finally:
            if forced:
                cursor.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    return count


def _copy_buffer(raw_cursor, sql: str, buffer: io.StringIO) -> None:
    with raw_cursor.copy(sql) as copy:
        while chunk := buffer.read(1 << 20):
            copy.write(chunk)


def in_throwaway_database(run: Callable[[], None]) -> None:
    """Run the benchmark in a fresh database that is dropped afterwards (PostgreSQL only;
    kept with PRM_BENCH_KEEP=1)."""
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (the benchmark uses COPY).")
    # bench_<name>, not the test suite's test_<name>: a test run may be using that one
    connection.settings_dict["TEST"]["NAME"] = f"bench_{connection.settings_dict['NAME']}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        # The loaders read and write across the one bench tenant with raw SQL, which
        # row-level security shows nothing outside a scope; what is measured opens its own
        # tenant scope inside this one, as requests and tasks do.
        with all_tenants():
            run()
    finally:
        if os.environ.get("PRM_BENCH_KEEP"):  # to measure again without loading again
            print(f"kept database {connection.settings_dict['NAME']}")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


def ids(table: str, tenant_id: int) -> list[int]:
    """The ids of a tenant's rows in `table`, in insertion order."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} WHERE tenant_id = %s ORDER BY id", [tenant_id])
        return [row[0] for row in cursor.fetchall()]


#: a third each, in turn
REGISTRATION_STATUSES = ("submitted", "approved", "expired")


def copy_registrations(tenant_id: int, program_id: int, rows: Iterable[tuple]) -> int:
    """COPY partner-sourced registrations from (firm id, name, normalized name, domain,
    status) rows, submitted now in USD; return how many were written."""
    from django.utils import timezone

    now = timezone.now().isoformat()
    return copy_rows(
        "deals_dealregistration",
        [
            "tenant_id",
            "program_id",
            "firm_id",
            "lead_source",
            "external_id",
            "company_name",
            "normalized_name",
            "name_key",
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
                tenant_id,
                program_id,
                firm_id,
                "partner",
                "",
                name,
                normalized,
                normalized.split(" ", 1)[0],
                domain,
                domain,
                "US",
                "",
                "",
                "",
                "USD",
                "",
                status,
                "",
                now,
                "",
                "",
                "",
            )
            for firm_id, name, normalized, domain, status in rows
        ),
    )


ENROLMENT_COLUMNS = [
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
]


def load_enrolled_firms(
    tenant_id: int,
    program_id: int,
    count: int,
    *,
    tier: str,
    approved_at: str,
    term: tuple[str, str],
    name: Callable[[int], str] = lambda i: f"Firm {i}",
    good_standing: Callable[[int], bool] = lambda i: True,
) -> list[int]:
    """`count` active firms enrolled in the program at `tier` (COPY); their ids in order."""
    copy_rows(
        "partners_partnerfirm",
        ["tenant_id", "name", "website", "country", "created_at"],
        ((tenant_id, name(i), "", "US", approved_at) for i in range(count)),
    )
    firms = ids("partners_partnerfirm", tenant_id)
    start, end = term
    copy_rows(
        "partners_enrolment",
        ENROLMENT_COLUMNS,
        (
            (
                tenant_id,
                firm,
                program_id,
                "[]",
                "[]",
                "active",
                str(good_standing(i)).lower(),
                tier,
                start,
                "false",
                "",
                approved_at,
                start,
                end,
                "true",
                "",
            )
            for i, firm in enumerate(firms)
        ),
    )
    return firms


def load_tier_evidence(
    t: int, user_id: int, version_id: int, firms: list[int], *, at: str, day, kinds: tuple
) -> None:
    """What CIMcloud's tiers ask of every firm, verified: the agreement accepted `at`, one
    activity of each of `kinds` on `day`, and the website attestation from `day`."""
    copy_rows(
        "partners_agreementacceptance",
        ["tenant_id", "user_id", "program_version_id", "firm_id", "accepted_at", "user_agent"],
        ((t, user_id, version_id, f, at, "") for f in firms),
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
        ((t, f, "verified", at, "", kind, day, "x", "") for f in firms for kind in kinds),
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
        ((t, f, "verified", at, "", "website_lists_vendor", "x", "", day) for f in firms),
    )
