"""Orders: completion, initial purchase, Simpro's closed-won window, refunds, product codes."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from deals.models import DealRegistration, Order, Product, Refund, RegistrationStatus
from deals.selectors.orders import closed_won_within, order_refunded_minor, orders_of
from deals.services.orders import (
    LineInput,
    customer_upsert,
    order_record,
    order_record_completion,
    order_total_minor,
    refund_record,
)
from deals.services.registrations import registration_approve, registration_submit
from partners.terms import add_months
from tenants import events
from tenants.errors import ApplicationError, Conflict
from tenants.scope import tenant_scope
from tests.partners.conftest import load_program
from tests.partners.test_enrolments import enrol

D = datetime.date
APRIL_1 = D(2025, 4, 1)


def product(tenant, code: str = "SP-CORE", category: str = "subscription") -> Product:
    with tenant_scope(tenant):
        return Product.objects.create(
            tenant=tenant, code=code, name=code.title(), category=category
        )


def line(code: str = "SP-CORE", price: str = "1000.00", quantity: int = 1, **more) -> LineInput:
    return LineInput(
        product_code=code,
        quantity=quantity,
        list_price=Decimal(price),
        price=Decimal(price),
        **more,
    )


def customer(tenant, name: str = "Acme Plumbing", **more):
    with tenant_scope(tenant):
        return customer_upsert(tenant=tenant, name=name, **more)


def record(tenant, buyer, on: datetime.date, lines=None, **more) -> Order:
    with tenant_scope(tenant):
        return order_record(
            tenant=tenant,
            customer=buyer,
            ordered_on=on,
            lines=lines or [line()],
            currency="AUD",
            **more,
        )


def approved_registration(cast, on: datetime.date, company: str = "Acme Plumbing"):
    """A Simpro partner's registration of `company`, submitted and approved on `on`."""
    tenant, program = load_program("simpro")
    email = f"owner@{company.split()[0].lower()}-partner.test"
    _, _, enrolment = enrol(
        "simpro", on, tracks=["service-providers"], email=email, loaded=(tenant, program)
    )
    noon = datetime.datetime.combine(on, datetime.time(12), tzinfo=datetime.UTC)
    with tenant_scope(tenant), time_machine.travel(noon, tick=False):
        registration = registration_submit(
            tenant=tenant, firm=enrolment.firm, user=None, company_name=company, country="AU"
        )
        return registration_approve(
            tenant=tenant, registration=registration, user=cast.manager_a, today=on
        )


@pytest.mark.parametrize(
    ("signed_on", "paid_on", "completed_on"),
    [
        (D(2025, 4, 2), None, None),
        (None, D(2025, 4, 3), None),
        (D(2025, 4, 9), D(2025, 4, 3), D(2025, 4, 9)),
        (D(2025, 4, 2), D(2025, 4, 7), D(2025, 4, 7)),
    ],
)
def test_an_order_completes_only_with_the_signed_form_and_the_initial_payment(
    cast, signed_on, paid_on, completed_on
):
    # given a Simpro product and customer
    product(cast.tenant_a)
    # when an order is recorded with one, the other or both dates
    order = record(
        cast.tenant_a,
        customer(cast.tenant_a),
        APRIL_1,
        order_form_signed_on=signed_on,
        initial_payment_received_on=paid_on,
    )
    # then it is complete on the later of the two, and only when both are in
    assert order.completed_on == completed_on


def test_completion_recorded_later_completes_once_and_wins_the_referral(cast, monkeypatch):
    # given an approved registration and its order with only the signed form in
    registration = approved_registration(cast, APRIL_1)
    product(cast.tenant_a)
    buyer = customer(cast.tenant_a)
    completions = []
    monkeypatch.setattr(events, "emit", lambda event, **payload: completions.append(event))
    order = record(
        cast.tenant_a,
        buyer,
        D(2025, 5, 1),
        registration=registration,
        order_form_signed_on=D(2025, 5, 1),
    )
    assert order.completed_on is None
    # when the initial payment is recorded, and then recorded once more
    with tenant_scope(cast.tenant_a):
        order = order_record_completion(
            tenant=cast.tenant_a, order=order, initial_payment_received_on=D(2025, 5, 20)
        )
        with pytest.raises(Conflict, match="no longer change"):
            order_record_completion(
                tenant=cast.tenant_a, order=order, initial_payment_received_on=D(2025, 5, 20)
            )
        again = Order.objects.get(pk=order.pk)
        registration.refresh_from_db()
        won = registration.transitions.filter(to_status=RegistrationStatus.WON).count()
    # then the order completed on the payment date, once, and the registration is won
    assert order.completed_on == again.completed_on == D(2025, 5, 20)
    assert completions == [events.ORDER_COMPLETED]
    assert (registration.status, registration.closed_on, won) == ("won", D(2025, 5, 20), 1)


