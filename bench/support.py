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

setup_test_environment()  # the test client's host, locmem e-mail


def copy_rows(table: str, columns: list[str], rows: Iterable[tuple]) -> int:
    """COPY `rows` into `table`; return how many were written."""
    buffer, count = io.StringIO(), 0
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
        count += 1
    buffer.seek(0)
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        while chunk := buffer.read(1 << 20):
            copy.write(chunk)
    return count


def in_throwaway_database(run: Callable[[], None]) -> None:
    """Run the benchmark in a fresh database that is dropped afterwards (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (the benchmark uses COPY).")
    # bench_<name>, not the test suite's test_<name>: a test run may be using that one
    connection.settings_dict["TEST"]["NAME"] = f"bench_{connection.settings_dict['NAME']}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
