"""Monthly payout batches: timing, holds, withholding, invoices, idempotent and atomic runs."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commissions.models import (
    BatchStatus,
    EntryKind,
    LedgerEntry,
    PartnerInvoice,
    PayoutBatch,
    PayoutLine,
)
from commissions.payouts import (
    BatchFailure,
    batch_approve,
    batch_build,
    batch_record_payment,
    periods_due,
)
from commissions.tasks import payouts_daily
from deals.services.orders import refund_record
from partners.models import Enrolment, PartnerFirm, PayoutProfile
from programs.models import ProgramVersion
from programs.services import program_draft_from, program_version_publish
from tenants.errors import Conflict
from tenants.scope import tenant_scope
from tests.commissions.conftest import D, accrue, cim_partner, line, sell
from tests.tiers.conftest import lead, manager

MAY = D(2026, 5, 12)


def one_sale(tenant, enrolment, company="Acme Corp", on=MAY, amount="10000.00"):
    order = sell(
        tenant, lead(tenant, enrolment, company, D(2026, 4, 1)), [line("CONNECT", amount)], on
    )
    accrue(tenant, order)
    return order


def build(tenant, program, period, **kw):
    with tenant_scope(tenant):
        return batch_build(tenant=tenant, program=program, period=period, **kw)


def line_of(tenant, batch, firm) -> PayoutLine:
    with tenant_scope(tenant):
        return PayoutLine.objects.get(batch=batch, firm=firm)


def test_an_order_completed_in_may_is_payable_by_june_30(db):
    tenant, program, enrolment = cim_partner()
    one_sale(tenant, enrolment)

    with tenant_scope(tenant):
        accrual = LedgerEntry.objects.get(kind=EntryKind.ACCRUAL)
        assert periods_due(program=program, today=D(2026, 5, 31)) == []
        assert periods_due(program=program, today=D(2026, 6, 1)) == [D(2026, 5, 1)]
    batch, built = build(tenant, program, D(2026, 5, 1))

    assert accrual.due_on == D(2026, 6, 30)
    assert (built, batch.cutoff, batch.due_on) == (True, D(2026, 5, 31), D(2026, 6, 30))
    assert line_of(tenant, batch, enrolment.firm).payable_minor == 300_000


def test_the_daily_tick_builds_each_month_once(db):
    tenant, _program, enrolment = cim_partner()
    one_sale(tenant, enrolment)

    first = payouts_daily(tenant.pk, "2026-06-01")
    second = payouts_daily(tenant.pk, "2026-06-02")

    assert (first["built"], second["built"]) == (1, 0)
    with tenant_scope(tenant):
        assert PayoutBatch.objects.count() == 1


def test_daily_tick_accrues_orders_an_event_missed(db):
    tenant, _program, enrolment = cim_partner()
    sell(
        tenant,
        lead(tenant, enrolment, "Acme Corp", D(2026, 4, 1)),
        [line("CONNECT", "1000.00")],
        MAY,
    )  # no accrue(): the event never ran

    assert payouts_daily(tenant.pk, "2026-06-01") == {"caught_up": 1, "built": 1}
    with tenant_scope(tenant):
        assert PayoutLine.objects.get().payable_minor == 30_000


def test_building_twice_makes_one_batch(db):
    tenant, program, enrolment = cim_partner()
    one_sale(tenant, enrolment)

    first, built_first = build(tenant, program, D(2026, 5, 1))
    again, built_again = build(tenant, program, D(2026, 5, 20))

    assert (built_first, built_again, again.pk) == (True, False, first.pk)
    with tenant_scope(tenant):
        assert first.items.count() == 1


def test_a_failure_mid_run_leaves_no_batch_and_a_rerun_completes(db):
    tenant, program, enrolment = cim_partner()
    one_sale(tenant, enrolment)

    with pytest.raises(BatchFailure):
        build(tenant, program, D(2026, 5, 1), fail_after_lines=True)
    with tenant_scope(tenant):
        assert not PayoutBatch.objects.exists() and not PayoutLine.objects.exists()

    batch, built = build(tenant, program, D(2026, 5, 1))
    assert built and line_of(tenant, batch, enrolment.firm).payable_minor == 300_000


def test_withholding_is_deducted_and_booked_on_approval(db):
    tenant, program, enrolment = cim_partner()
    with tenant_scope(tenant):
        PayoutProfile.objects.create(
            tenant=tenant,
            firm=enrolment.firm,
            method="bank_transfer",
            account_holder="Firm",
            account_reference="DE001",
            withholding_rate=Decimal("0.24"),
        )
    one_sale(tenant, enrolment)
    batch, _ = build(tenant, program, D(2026, 5, 1))
    payout = line_of(tenant, batch, enrolment.firm)
    assert (payout.withholding_minor, payout.payable_minor) == (72_000, 228_000)

    with tenant_scope(tenant):
        batch_approve(tenant=tenant, batch=batch, user=manager(tenant), today=D(2026, 6, 2))
        batch_record_payment(
            tenant=tenant, batch=batch, reference="RUN-2026-06", paid_on=D(2026, 6, 20), user=None
        )
        entries = dict(LedgerEntry.objects.values_list("kind", "amount_minor"))
        balance = sum(LedgerEntry.objects.values_list("amount_minor", flat=True))
    assert entries == {"accrual": 300_000, "withholding": -72_000, "payout": -228_000}
    assert balance == 0


def test_holds_carry_the_money_forward(db):
    tenant, program, enrolment = cim_partner()
    one_sale(tenant, enrolment)
    with tenant_scope(tenant):
        Enrolment.objects.filter(pk=enrolment.pk).update(good_standing=False)

    may, _ = build(tenant, program, D(2026, 5, 1))
    held = line_of(tenant, may, enrolment.firm)
    assert (held.status, held.payable_minor) == ("held", 0)
    assert held.hold_reason.startswith("Not in good standing")

    with tenant_scope(tenant):
        Enrolment.objects.filter(pk=enrolment.pk).update(good_standing=True)
    june, _ = build(tenant, program, D(2026, 6, 1))
    assert line_of(tenant, june, enrolment.firm).payable_minor == 300_000


def test_no_valid_tax_document_at_payout_holds(db):
    tenant, program, enrolment = cim_partner(tax=False)
    with tenant_scope(tenant):
        from tests.commissions.conftest import tax_form

        tax_form(tenant, enrolment.firm, expires_on=D(2026, 5, 20))  # valid at completion only
    one_sale(tenant, enrolment)

    batch, _ = build(tenant, program, D(2026, 5, 1))

    assert line_of(tenant, batch, enrolment.firm).hold_reason.startswith("No valid tax document")


def test_refund_after_payout_offsets_the_next_run_and_a_negative_net_is_invoiced(db):
    tenant, program, enrolment = cim_partner()
    order = one_sale(tenant, enrolment)
    may, _ = build(tenant, program, D(2026, 5, 1))
    with tenant_scope(tenant):
        batch_approve(tenant=tenant, batch=may, user=None, today=D(2026, 6, 2))
        batch_record_payment(
            tenant=tenant, batch=may, reference="RUN-1", paid_on=D(2026, 6, 10), user=None
        )
        refund = refund_record(
            tenant=tenant, order=order, amount=Decimal("5000.00"), refunded_on=D(2026, 6, 15)
        )
        from commissions.accruals import refunds_claw_back

        clawed = refunds_claw_back(tenant=tenant, refund_ids=[refund.pk])
    assert [e.amount_minor for e in clawed] == [-150_000]  # half the order, half the commission

    june, _ = build(tenant, program, D(2026, 6, 1))
    owed = line_of(tenant, june, enrolment.firm)
    assert (owed.net_minor, owed.status) == (-150_000, "invoiced")
    with tenant_scope(tenant):
        batch_approve(tenant=tenant, batch=june, user=None, today=D(2026, 7, 1))
        invoice = PartnerInvoice.objects.get()
        balance = sum(LedgerEntry.objects.values_list("amount_minor", flat=True))
    assert (invoice.amount_minor, invoice.due_on) == (150_000, D(2026, 7, 31))
    assert balance == 0


def test_refund_before_payout_nets_within_the_month(db):
    tenant, program, enrolment = cim_partner()
    order = one_sale(tenant, enrolment)
    with tenant_scope(tenant):
        refund = refund_record(
            tenant=tenant, order=order, amount=Decimal("2500.00"), refunded_on=D(2026, 5, 20)
        )
        from commissions.accruals import refunds_claw_back

        refunds_claw_back(tenant=tenant, refund_ids=[refund.pk])
        refunds_claw_back(tenant=tenant, refund_ids=[refund.pk])  # replay: nothing new

    batch, _ = build(tenant, program, D(2026, 5, 1))
    payout = line_of(tenant, batch, enrolment.firm)
    assert (payout.accruals_minor, payout.clawbacks_minor, payout.payable_minor) == (
        300_000,
        -75_000,
        225_000,
    )


def test_minimum_payout_carries_small_amounts_forward(db):
    tenant, program, enrolment = cim_partner()
    with tenant_scope(tenant):
        version = ProgramVersion.objects.get(program=program)
        draft = program_draft_from(tenant=tenant, version=version)
        draft.commission_policy = {**draft.commission_policy, "minimum_payout": "500"}
        draft.save()
        program_version_publish(tenant=tenant, version=draft, effective_from=D(2026, 2, 1))
    one_sale(tenant, enrolment, amount="1000.00")  # earns 300.00

    batch, _ = build(tenant, program, D(2026, 5, 1))

    held = line_of(tenant, batch, enrolment.firm)
    assert held.status == "held"
    assert held.hold_reason == (
        "Below the minimum payout of 500.00 USD: carried forward to the next month."
    )


def test_batch_lifecycle_refuses_illegal_moves(db):
    tenant, program, enrolment = cim_partner()
    one_sale(tenant, enrolment)
    batch, _ = build(tenant, program, D(2026, 5, 1))
    with tenant_scope(tenant):
        with pytest.raises(Conflict):
            batch_record_payment(
                tenant=tenant, batch=batch, reference="X", paid_on=D(2026, 6, 3), user=None
            )
        batch_approve(tenant=tenant, batch=batch, user=None, today=D(2026, 6, 2))
        with pytest.raises(Conflict):
            batch_approve(tenant=tenant, batch=batch, user=None, today=D(2026, 6, 2))
        batch.refresh_from_db()
    assert batch.status == BatchStatus.APPROVED


def test_approval_closes_the_month_and_later_corrections_land_in_the_next(db):
    tenant, program, enrolment = cim_partner()
    order = one_sale(tenant, enrolment)
    batch, _ = build(tenant, program, D(2026, 5, 1))
    with tenant_scope(tenant):
        batch_approve(tenant=tenant, batch=batch, user=None, today=D(2026, 6, 2))
        refund = refund_record(
            tenant=tenant, order=order, amount=Decimal("1000.00"), refunded_on=D(2026, 5, 30)
        )  # back-dated into the closed May
        from commissions.accruals import refunds_claw_back
        from commissions.ledger import balance

        (clawback,) = refunds_claw_back(tenant=tenant, refund_ids=[refund.pk])
        may_balance = balance(firm=enrolment.firm, program=program, as_of=D(2026, 5, 31))
    assert (clawback.occurred_on, clawback.booked_on) == (D(2026, 5, 30), D(2026, 6, 1))
    assert may_balance == 300_000  # May stays as it was closed


def test_the_batch_for_a_month_includes_only_what_was_booked_by_its_end(db):
    tenant, program, enrolment = cim_partner()
    one_sale(tenant, enrolment)
    one_sale(tenant, enrolment, company="Later Ltd", on=D(2026, 6, 3), amount="2000.00")

    batch, _ = build(tenant, program, D(2026, 5, 1))

    assert line_of(tenant, batch, enrolment.firm).accruals_minor == 300_000


def test_adding_an_order_in_may_is_payable_by_june_30_even_with_july_runs(db):
    tenant, program, enrolment = cim_partner()
    one_sale(tenant, enrolment)
    with tenant_scope(tenant):
        due = periods_due(program=program, today=D(2026, 8, 1))
    assert due == [D(2026, 5, 1), D(2026, 6, 1), D(2026, 7, 1)]
    assert datetime.date(2026, 6, 30) == build(tenant, program, due[0])[0].due_on


def _more_payees(tenant, program, count: int, on: datetime.date) -> None:
    """`count` more partners with 100.00 booked on `on` (rows written directly: the batch,
    not the partners' history, is what is measured)."""
    with tenant_scope(tenant):
        firms = PartnerFirm.objects.bulk_create(
            PartnerFirm(tenant=tenant, name=f"Payee {on:%m}-{n:04}", country="US")
            for n in range(count)
        )
        LedgerEntry.objects.bulk_create(
            LedgerEntry(
                tenant=tenant,
                program=program,
                firm=firm,
                currency="USD",
                kind=EntryKind.ADJUSTMENT,
                amount_minor=10_000,
                key=f"bench:{firm.pk}:{on}",
                occurred_on=on,
                booked_on=on,
                memo="Adjustment",
            )
            for firm in firms
        )


@pytest.mark.services  # COPY writes every line in one statement; SQLite batches its inserts
def test_a_batch_is_built_in_the_same_queries_for_ten_partners_or_six_thousand(db):
    tenant, program, enrolment = cim_partner()
    one_sale(tenant, enrolment)
    _more_payees(tenant, program, 9, MAY)
    _more_payees(tenant, program, 5_999, D(2026, 6, 10))  # > one INSERT batch
    queries = []
    for period in (D(2026, 5, 1), D(2026, 6, 1)):
        with CaptureQueriesContext(connection) as captured:
            batch, built = build(tenant, program, period)
        assert built
        queries.append(len(captured))
        with tenant_scope(tenant):
            lines = PayoutLine.objects.filter(batch=batch).count()
        # May's nine payees have no tax form: held, and carried forward into June
        assert lines == (10 if period.month == 5 else 9 + 5_999)
    assert queries[0] == queries[1]
    with tenant_scope(tenant):  # the partner who sold in May is in May's batch only
        assert not PayoutLine.objects.filter(batch=batch, firm=enrolment.firm).exists()
