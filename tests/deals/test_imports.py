"""CSV imports: every bad row reported, nothing half-applied, re-imports change nothing."""

import csv
import datetime
import io
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from deals.imports import ImportRefused, csv_import
from deals.imports_csv import MAX_BYTES, RowError
from deals.imports_customers import CUSTOMER_COLUMNS
from deals.imports_orders import LINE_COLUMNS, ORDER_COLUMNS, REFUND_COLUMNS
from deals.models import Customer, Order, OrderLine, Product, Refund, RegistrationStatus
from deals.services.orders import customer_upsert
from deals.services.registrations import registration_approve, registration_submit
from partners.services.applications import application_approve
from tenants.scope import ScopeError, tenant_scope
from tests.partners.conftest import load_program
from tests.partners.test_applications import submit

ORDERS = ORDER_COLUMNS + LINE_COLUMNS
APRIL_15 = datetime.date(2025, 4, 15)


def as_csv(columns: tuple[str, ...], rows: list[dict], *, header: list[str] | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header or columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return out.getvalue().encode()


def run(tenant, kind: str, data: bytes, **kwargs):
    with tenant_scope(tenant):
        return csv_import(tenant=tenant, kind=kind, file=io.BytesIO(data), **kwargs)


def refused(tenant, kind: str, data: bytes, **kwargs) -> list[RowError]:
    with pytest.raises(ImportRefused) as refusal:
        run(tenant, kind, data, **kwargs)
    return refusal.value.errors


def customers(n: int, changes: dict[int, dict] | None = None) -> list[dict]:
    """n customer rows; `changes` overrides cells of the i-th (1-based)."""
    changes = changes or {}
    return [
        {"external_id": f"C{i:03}", "name": f"Customer {i}", "domain": f"c{i}.com", "country": "AU"}
        | changes.get(i, {})
        for i in range(1, n + 1)
    ]


def count(tenant, model) -> int:
    with tenant_scope(tenant):
        return model.objects.count()


@pytest.fixture
def catalogue(cast):
    """Products and two customers of tenant A; a customer of tenant B with an id A also uses."""
    with tenant_scope(cast.tenant_a):
        for code, category in (("SIM-CORE", "software"), ("SIM-SVC", "services")):
            Product.objects.create(tenant=cast.tenant_a, code=code, name=code, category=category)
        for external_id, name in (("C1", "Harbour Foods"), ("C2", "Bay Electrical")):
            customer_upsert(tenant=cast.tenant_a, external_id=external_id, name=name)
    with tenant_scope(cast.tenant_b):
        customer_upsert(tenant=cast.tenant_b, external_id="B-ONLY", name="IPsoft customer")
    return cast


def order_row(order: str = "SO-1", **overrides) -> dict:
    return {
        "order_external_id": order,
        "customer_external_id": "C1",
        "ordered_on": "2025-03-01",
        "currency": "AUD",
        "reseller_of_record": "false",
        "order_form_signed_on": "2025-03-02",
        "initial_payment_received_on": "2025-03-05",
        "product_code": "SIM-CORE",
        "quantity": "2",
        "list_price": "1200.00",
        "price": "1100.50",
        "discount_approved": "yes",
        "no_charge": "0",
    } | overrides


# --- given a customers file -------------------------------------------------------------


def test_one_bad_row_among_100_is_named_and_nothing_is_applied(cast):
    rows = customers(100, {57: {"country": "Australia"}})
    errors = refused(cast.tenant_a, "customers", as_csv(CUSTOMER_COLUMNS, rows))
    # customer 57 is data row 57, i.e. spreadsheet row 58 under the header
    assert [(e.row, e.column) for e in errors] == [(58, "country")]
    assert "two-letter" in errors[0].message
    assert count(cast.tenant_a, Customer) == 0


def test_every_bad_row_is_reported_not_just_the_first(cast):
    rows = customers(5, {2: {"name": ""}, 4: {"domain": "not a domain", "country": "1X"}})
    errors = refused(cast.tenant_a, "customers", as_csv(CUSTOMER_COLUMNS, rows))
    assert [(e.row, e.column) for e in errors] == [(3, "name"), (5, "domain"), (5, "country")]


def test_same_file_twice_changes_nothing_the_second_time(cast):
    data = as_csv(CUSTOMER_COLUMNS, customers(100))
    first = run(cast.tenant_a, "customers", data)
    with tenant_scope(cast.tenant_a):
        before = list(Customer.objects.order_by("pk").values())
    second = run(cast.tenant_a, "customers", data)
    with tenant_scope(cast.tenant_a):
        after = list(Customer.objects.order_by("pk").values())
    assert (first.created, first.updated, first.unchanged) == (100, 0, 0)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 100)
    assert after == before


