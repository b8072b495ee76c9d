"""Sales activity on a registration, recorded by an integration's API key (no person)."""

import datetime

from deals.models import SalesActivity
from tenants.scope import tenant_scope
from tests.api.conftest import API, assert_error_shape, post_json
from tests.deals.test_orders import approved_registration


def test_api_key_records_sales_activity_with_no_person(cast, erp_a):
    registration = approved_registration(cast, datetime.date(2025, 4, 1))
    body = {
        "kind": "discovery_call",
        "occurred_on": "2025-04-02",
        "notes": "Walked through the app",
    }
    response = post_json(erp_a, f"{API}deal-registrations/{registration.pk}/activities/", body)
    assert response.status_code == 201, response.content
    with tenant_scope(cast.tenant_a):
        activity = SalesActivity.objects.get(pk=response.json()["id"])
    assert activity.recorded_by is None
    assert activity.notes == "Walked through the app"


def test_another_vendors_key_cannot_record_on_it(cast, erp_b):
    registration = approved_registration(cast, datetime.date(2025, 4, 1))
    body = {"kind": "discovery_call", "occurred_on": "2025-04-02"}
    url = f"/ipsoft/api/v1/deal-registrations/{registration.pk}/activities/"
    assert_error_shape(post_json(erp_b, url, body), 404)
    with tenant_scope(cast.tenant_a):
        assert not SalesActivity.objects.filter(registration=registration).exists()
