"""Domain events leave the request: delivered after commit by a Celery task, one per
(transaction, event), each reaction isolated from the others' failures and safe to re-run."""

import datetime

import pytest
import time_machine
from django.db import transaction
from django.test import Client

from commissions.models import CommissionLine
from deals.imports_orders import LINE_COLUMNS, ORDER_COLUMNS
from deals.models import Product
from deals.services.orders import customer_upsert
from partners.models import Activity
from partners.services.activities import submissions_verify
from tenants import events
from tenants.scope import current_scope_or_none, tenant_scope
from tenants.services import api_key_create
from tests.deals.test_import_pages import upload
from tests.deals.test_imports import as_csv
from tests.programs.test_policies_obeyed import evaluations_of
from tests.tiers.conftest import join, lead, noon


@pytest.fixture
def received():
    """A reaction that records what it was given and in which scope."""
    got = []

    def record(tenant, delivery):
        got.append((tenant.slug, delivery.event, delivery.payloads, current_scope_or_none()))

    events.subscribe("test_event", record)
    yield got
    events.unsubscribe("test_event", record)


def test_one_transactions_events_are_one_delivery_after_commit_in_the_tenants_scope(
    cast, received, django_capture_on_commit_callbacks
):
    with tenant_scope(cast.tenant_a), django_capture_on_commit_callbacks(execute=False) as hooks:
        for order_id in (7, 8, 9):
            events.emit("test_event", tenant_id=cast.tenant_a.pk, order_id=order_id)
        events.emit("test_event", tenant_id=cast.tenant_b.pk, order_id=1)  # another tenant
    assert received == []  # nothing before commit
    for hook in hooks:
        hook()
    assert received == [
        (
            cast.tenant_a.slug,
            "test_event",
            [{"order_id": 7}, {"order_id": 8}, {"order_id": 9}],
            cast.tenant_a,
        ),
        (cast.tenant_b.slug, "test_event", [{"order_id": 1}], cast.tenant_b),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_announces_nothing(cast, received):
    with pytest.raises(RuntimeError), transaction.atomic():
        events.emit("test_event", tenant_id=cast.tenant_a.pk, order_id=7)
        raise RuntimeError("refused")
    with transaction.atomic():
        events.emit("test_event", tenant_id=cast.tenant_a.pk, order_id=8)
    assert [payloads for _, _, payloads, _ in received] == [[{"order_id": 8}]]


@pytest.mark.django_db(transaction=True)
def test_a_failing_reaction_is_rolled_back_and_never_stops_the_next(cast, received):
    def failing(tenant, delivery):
        Activity.objects.create(
            tenant=tenant,
            firm=cast.firm_a1,
            kind="orientation",
            occurred_on=datetime.date(2025, 1, 5),
            description="written, then rolled back",
        )
        raise ValueError("a bug in one reaction")

    events.subscribe("test_event", failing, stage=events.STAGE_TIERS)  # runs first
    try:
        with transaction.atomic():
            events.emit("test_event", tenant_id=cast.tenant_a.pk, order_id=7)
    finally:
        events.unsubscribe("test_event", failing)
    assert [payloads for _, _, payloads, _ in received] == [[{"order_id": 7}]]
    with tenant_scope(cast.tenant_a):
        assert not Activity.objects.exists()


def test_a_retried_reaction_runs_alone(cast, received):
    # the worker retries one failed reaction of a delivery, not the whole delivery
    assert (
        events.events_redeliver.apply(
            args=[cast.tenant_a.pk, "missing.reaction", "test_event", [{"order_id": 7}], "d1", 1]
        ).get()
        is False
    )
    reaction = events.subscriptions("test_event")[0].name
    assert (
        events.events_redeliver.apply(
            args=[cast.tenant_a.pk, reaction, "test_event", [{"order_id": 7}], "d1", 1]
        ).get()
        is True
    )
    assert received == [(cast.tenant_a.slug, "test_event", [{"order_id": 7}], cast.tenant_a)]


def test_verifying_activities_announces_the_firms(cast, django_capture_on_commit_callbacks):
    got = []

    def record(tenant, delivery):
        got.append((delivery.event, delivery.ids("firm_ids")))

    events.subscribe(events.ACTIVITY_VERIFIED, record)
    try:
        with tenant_scope(cast.tenant_a):
            Activity.objects.create(
                tenant=cast.tenant_a,
                firm=cast.firm_a1,
                kind="orientation",
                occurred_on=datetime.date(2025, 1, 5),
                description="Intro call",
            )
            with django_capture_on_commit_callbacks(execute=True):
                changed = submissions_verify(
                    tenant=cast.tenant_a, queryset=Activity.objects.all(), user=cast.manager_a
                )
    finally:
        events.unsubscribe(events.ACTIVITY_VERIFIED, record)
    assert changed == 1
    assert got == [(events.ACTIVITY_VERIFIED, [cast.firm_a1.pk])]


@pytest.mark.django_db(transaction=True)  # the deliveries follow the import's commit
def test_an_orders_file_of_many_orders_is_one_delivery_one_evaluation_and_every_accrual():
    joined = datetime.date(2025, 4, 15)
    tenant, _, partner = join("cimcloud", joined, email="founder@orders.test")
    rows = []
    with tenant_scope(tenant):
        Product.objects.create(tenant=tenant, code="CORE", name="Core", category="subscription")
    for n in (1, 2, 3):
        registration = lead(tenant, partner, f"Buyer {n} Inc", datetime.date(2025, 4, 20))
        with tenant_scope(tenant):
            customer_upsert(tenant=tenant, external_id=f"B{n}", name=f"Buyer {n} Inc")
        rows.append(
            {
                "order_external_id": f"SO-{n}",
                "customer_external_id": f"B{n}",
                "ordered_on": "2025-05-01",
                "currency": "USD",
                "registration_id": registration.pk,
                "order_form_signed_on": "2025-05-02",
                "initial_payment_received_on": "2025-05-03",
                "product_code": "CORE",
                "quantity": "1",
                "list_price": "1000.00",
                "price": "1000.00",
            }
        )
    with tenant_scope(tenant):
        _, token = api_key_create(tenant=tenant, name="ERP", created_by=None)
    deliveries = []

    def count(tenant, delivery):
        deliveries.append(len(delivery.payloads))

    events.subscribe(events.ORDER_COMPLETED, count)
    evaluations_before = evaluations_of(tenant, partner)
    try:
        with time_machine.travel(noon(datetime.date(2025, 5, 4)), tick=False):
            response = Client().post(
                "/cimcloud/api/v1/imports/orders/",
                {"file": upload(as_csv(ORDER_COLUMNS + LINE_COLUMNS, rows), "orders.csv")},
                headers={"Authorization": f"Api-Key {token}"},
            )
    finally:
        events.unsubscribe(events.ORDER_COMPLETED, count)
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 3
    assert deliveries == [3]  # one delivery carrying the three orders
    evaluations = evaluations_of(tenant, partner)
    assert len(evaluations) == len(evaluations_before) + 1  # re-evaluated once, not thrice
    with tenant_scope(tenant):
        accrued = set(CommissionLine.objects.values_list("order__external_id", flat=True))
    assert accrued == {"SO-1", "SO-2", "SO-3"}
