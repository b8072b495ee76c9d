"""Domain events leave the request: delivered after commit by a Celery task, one per
(transaction, event), each reaction isolated from the others' failures and safe to re-run."""

import datetime

import pytest
from django.db import transaction

from partners.models import Activity
from partners.services.activities import submissions_verify
from tenants import events
from tenants.scope import current_scope_or_none, tenant_scope


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
