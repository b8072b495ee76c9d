"""Every error under /<tenant>/api/ answers in the one JSON shape; pages keep their HTML."""

from django.test import Client, override_settings

from partners.api.firms import MeApi
from tenants.error_views import server_error
from tests.api.conftest import API, assert_error_shape, post_json


def test_unknown_api_url_is_json_404(cast, erp_a):
    assert_error_shape(erp_a.get(f"{API}no-such-thing/"), 404, "not_found")


def test_unknown_vendor_under_api_is_json_404(cast):
    assert_error_shape(Client().get("/no-such-vendor/api/v1/me/"), 404, "not_found")


def test_missing_object_is_json_404(cast, erp_a):
    assert_error_shape(erp_a.get(f"{API}partner-firms/999999/"), 404, "not_found")


def test_pages_outside_the_api_keep_html_404(cast):
    response = Client().get("/simpro/portal/no-such-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_unauthenticated_is_json_401(cast):
    assert_error_shape(Client().get(f"{API}me/"), 401, "not_authenticated")


def test_forbidden_action_is_json_403(cast, erp_a):
    response = post_json(erp_a, f"{API}payout-batches/1/approve/", {})
    assert_error_shape(response, 403)


def test_wrong_method_is_json_405(cast, erp_a):
    assert_error_shape(erp_a.delete(f"{API}me/"), 405, "method_not_allowed")


def test_invalid_input_is_json_400_with_fields(cast, erp_a):
    error = assert_error_shape(post_json(erp_a, f"{API}customers/create/", {}), 400, "invalid")
    assert "name" in error["fields"]


def test_malformed_json_is_json_400(cast, erp_a):
    response = erp_a.post(f"{API}customers/create/", "{nope", content_type="application/json")
    assert_error_shape(response, 400, "parse_error")


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_too_large_body_is_json_413(cast, erp_a):
    response = post_json(erp_a, f"{API}customers/create/", {"name": "x" * 2000})
    error = assert_error_shape(response, 413, "too_large")
    assert "at most 1000" in error["message"]


@override_settings(API_MAX_UPLOAD_BYTES=1000)
def test_too_large_upload_is_json_413(cast, erp_a):
    response = erp_a.post(f"{API}imports/customers/", {"file": ("x" * 5000)})
    assert_error_shape(response, 413, "too_large")


def test_crash_in_an_api_view_is_json_500(cast, erp_a, monkeypatch):
    def crash(self, request):
        raise RuntimeError("boom")

    monkeypatch.setattr(MeApi, "get", crash)
    erp_a.raise_request_exception = False
    error = assert_error_shape(erp_a.get(f"{API}me/"), 500, "server_error")
    assert "boom" not in error["message"]  # no internals leak


def test_server_error_outside_the_api_stays_html(rf):
    response = server_error(rf.get("/simpro/portal/"))
    assert response.status_code == 500
    assert not response["Content-Type"].startswith("application/json")
