"""API: customers, products, orders with lines, completion and refunds, for staff and API keys."""

import datetime

import pytest
from django.test import Client

from deals.models import Customer, Order, Refund
from tenants.scope import tenant_scope
from tenants.services import api_key_create
from tests.deals.test_orders import approved_registration, customer, product, record
from tests.isolation import assert_hidden_from

API = "/simpro/api/v1/"
D = datetime.date


def key_of(tenant) -> str:
    with tenant_scope(tenant):
        return api_key_create(tenant=tenant, name="ERP sync")[1]


@pytest.fixture
def erp(cast):
    """An API client holding Simpro's key, and Simpro's catalogue."""
    product(cast.tenant_a, "SP-CORE")
    product(cast.tenant_a, "SP-MOBILE", "add-on")
    return Client(headers={"Authorization": f"Api-Key {key_of(cast.tenant_a)}"})


def post(client: Client, path: str, body: dict):
    return client.post(f"{API}{path}", body, content_type="application/json")


def order_body(customer_id: int, **more) -> dict:
    return {
        "customer": customer_id,
        "external_id": "SO-2001",
        "ordered_on": "2025-04-10",
        "lines": [
            {"product_code": "SP-CORE", "quantity": 2, "list_price": "1234.56", "price": "1234.56"},
            {
                "product_code": "SP-MOBILE",
                "list_price": "0.10",
                "price": "0.20",
                "monthly_fee": "49.99",
                "initial_contract_months": 12,
                "discount_approved": True,
            },
        ],
    } | more


def test_order_with_lines_round_trips_every_amount_exactly(cast, erp):
    # given a customer upserted by its CRM id, and an approved referral
    registration = approved_registration(cast, D(2025, 4, 1))
    made = post(erp, "customers/create/", {"name": "Acme", "external_id": "CRM-1", "country": "au"})
    # when the ERP creates the order with its two lines
    response = post(
        erp, "orders/create/", order_body(made.json()["id"], registration=registration.pk)
    )
    # then every amount comes back as the same decimal string, the total too
    assert (made.status_code, response.status_code) == (201, 201)
    order = response.json()
    core, mobile = order["lines"]
    assert (core["list_price"], core["price"], core["amount"]) == ("1234.56", "1234.56", "2469.12")
    assert (mobile["price"], mobile["monthly_fee"], mobile["list_price"]) == (
        "0.20",
        "49.99",
        "0.10",
    )
    assert (order["total"], order["refunded"], order["currency"]) == ("2469.32", "0.00", "USD")
    assert (order["registration"], order["firm"], order["lead_source"]) == (
        registration.pk,
        registration.firm_id,
        "partner",
    )
    detail = erp.get(f"{API}orders/{order['id']}/").json()
    assert detail == order
    twice = post(erp, "orders/create/", order_body(made.json()["id"]))
    assert (twice.status_code, twice.json()["error"]["message"]) == (
        409,
        "Order SO-2001 is already recorded.",
    )
    with tenant_scope(cast.tenant_a):
        assert Order.objects.get().lines.get(product_code="SP-CORE").price_minor == 123_456


def test_floats_and_unknown_products_are_refused_and_nothing_is_stored(cast, erp):
    buyer = customer(cast.tenant_a)
    as_float = order_body(buyer.pk)
    as_float["lines"][0]["price"] = 1234.56
    unknown = order_body(buyer.pk)
    unknown["lines"][1]["product_code"] = "NOPE"
    # when the ERP sends a float price, or an unknown product code
    floated, missing = post(erp, "orders/create/", as_float), post(erp, "orders/create/", unknown)
    # then both are 400 in the one error format, and no order exists
    assert floated.status_code == 400
    assert floated.json()["error"]["fields"]["lines"]["0"]["price"] == [
        'Send amounts as decimal strings, e.g. "1234.56".'
    ]
    assert missing.status_code == 400
    assert missing.json()["error"]["message"] == "Unknown product code(s): NOPE."
    # and a customer of another vendor is no customer here
    product(cast.tenant_b)
    elsewhere = post(erp, "orders/create/", order_body(customer(cast.tenant_b).pk))
    assert elsewhere.json()["error"]["fields"] == {"customer": ["Unknown id."]}
    with tenant_scope(cast.tenant_a):
        assert not Order.objects.exists()


