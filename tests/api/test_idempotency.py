"""`Idempotency-Key` on API keys' POSTs: a retry replays the first answer and writes nothing."""

import datetime
import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client

from deals.api.orders import CustomerUpsertApi
from deals.models import Customer, Order
from tenants.models import IdempotencyRecord
from tenants.scope import all_tenants, tenant_scope
from tenants.tasks import purge_expired_idempotency_records
from tests.api.conftest import (
    API,
    assert_error_shape,
    key_client,
    key_token,
    post_json,
    session_client,
)
from tests.deals.test_orders import customer, product

CUSTOMERS = f"{API}customers/create/"
ACME = {"name": "Acme Plumbing", "country": "AU"}  # no external id: every call creates one


def customers_of(tenant) -> list[str]:
    with tenant_scope(tenant):
        return list(Customer.objects.values_list("name", flat=True))


def test_same_key_and_body_replays_the_first_answer_without_running_again(cast, erp_a):
    first = post_json(erp_a, CUSTOMERS, ACME, **{"Idempotency-Key": "k-1"})
    again = post_json(erp_a, CUSTOMERS, ACME, **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert customers_of(cast.tenant_a) == ["Acme Plumbing"]


def test_an_order_posted_twice_with_one_key_exists_once(cast, erp_a):
    with tenant_scope(cast.tenant_a):
        buyer = customer(cast.tenant_a)
    product(cast.tenant_a, "SP-CORE")
    body = {
        "customer": buyer.pk,
        "ordered_on": "2025-04-10",
        "lines": [{"product_code": "SP-CORE", "list_price": "100.00", "price": "100.00"}],
    }
    answers = [
        post_json(erp_a, f"{API}orders/create/", body, **{"Idempotency-Key": "order-7"})
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert len({a.json()["id"] for a in answers}) == 1
    with tenant_scope(cast.tenant_a):
        assert Order.objects.count() == 1


def test_same_key_with_a_different_body_is_409(cast, erp_a):
    post_json(erp_a, CUSTOMERS, ACME, **{"Idempotency-Key": "k-1"})
    other = post_json(erp_a, CUSTOMERS, {**ACME, "name": "Other"}, **{"Idempotency-Key": "k-1"})
    error = assert_error_shape(other, 409, "conflict")
    assert "Idempotency-Key" in error["fields"]
    assert customers_of(cast.tenant_a) == ["Acme Plumbing"]


def test_keys_belong_to_one_api_key_and_one_vendor(cast, erp_a, erp_b):
    post_json(erp_a, CUSTOMERS, ACME, **{"Idempotency-Key": "shared"})
    crm = key_client(cast.tenant_a, "CRM sync")
    assert post_json(crm, CUSTOMERS, ACME, **{"Idempotency-Key": "shared"}).status_code == 201
    url = "/ipsoft/api/v1/customers/create/"
    assert post_json(erp_b, url, ACME, **{"Idempotency-Key": "shared"}).status_code == 201
    assert customers_of(cast.tenant_a) == ["Acme Plumbing", "Acme Plumbing"]
    assert customers_of(cast.tenant_b) == ["Acme Plumbing"]


def test_without_the_header_every_post_runs(cast, erp_a):
    post_json(erp_a, CUSTOMERS, ACME)
    post_json(erp_a, CUSTOMERS, ACME)
    assert len(customers_of(cast.tenant_a)) == 2


def test_a_key_expires_after_a_day(cast, erp_a):
    start = datetime.datetime(2025, 4, 15, 9, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        post_json(erp_a, CUSTOMERS, ACME, **{"Idempotency-Key": "k-1"})
    with time_machine.travel(start + datetime.timedelta(hours=25), tick=False):
        again = post_json(erp_a, CUSTOMERS, ACME, **{"Idempotency-Key": "k-1"})
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert len(customers_of(cast.tenant_a)) == 2


def test_a_refusal_is_replayed_too(cast, erp_a):
    first = post_json(erp_a, CUSTOMERS, {"country": "AU"}, **{"Idempotency-Key": "bad"})
    again = post_json(erp_a, CUSTOMERS, {"country": "AU"}, **{"Idempotency-Key": "bad"})
    assert first.status_code == again.status_code == 400
    assert again.json() == first.json()


def test_a_server_error_is_not_kept_so_the_retry_runs(cast, erp_a, monkeypatch):
    real_post = CustomerUpsertApi.post

    def crash(self, request):
        raise RuntimeError("database went away")

    monkeypatch.setattr(CustomerUpsertApi, "post", crash)
    erp_a.raise_request_exception = False
    assert post_json(erp_a, CUSTOMERS, ACME, **{"Idempotency-Key": "k-1"}).status_code == 500
    monkeypatch.setattr(CustomerUpsertApi, "post", real_post)
    assert post_json(erp_a, CUSTOMERS, ACME, **{"Idempotency-Key": "k-1"}).status_code == 201
    assert customers_of(cast.tenant_a) == ["Acme Plumbing"]


def test_sessions_are_not_affected(cast):
    manager = session_client(cast.manager_a)
    manager.post(CUSTOMERS, ACME, content_type="application/json", headers={"Idempotency-Key": "1"})
    manager.post(CUSTOMERS, ACME, content_type="application/json", headers={"Idempotency-Key": "1"})
    assert len(customers_of(cast.tenant_a)) == 2
    with all_tenants():
        assert not IdempotencyRecord.objects.exists()


def test_an_unusable_key_is_400(cast, erp_a):
    response = post_json(erp_a, CUSTOMERS, ACME, **{"Idempotency-Key": "x" * 300})
    assert "Idempotency-Key" in assert_error_shape(response, 400, "invalid")["fields"]
    assert customers_of(cast.tenant_a) == []


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_run_once(cast):
    # given two threads sending the same POST with the same key at the same moment
    token = key_token(cast.tenant_a)
    barrier = threading.Barrier(2)
    answers = []

    def send():
        client = Client(headers={"Authorization": f"Api-Key {token}"})
        barrier.wait()
        try:
            answers.append(post_json(client, CUSTOMERS, ACME, **{"Idempotency-Key": "race"}))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then one ran and the other replayed it
    assert sorted(a.status_code for a in answers) == [201, 201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert customers_of(cast.tenant_a) == ["Acme Plumbing"]


def test_housekeeping_deletes_only_expired_records(cast, erp_a):
    start = datetime.datetime(2025, 4, 15, 9, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        post_json(erp_a, CUSTOMERS, ACME, **{"Idempotency-Key": "old"})
    with time_machine.travel(start + datetime.timedelta(hours=23), tick=False):
        post_json(erp_a, CUSTOMERS, ACME, **{"Idempotency-Key": "new"})
    with time_machine.travel(start + datetime.timedelta(hours=25), tick=False):
        assert purge_expired_idempotency_records() == 1
    with all_tenants():
        assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
