"""What an orders or refunds file would do, row by row, before anything is written.

An order or a refund imported before must come back identical: an import never rewrites
one, because money that changes silently is money nobody can reconcile.
"""

import datetime
from collections import Counter
from dataclasses import dataclass
from functools import partial

from deals.imports_csv import Row
from deals.imports_plan import Change, PlanContext, by_key, first_of_each, unchanged
from deals.models import Customer, DealRegistration, Order, OrderLine, Product, Refund
from deals.models.registrations import RegistrationStatus
from deals.services.orders import LineInput, order_record, refund_record
from tenants.errors import Conflict
from tenants.money import InvalidAmount, to_minor

ORDER_COLUMNS = (
    "order_external_id",
    "customer_external_id",
    "ordered_on",
    "currency",
    "registration_id",
    "reseller_of_record",
    "reseller_of_record_source",
    "order_form_signed_on",
    "initial_payment_received_on",
)
LINE_COLUMNS = (
    "product_code",
    "quantity",
    "list_price",
    "price",
    "discount_approved",
    "monthly_fee",
    "initial_contract_months",
    "no_charge",
)
REFUND_COLUMNS = ("refund_external_id", "order_external_id", "amount", "refunded_on", "reason")
REFERRAL_STATUSES = (RegistrationStatus.APPROVED, RegistrationStatus.WON)


@dataclass
class _OrderRow:
    row: Row
    head: dict  # the order-level columns, typed
    code: str
    line: LineInput | None  # None when a line cell is refused


def _order_row(row: Row) -> _OrderRow:
    head = {
        "order_external_id": row.text("order_external_id", required=True, max_length=100),
        "customer_external_id": row.text("customer_external_id", required=True, max_length=100),
        "ordered_on": row.date("ordered_on", required=True),
        "currency": row.currency("currency", required=True),
        "registration_id": row.integer("registration_id", minimum=1, maximum=2**63 - 1),
        "reseller_of_record": row.boolean("reseller_of_record"),
        "reseller_of_record_source": row.text("reseller_of_record_source", max_length=200),
        "order_form_signed_on": row.date("order_form_signed_on"),
        "initial_payment_received_on": row.date("initial_payment_received_on"),
    }
    code = row.text("product_code", required=True, max_length=60)
    line = LineInput(
        product_code=code,
        quantity=row.integer("quantity", required=True, minimum=1),
        list_price=row.decimal("list_price", required=True, currency=head["currency"]),
        price=row.decimal("price", required=True, currency=head["currency"]),
        discount_approved=row.boolean("discount_approved"),
        monthly_fee=row.decimal("monthly_fee", currency=head["currency"]),
        initial_contract_months=row.integer("initial_contract_months", minimum=1),
        no_charge=row.boolean("no_charge"),
    )
    return _OrderRow(row, head, code, None if row.bad & set(LINE_COLUMNS) else line)


def _shown(value: object) -> str:
    if value is None or value == "":
        return "empty"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(str(value))


def _check_order_columns_agree(external_id: str, group: list[_OrderRow]) -> None:
    first = group[0]
    numbers = ", ".join(str(item.row.number) for item in group)
    for column in ORDER_COLUMNS[1:]:
        for item in group[1:]:
            if column in item.row.bad or column in first.row.bad:
                continue
            if item.head[column] != first.head[column]:
                item.row.error(
                    column,
                    f"Order {external_id}: {_shown(item.head[column])} here but "
                    f"{_shown(first.head[column])} on row {first.row.number}; every row of an "
                    f"order gives the same order columns (rows {numbers}).",
                )


def _line_key(line: LineInput | OrderLine, currency: str) -> tuple:
    if isinstance(line, OrderLine):
        return (
            line.product_code,
            line.quantity,
            line.list_price_minor,
            line.price_minor,
            line.discount_approved,
            line.monthly_fee_minor,
            line.initial_contract_months,
            line.no_charge,
        )
    return (
        line.product_code,
        line.quantity,
        to_minor(line.list_price, currency),
        to_minor(line.price, currency),
        line.discount_approved,
        None if line.monthly_fee is None else to_minor(line.monthly_fee, currency),
        line.initial_contract_months,
        line.no_charge,
    )


def _order_differences(order: Order, head: dict, lines: list[LineInput]) -> list[str]:
    recorded = {
        "customer_external_id": order.customer.external_id,
        "ordered_on": order.ordered_on,
        "currency": order.currency,
        "registration_id": order.registration_id,
        "reseller_of_record": order.reseller_of_record,
        "reseller_of_record_source": order.reseller_of_record_source,
        "order_form_signed_on": order.order_form_signed_on,
        "initial_payment_received_on": order.initial_payment_received_on,
    }
    differences = [column for column in recorded if recorded[column] != head[column]]
    key = partial(_line_key, currency=head["currency"] or order.currency)
    if Counter(map(key, order.lines.all())) != Counter(map(key, lines)):
        differences.append("lines")
    return differences


@dataclass
class _References:
    customers: dict[str, Customer]
    registrations: dict[int, DealRegistration]
    products: set[str]
    orders: dict[str, Order]


def _references(groups: dict[str, list[_OrderRow]]) -> _References:
    items = [item for group in groups.values() for item in group]
    registration_ids = {item.head["registration_id"] for item in items} - {None}
    codes = {item.code for item in items}
    return _References(
        customers=by_key(
            Customer.objects.all(),
            "external_id",
            (item.head["customer_external_id"] for item in items),
        ),
        registrations=by_key(DealRegistration.objects.all(), "pk", registration_ids),
        products=set(by_key(Product.objects.all(), "code", codes)),
        orders=by_key(
            Order.objects.select_related("customer").prefetch_related("lines"),
            "external_id",
            groups,
        ),
    )