def test_a_changed_customer_is_updated(cast):
    run(cast.tenant_a, "customers", as_csv(CUSTOMER_COLUMNS, customers(3)))
    rows = customers(3, {2: {"name": "Customer Two Pty Ltd"}})
    result = run(cast.tenant_a, "customers", as_csv(CUSTOMER_COLUMNS, rows))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    with tenant_scope(cast.tenant_a):
        assert Customer.objects.get(external_id="C002").name == "Customer Two Pty Ltd"


def test_a_file_saved_with_a_byte_order_mark_imports(cast):
    data = b"\xef\xbb\xbf" + as_csv(CUSTOMER_COLUMNS, customers(2)).replace(b"\n", b"\r\n")
    assert run(cast.tenant_a, "customers", data).created == 2
    with tenant_scope(cast.tenant_a):
        assert Customer.objects.get(external_id="C001").name == "Customer 1"


def test_a_file_that_is_not_utf8_is_refused(cast):
    data = as_csv(CUSTOMER_COLUMNS, customers(1, {1: {"name": "Müller"}}))
    errors = refused(cast.tenant_a, "customers", data.decode().encode("latin-1"))
    assert errors[0].row == 0 and "not UTF-8" in errors[0].message


def test_a_file_over_10_mb_is_refused(cast):
    data = as_csv(CUSTOMER_COLUMNS, []) + b"x" * MAX_BYTES
    errors = refused(cast.tenant_a, "customers", data)
    assert "larger than 10 MB" in errors[0].message


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://evil")', "+61 2 9999", "@SUM(A1)", "\tx"])
def test_a_cell_that_looks_like_a_formula_is_refused(cast, cell):
    rows = customers(2, {2: {"name": cell}})
    errors = refused(cast.tenant_a, "customers", as_csv(CUSTOMER_COLUMNS, rows))
    assert [(e.row, e.column) for e in errors] == [(3, "name")]
    assert "formula" in errors[0].message
    assert count(cast.tenant_a, Customer) == 0


def test_a_missing_and_an_unknown_column_are_named(cast):
    header = ["external_id", "name", "domain", "countri"]
    errors = refused(cast.tenant_a, "customers", as_csv(CUSTOMER_COLUMNS, [], header=header))
    messages = " ".join(e.message for e in errors)
    assert "Missing column(s): country" in messages
    assert "Unknown column(s): 'countri'" in messages
    assert {e.row for e in errors} == {1}


def test_columns_in_any_order_and_case_and_a_trailing_empty_column_are_fine(cast):
    data = b"Country,NAME,external_id,domain,\nAU,Harbour Foods,C1,harbourfoods.com.au,\n"
    assert run(cast.tenant_a, "customers", data).created == 1
    errors = refused(cast.tenant_a, "customers", data.replace(b"au,\n", b"au,oops\n"))
    assert [(e.row, e.message) for e in errors] == [
        (2, "A value under a column with no name in the header.")
    ]


def test_the_same_external_id_twice_in_a_file_is_refused(cast):
    rows = customers(3, {3: {"external_id": "C001"}})
    errors = refused(cast.tenant_a, "customers", as_csv(CUSTOMER_COLUMNS, rows))
    assert [(e.row, e.column) for e in errors] == [(4, "external_id")]
    assert "also on row 2" in errors[0].message


def test_import_outside_the_tenant_scope_raises(cast):
    with pytest.raises(ScopeError):
        csv_import(tenant=cast.tenant_a, kind="customers", file=io.BytesIO(b""))


# --- given an orders file ----------------------------------------------------------------


