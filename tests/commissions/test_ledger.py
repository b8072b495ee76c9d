"""The ledger: append-only everywhere, exact, idempotent; concurrent runs make one batch."""

import threading

import pytest
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

    with pytest.raises(IntegrityError) as refused, transaction.atomic(), connection.cursor() as c:
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
