"""Row-level security on PostgreSQL: the database's own wall between tenants (issue 16, 4).

The suite runs as the tables' owner, whom FORCE holds to the policies too, so every other
test on PostgreSQL proves that pages and tasks still work behind the wall. These prove the
wall itself: through the app role, raw SQL outside a scope sees nothing, and a tenant's
setting shows that tenant's rows only.
"""

import io
import os

import psycopg
import pytest
from django.core.management import call_command
from django.db import DataError, connection, transaction
from django.test import Client
from psycopg import sql

from partners.models import PartnerFirm
from tenants import rls
from tenants.models import Tenant, TenantOwned
from tenants.scope import all_tenants, no_scope, tenant_scope
from tests.factories import PartnerFirmFactory

APP_ROLE = os.environ.get("PRM_DB_APP_ROLE", "prm_app")
APP_PASSWORD = os.environ.get("PRM_DB_APP_PASSWORD", "prm_app")

pytestmark = pytest.mark.services


def app_role_connection() -> psycopg.Connection:
    call_command("db_grant_app_role", APP_ROLE, stdout=io.StringIO())
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        dbname=db["NAME"],
        user=APP_ROLE,
        password=APP_PASSWORD,
    )


def count(cursor, table: str, where: str = "TRUE", params=()) -> int:
    query = sql.SQL("SELECT count(*) FROM {} WHERE " + where).format(sql.Identifier(table))
    return cursor.execute(query, params).fetchone()[0]


@pytest.mark.django_db
def test_every_tenant_table_is_under_forced_row_level_security():
    tables = rls.tenant_tables()
    owned = {m._meta.db_table for m in _models() if issubclass(m, TenantOwned)}
    assert owned <= set(tables) and len(tables) >= 50
    assert set(tables) <= set(connection.introspection.table_names())
    assert rls.tables_without_rls(connection, tables) == []


@pytest.mark.django_db
def test_the_suite_runs_as_the_owner_and_force_holds_the_owner_to_the_policy(cast):
    firm_table = PartnerFirm._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.tableowner = current_user, r.rolsuper, r.rolbypassrls "
            "FROM pg_tables t JOIN pg_roles r ON r.rolname = current_user "
            "WHERE t.tablename = %s",
            [firm_table],
        )
        assert cursor.fetchone() == (True, False, False)  # the owner, and no way around RLS
    with no_scope(), connection.cursor() as cursor:
        assert count(cursor, firm_table) == 0  # the owner too sees nothing outside a scope
    with all_tenants(), connection.cursor() as cursor:
        everyone = count(cursor, firm_table)
        own = count(cursor, firm_table, "tenant_id = %s", [cast.tenant_a.pk])
    with tenant_scope(cast.tenant_a), connection.cursor() as cursor:
        assert count(cursor, firm_table) == own < everyone


@pytest.mark.django_db
def test_the_installer_covers_a_table_that_lost_its_policy_and_changes_nothing_twice():
    table = PartnerFirm._meta.db_table
    rls.uninstall(connection, [table])  # as a new app's table would arrive: no policy
    assert rls.tables_without_rls(connection, rls.tenant_tables()) == [table]
    assert rls.install(connection) == [table]
    assert rls.install(connection) == []


