"""Console: products, customers, orders; "Record order" and the completion and refund actions."""

import datetime

import pytest
from django.test import Client

from deals.models import Customer, Order, Product, Refund
from tenants.errors import ApplicationError
from tenants.scope import tenant_scope
from tests.deals.test_orders import approved_registration, customer, line, product, record
from tests.isolation import assert_hidden_from, assert_visible_to

ORDERS = "/admin/deals/order/"
RECORD = f"{ORDERS}record/"
D = datetime.date


def console(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def order_page(lines: list[dict], **fields) -> dict:
    """The POST of the "Record order" page: order fields and a formset of lines."""
    data = {
        "ordered_on": "2025-04-10",
        "currency": "aud",
        "lines-TOTAL_FORMS": str(len(lines) + 1),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
        f"lines-{len(lines)}-quantity": "1",  # an untouched blank row is ignored
    }
    for index, row in enumerate(lines):
        data |= {f"lines-{index}-{key}": value for key, value in row.items()}
    return data | fields


@pytest.fixture
def catalogue(cast):
    return product(cast.tenant_a, "SP-CORE"), product(cast.tenant_a, "SP-MOBILE", "add-on")


def test_manager_records_an_order_with_two_lines_for_a_new_customer(cast, catalogue):
    # given Simpro's catalogue and an approved registration to refer the order
    registration = approved_registration(cast, D(2025, 4, 1))
    client = console(cast.manager_a)
    page = client.get(RECORD)
    assert page.status_code == 200 and b"SP-MOBILE" in page.content
    assert b'value="USD"' in page.content  # the vendor's currency by default
    # when the manager records an order for a new customer with two lines
    lines = [
        {"product_code": "SP-CORE", "quantity": "2", "list_price": "1234.56", "price": "1200.00"},
        {"product_code": "SP-MOBILE", "quantity": "3", "list_price": "10", "price": "10.05"},
    ]
    response = client.post(
        RECORD,
        order_page(
            lines,
            new_customer_name="Acme Plumbing",
            new_customer_country="au",
            new_customer_external_id="CRM-1",
            external_id="SO-1001",
            registration=str(registration.pk),
            order_form_signed_on="2025-04-10",
            initial_payment_received_on="2025-04-12",
        ),
    )
    # then the order, its customer and both lines are stored, complete, and shown
    with tenant_scope(cast.tenant_a):
        order = Order.objects.select_related("customer", "firm").get(external_id="SO-1001")
        codes = sorted(order.lines.values_list("product_code", "price_minor", "quantity"))
        registration.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == f"{ORDERS}{order.pk}/change/"
    assert codes == [("SP-CORE", 120_000, 2), ("SP-MOBILE", 1005, 3)]
    assert (order.customer.name, order.customer.country, order.currency) == (
        "Acme Plumbing",
        "AU",
        "AUD",
    )
    assert (order.completed_on, order.firm_id, registration.status) == (
        D(2025, 4, 12),
        registration.firm_id,
        "won",
    )
    detail = client.get(f"{ORDERS}{order.pk}/change/").content.decode()
    assert "2,430.15 AUD" in detail and "SP-MOBILE" in detail and "Record refund" in detail
    listing = client.get(f"{ORDERS}?completed=yes&q=Acme").content.decode()
    assert "2,430.15 AUD" in listing


def test_every_error_shows_on_the_page_and_nothing_is_half_written(cast, catalogue, monkeypatch):
    # given an order SO-1 already recorded
    record(
        cast.tenant_a, customer(cast.tenant_a, "Bolt Electrical"), D(2025, 4, 1), external_id="SO-1"
    )
    client = console(cast.manager_a)
    row = {"product_code": "SP-CORE", "quantity": "1", "list_price": "5", "price": "5"}
    # when the page is sent with a new customer, a taken order id and a bad line
    response = client.post(
        RECORD,
        order_page(
            [row, {**row, "product_code": "NOPE", "price": "-1"}],
            new_customer_name="Acme Plumbing",
            external_id="SO-1",
        ),
    )
    # then each error is on the page and neither customer nor order was stored
    page = response.content.decode()
    assert response.status_code == 200
    assert "An order with this external id is already recorded." in page
    assert "Select a valid choice. NOPE is not one of the available choices." in page
    assert "Ensure this value is greater than or equal to 0." in page
    assert "Choose an existing customer or name a new one (not both)." in (
        client.post(RECORD, order_page([row])).content.decode()
    )
    foreign = customer(cast.tenant_b, "Acme Plumbing")
    assert "Select a valid choice." in (
        client.post(RECORD, order_page([row], customer=str(foreign.pk))).content.decode()
    )

    # when the service refuses after the new customer was written
    def refuse(**kwargs):
        raise ApplicationError("The ERP says no.")

    monkeypatch.setattr("deals.admin.orders.order_record", refuse)
    refused = client.post(RECORD, order_page([row], new_customer_name="Acme Plumbing"))
    # then its message is on the page, and the customer went with the order
    assert "The ERP says no." in refused.content.decode()
    with tenant_scope(cast.tenant_a):
        assert not Customer.objects.filter(name="Acme Plumbing").exists()
        assert Order.objects.count() == 1


def test_completion_and_refund_actions(cast, catalogue):
    # given an order of 2 x 1,200.00 with only the signed form in
    order = record(
        cast.tenant_a,
        customer(cast.tenant_a),
        D(2025, 4, 1),
        order_form_signed_on=D(2025, 4, 2),
        lines=[line(price="1200", quantity=2)],
    )
    client = console(cast.manager_a)
    # when the manager records the payment, then a refund, then one too many
    done = client.post(
        f"{ORDERS}{order.pk}/completion/", {"initial_payment_received_on": "2025-04-20"}
    )
    refunded = client.post(
        f"{ORDERS}{order.pk}/refund/",
        {"amount": "400.00", "refunded_on": "2025-05-01", "reason": "Two seats cancelled"},
    )
    too_much = client.post(
        f"{ORDERS}{order.pk}/refund/",
        {"amount": "2000.01", "refunded_on": "2025-05-02", "reason": "Oops"},
    )
    # then the order is complete, one refund is stored and the second is refused on the page
    with tenant_scope(cast.tenant_a):
        order.refresh_from_db()
        refunds = list(Refund.objects.values_list("amount_minor", "reason"))
    assert done.status_code == refunded.status_code == 302
    assert order.completed_on == D(2025, 4, 20)
    assert refunds == [(40_000, "Two seats cancelled")]
    assert too_much.status_code == 200
    assert "Refunds would total 2,400.01 AUD, more than the order&#x27;s 2,400.00 AUD" in (
        too_much.content.decode()
    )
    # and a completed order's completion page only says when it completed
    again = client.get(f"{ORDERS}{order.pk}/completion/", follow=True).content.decode()
    assert "was completed on 2025-04-20" in again


def test_finance_views_orders_but_cannot_record(cast, catalogue):
    # given an order at Simpro
    order = record(cast.tenant_a, customer(cast.tenant_a), D(2025, 4, 1))
    finance = console(cast.finance_a)
    # when finance opens the pages, then they see them but every write is 403
    assert_visible_to(cast.finance_a, ORDERS)
    assert_visible_to(cast.finance_a, f"{ORDERS}{order.pk}/change/")
    assert b"Record refund" not in finance.get(f"{ORDERS}{order.pk}/change/").content
    assert finance.get(RECORD).status_code == 403
    assert finance.post(RECORD, order_page([])).status_code == 403
    refund = {"amount": "1.00", "refunded_on": "2025-05-01", "reason": "x"}
    assert finance.post(f"{ORDERS}{order.pk}/refund/", refund).status_code == 403
    assert finance.post(f"{ORDERS}{order.pk}/change/", {}).status_code == 403
    with tenant_scope(cast.tenant_a):
        assert not Refund.objects.exists()


def test_another_vendors_order_customer_and_product_are_404(cast, catalogue):
    # given an order, its customer and a product at Simpro
    buyer = customer(cast.tenant_a, external_id="CRM-9")
    order = record(cast.tenant_a, buyer, D(2025, 4, 1))
    core, _ = catalogue
    refund = {"amount": "1.00", "refunded_on": "2025-05-01", "reason": "x"}
    # when IPsoft's manager (or a partner, or a stranger) asks for them, then 404
    assert_hidden_from(cast.manager_b, f"{ORDERS}{order.pk}/change/")
    assert_hidden_from(cast.manager_b, f"{ORDERS}{order.pk}/refund/", method="post", data=refund)
    assert_hidden_from(cast.manager_b, f"{ORDERS}{order.pk}/completion/", method="post")
    assert_hidden_from(cast.manager_b, f"/admin/deals/customer/{buyer.pk}/change/")
    assert_hidden_from(cast.manager_b, f"/admin/deals/product/{core.pk}/change/")
    assert b"Acme" not in console(cast.manager_b).get(ORDERS).content
    assert console(cast.partner_admin_a1.user).get(ORDERS).status_code == 302  # to the login
    assert_visible_to(cast.manager_a, f"{ORDERS}{order.pk}/change/")


def test_products_and_customers_in_the_console(cast, catalogue):
    client = console(cast.manager_a)
    # when a manager adds a product whose code exists, then the form says so
    taken = client.post(
        "/admin/deals/product/add/", {"code": "SP-CORE", "name": "x", "category": "y"}
    )
    assert "Product code SP-CORE already exists." in taken.content.decode()
    added = client.post(
        "/admin/deals/product/add/", {"code": "SP-PLUS", "name": "Plus", "category": "add-on"}
    )
    assert added.status_code == 302
    # when a customer with an external id is edited, then the same row is updated (upsert)
    buyer = customer(cast.tenant_a, external_id="CRM-7")
    url = f"/admin/deals/customer/{buyer.pk}/change/"
    changed = client.post(
        url, {"name": "ACME Plumbing Pty Ltd", "domain": "acme.au", "country": "au"}
    )
    with tenant_scope(cast.tenant_a):
        buyer.refresh_from_db()
        assert Customer.objects.count() == 1
        assert Product.objects.filter(code="SP-PLUS").exists()
    assert changed.status_code == 302
    assert (buyer.name, buyer.normalized_name, buyer.country, buyer.external_id) == (
        "ACME Plumbing Pty Ltd",
        "acme plumbing",
        "AU",
        "CRM-7",
    )
    search = client.get("/admin/deals/customer/?q=acme.au").content.decode()
    assert "ACME Plumbing Pty Ltd" in search


def test_superuser_without_a_vendor_reads_every_vendor_but_records_in_none(cast, catalogue):
    # given an order at each vendor
    product(cast.tenant_b)
    record(cast.tenant_a, customer(cast.tenant_a, "Acme Plumbing"), D(2025, 4, 1))
    record(cast.tenant_b, customer(cast.tenant_b, "Cobalt Labs"), D(2025, 4, 1))
    root = console(cast.superuser)
    # when the superuser opens the list and the record page
    listing = root.get(ORDERS).content.decode()
    page = root.get(RECORD, follow=True).content.decode()
    # then both orders are listed, and recording asks for a vendor first
    assert "Acme Plumbing" in listing and "Cobalt Labs" in listing
    assert "Switch to a vendor first" in page
