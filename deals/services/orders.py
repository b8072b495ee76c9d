"""Customers, orders, completion and refunds, as the vendor's systems report them."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Sum

from deals.matching import name_key, normalize_company, normalize_domain
from deals.models import (
    Customer,
    DealRegistration,
    Order,
    OrderLine,
    Product,
    Refund,
    RegistrationStatus,
)
from deals.services.registrations import registration_close
from tenants import events
from tenants.errors import ApplicationError, Conflict
from tenants.models import Tenant
from tenants.money import format_minor, to_minor


@dataclass(frozen=True)
class LineInput:
    product_code: str
    quantity: int
    list_price: Decimal
    price: Decimal
    discount_approved: bool = False
    monthly_fee: Decimal | None = None
    initial_contract_months: int | None = None
    no_charge: bool = False


@transaction.atomic
def customer_upsert(
    *, tenant: Tenant, name: str, domain: str = "", country: str = "", external_id: str = ""
) -> Customer:
    """The customer with this external id, created or brought up to date (no id: a new one)."""
    if not normalize_company(name):
        raise ApplicationError("Give the customer's company name.", fields={"name": ["Required."]})
    customer = None
    if external_id:
        # lock the row (or, for a new id, rely on the unique constraint) so two imports agree
        customer = (
            Customer.objects.select_for_update()
            .filter(tenant=tenant, external_id=external_id)
            .first()
        )
    if customer is None:
        customer = Customer(tenant=tenant, external_id=external_id)
    customer.name = name.strip()
    customer.normalized_name = normalize_company(name)
    customer.name_key = name_key(customer.normalized_name)
    customer.domain = domain.strip()
    customer.normalized_domain = normalize_domain(domain)
    customer.country = country.strip().upper()
    customer.full_clean()
    customer.save()
    return customer


def _completion(order: Order) -> datetime.date | None:
    if order.order_form_signed_on and order.initial_payment_received_on:
        return max(order.order_form_signed_on, order.initial_payment_received_on)
    return None


def _after_completion(order: Order, user: AbstractBaseUser | None) -> None:
    registration = order.registration
    if registration is not None and registration.status == RegistrationStatus.APPROVED:
        registration_close(
            tenant=order.tenant,
            registration=registration,
            user=user,
            won=True,
            on=order.completed_on,
            reason=f"Order {order} completed",
        )
    events.emit(events.ORDER_COMPLETED, tenant_id=order.tenant_id, order_id=order.pk)


@transaction.atomic
def order_record(
    *,
    tenant: Tenant,
    customer: Customer,
    ordered_on: datetime.date,
    lines: list[LineInput],
    currency: str,
    registration: DealRegistration | None = None,
    reseller_of_record: bool = False,
    reseller_of_record_source: str = "",
    order_form_signed_on: datetime.date | None = None,
    initial_payment_received_on: datetime.date | None = None,
    external_id: str = "",
    user: AbstractBaseUser | None = None,
) -> Order:
    """Record an order; it is the customer's initial purchase when no earlier order exists."""
    if not lines:
        raise ApplicationError("An order needs at least one line.", fields={"lines": ["Empty."]})
    if registration is not None and registration.status not in (
        RegistrationStatus.APPROVED,
        RegistrationStatus.WON,
    ):
        raise Conflict("Only an approved registration can be the order's referral.")
    earlier = Order.objects.filter(customer=customer, ordered_on__lte=ordered_on).exists()
    if external_id and Order.objects.filter(tenant=tenant, external_id=external_id).exists():
        raise Conflict(f"An order with external id {external_id!r} already exists.")
    order = Order(
        tenant=tenant,
        customer=customer,
        external_id=external_id,
        registration=registration,
        firm=registration.firm if registration else None,
        lead_source=registration.lead_source if registration else "",
        reseller_of_record=reseller_of_record,
        reseller_of_record_source=reseller_of_record_source,
        ordered_on=ordered_on,
        currency=currency.upper(),
        order_form_signed_on=order_form_signed_on,
        initial_payment_received_on=initial_payment_received_on,
        is_initial_purchase=not earlier,
        recorded_by=user,
    )
    order.completed_on = _completion(order)
    order.full_clean()
    order.save()
    if order.is_initial_purchase:
        # a back-dated first order: the customer's later orders are no longer the initial one
        Order.objects.filter(customer=customer, ordered_on__gt=ordered_on).update(
            is_initial_purchase=False
        )
    bad_quantity = [x.product_code for x in lines if x.quantity < 1]
    if bad_quantity:
        raise ApplicationError(
            "Every line needs a quantity of at least 1.", fields={"lines": ["Quantity < 1."]}
        )
    codes = [x.product_code for x in lines]
    products = {p.code: p for p in Product.objects.filter(tenant=tenant, code__in=codes)}
    unknown = sorted({x.product_code for x in lines} - set(products))
    if unknown:
        raise ApplicationError(
            f"Unknown product code(s): {', '.join(unknown)}.", fields={"lines": ["Unknown code."]}
        )
    OrderLine.objects.bulk_create(
        OrderLine(
            tenant=tenant,
            order=order,
            product=products[x.product_code],
            product_code=x.product_code,
            product_category=products[x.product_code].category,
            quantity=x.quantity,
            list_price_minor=to_minor(x.list_price, order.currency),
            price_minor=to_minor(x.price, order.currency),
            discount_approved=x.discount_approved,
            monthly_fee_minor=None
            if x.monthly_fee is None
            else to_minor(x.monthly_fee, order.currency),
            initial_contract_months=x.initial_contract_months,
            no_charge=x.no_charge,
        )
        for x in lines
    )
    if order.completed_on:
        _after_completion(order, user)
    return order