@pytest.mark.django_db(transaction=True)  # the app role reads what the seed committed
def test_the_app_role_sees_no_tenant_rows_outside_a_scope_and_only_its_tenants_inside():
    call_command("seed_demo", stdout=io.StringIO())
    simpro = Tenant.objects.get(slug="simpro")
    with all_tenants(), connection.cursor() as owner:
        filled = {}
        for table in rls.tenant_tables():
            owner.execute(
                f'SELECT count(*), count(*) FILTER (WHERE tenant_id = %s) FROM "{table}"',
                [simpro.pk],
            )
            total, own = owner.fetchone()
            if total:
                filled[table] = (total, own)
    assert len(filled) >= 30, sorted(filled)  # the demo fills most tables: not a vacuous walk

    with app_role_connection() as app, app.cursor() as cursor:
        for table in filled:
            assert count(cursor, table) == 0, f"{table} answers raw SQL outside a scope"
        app.commit()

        cursor.execute("SELECT set_config('prm.tenant_id', %s, true)", [str(simpro.pk)])
        for table, (_total, own) in filled.items():
            assert count(cursor, table) == own, table
            assert count(cursor, table, "tenant_id <> %s", [simpro.pk]) == 0, table
        # Simpro's setting can neither reach another vendor's row nor move a row there.
        other = Tenant.objects.exclude(pk=simpro.pk).first()
        firm_table = PartnerFirm._meta.db_table
        cursor.execute(
            sql.SQL("UPDATE {} SET name = 'x' WHERE tenant_id = %s").format(
                sql.Identifier(firm_table)
            ),
            [other.pk],
        )
        assert cursor.rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            cursor.execute(
                sql.SQL("UPDATE {} SET tenant_id = %s WHERE tenant_id = %s").format(
                    sql.Identifier(firm_table)
                ),
                [other.pk, simpro.pk],
            )
        app.rollback()

        # transaction-local: nothing is left on the connection after the transaction
        assert count(cursor, firm_table) == 0
        app.commit()
        cursor.execute("SELECT set_config('prm.all_tenants', 'on', true)")
        for table, (total, _own) in filled.items():
            assert count(cursor, table) == total, table
        app.rollback()


def _models():
    from django.apps import apps

    return apps.get_models()


def db_settings() -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('prm.tenant_id', true), "
            "current_setting('prm.all_tenants', true)"
        )
        tenant_id, bypass = cursor.fetchone()
    return tenant_id or "", bypass or ""


@pytest.mark.django_db
def test_the_transaction_carries_whatever_scope_is_open(cast):
    a, b = cast.tenant_a, cast.tenant_b
    with transaction.atomic():
        with tenant_scope(a):
            assert db_settings() == (str(a.pk), "")
            assert set(PartnerFirm._base_manager.values_list("tenant_id", flat=True)) == {a.pk}
        with all_tenants():
            assert db_settings() == ("", "on")
        with no_scope():
            assert db_settings() == ("", "")
            assert PartnerFirm._base_manager.count() == 0  # no scope, no rows, even unscoped
        with tenant_scope(b):
            assert set(PartnerFirm._base_manager.values_list("tenant_id", flat=True)) == {b.pk}


@pytest.mark.django_db
def test_a_rolled_back_savepoint_does_not_leave_the_transaction_without_its_tenant(cast):
    a, b = cast.tenant_a, cast.tenant_b
    with transaction.atomic(), tenant_scope(a):
        assert PartnerFirm.objects.count() == 2
        with tenant_scope(b):
            try:
                with transaction.atomic():  # b's setting is sent inside the savepoint ...
                    assert PartnerFirm._base_manager.count() == 1
                    raise ValueError
            except ValueError:
                pass  # ... and undone by its rollback: a's setting is back in the database
            assert db_settings() == (str(b.pk), "")
            assert set(PartnerFirm._base_manager.values_list("tenant_id", flat=True)) == {b.pk}
        assert db_settings() == (str(a.pk), "")


@pytest.mark.django_db(transaction=True)  # autocommit: each statement its own transaction
def test_autocommit_statements_get_the_scope_in_their_own_transaction(cast):
    assert connection.get_autocommit()
    with tenant_scope(cast.tenant_a), connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT tenant_id FROM {PartnerFirm._meta.db_table}")
        assert cursor.fetchall() == [(cast.tenant_a.pk,)]
    with tenant_scope(cast.tenant_b):
        firm = PartnerFirmFactory.build(tenant=cast.tenant_b, name="Autocommit Pty")
        firm.save()  # an INSERT in autocommit passes the policy's check
    with no_scope(), connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {PartnerFirm._meta.db_table}")
        assert cursor.fetchone() == (0,)
        assert db_settings() == ("", "")  # nothing stayed on the persistent connection
    with all_tenants():
        assert PartnerFirm.objects.filter(name="Autocommit Pty", tenant=cast.tenant_b).exists()


