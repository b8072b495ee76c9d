"""Import pages: the partners' registrations upload, the console page and the API endpoint."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from deals.imports_customers import CUSTOMER_COLUMNS
from deals.imports_registrations import REGISTRATION_COLUMNS
from deals.models import Customer, DealRegistration
from deals.services.registrations import registration_submit
from partners.services.applications import application_approve
from tenants.scope import tenant_scope
from tenants.services import api_key_create
from tests.deals.test_imports import as_csv, customers
from tests.isolation import assert_hidden_from
from tests.partners.conftest import load_program
from tests.partners.test_applications import submit

PORTAL = "/simpro/portal/deals/import/"
CONSOLE = "/admin/deals/import/"
APRIL_15 = datetime.date(2025, 4, 15)
# an expected close date is judged against the day of entry (tenants/validation.py)
IN_A_QUARTER = timezone.localdate() + datetime.timedelta(days=90)


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(data: bytes, name: str = "leads.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def leads(n: int, changes: dict[int, dict] | None = None) -> bytes:
    changes = changes or {}
    rows = [
        {
            "external_id": f"L-{i}",
            "company_name": f"Prospect {i} Pty Ltd",
            "domain": f"prospect{i}.com.au",
            "country": "AU",
            "contact_name": "Jo Citizen",
            "contact_email": f"jo@prospect{i}.com.au",
            "products": "simPRO Enterprise",
            "estimated_value": "12500.00",
            "expected_close_on": f"{IN_A_QUARTER:%Y-%m-%d}",
            "notes": "Met at the trade show",
        }
        | changes.get(i, {})
        for i in range(1, n + 1)
    ]
    return as_csv(REGISTRATION_COLUMNS, rows)


def registrations_of(tenant, firm) -> list[DealRegistration]:
    with tenant_scope(tenant):
        return list(DealRegistration.objects.filter(firm=firm).order_by("external_id"))


@pytest.fixture
def enrolled(cast):
    """Sparkline (firm A1) enrolled in Simpro's program; Kiwi Trade Tech (A2) is not."""
    tenant, program = load_program("simpro")
    application = submit(tenant, program, cast.partner_admin_a1.user, tracks=["service-providers"])
    with tenant_scope(tenant):
        application_approve(
            tenant=tenant, application=application, user=cast.manager_a, today=APRIL_15
        )
    return cast


# --- the partner portal page --------------------------------------------------------------


def test_partner_imports_registrations_for_their_own_firm(enrolled):
    client = client_of(enrolled.partner_rep_a1.user)
    assert client.get(PORTAL).status_code == 200
    response = client.post(PORTAL, {"file": upload(leads(3))}, follow=True)
    assert "Registrations imported: 3 created, 0 updated, 0 unchanged." in response.text
    mine = registrations_of(enrolled.tenant_a, enrolled.firm_a1)
    assert [r.external_id for r in mine] == ["L-1", "L-2", "L-3"]
    assert {r.submitted_by for r in mine} == {enrolled.partner_rep_a1.user}
    assert {r.status for r in mine} == {"submitted"}
    assert mine[0].estimated_value_minor == 1250000
    assert registrations_of(enrolled.tenant_a, enrolled.firm_a2) == []


def test_the_same_leads_file_again_changes_nothing(enrolled):
    client = client_of(enrolled.partner_admin_a1.user)
    client.post(PORTAL, {"file": upload(leads(3))})
    response = client.post(PORTAL, {"file": upload(leads(3))}, follow=True)
    assert "0 created, 0 updated, 3 unchanged" in response.text
    assert len(registrations_of(enrolled.tenant_a, enrolled.firm_a1)) == 3


