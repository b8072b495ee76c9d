"""The ledger under random sequences of sales, refunds, corrections and monthly payouts.

A Hypothesis state machine drives the real services on the test database and keeps its
own model of what each partner should be owed (Exhibit B amounts, proportional
clawbacks, withholding); after every step the ledger must agree with the model and with
itself. Each example runs in a savepoint that is rolled back, so examples share only
the two enrolled partners built once per test.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Count, Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from commissions import ledger
from commissions.accruals import orders_accrue, refunds_claw_back
from commissions.claims import correction_book
from commissions.models import (
    BatchItem,
    BatchStatus,
    CommissionLine,
    EntryKind,
    LedgerEntry,
    PayoutBatch,
    PayoutLine,
)
from commissions.payouts import batch_approve, batch_build, batch_record_payment
from deals.services.orders import refund_record
from partners.models import PayoutProfile
from tenants.scope import tenant_scope
from tests.commissions.conftest import D, cim_partner, line, sell, tax_form
from tests.tiers.conftest import lead

FIRST_DAY = D(2026, 2, 2)
B_TAX_FORM_EXPIRES = D(2026, 3, 31)  # partner B earns nothing and is held after March
A_WITHHOLDING = Decimal("0.2400")

#: Exhibit B for a partner lead at the partners' tiers (A: tier 2, B: tier 3)
PERCENT = {"a": Decimal("0.30"), "b": Decimal("0.40")}
PLATFORM_PER_ORDER = 100_000
ADDON_PER_BUNDLE = 35_000


def half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def money(minor: int) -> Decimal:
    return Decimal(minor) / 100


@dataclass
class Partner:
    key: str
    firm: object
    registration: object
    withholding: Decimal
    tax_valid_until: datetime.date | None

    def tax_valid_on(self, day: datetime.date) -> bool:
        return self.tax_valid_until is None or day <= self.tax_valid_until


@dataclass
class SoldOrder:
    order: object
    partner: Partner
    total_minor: int
    commissions: list[int]  # expected commission per earned line
    refunded_minor: int = 0
    clawed: list[int] = field(default_factory=list)

    @property
    def refundable_minor(self) -> int:
        return self.total_minor - self.refunded_minor


#: (product, amount in minor units: the price, or the monthly fee for SYNC, quantity)
order_lines = st.lists(
    st.one_of(
        st.tuples(st.just("CONNECT"), st.integers(1, 5_000_000), st.just(1)),
        st.tuples(st.just("SYNC"), st.integers(1, 200_000), st.integers(1, 3)),
        st.tuples(st.just("PLATFORM"), st.integers(100, 5_000_000), st.just(1)),
        st.tuples(st.just("ADDON"), st.integers(100, 500_000), st.integers(1, 4)),
    ),
    min_size=1,
    max_size=4,
)


class LedgerMachine(RuleBasedStateMachine):
    tenant = program = None
    partners: dict[str, Partner] = {}

    def __init__(self) -> None:
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self._scope = tenant_scope(self.tenant)
        self._scope.__enter__()
        self.today = FIRST_DAY
        self.orders: list[SoldOrder] = []
        self.balance = {key: 0 for key in self.partners}
        self.unsettled = {key: 0 for key in self.partners}  # model: net not yet in a batch
        self.correction_keys: list[str] = []
        self.closed: set[datetime.date] = set()  # months whose batch was approved
        self.sequence = 0

    def teardown(self) -> None:
        self._scope.__exit__(None, None, None)
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    # -- the model's bookings ------------------------------------------------------------

    def _book(self, partner: Partner, amount: int) -> None:
        self.balance[partner.key] += amount
        self.unsettled[partner.key] += amount

    def _later(self, days: int) -> None:
        """Move the clock on, within the current month (a month ends with `pay_month`)."""
        self.today = min(self.today + datetime.timedelta(days=days), ledger.month_end(self.today))

    def _booking_day(self, day: datetime.date) -> datetime.date:
        """The day itself, or the first day of the first open month after its closed one."""
        period = ledger.month_start(day)
        if period not in self.closed:
            return day
        while period in self.closed:
            period = ledger.next_month(period)
        return period

    def _expected_commissions(self, partner: Partner, lines) -> list[int]:
        if not partner.tax_valid_on(self.today):
            return []
        earned, platform_paid = [], False
        for product, amount, quantity in lines:
            if product == "CONNECT":
                earned.append(half_up(amount * quantity * PERCENT[partner.key]))
            elif product == "SYNC":
                earned.append(half_up(amount * quantity * 12 * PERCENT[partner.key]))
            elif product == "PLATFORM" and not platform_paid:
                earned.append(PLATFORM_PER_ORDER)
                platform_paid = True
            elif product == "ADDON":
                earned.append(ADDON_PER_BUNDLE * quantity)
        return earned

    # -- rules ---------------------------------------------------------------------------

    @rule(
        partner=st.sampled_from(["a", "b"]),
        lines=order_lines,
        days=st.integers(0, 6),
        replay=st.booleans(),
    )
    def accrue(self, partner, lines, days, replay):
        partner = self.partners[partner]
        self._later(days)
        self.sequence += 1
        order = sell(
            self.tenant,
            partner.registration,
            [
                line("SYNC", "0", monthly=money(amount), qty=quantity)
                if product == "SYNC"
                else line(product, money(amount), qty=quantity)
                for product, amount, quantity in lines
            ],
            self.today,
            customer=f"Customer {self.sequence}",
        )
        orders_accrue(tenant=self.tenant, order_ids=[order.pk])
        if replay:
            orders_accrue(tenant=self.tenant, order_ids=[order.pk])
        commissions = self._expected_commissions(partner, lines)
        total = sum(amount * quantity for product, amount, quantity in lines if product != "SYNC")
        sold = SoldOrder(order, partner, total, commissions, clawed=[0] * len(commissions))
        self.orders.append(sold)
        self._book(partner, sum(commissions))
        calculated = CommissionLine.objects.filter(order=order, earned=True)
        assert sorted(calculated.values_list("amount_minor", flat=True)) == sorted(commissions)

    @precondition(lambda self: any(o.refundable_minor > 0 for o in self.orders))
    @rule(data=st.data(), percent=st.integers(1, 100), days=st.integers(0, 6))
    def refund(self, data, percent, days):
        sold = data.draw(st.sampled_from([o for o in self.orders if o.refundable_minor > 0]))
        replay = data.draw(st.booleans())
        # a refund may be dated back to the completion day, maybe in a closed month, and
        # before refunds recorded earlier (see test_a_back_dated_refund_claws_back_its_share)
        backdated = data.draw(st.booleans())
        self._later(days)
        refunded_on = sold.order.completed_on if backdated else self.today
        amount = max(1, sold.refundable_minor * percent // 100)
        refund = refund_record(
            tenant=self.tenant, order=sold.order, amount=money(amount), refunded_on=refunded_on
        )
        refunds_claw_back(tenant=self.tenant, refund_ids=[refund.pk])
        if replay:
            refunds_claw_back(tenant=self.tenant, refund_ids=[refund.pk])
        booked_on = set(
            LedgerEntry.objects.filter(refund=refund).values_list("booked_on", flat=True)
        )
        assert booked_on <= {self._booking_day(refunded_on)}
        sold.refunded_minor += amount
        for i, commission in enumerate(sold.commissions):
            target = half_up(Decimal(commission) * sold.refunded_minor / sold.total_minor)
            self._book(sold.partner, -(target - sold.clawed[i]))
            sold.clawed[i] = target

    @rule(
        partner=st.sampled_from(["a", "b"]),
        kind=st.sampled_from([EntryKind.OFFSET, EntryKind.ADJUSTMENT]),
        amount=st.integers(1, 300_000),
        negative=st.booleans(),
        reuse=st.booleans(),
        data=st.data(),
    )
    def correct(self, partner, kind, amount, negative, reuse, data):
        partner = self.partners[partner]
        signed = -amount if kind == EntryKind.OFFSET or negative else amount
        if reuse and self.correction_keys:
            key, fresh = data.draw(st.sampled_from(self.correction_keys)), False
        else:
            key, fresh = f"form-{len(self.correction_keys)}", True
            self.correction_keys.append(key)
        booked = correction_book(
            tenant=self.tenant,
            firm=partner.firm,
            program=self.program,
            kind=kind,
            amount=money(signed),
            reason="Property test",
            key=key,
            today=self.today,
            user=None,
        )
        assert booked is fresh
        if fresh:
            self._book(partner, signed)

    @rule(build_twice=st.booleans())
    def pay_month(self, build_twice):
        """The month ends: its batch is built (once), approved and paid early next month."""
        period = ledger.month_start(self.today)
        self.today = ledger.next_month(period) + datetime.timedelta(days=1)
        batch, built = batch_build(tenant=self.tenant, program=self.program, period=period)
        assert built
        if build_twice:
            again, built_again = batch_build(
                tenant=self.tenant, program=self.program, period=period
            )
            assert (again.pk, built_again) == (batch.pk, False)
        lines = {line.firm_id: line for line in batch.lines.all()}
        for partner in self.partners.values():
            self._check_line(partner, lines.get(partner.firm.pk), batch.cutoff)
        batch = batch_approve(tenant=self.tenant, batch=batch, user=None, today=self.today)
        self.closed.add(period)
        batch_record_payment(
            tenant=self.tenant,
            batch=batch,
            reference=f"RUN-{period:%Y%m}",
            paid_on=self.today,
            user=None,
        )

    def _check_line(self, partner: Partner, line, cutoff: datetime.date) -> None:
        """The batch line matches the model; the model then settles (or carries) the net."""
        net = self.unsettled[partner.key]
        if line is None:  # no unsettled entry at all
            assert net == 0
            return
        assert line.net_minor == net
        if net < 0:
            assert line.status == PayoutLine.Status.INVOICED
            self.balance[partner.key] -= net  # the invoice moves the debt off the ledger
        elif net == 0:
            assert line.status == PayoutLine.Status.NOTHING
        elif not partner.tax_valid_on(cutoff):
            assert line.status == PayoutLine.Status.HELD
            return  # carried forward to the next batch
        else:
            withheld = half_up(net * partner.withholding)
            assert (line.status, line.withholding_minor, line.payable_minor) == (
                PayoutLine.Status.PAYABLE,
                withheld,
                net - withheld,
            )
            self.balance[partner.key] -= net  # withheld + paid
        self.unsettled[partner.key] = 0

    @rule()
    def skip_month(self):
        """A month passes without a batch: the next batch settles its entries too."""
        self.today = ledger.next_month(self.today) + datetime.timedelta(days=1)

    # -- invariants ----------------------------------------------------------------------

    @invariant()
    def balances_are_the_sum_of_entries_and_match_the_model(self):
        for partner in self.partners.values():
            amounts = LedgerEntry.objects.filter(
                firm=partner.firm, program=self.program
            ).values_list("amount_minor", flat=True)
            balance = ledger.balance(firm=partner.firm, program=self.program)
            assert balance == sum(amounts) == self.balance[partner.key], partner.key

    @invariant()
    def every_key_is_booked_once(self):
        keys = list(LedgerEntry.objects.values_list("key", flat=True))
        assert len(keys) == len(set(keys))

    @invariant()
    def no_entry_is_settled_twice(self):
        assert not BatchItem.objects.values("entry").annotate(n=Count("id")).filter(n__gt=1)
        settled = BatchItem.objects.values_list("entry__kind", flat=True).distinct()
        assert set(settled) <= {
            EntryKind.ACCRUAL,
            EntryKind.CLAWBACK,
            EntryKind.OFFSET,
            EntryKind.ADJUSTMENT,
        }

    @invariant()
    def clawbacks_never_exceed_the_accrual(self):
        per_line: dict[int, dict[str, int]] = {}
        for line_id, kind, total in (
            LedgerEntry.objects.filter(commission_line__isnull=False)
            .values("commission_line", "kind")
            .annotate(total=Sum("amount_minor"))
            .values_list("commission_line", "kind", "total")
        ):
            per_line.setdefault(line_id, {})[kind] = total
        for sums in per_line.values():
            accrued = sums.get(EntryKind.ACCRUAL, 0)
            clawed = -sums.get(EntryKind.CLAWBACK, 0)
            assert 0 <= clawed <= accrued

    @invariant()
    def a_paid_batch_squares_each_partner(self):
        for batch in PayoutBatch.objects.filter(status=BatchStatus.PAID):
            net: dict[int, int] = {}
            settled = LedgerEntry.objects.filter(settlement__batch=batch)
            booked = LedgerEntry.objects.filter(batch=batch)
            for entries in (settled, booked):
                for firm_id, amount in entries.values_list("firm_id", "amount_minor"):
                    net[firm_id] = net.get(firm_id, 0) + amount
            assert all(total == 0 for total in net.values()), (batch.period, net)


def enrolled_partners():
    """Partner A (tier 2, 24 % withheld) and B (tier 3, tax form expiring end of March)."""
    tenant, program, a = cim_partner("a@cim.test", tier="tier-2")
    _, _, b = cim_partner("b@cim.test", tier="tier-3", tax=False, loaded=(tenant, program))
    tax_form(tenant, b.firm, expires_on=B_TAX_FORM_EXPIRES)
    with tenant_scope(tenant):
        PayoutProfile.objects.create(
            tenant=tenant,
            firm=a.firm,
            method=PayoutProfile.Method.BANK_TRANSFER,
            account_holder="Partner A",
            account_reference="DE89370400440532013000",
            withholding_rate=A_WITHHOLDING,
        )
    partners = {
        "a": Partner("a", a.firm, lead(tenant, a, "A's lead", D(2026, 1, 10)), A_WITHHOLDING, None),
        "b": Partner(
            "b", b.firm, lead(tenant, b, "B's lead", D(2026, 1, 10)), Decimal(0), B_TAX_FORM_EXPIRES
        ),
    }
    return tenant, program, partners


def test_ledger_stays_exact_under_random_operations(db):
    tenant, program, partners = enrolled_partners()
    machine = type(
        "CimcloudLedger",
        (LedgerMachine,),
        {"tenant": tenant, "program": program, "partners": partners},
    )
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=15,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )


def test_a_back_dated_refund_claws_back_its_share(db):
    """A refund dated before one recorded earlier still claws back its share."""
    tenant, program, partners = enrolled_partners()
    a = partners["a"]
    order = sell(tenant, a.registration, [line("CONNECT", "1000.00")], D(2026, 2, 2))
    with tenant_scope(tenant):
        orders_accrue(tenant=tenant, order_ids=[order.pk])  # 30 % of $1,000 = $300.00
        for amount, day in (("500.00", D(2026, 2, 20)), ("300.00", D(2026, 2, 10))):
            refund = refund_record(
                tenant=tenant, order=order, amount=Decimal(amount), refunded_on=day
            )
            refunds_claw_back(tenant=tenant, refund_ids=[refund.pk])

        # $800 of $1,000 refunded: 80 % of the $300 commission is clawed back
        assert ledger.balance(firm=a.firm, program=program) == 6_000