def test_first_order_is_the_initial_purchase_and_the_next_a_repeat(cast):
    # given two customers of Simpro
    product(cast.tenant_a)
    acme, bolt = customer(cast.tenant_a), customer(cast.tenant_a, "Bolt Electrical")
    # when Acme orders twice and Bolt once
    first = record(cast.tenant_a, acme, APRIL_1)
    repeat = record(cast.tenant_a, acme, D(2025, 9, 1))
    other = record(cast.tenant_a, bolt, D(2025, 9, 1))
    # then each customer's first order is its initial purchase, and only that one
    assert (first.is_initial_purchase, repeat.is_initial_purchase) == (True, False)
    assert other.is_initial_purchase is True


@pytest.mark.parametrize(("months_later", "counts"), [(6, True), (7, False)])
def test_simpro_closed_won_is_an_order_within_6_months_of_the_referral(cast, months_later, counts):
    # given a registration referred (submitted) on April 1
    registration = approved_registration(cast, APRIL_1)
    product(cast.tenant_a)
    # when the customer orders `months_later` months after the referral
    order = record(
        cast.tenant_a,
        customer(cast.tenant_a),
        add_months(APRIL_1, months_later),
        registration=registration,
    )
    # then the opportunity counts as closed-won only within the 6 months
    with tenant_scope(cast.tenant_a):
        found = closed_won_within(registration, months=6)
    assert found == (order if counts else None)


def test_partial_refunds_accumulate_and_never_exceed_the_order_total(cast):
    # given an order of 2 x 600.00 with a no-charge line (total 1,200.00)
    product(cast.tenant_a)
    lines = [line(price="600.00", quantity=2), line(price="99.00", no_charge=True)]
    order = record(cast.tenant_a, customer(cast.tenant_a), APRIL_1, lines=lines)
    with tenant_scope(cast.tenant_a):
        # when two partial refunds are recorded
        for amount in ("300.00", "450.50"):
            refund_record(
                tenant=cast.tenant_a, order=order, amount=Decimal(amount), refunded_on=APRIL_1
            )
        # then they add up, and one cent more than what is left is refused
        with pytest.raises(ApplicationError, match=r"more than the order's 1,200\.00 AUD"):
            refund_record(
                tenant=cast.tenant_a, order=order, amount=Decimal("449.51"), refunded_on=APRIL_1
            )
        assert (order_total_minor(order), order_refunded_minor(order)) == (120_000, 75_050)
        assert Refund.objects.filter(order=order).count() == 2
        # and what is left can still be refunded, exactly
        refund_record(
            tenant=cast.tenant_a, order=order, amount=Decimal("449.50"), refunded_on=APRIL_1
        )
        assert order_refunded_minor(order) == order_total_minor(order)


def test_unknown_product_code_stores_no_order(cast):
    # given SP-CORE at Simpro and SP-EXTRA only at the other vendor
    product(cast.tenant_a)
    product(cast.tenant_b, "SP-EXTRA")
    buyer = customer(cast.tenant_a)
    # when an order names SP-EXTRA and a made-up code next to a good line
    with pytest.raises(ApplicationError, match="Unknown product code\\(s\\): NOPE, SP-EXTRA"):
        record(cast.tenant_a, buyer, APRIL_1, lines=[line(), line("SP-EXTRA"), line("NOPE")])
    # then no order (and no line) was stored
    with tenant_scope(cast.tenant_a):
        assert not Order.objects.exists()


def test_another_vendors_orders_are_out_of_reach(cast):
    # given an order at Simpro
    product(cast.tenant_a)
    order = record(cast.tenant_a, customer(cast.tenant_a), APRIL_1)
    # when IPsoft lists its orders, then Simpro's is not among them, nor reachable by id
    with tenant_scope(cast.tenant_b):
        assert list(orders_of(tenant=cast.tenant_b)) == []
        assert not Order.objects.filter(pk=order.pk).exists()
        assert not DealRegistration.objects.exists()