def _order_change(
    external_id: str, group: list[_OrderRow], known: _References, context: PlanContext
) -> tuple[datetime.date, Change] | None:
    """The order's change (with its date, to create orders oldest first), or None if refused."""
    first = group[0]
    head = first.head
    _check_order_columns_agree(external_id, group)
    customer = known.customers.get(head["customer_external_id"])
    if customer is None and head["customer_external_id"]:
        first.row.error(
            "customer_external_id",
            f"No customer with external id {head['customer_external_id']!r}; "
            "import the customers first.",
        )
    registration = known.registrations.get(head["registration_id"])
    if registration is None and head["registration_id"] is not None:
        first.row.error("registration_id", f"No deal registration {head['registration_id']}.")
    for item in group:
        if item.code and item.code not in known.products:
            item.row.error("product_code", f"Unknown product code {item.code!r}.")
    if any(item.row.bad for item in group):
        return None
    lines = [item.line for item in group]
    order = known.orders.get(external_id)
    if order is not None:
        differences = _order_differences(order, head, lines)
        if differences:
            first.row.error(
                "",
                f"Order {external_id} was imported before with a different "
                f"{', '.join(differences)}; an import never rewrites a recorded order.",
            )
            return None
        return head["ordered_on"], unchanged(first.row)
    if registration is not None and registration.status not in REFERRAL_STATUSES:
        first.row.error(
            "registration_id",
            f"Registration {registration.pk} ({registration.company_name}) is "
            f"{registration.get_status_display().lower()}; only an approved registration can be "
            "an order's referral.",
        )
        return None
    record = partial(
        order_record,
        tenant=context.tenant,
        customer=customer,
        lines=lines,
        registration=registration,
        external_id=external_id,
        user=context.user,
        **{column: head[column] for column in ORDER_COLUMNS[2:] if column != "registration_id"},
    )
    return head["ordered_on"], Change(first.row.number, "created", record)


def orders_plan(rows: list[Row], context: PlanContext) -> list[Change]:
    """One order per order_external_id (its rows are its lines); new orders oldest first."""
    groups: dict[str, list[_OrderRow]] = {}
    for row in rows:
        item = _order_row(row)
        if item.head["order_external_id"]:
            groups.setdefault(item.head["order_external_id"], []).append(item)
        context.tick()
    known = _references(groups)
    dated = []
    for external_id, group in groups.items():
        change = _order_change(external_id, group, known, context)
        if change is not None:
            dated.append(change)
    # An order is the customer's initial purchase when none is earlier: record in date order.
    dated.sort(key=lambda pair: (pair[0], pair[1].row))
    return [change for _, change in dated]


def _refund_record_once(*, order: Order, external_id: str, **values) -> Refund:
    """refund_record, unless a refund with this external id appeared since the file was checked.

    The database does not make a refund's external id unique, so lock the order (as
    refund_record does) and look again: two imports of one file cannot both pay it back.
    """
    Order.objects.select_for_update().get(pk=order.pk)
    if Refund.objects.filter(external_id=external_id).exists():
        raise Conflict(f"Refund {external_id} was recorded meanwhile; import the file again.")
    return refund_record(order=order, external_id=external_id, **values)


def refunds_plan(rows: list[Row], context: PlanContext) -> list[Change]:
    """Record new refunds; one imported before must be identical."""
    values = {}
    for row in rows:
        values[row.number] = {
            "external_id": row.text("refund_external_id", required=True, max_length=100),
            "order": row.text("order_external_id", required=True, max_length=100),
            "amount": row.decimal("amount", required=True, positive=True),
            "refunded_on": row.date("refunded_on", required=True),
            "reason": row.text("reason", max_length=300),
        }
        context.tick()
    keyed = first_of_each(
        ((row, values[row.number]["external_id"]) for row in rows), "refund_external_id", "refund"
    )
    orders = by_key(Order.objects.all(), "external_id", (v["order"] for v in values.values()))
    existing = by_key(Refund.objects.all(), "external_id", keyed)
    changes = []
    for external_id, row in keyed.items():
        wanted = values[row.number]
        order = orders.get(wanted["order"])
        if order is None and wanted["order"]:
            row.error(
                "order_external_id",
                f"No order with external id {wanted['order']!r}; import the order first.",
            )
        elif order is not None and wanted["amount"] is not None:
            try:  # as precise as the order's currency allows (JPY: whole yen)
                to_minor(wanted["amount"], order.currency)
            except InvalidAmount as exc:
                row.error("amount", exc.message)
        if row.bad:
            continue
        refund = existing.get(external_id)
        if refund is None:
            record = partial(
                _refund_record_once,
                tenant=context.tenant,
                user=context.user,
                **(wanted | {"order": order}),
            )
            changes.append(Change(row.number, "created", record))
            continue
        recorded = {
            "order_external_id": refund.order_id == order.pk,
            "amount": refund.amount_minor == to_minor(wanted["amount"], order.currency),
            "refunded_on": refund.refunded_on == wanted["refunded_on"],
            "reason": refund.reason == wanted["reason"],
        }
        differences = [column for column, same in recorded.items() if not same]
        if differences:
            row.error(
                "",
                f"Refund {external_id} was imported before with a different "
                f"{', '.join(differences)}; an import never rewrites a recorded refund.",
            )
        else:
            changes.append(unchanged(row))
    return changes
