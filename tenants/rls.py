"""PostgreSQL row-level security: the database's own wall between tenants.

Every table of a model with a tenant key gets a policy: a row is visible and writable
only when its tenant is the transaction's `prm.tenant_id`, or when `prm.all_tenants` is
'on'. With neither set a query sees no rows and an insert fails. FORCE holds the tables'
owner to it as well, so the whole test suite runs behind the wall.

The settings follow the scope (tenants/scope.py) without a second choke point: an
execute wrapper on every connection reads the active scope before each statement and,
when the transaction does not carry it yet, gives it one `set_config(..., true)`. The
settings are transaction-local, so nothing survives a commit on a persistent connection
or crosses to another client behind PgBouncer in transaction mode. In autocommit (no
atomic block: middleware, Celery tasks, commands), a statement on a protected table gets
its own short transaction with the settings. A miss (raw psycopg, a COPY as a
transaction's first statement) fails closed: no rows, or a refused insert.

The settings travel in the statement's own round trip where they can: as a first
statement of the same query string (`SELECT set_config(...); <statement>`). PostgreSQL
runs a string of several statements as one transaction, so in autocommit that string is
the short transaction, with no BEGIN and COMMIT of its own (one round trip instead of
four); in a transaction it saves the separate round trip of the settings. This needs
the client-side binding cursor Django uses by default; a server-side cursor, an
executemany or a composed statement gets the settings as a statement of their own.

The bypass is a setting, not a role: it stops application bugs (a forgotten filter,
raw SQL), not an attacker who can already run SQL as the app role.

SQLite has no RLS and keeps the application's scope as its only wall.
"""

import functools
import re
from collections.abc import Iterable

from django.apps import apps
from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate, pre_migrate
from psycopg import ClientCursor, ServerCursor, pq, sql

from tenants.scope import ALL_TENANTS, current_scope_or_none

POLICY = "prm_tenant_isolation"
TENANT_SETTING = "prm.tenant_id"
BYPASS_SETTING = "prm.all_tenants"
# "prm.tenant_id" is read as a bigint only when it is not empty.
CONDITION = (
    f"current_setting('{BYPASS_SETTING}', true) = 'on' OR "
    f"tenant_id = nullif(current_setting('{TENANT_SETTING}', true), '')::bigint"
)

NO_SCOPE = ("", "")
UNKNOWN = ("?", "?")  # after ROLLBACK TO SAVEPOINT: the next statement sets it again

# How many set_config statements this process sent (the overhead, measured by tests).
statements_sent = 0
# Migrations run as the owner and see every tenant's rows, as before RLS (a data
# migration must not silently find nothing); set between pre_migrate and post_migrate.
_migrating = False


def tenant_tables() -> list[str]:
    """Return the table of every installed model with a foreign key to Tenant."""
    from tenants.models import Tenant

    tables = set()
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        for field in meta.concrete_fields:
            if field.name == "tenant" and field.many_to_one and field.related_model is Tenant:
                tables.add(meta.db_table)
    return sorted(tables)


def tables_without_rls(connection: BaseDatabaseWrapper, tables: Iterable[str]) -> list[str]:
    """Return those of `tables` that exist but lack forced RLS or the tenant policy."""
    tables = list(tables)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema() "
            "LEFT JOIN pg_policy p ON p.polrelid = c.oid AND p.polname = %s "
            "WHERE c.relkind = 'r' AND c.relname = ANY(%s) "
            "AND NOT (c.relrowsecurity AND c.relforcerowsecurity AND p.oid IS NOT NULL)",
            [POLICY, tables],
        )
        return sorted(name for (name,) in cursor.fetchall())


def install(connection: BaseDatabaseWrapper, tables: Iterable[str] | None = None) -> list[str]:
    """Enable forced RLS and the tenant policy on every tenant table missing it (idempotent).

    Returns the tables it changed. Run as the tables' owner.
    """
    if connection.vendor != "postgresql":
        return []
    missing = tables_without_rls(connection, tenant_tables() if tables is None else tables)
    with connection.cursor() as cursor:
        for table in missing:
            name = sql.Identifier(table)
            for statement in (
                sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(name),
                sql.SQL("ALTER TABLE {} FORCE ROW LEVEL SECURITY").format(name),
                sql.SQL("DROP POLICY IF EXISTS {} ON {}").format(sql.Identifier(POLICY), name),
                sql.SQL("CREATE POLICY {} ON {} USING ({}) WITH CHECK ({})").format(
                    sql.Identifier(POLICY), name, sql.SQL(CONDITION), sql.SQL(CONDITION)
                ),
            ):
                cursor.execute(statement.as_string(cursor.connection))
    return missing


