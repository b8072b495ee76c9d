"""The ledger: append-only everywhere, exact, idempotent; concurrent runs make one batch."""

import io
import os
import threading

import psycopg
import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, connections, transaction

from commissions.ledger import balance
from commissions.models import LedgerEntry, LedgerIsAppendOnly, PayoutBatch
from commissions.payouts import batch_build
from tenants.scope import tenant_scope
from tests.commissions.conftest import D, accrue, cim_partner, line, sell
from tests.tiers.conftest import lead

MAY = D(2026, 5, 12)


def sold(tenant, enrolment, company="Acme Corp", amount="10000.00"):
    order = sell(
        tenant, lead(tenant, enrolment, company, D(2026, 4, 1)), [line("CONNECT", amount)], MAY
    )
    accrue(tenant, order)
    return order


def test_entries_refuse_change_and_deletion_through_the_orm(db):
    tenant, _program, enrolment = cim_partner()
    sold(tenant, enrolment)
    with tenant_scope(tenant):
        entry = LedgerEntry.objects.get()
        entry.amount_minor = 1
        with pytest.raises(LedgerIsAppendOnly):
            entry.save()
        with pytest.raises(LedgerIsAppendOnly):
            entry.delete()
        with pytest.raises(LedgerIsAppendOnly):
            LedgerEntry.objects.filter(pk=entry.pk).update(amount_minor=1)
        with pytest.raises(LedgerIsAppendOnly):
            LedgerEntry.objects.filter(pk=entry.pk).delete()
        assert LedgerEntry.objects.get().amount_minor == 300_000


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE commissions_ledgerentry SET amount_minor = 1 WHERE id = %s",
        "DELETE FROM commissions_ledgerentry WHERE id = %s",
    ],
)
def test_the_database_refuses_update_and_delete(db, sql):
    tenant, _program, enrolment = cim_partner()
    sold(tenant, enrolment)
    with tenant_scope(tenant):
        entry = LedgerEntry.objects.get()

    with (
        tenant_scope(tenant),  # the vendor's rows, as row-level security shows them
        pytest.raises(IntegrityError) as refused,
        transaction.atomic(),
        connection.cursor() as c,
    ):
        c.execute(sql, [entry.pk])

    assert "append-only" in str(refused.value)
    with tenant_scope(tenant):
        assert LedgerEntry.objects.get().amount_minor == 300_000


def test_a_key_books_once_even_against_the_unique_constraint(db):
    tenant, program, enrolment = cim_partner()
    sold(tenant, enrolment)
    with tenant_scope(tenant):
        entry = LedgerEntry.objects.get()
        duplicate = LedgerEntry(
            tenant=tenant,
            program=program,
            firm=enrolment.firm,
            currency="USD",
            kind="accrual",
            amount_minor=300_000,
            key=entry.key,
            occurred_on=MAY,
            booked_on=MAY,
            memo="replayed",
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            duplicate.save()
        assert LedgerEntry.objects.count() == 1


def test_balances_are_sums_and_as_of_any_day(db):
    tenant, program, enrolment = cim_partner()
    sold(tenant, enrolment)
    sold(tenant, enrolment, company="Other Co", amount="1000.00")
    with tenant_scope(tenant):
        assert balance(firm=enrolment.firm, program=program) == 330_000
        assert balance(firm=enrolment.firm, program=program, as_of=D(2026, 5, 11)) == 0
        assert balance(firm=enrolment.firm, program=program, as_of=MAY) == 330_000


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_workers_building_the_same_month_make_one_batch():
    tenant, program, enrolment = cim_partner()
    sold(tenant, enrolment)
    start = threading.Barrier(2)
    outcomes = []

    def worker():
        try:
            start.wait()
            with tenant_scope(tenant):
                outcomes.append(batch_build(tenant=tenant, program=program, period=D(2026, 5, 1)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(built for _, built in outcomes) == [False, True]
    assert outcomes[0][0].pk == outcomes[1][0].pk
    with tenant_scope(tenant):
        assert PayoutBatch.objects.count() == 1
        batch = PayoutBatch.objects.get()
        assert batch.items.count() == 1 and batch.lines.count() == 1


APP_ROLE = os.environ.get("PRM_DB_APP_ROLE", "prm_app")
APP_PASSWORD = os.environ.get("PRM_DB_APP_PASSWORD", "prm_app")


@pytest.mark.services  # .ci/run creates the app role; the suite runs as the tables' owner
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "attack",
    [
        "TRUNCATE commissions_ledgerentry CASCADE",
        "TRUNCATE tiers_tierassignment",
        "SET session_replication_role = replica",
        "ALTER TABLE commissions_ledgerentry DISABLE TRIGGER ALL",
        "DROP TRIGGER commissions_ledger_append_only ON commissions_ledgerentry",
        "UPDATE commissions_ledgerentry SET amount_minor = 0",
        "DELETE FROM commissions_ledgerentry",
    ],
)
def test_the_app_role_writes_rows_but_cannot_empty_or_unguard_the_ledger(attack):
    tenant, _program, enrolment = cim_partner()
    sold(tenant, enrolment)
    call_command("db_grant_app_role", APP_ROLE, stdout=io.StringIO())
    db = connection.settings_dict
    app = psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        dbname=db["NAME"],
        user=APP_ROLE,
        password=APP_PASSWORD,
    )
    try:
        # without the vendor's setting the app role sees nothing (row-level security) ...
        assert app.execute("SELECT count(*) FROM commissions_ledgerentry").fetchone() == (0,)
        app.rollback()
        # ... and with it the app's own work goes on: read the ledger, change an ordinary row
        app.execute("SELECT set_config('prm.tenant_id', %s, false)", [str(tenant.pk)])
        assert app.execute("SELECT count(*) FROM commissions_ledgerentry").fetchone() == (1,)
        app.execute(
            "UPDATE partners_partnerfirm SET website = 'https://x.example' WHERE id = %s",
            [enrolment.firm_id],
        )
        app.commit()
        with pytest.raises(psycopg.Error):
            app.execute(attack)
        app.rollback()
    finally:
        app.close()
    with tenant_scope(tenant):
        assert LedgerEntry.objects.get().amount_minor == 300_000


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_even_a_role_granted_truncate_cannot_empty_the_ledger():
    """The second wall: should an operator grant TRUNCATE by mistake, the trigger refuses it."""
    tenant, _program, enrolment = cim_partner()
    sold(tenant, enrolment)
    call_command("db_grant_app_role", APP_ROLE, stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
    db = connection.settings_dict
    with (
        psycopg.connect(
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
            dbname=db["NAME"],
            user=APP_ROLE,
            password=APP_PASSWORD,
        ) as app,
        pytest.raises(psycopg.errors.IntegrityConstraintViolation) as refused,
    ):
        app.execute("TRUNCATE commissions_ledgerentry CASCADE")
    assert "cannot be truncated" in str(refused.value)
    with tenant_scope(tenant):
        assert LedgerEntry.objects.get().amount_minor == 300_000