def test_a_lead_the_firm_already_registered_is_that_rows_error_and_nothing_applies(enrolled):
    with tenant_scope(enrolled.tenant_a):
        registration_submit(
            tenant=enrolled.tenant_a,
            firm=enrolled.firm_a1,
            user=None,
            company_name="Prospect 2",
            country="AU",
        )
    response = client_of(enrolled.partner_rep_a1.user).post(PORTAL, {"file": upload(leads(3))})
    assert response.status_code == 200
    assert "Nothing was registered" in response.text
    assert "<td>3</td>" in response.text  # Prospect 2 is on spreadsheet row 3
    assert "Your firm already registered Prospect 2" in response.text
    assert len(registrations_of(enrolled.tenant_a, enrolled.firm_a1)) == 1  # the earlier one


def test_bad_rows_are_listed_with_row_and_column(enrolled):
    data = leads(4, {2: {"contact_email": "jo at prospect"}, 4: {"notes": "=cmd|' /C calc'!A0"}})
    response = client_of(enrolled.partner_rep_a1.user).post(PORTAL, {"file": upload(data)})
    page = response.text
    assert "<td>3</td><td>contact_email</td>" in page
    assert "<td>5</td><td>notes</td>" in page and "formula" in page
    assert registrations_of(enrolled.tenant_a, enrolled.firm_a1) == []


def test_a_firm_without_an_active_enrolment_cannot_import(enrolled):
    client = client_of(enrolled.partner_rep_a2.user)
    assert "has no active enrolment" in client.get(PORTAL).text
    response = client.post(PORTAL, {"file": upload(leads(1))})
    assert "Kiwi Trade Tech has no active enrolment" in response.text
    assert registrations_of(enrolled.tenant_a, enrolled.firm_a2) == []


@pytest.mark.parametrize("who", ["partner_rep_b1", "manager_b", "stranger"])
def test_outsiders_get_404_for_the_portal_import(enrolled, who):
    user = getattr(enrolled, who)
    user = getattr(user, "user", user)
    assert_hidden_from(user, PORTAL)
    assert_hidden_from(user, PORTAL, method="post", data={"file": upload(leads(1))})
    with tenant_scope(enrolled.tenant_a):
        assert not DealRegistration.objects.exists()


def test_a_partner_of_one_vendor_gets_404_at_another_vendors_import(enrolled):
    assert_hidden_from(enrolled.partner_rep_a1.user, "/ipsoft/portal/deals/import/")