def uninstall(connection: BaseDatabaseWrapper, tables: Iterable[str]) -> None:
    """Drop the policy and RLS from `tables` (the migration's reverse)."""
    with connection.cursor() as cursor:
        for table in tables:
            name = sql.Identifier(table)
            for statement in (
                sql.SQL("DROP POLICY IF EXISTS {} ON {}").format(sql.Identifier(POLICY), name),
                sql.SQL("ALTER TABLE {} NO FORCE ROW LEVEL SECURITY").format(name),
                sql.SQL("ALTER TABLE {} DISABLE ROW LEVEL SECURITY").format(name),
            ):
                cursor.execute(statement.as_string(cursor.connection))


def wanted_settings() -> tuple[str, str]:
    """Return (prm.tenant_id, prm.all_tenants) for the active scope."""
    scope = current_scope_or_none()
    if scope is ALL_TENANTS or (scope is None and _migrating):
        return "", "on"
    if scope is None:
        return NO_SCOPE
    return str(int(scope.pk)), ""


def _send(raw_connection, values: tuple[str, str]) -> None:
    global statements_sent
    statements_sent += 1
    raw_connection.execute(_inline(values))


def _inline(values: tuple[str, str]) -> str:
    """The settings as literals, to go before a statement in the same query string."""
    tenant_id, bypass = values
    if not (tenant_id == "" or tenant_id.isdigit()) or bypass not in ("", "on"):
        raise ValueError(f"Not a scope setting: {values!r}")  # never text from elsewhere
    return (
        f"SELECT set_config('{TENANT_SETTING}', '{tenant_id}', true), "
        f"set_config('{BYPASS_SETTING}', '{bypass}', true); "
    )


_INLINE_PREFIX = re.compile(
    rf"^SELECT set_config\('{re.escape(TENANT_SETTING)}', '\d*', true\), "
    rf"set_config\('{re.escape(BYPASS_SETTING)}', '(?:on)?', true\); "
)


def without_settings(executed_sql: str) -> str:
    """The statement as the code wrote it, without the settings that travelled before it
    (for tests and benchmarks reading captured SQL)."""
    return _INLINE_PREFIX.sub("", executed_sql, count=1)


def _inlinable(statement, many: bool, context) -> bool:
    """Whether the settings can share the statement's query string."""
    raw_cursor = getattr(context["cursor"], "cursor", None)
    return (
        not many
        and isinstance(statement, str)
        and isinstance(raw_cursor, ClientCursor)
        and not isinstance(raw_cursor, ServerCursor)
    )


def _execute_with(values: tuple[str, str], execute, statement, params, many, context):
    """Run the statement behind the settings in one query string, its result current."""
    global statements_sent
    statements_sent += 1
    result = execute(_inline(values) + statement, params, many, context)
    # past the settings' row, to the statement's own result (never read the settings' row)
    if not context["cursor"].cursor.nextset():
        raise DatabaseError(f"No result after the scope's settings for: {statement[:80]!r}")
    return result