@pytest.mark.django_db
def test_a_page_costs_one_setting_per_transaction_however_many_rows(cast):
    client = Client()
    client.force_login(cast.manager_a)

    def settings_sent_for_page() -> int:
        before = rls.statements_sent
        assert client.get("/admin/partners/partnerfirm/").status_code == 200
        return rls.statements_sent - before

    def with_firms(n: int) -> None:
        for i in range(n):
            PartnerFirmFactory(tenant=cast.tenant_a, name=f"Firm {n}-{i}")

    with_firms(1)
    few = settings_sent_for_page()
    with_firms(60)
    # test-case transaction: the request starts from the factories' all-tenants setting
    assert settings_sent_for_page() == few <= 5


@pytest.fixture
def separate_settings(monkeypatch) -> list[tuple[str, str]]:
    """Every scope setting sent as a statement of its own (not sharing a statement's trip)."""
    sent: list[tuple[str, str]] = []
    real = rls._send

    def spy(raw_connection, values):
        sent.append(values)
        real(raw_connection, values)

    monkeypatch.setattr(rls, "_send", spy)
    return sent


@pytest.mark.django_db(transaction=True)  # autocommit, as middleware and tasks run
def test_in_autocommit_the_settings_travel_with_the_statement_and_stay_with_it(
    cast, separate_settings
):
    a, b = cast.tenant_a, cast.tenant_b
    assert connection.get_autocommit()
    with tenant_scope(a):
        assert sorted(PartnerFirm.objects.values_list("name", flat=True)) == [
            "Kiwi Trade Tech",
            "Sparkline Pty Ltd",
        ]
        # the count an UPDATE reports is its own, not the settings' one row
        assert PartnerFirm.objects.filter(name="Kiwi Trade Tech").update(name="Kiwi Tech") == 1
        assert PartnerFirm._base_manager.filter(pk=cast.firm_b1.pk).update(name="x") == 0
        with pytest.raises(DataError), connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 / (count(*) - 2) FROM {PartnerFirm._meta.db_table}")
        # the failed statement took its settings with it; the connection serves on
        assert connection.connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        assert PartnerFirm.objects.count() == 2
    assert separate_settings == []  # no round trip of their own
    with no_scope():
        assert db_settings() == ("", "")
        assert PartnerFirm._base_manager.count() == 0
    with tenant_scope(b):
        assert list(PartnerFirm.objects.values_list("name", flat=True)) == ["Cognitive Advisors"]
        # a server-side cursor cannot share its DECLARE: it gets the settings on their own
        assert [f.name for f in PartnerFirm.objects.iterator(chunk_size=1)] == [
            "Cognitive Advisors"
        ]
    assert separate_settings == [(str(b.pk), "")]


@pytest.mark.django_db(transaction=True)
def test_in_a_transaction_the_first_statement_carries_the_settings(cast, separate_settings):
    a, b = cast.tenant_a, cast.tenant_b
    before = rls.statements_sent
    with transaction.atomic(), tenant_scope(a):
        assert PartnerFirm.objects.count() == 2
        assert PartnerFirm.objects.filter(name="Sparkline Pty Ltd").update(name="Sparks") == 1
        with tenant_scope(b):
            assert list(PartnerFirm.objects.values_list("name", flat=True)) == [
                "Cognitive Advisors"
            ]
        assert sorted(PartnerFirm.objects.values_list("name", flat=True)) == [
            "Kiwi Trade Tech",
            "Sparks",
        ]
    assert rls.statements_sent - before == 3  # a, b, a again: one per change of scope
    assert separate_settings == []
    with all_tenants():
        assert PartnerFirm.objects.filter(name="Sparks", tenant=a).exists()
