"""Reads and writes sized for a whole program's enrolments at once (100,000 and more).

On PostgreSQL a list of ids travels as one array parameter (`field__in_ids=`) and rows
are written with COPY (through a temporary table into tenant tables, whose row-level
security refuses COPY itself); other databases (SQLite in development and tests) get the
plain ORM equivalents.
"""

import contextlib
import gc
import json
from collections.abc import Sequence

from django.core.exceptions import EmptyResultSet
from django.db import connection, models, transaction
from django.db.models import Lookup

from tenants import rls


@contextlib.contextmanager
def collection_paused():
    """Pause the cyclic garbage collector: a run makes millions of small objects that
    live to its end, and collecting them again and again costs more than the run."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class InIds(Lookup):
    """`field__in_ids=ids`: the field is one of `ids`, integers from any iterable (read once).

    On PostgreSQL they travel as one array parameter, `= ANY(%s::bigint[])`: a single
    literal to parse however many there are (100,000 placeholders take seconds to build
    and parse), and the planner estimates the match from the array's length. (The earlier
    `IN (SELECT unnest(...))` was estimated at 200 distinct ids whatever their number, so
    100,000 firms were joined by 100,000 index probes instead of one hash.) Elsewhere
    (SQLite) it is a plain IN list. No ids: no rows, and no query."""

    lookup_name = "in_ids"
    prepare_rhs = False

    def get_prep_lookup(self) -> tuple[int, ...]:
        return tuple(sorted({int(pk) for pk in self.rhs}))

    def as_sql(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet
        lhs, params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::bigint[])", (*params, "{" + ",".join(map(str, self.rhs)) + "}")
        return f"{lhs} IN ({', '.join(['%s'] * len(self.rhs))})", (*params, *self.rhs)


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: list[tuple], *, with_ids: bool = False
) -> list[int]:
    """Insert `rows` (values of `fields` by attribute name, every non-null column given), in
    order: COPY on PostgreSQL, bulk_create elsewhere. Returns their ids when asked."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        created = model.objects.bulk_create(
            model(**dict(zip(fields, row, strict=True))) for row in rows
        )
        return [instance.pk for instance in created] if with_ids else []
    if not with_ids:
        _copy(model, fields, rows)
        return []
    ids = _reserve_ids(model, len(rows))
    _copy(model, ("id", *fields), [(pk, *row) for pk, row in zip(ids, rows, strict=True)])
    return ids


def insert_instances(
    instances: Sequence[models.Model], fields: Sequence[str], *, with_ids: bool = False
) -> None:
    """Insert unsaved model instances as rows (`insert_rows`), reading `fields` off each;
    with `with_ids` they get the ids they were stored under and count as saved."""
    if not instances:
        return
    model = type(instances[0])
    rows = [tuple(getattr(instance, name) for name in fields) for instance in instances]
    ids = insert_rows(model, fields, rows, with_ids=with_ids)
    if not with_ids:
        return
    for instance, pk in zip(instances, ids, strict=True):
        instance.pk = pk
        instance._state.adding = False
        instance._state.db = connection.alias


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Take `count` ids from the table's sequence (reading them back after COPY would be
    one more query, planned on statistics that do not know the new rows yet)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return sorted(pk for (pk,) in cursor.fetchall())


def _copy(model: type[models.Model], fields: Sequence[str], rows: list[tuple]) -> None:
    meta = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in fields)
    sql = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
    as_json = [i for i, name in enumerate(fields) if _is_json(meta.get_field(name))]
    if rls.is_protected(meta.db_table):
        _copy_through_staging(meta.db_table, columns, rows, as_json)
        return
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        _logged(cursor, sql),
        cursor.cursor.copy(sql) as copy,
    ):
        for row in rows:
            copy.write_row(_dumped(row, as_json) if as_json else row)


def _copy_through_staging(table: str, columns: str, rows: list[tuple], as_json: list[int]):
    """COPY into a tenant table, which row-level security forbids: COPY into a temporary
    table, then one INSERT … SELECT that the policy checks row by row (one logged write)."""
    quote = connection.ops.quote_name
    staging = quote(f"prm_copy_{table}")
    copy_sql = f"COPY {staging} ({columns}) FROM STDIN"
    with (
        transaction.atomic(savepoint=False),  # ON COMMIT DROP needs a transaction
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        _logged(cursor, f"COPY {quote(table)} ({columns}) FROM STDIN"),
    ):
        rls.carry_scope(connection)
        raw = cursor.cursor
        raw.execute(
            f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "
            f"SELECT {columns} FROM {quote(table)} WITH NO DATA"
        )
        with raw.copy(copy_sql) as copy:
            for row in rows:
                copy.write_row(_dumped(row, as_json) if as_json else row)
        raw.execute(f"INSERT INTO {quote(table)} ({columns}) SELECT {columns} FROM {staging}")
        raw.execute(f"DROP TABLE {staging}")


def _is_json(field: models.Field) -> bool:
    return isinstance(field, models.JSONField)


def _dumped(row: tuple, as_json: list[int]) -> list:
    """The row with its JSON fields serialised (COPY would read a list as an array)."""
    values = list(row)
    for i in as_json:
        values[i] = json.dumps(values[i])
    return values


def _logged(cursor, sql: str):
    """Record the COPY where queries are being recorded (DEBUG, assertNumQueries, benches)."""
    return cursor.debug_sql(sql) if connection.queries_logged else contextlib.nullcontext()