@transaction.atomic
def order_record_completion(
    *,
    tenant: Tenant,
    order: Order,
    order_form_signed_on: datetime.date | None = None,
    initial_payment_received_on: datetime.date | None = None,
    user: AbstractBaseUser | None = None,
) -> Order:
    """Record the signed form and/or initial payment; the order completes when both are in."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.completed_on is not None:
        raise Conflict(
            f"This order was completed on {order.completed_on:%Y-%m-%d}; "
            "its completion dates no longer change."
        )
    if not (order_form_signed_on or initial_payment_received_on):
        raise ApplicationError(
            "Give the date the order form was signed or the initial payment arrived.",
            fields={"order_form_signed_on": ["Required."]},
        )
    was_completed = False
    if order_form_signed_on:
        order.order_form_signed_on = order_form_signed_on
    if initial_payment_received_on:
        order.initial_payment_received_on = initial_payment_received_on
    order.completed_on = _completion(order)
    order.save()
    if order.completed_on and not was_completed:
        _after_completion(order, user)
    return order


def order_total_minor(order: Order) -> int:
    return sum(line.amount_minor for line in order.lines.all())


@transaction.atomic
def refund_record(
    *,
    tenant: Tenant,
    order: Order,
    amount: Decimal,
    refunded_on: datetime.date,
    reason: str = "",
    external_id: str = "",
    user: AbstractBaseUser | None = None,
) -> Refund:
    """Record a refund; together with earlier ones it can never exceed the order's total."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    amount_minor = to_minor(amount, order.currency)
    if amount_minor <= 0:
        raise ApplicationError("A refund is a positive amount.", fields={"amount": ["Positive."]})
    refunded = order.refunds.aggregate(total=Sum("amount_minor"))["total"] or 0
    total = order_total_minor(order)
    if refunded + amount_minor > total:
        raise ApplicationError(
            f"Refunds would total {format_minor(refunded + amount_minor, order.currency)}, more "
            f"than the order's {format_minor(total, order.currency)}.",
            fields={"amount": ["More than is left to refund."]},
        )
    refund = Refund(
        tenant=tenant,
        order=order,
        amount_minor=amount_minor,
        refunded_on=refunded_on,
        reason=reason.strip(),
        external_id=external_id,
        recorded_by=user,
    )
    refund.full_clean()
    refund.save()
    events.emit(events.REFUND_RECORDED, tenant_id=tenant.pk, refund_id=refund.pk)
    return refund