def test_rows_of_one_order_become_one_order_with_its_lines(catalogue):
    rows = [
        order_row(),
        order_row(product_code="SIM-SVC", quantity="1", price="300", list_price="300"),
    ]
    result = run(catalogue.tenant_a, "orders", as_csv(ORDERS, rows), user=catalogue.manager_a)
    assert (result.created, result.unchanged) == (1, 0)
    with tenant_scope(catalogue.tenant_a):
        order = Order.objects.select_related("customer").get(external_id="SO-1")
        lines = sorted(order.lines.values_list("product_code", "quantity", "price_minor"))
    assert lines == [("SIM-CORE", 2, 110050), ("SIM-SVC", 1, 30000)]
    assert order.customer.external_id == "C1"
    assert order.completed_on == datetime.date(2025, 3, 5)
    assert order.is_initial_purchase and order.recorded_by == catalogue.manager_a


def test_order_columns_that_disagree_across_its_rows_are_refused(catalogue):
    rows = [order_row(), order_row(currency="NZD", product_code="SIM-SVC"), order_row("SO-2")]
    errors = refused(catalogue.tenant_a, "orders", as_csv(ORDERS, rows))
    assert [(e.row, e.column) for e in errors] == [(3, "currency")]
    assert "'NZD' here but 'AUD' on row 2" in errors[0].message
    assert "rows 2, 3" in errors[0].message
    assert count(catalogue.tenant_a, Order) == 0  # SO-2 was fine, and is not imported either