def test_customers_upsert_by_external_id_and_products_are_created_once(cast, erp):
    first = post(erp, "customers/create/", {"name": "Acme", "external_id": "CRM-1"})
    again = post(erp, "customers/create/", {"name": "Acme Pty Ltd", "external_id": "CRM-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    listed = erp.get(f"{API}customers/?search=CRM-1").json()["results"]
    assert [row["name"] for row in listed] == ["Acme Pty Ltd"]
    made = post(erp, "products/create/", {"code": "SP-X", "name": "X", "category": "add-on"})
    twice = post(erp, "products/create/", {"code": "SP-X", "name": "X", "category": "add-on"})
    assert (made.status_code, twice.status_code) == (201, 409)
    assert twice.json()["error"]["message"] == "Product code SP-X already exists."
    codes = [row["code"] for row in erp.get(f"{API}products/").json()["results"]]
    assert codes == ["SP-CORE", "SP-MOBILE", "SP-X"]
    with tenant_scope(cast.tenant_a):
        assert Customer.objects.count() == 1


def test_completion_refunds_and_the_list_filters(cast, erp):
    # given two orders of two customers, one complete
    acme, bolt = customer(cast.tenant_a), customer(cast.tenant_a, "Bolt")
    open_order = record(cast.tenant_a, acme, D(2025, 4, 1), order_form_signed_on=D(2025, 4, 1))
    record(
        cast.tenant_a,
        bolt,
        D(2025, 4, 2),
        order_form_signed_on=D(2025, 4, 2),
        initial_payment_received_on=D(2025, 4, 3),
    )
    completed = erp.get(f"{API}orders/?completed=true").json()["results"]
    of_acme = erp.get(f"{API}orders/?customer={acme.pk}").json()["results"]
    assert [row["customer"]["name"] for row in completed] == ["Bolt"]
    assert [row["id"] for row in of_acme] == [open_order.pk]
    # when the payment arrives, and refunds follow
    url = f"{API}orders/{open_order.pk}/"
    done = post(
        erp, f"orders/{open_order.pk}/completion/", {"initial_payment_received_on": "2025-04-09"}
    )
    part = post(
        erp,
        f"orders/{open_order.pk}/refunds/create/",
        {"amount": "999.99", "refunded_on": "2025-05-01"},
    )
    over = post(
        erp,
        f"orders/{open_order.pk}/refunds/create/",
        {"amount": "0.02", "refunded_on": "2025-05-02"},
    )
    # then it is complete, one refund counts, and the other is refused with the reason
    assert (done.status_code, done.json()["completed_on"]) == (200, "2025-04-09")
    assert (part.status_code, part.json()["amount"]) == (201, "999.99")
    assert over.status_code == 400
    assert over.json()["error"]["fields"] == {"amount": ["More than is left to refund."]}
    assert erp.get(url).json()["refunded"] == "999.99"
    nothing = post(erp, f"orders/{open_order.pk}/completion/", {})
    assert nothing.status_code == 400
    with tenant_scope(cast.tenant_a):
        assert Refund.objects.count() == 1


PATHS = [
    ("get", "customers/"),
    ("post", "customers/create/"),
    ("get", "products/"),
    ("post", "products/create/"),
    ("get", "orders/"),
    ("post", "orders/create/"),
    ("get", "orders/{pk}/"),
    ("post", "orders/{pk}/completion/"),
    ("post", "orders/{pk}/refunds/create/"),
]


@pytest.mark.parametrize(("method", "path"), PATHS)
def test_partners_and_other_vendors_get_404_and_foreign_keys_401(cast, erp, method, path):
    # given an order at Simpro
    order = record(cast.tenant_a, customer(cast.tenant_a), D(2025, 4, 1))
    url = f"{API}{path.format(pk=order.pk)}"
    # when a Simpro partner, IPsoft's manager or a stranger calls, then 404
    for outsider in (cast.partner_admin_a1.user, cast.manager_b, cast.stranger):
        assert_hidden_from(outsider, url, method=method)
    # and IPsoft's key under Simpro's prefix is 401; nobody signed in is 401 too
    foreign = Client(headers={"Authorization": f"Api-Key {key_of(cast.tenant_b)}"})
    assert getattr(foreign, method)(url).status_code == 401
    assert getattr(Client(), method)(url).status_code == 401
    # while Simpro's own staff get through
    staff = Client()
    staff.force_login(cast.finance_a)
    assert getattr(staff, method)(url, content_type="application/json").status_code != 404


def test_an_order_of_another_vendor_is_404_through_ones_own_prefix(cast, erp):
    product(cast.tenant_b)
    order_b = record(cast.tenant_b, customer(cast.tenant_b), D(2025, 4, 1))
    assert erp.get(f"{API}orders/{order_b.pk}/").status_code == 404