class ScopeToDatabase:
    """The execute wrapper: give the transaction the active scope's settings, once."""

    def __init__(self, tables: Iterable[str]):
        names = "|".join(re.escape(table) for table in sorted(tables, key=len, reverse=True))
        # Only autocommit statements naming a protected table need their own transaction.
        self.protected = re.compile(rf"\b(?:{names})\b") if names else None
        self.carried = NO_SCOPE  # what the open transaction carries

    def __call__(self, execute, statement, params, many, context):
        connection = context["connection"]
        raw = connection.connection
        if isinstance(statement, str) and statement.startswith("ROLLBACK TO SAVEPOINT"):
            self.carried = UNKNOWN  # the savepoint may have undone our set_config
            return execute(statement, params, many, context)
        if connection.autocommit and not connection.in_atomic_block:
            wanted = wanted_settings()
            if (
                wanted == NO_SCOPE
                or not self._names_protected(statement)
                or _runs_outside_transactions(statement)
            ):
                return execute(statement, params, many, context)
            if _inlinable(statement, many, context):
                return _execute_with(wanted, execute, statement, params, many, context)
            with connection.wrap_database_errors, raw.transaction():
                _send(raw, wanted)
                return execute(statement, params, many, context)
        if raw.info.transaction_status == pq.TransactionStatus.INERROR:
            # an aborted transaction refuses the statement anyway
            return execute(statement, params, many, context)
        wanted = self.missing(connection)
        if wanted is None:
            return execute(statement, params, many, context)
        if not _inlinable(statement, many, context):
            self.carry(connection)
            return execute(statement, params, many, context)
        result = _execute_with(wanted, execute, statement, params, many, context)
        self.carried = wanted
        return result

    def missing(self, connection: BaseDatabaseWrapper) -> tuple[str, str] | None:
        """The settings the open transaction lacks for the active scope, or None."""
        if connection.connection.info.transaction_status == pq.TransactionStatus.IDLE:
            self.carried = NO_SCOPE
        wanted = wanted_settings()
        return None if wanted == self.carried else wanted

    def carry(self, connection: BaseDatabaseWrapper) -> None:
        """Make the open transaction carry the scope's settings now (before raw psycopg)."""
        wanted = self.missing(connection)
        if wanted is not None:
            with connection.wrap_database_errors:
                _send(connection.connection, wanted)
            self.carried = wanted

    def _names_protected(self, statement) -> bool:
        if self.protected is None:
            return False
        text = statement if isinstance(statement, str) else str(statement)
        return self.protected.search(text) is not None


#: maintenance that PostgreSQL refuses inside a transaction block (and that reads no rows)
OUTSIDE_TRANSACTIONS = re.compile(r"\s*(VACUUM|CREATE INDEX CONCURRENTLY|REINDEX)\b", re.I)


def _runs_outside_transactions(statement) -> bool:
    return isinstance(statement, str) and OUTSIDE_TRANSACTIONS.match(statement) is not None


def attach(connection: BaseDatabaseWrapper) -> None:
    """Add the wrapper to a PostgreSQL connection (once; it survives reconnects)."""
    if connection.vendor != "postgresql":
        return
    if not any(isinstance(w, ScopeToDatabase) for w in connection.execute_wrappers):
        connection.execute_wrappers.append(ScopeToDatabase(tenant_tables()))


def carry_scope(connection: BaseDatabaseWrapper) -> None:
    """Give the open transaction the active scope's settings before raw psycopg use (COPY),
    which the execute wrapper does not see."""
    for wrapper in connection.execute_wrappers:
        if isinstance(wrapper, ScopeToDatabase):
            wrapper.carry(connection)


@functools.cache
def _protected() -> frozenset[str]:
    return frozenset(tenant_tables())


def is_protected(table: str) -> bool:
    """Whether `table` is a tenant table (and so under RLS on PostgreSQL)."""
    return table in _protected()


def _on_connection_created(sender, connection, **kwargs) -> None:
    attach(connection)


def _on_pre_migrate(sender, using, **kwargs) -> None:
    global _migrating
    _migrating = True


def _on_post_migrate(sender, using, **kwargs) -> None:
    # Sent once per app after migrate (and after flush); one install covers every table
    # made since the RLS migration, a new app's included.
    global _migrating
    _migrating = False
    connection = connections[using]
    if sender.name == "tenants" and connection.vendor == "postgresql":
        install(connection)


def connect_signals() -> None:
    """Wire RLS into every PostgreSQL connection and migrate (TenantsConfig.ready)."""
    connection_created.connect(_on_connection_created, dispatch_uid="prm_rls_attach")
    pre_migrate.connect(_on_pre_migrate, dispatch_uid="prm_rls_pre_migrate")
    post_migrate.connect(_on_post_migrate, dispatch_uid="prm_rls_post_migrate")
    for connection in connections.all(initialized_only=True):
        attach(connection)