def test_orders_file_twice_leaves_orders_as_they_were(catalogue):
    rows = [
        order_row(),
        order_row(product_code="SIM-SVC"),
        order_row("SO-2", ordered_on="2025-04-01"),
    ]
    data = as_csv(ORDERS, rows)
    assert run(catalogue.tenant_a, "orders", data).created == 2
    with tenant_scope(catalogue.tenant_a):
        before = list(OrderLine.objects.order_by("pk").values())
    again = run(catalogue.tenant_a, "orders", data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    with tenant_scope(catalogue.tenant_a):
        assert list(OrderLine.objects.order_by("pk").values()) == before
        assert Order.objects.count() == 2


def test_a_recorded_order_is_never_rewritten_by_an_import(catalogue):
    run(catalogue.tenant_a, "orders", as_csv(ORDERS, [order_row()]))
    errors = refused(catalogue.tenant_a, "orders", as_csv(ORDERS, [order_row(price="999.00")]))
    assert [(e.row, e.column) for e in errors] == [(2, "")]
    assert "different lines" in errors[0].message
    with tenant_scope(catalogue.tenant_a):
        assert OrderLine.objects.get().price_minor == 110050


def test_orders_are_recorded_oldest_first_so_the_initial_purchase_is_right(catalogue):
    rows = [order_row("SO-LATER", ordered_on="2025-05-01"), order_row("SO-FIRST")]
    run(catalogue.tenant_a, "orders", as_csv(ORDERS, rows))
    with tenant_scope(catalogue.tenant_a):
        initial = dict(Order.objects.values_list("external_id", "is_initial_purchase"))
    assert initial == {"SO-FIRST": True, "SO-LATER": False}


def test_unknown_references_and_bad_cells_are_all_reported(catalogue):
    rows = [
        order_row(customer_external_id="B-ONLY"),  # tenant B's customer is not a reference here
        order_row("SO-2", product_code="NOPE", quantity="two", list_price="1,200.00"),
        order_row("SO-3", ordered_on="01/03/2025", no_charge="maybe", registration_id="999999"),
    ]
    errors = refused(catalogue.tenant_a, "orders", as_csv(ORDERS, rows))
    assert [(e.row, e.column) for e in errors] == [
        (2, "customer_external_id"),
        (3, "quantity"),
        (3, "list_price"),
        (3, "product_code"),
        (4, "ordered_on"),
        (4, "no_charge"),
        (4, "registration_id"),
    ]


def test_amounts_are_exact_decimals_and_negative_prices_are_refused(catalogue):
    rows = [
        order_row(price="-5"),
        order_row("SO-2", price="10.005"),
        order_row("SO-3", price="1" + "0" * 20, quantity="9" * 12),
    ]
    errors = refused(catalogue.tenant_a, "orders", as_csv(ORDERS, rows))
    assert [(e.row, e.column, e.message) for e in errors] == [
        (2, "price", "Cannot be negative."),
        (3, "price", "10.005 has more than 2 decimal places."),
        (4, "quantity", "999999999999 is too large."),
        (4, "price", "100000000000000000000 is too large."),
    ]
    result = run(catalogue.tenant_a, "orders", as_csv(ORDERS, [order_row(price="0.10")]))
    assert result.created == 1
    with tenant_scope(catalogue.tenant_a):
        assert OrderLine.objects.get().price_minor == 10


# --- given a refunds file ----------------------------------------------------------------


@pytest.fixture
def ordered(catalogue):
    """SO-1: 2 x 1100.50 AUD = 2201.00 AUD."""
    run(catalogue.tenant_a, "orders", as_csv(ORDERS, [order_row()]))
    return catalogue


def refund_row(refund: str = "R-1", **overrides) -> dict:
    return {
        "refund_external_id": refund,
        "order_external_id": "SO-1",
        "amount": "100.00",
        "refunded_on": "2025-04-01",
        "reason": "Returned one seat",
    } | overrides


def test_refunds_are_recorded_once(ordered):
    data = as_csv(REFUND_COLUMNS, [refund_row(), refund_row("R-2", amount="0.50")])
    assert run(ordered.tenant_a, "refunds", data).created == 2
    assert run(ordered.tenant_a, "refunds", data).unchanged == 2
    with tenant_scope(ordered.tenant_a):
        assert sorted(Refund.objects.values_list("amount_minor", flat=True)) == [50, 10000]


def test_a_refund_of_an_unknown_order_is_refused(ordered):
    rows = [refund_row(), refund_row("R-2", order_external_id="SO-404")]
    errors = refused(ordered.tenant_a, "refunds", as_csv(REFUND_COLUMNS, rows))
    assert [(e.row, e.column) for e in errors] == [(3, "order_external_id")]
    assert "No order with external id 'SO-404'" in errors[0].message
    assert count(ordered.tenant_a, Refund) == 0


def test_refunds_beyond_the_order_total_are_refused_by_the_service_and_nothing_applies(ordered):
    rows = [refund_row(amount="2000.00"), refund_row("R-2", amount="201.01")]
    errors = refused(ordered.tenant_a, "refunds", as_csv(REFUND_COLUMNS, rows))
    assert [(e.row, e.column) for e in errors] == [(3, "amount")]
    assert "more than the order's" in errors[0].message  # refund_record's own words
    assert count(ordered.tenant_a, Refund) == 0  # R-1 was valid on its own: rolled back too


def test_checks_and_service_refusals_are_reported_together(ordered):
    rows = [
        refund_row(amount="abc"),
        refund_row("R-2", amount="2000.00"),
        refund_row("R-3", amount="300.00"),
    ]
    errors = refused(ordered.tenant_a, "refunds", as_csv(REFUND_COLUMNS, rows))
    assert [(e.row, e.column) for e in errors] == [(2, "amount"), (4, "amount")]
    assert count(ordered.tenant_a, Refund) == 0


def test_a_negative_number_is_a_number_not_a_formula_but_refunds_are_positive(ordered):
    rows = [
        refund_row(amount="-100"),
        refund_row("R-2", amount="+100"),
        refund_row("R-3", reason="-"),
    ]
    errors = refused(ordered.tenant_a, "refunds", as_csv(REFUND_COLUMNS, rows))
    assert [(e.row, e.column) for e in errors] == [(2, "amount"), (3, "amount"), (4, "reason")]
    assert errors[0].message == "Must be more than 0."
    assert "formula" in errors[1].message and "formula" in errors[2].message


def test_a_recorded_refund_is_never_rewritten(ordered):
    run(ordered.tenant_a, "refunds", as_csv(REFUND_COLUMNS, [refund_row()]))
    errors = refused(ordered.tenant_a, "refunds", as_csv(REFUND_COLUMNS, [refund_row(amount="99")]))
    assert "different amount" in errors[0].message
    with tenant_scope(ordered.tenant_a):
        assert Refund.objects.get().amount_minor == 10000


# --- orders referring to a deal registration ----------------------------------------------


@pytest.fixture
def registrations(catalogue):
    """Sparkline (firm A1) enrolled in Simpro's program: one approved, one submitted lead."""
    tenant, program = load_program("simpro")
    application = submit(
        tenant, program, catalogue.partner_admin_a1.user, tracks=["service-providers"]
    )
    with tenant_scope(tenant):
        application_approve(
            tenant=tenant, application=application, user=catalogue.manager_a, today=APRIL_15
        )
        lead = {"tenant": tenant, "firm": catalogue.firm_a1, "user": None, "country": "AU"}
        approved = registration_submit(company_name="Harbour Foods", **lead)
        approved = registration_approve(
            tenant=tenant, registration=approved, user=catalogue.manager_a, today=APRIL_15
        )
        waiting = registration_submit(company_name="Quay Plumbing", **lead)
    return approved, waiting


def test_an_order_referring_to_an_approved_registration_is_the_partners(catalogue, registrations):
    approved, _ = registrations
    rows = [order_row(registration_id=str(approved.pk))]
    run(catalogue.tenant_a, "orders", as_csv(ORDERS, rows))
    with tenant_scope(catalogue.tenant_a):
        order = Order.objects.select_related("firm").get()
        approved.refresh_from_db()
    assert order.firm == catalogue.firm_a1
    assert approved.status == RegistrationStatus.WON  # the order completed


def test_an_order_referring_to_a_registration_not_approved_is_refused(catalogue, registrations):
    _, waiting = registrations
    rows = [order_row(registration_id=str(waiting.pk))]
    errors = refused(catalogue.tenant_a, "orders", as_csv(ORDERS, rows))
    assert [(e.row, e.column) for e in errors] == [(2, "registration_id")]
    assert "is submitted" in errors[0].message


# --- the management command --------------------------------------------------------------


def test_command_imports_with_a_progress_bar_on_stderr(cast, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes(as_csv(CUSTOMER_COLUMNS, customers(250)))
    out, err = StringIO(), StringIO()
    call_command("import_csv", str(path), tenant="simpro", kind="customers", stdout=out, stderr=err)
    assert "customers.csv: customers 250 created, 0 updated, 0 unchanged." in out.getvalue()
    progress = err.getvalue()
    assert "\rChecking  [" in progress and "100%  250/250" in progress
    assert "\rApplying  [##############################] 100%  250/250\n" in progress
    assert count(cast.tenant_a, Customer) == 250


def test_command_fails_with_the_report_and_imports_nothing(cast, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes(as_csv(CUSTOMER_COLUMNS, customers(10, {4: {"country": "O2"}})))
    err = StringIO()
    with pytest.raises(CommandError, match="nothing of the file was imported"):
        call_command(
            "import_csv",
            str(path),
            tenant="simpro",
            kind="customers",
            stderr=err,
            stdout=StringIO(),
        )
    assert "row 5.country: 'O2' is not a country" in err.getvalue()
    assert count(cast.tenant_a, Customer) == 0


def test_command_refuses_an_unknown_vendor(cast, tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(as_csv(CUSTOMER_COLUMNS, customers(1)))
    with pytest.raises(CommandError, match="No active vendor"):
        call_command("import_csv", str(path), tenant="nobody", kind="customers")


def test_command_imports_only_into_its_tenant(catalogue, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(as_csv(ORDERS, [order_row(customer_external_id="B-ONLY")]))
    with pytest.raises(CommandError):
        call_command("import_csv", str(path), tenant="simpro", kind="orders", stderr=StringIO())
    path.write_bytes(as_csv(CUSTOMER_COLUMNS, customers(1)))
    call_command(
        "import_csv",
        str(path),
        tenant="ipsoft",
        kind="customers",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    assert count(catalogue.tenant_a, Customer) == 2  # A's two, none of B's import
    assert count(catalogue.tenant_b, Customer) == 2


def test_money_is_decimal_through_and_through():
    from deals.imports_csv import Report, Row

    row = Row(2, {"amount": "19.99"}, Report())
    assert row.decimal("amount") == Decimal("19.99") and isinstance(row.decimal("amount"), Decimal)
