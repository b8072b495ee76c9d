"""NUL and other control characters in any text input: 400 with the field named, never a 500."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from deals.models import Customer
from tenants.scope import tenant_scope
from tenants.text_input import has_control_characters
from tests.api.conftest import API, assert_error_shape, post_json


@pytest.mark.parametrize("bad", ["\x00", "\x01", "\x1b", "\x7f", "\x9f"])
def test_json_field_with_a_control_character_is_400_naming_it(cast, erp_a, bad):
    response = post_json(erp_a, f"{API}customers/create/", {"name": f"Acme{bad}", "country": "AU"})
    error = assert_error_shape(response, 400, "invalid")
    assert list(error["fields"]) == ["name"]
    with tenant_scope(cast.tenant_a):
        assert not Customer.objects.exists()


def test_nested_field_is_named_by_its_path(cast, erp_a):
    body = {"customer": 1, "ordered_on": "2025-04-10", "lines": [{"product_code": "A\x00"}]}
    error = assert_error_shape(post_json(erp_a, f"{API}orders/create/", body), 400, "invalid")
    assert list(error["fields"]) == ["lines[0].product_code"]


def test_tab_and_line_breaks_are_ordinary_text(cast, erp_a):
    body = {"name": "Acme\tPlumbing", "country": "AU", "external_id": "CRM-9"}
    assert post_json(erp_a, f"{API}customers/create/", body).status_code in (200, 201)
    assert not has_control_characters("line one\r\nline two\t")


def test_query_parameter_with_nul_is_400_naming_it(cast, erp_a):
    error = assert_error_shape(erp_a.get(f"{API}customers/", {"search": "a\x00b"}), 400)
    assert list(error["fields"]) == ["search"]


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_form_field_with_nul_is_400(cast, erp_a, encoding):
    url, body = f"{API}customers/create/", {"name": "Acme\x00", "country": "AU"}
    if encoding == "multipart":
        response = erp_a.post(url, body)
    else:
        data = "name=Acme%00&country=AU"
        response = erp_a.post(url, data, content_type="application/x-www-form-urlencoded")
    assert list(assert_error_shape(response, 400, "invalid")["fields"]) == ["name"]


def test_csv_import_cell_with_nul_names_the_row_and_column(cast, erp_a):
    csv = b"name,domain,country,external_id\r\nAcme\x00 Plumbing,acme.com,AU,CRM-1\r\n"
    upload = SimpleUploadedFile("customers.csv", csv, content_type="text/csv")
    response = erp_a.post(f"{API}imports/customers/", {"file": upload})
    assert response.status_code == 400, response.content
    assert [(r["row"], r["column"]) for r in response.json()["error"]["rows"]] == [(2, "name")]
    assert "control character" in response.json()["error"]["fields"]["row 2.name"][0]
    with tenant_scope(cast.tenant_a):
        assert not Customer.objects.exists()