def test_anonymous_is_sent_to_sign_in(enrolled):
    response = Client().get(PORTAL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the console page ---------------------------------------------------------------------


def test_manager_imports_customers_in_the_console(cast):
    client = client_of(cast.manager_a)
    page = client.get(CONSOLE)
    assert page.status_code == 200 and "customer_external_id" in page.text
    data = {"kind": "customers", "file": upload(as_csv(CUSTOMER_COLUMNS, customers(3)))}
    response = client.post(CONSOLE, data)
    assert response.status_code == 200
    assert "Customers imported: 3 created, 0 updated, 0 unchanged." in response.text
    with tenant_scope(cast.tenant_a):
        assert Customer.objects.count() == 3
    with tenant_scope(cast.tenant_b):
        assert not Customer.objects.exists()


def test_console_lists_every_bad_row_and_imports_nothing(cast):
    rows = customers(4, {1: {"country": "Australia"}, 3: {"name": "@SUM(1)"}})
    data = {"kind": "customers", "file": upload(as_csv(CUSTOMER_COLUMNS, rows))}
    response = client_of(cast.manager_a).post(CONSOLE, data)
    assert "Nothing was imported" in response.text
    assert "<td>2</td><td>country</td>" in response.text
    assert "<td>4</td><td>name</td>" in response.text
    with tenant_scope(cast.tenant_a):
        assert not Customer.objects.exists()


def test_finance_may_import_refunds_only(cast):
    client = client_of(cast.finance_a)
    page = client.get(CONSOLE).text
    assert 'value="refunds"' in page and 'value="customers"' not in page
    data = {"kind": "customers", "file": upload(as_csv(CUSTOMER_COLUMNS, customers(1)))}
    assert "Select a valid choice" in client.post(CONSOLE, data).text
    with tenant_scope(cast.tenant_a):
        assert not Customer.objects.exists()


def test_a_superuser_says_which_vendor_the_file_is_for(cast):
    data = {
        "tenant": cast.tenant_b.pk,
        "kind": "customers",
        "file": upload(as_csv(CUSTOMER_COLUMNS, customers(2))),
    }
    response = client_of(cast.superuser).post(CONSOLE, data)
    assert "2 created" in response.text
    with tenant_scope(cast.tenant_b):
        assert Customer.objects.count() == 2
    with tenant_scope(cast.tenant_a):
        assert not Customer.objects.exists()


@pytest.mark.parametrize("who", ["partner_rep_a1", "stranger"])
def test_non_staff_never_reach_the_console_import(cast, who):
    user = getattr(cast, who)
    data = {"kind": "customers", "file": upload(as_csv(CUSTOMER_COLUMNS, customers(1)))}
    response = client_of(getattr(user, "user", user)).post(CONSOLE, data)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    with tenant_scope(cast.tenant_a):
        assert not Customer.objects.exists()


# --- the API ------------------------------------------------------------------------------


def post_api(kind: str, data: bytes, *, user=None, key: str | None = None, tenant="simpro"):
    client = Client()
    headers = {}
    if user is not None:
        client.force_login(user)
    if key is not None:
        headers["Authorization"] = f"Api-Key {key}"
    url = f"/{tenant}/api/v1/imports/{kind}/"
    return client.post(url, {"file": upload(data)}, headers=headers)


def test_api_imports_and_reports_counts(cast):
    response = post_api("customers", as_csv(CUSTOMER_COLUMNS, customers(2)), user=cast.manager_a)
    assert response.status_code == 200
    assert response.json() == {"kind": "customers", "created": 2, "updated": 0, "unchanged": 0}


def test_api_refuses_a_bad_file_with_every_row(cast):
    rows = customers(3, {2: {"country": "Australia"}})
    response = post_api("customers", as_csv(CUSTOMER_COLUMNS, rows), user=cast.manager_a)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_file"
    assert error["rows"] == [
        {
            "row": 3,
            "column": "country",
            "message": (
                "'Australia' is not a country in ISO 3166; use the two-letter ISO code, e.g. US."
            ),
        }
    ]
    assert list(error["fields"]) == ["row 3.country"]
    with tenant_scope(cast.tenant_a):
        assert not Customer.objects.exists()


def test_api_key_of_the_vendor_imports(cast):
    with tenant_scope(cast.tenant_a):
        _, token = api_key_create(tenant=cast.tenant_a, name="ERP", created_by=cast.manager_a)
    response = post_api("customers", as_csv(CUSTOMER_COLUMNS, customers(1)), key=token)
    assert response.status_code == 200
    response = post_api(
        "customers", as_csv(CUSTOMER_COLUMNS, customers(1)), key=token, tenant="ipsoft"
    )
    assert response.status_code == 401
    with tenant_scope(cast.tenant_b):
        assert not Customer.objects.exists()


@pytest.mark.parametrize("who", ["partner_rep_a1", "manager_b", "stranger"])
def test_api_import_is_404_for_outsiders(cast, who):
    user = getattr(cast, who)
    user = getattr(user, "user", user)
    data = {"file": upload(as_csv(CUSTOMER_COLUMNS, customers(1)))}
    assert_hidden_from(user, "/simpro/api/v1/imports/customers/", method="post", data=data)
    with tenant_scope(cast.tenant_a):
        assert not Customer.objects.exists()


def test_api_unknown_kind_and_role_limits(cast):
    data = as_csv(CUSTOMER_COLUMNS, customers(1))
    assert post_api("registrations", data, user=cast.manager_a).status_code == 404
    assert post_api("customers", data, user=cast.finance_a).status_code == 403


def test_api_schema_documents_the_import(cast):
    schema = Client().get("/simpro/api/v1/schema/")
    assert schema.status_code == 200 and b"/imports/{kind}/:" in schema.content
