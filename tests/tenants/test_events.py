from tenants import events
from tenants.scope import current_scope_or_none, tenant_scope


def test_events_are_delivered_after_commit_inside_the_tenant_scope(
    cast, django_capture_on_commit_callbacks
):
    received = []

    def handler(**payload):
        received.append((payload, current_scope_or_none()))

    events.subscribe("test_event", handler)
    with tenant_scope(cast.tenant_a), django_capture_on_commit_callbacks(execute=False) as hooks:
        events.emit("test_event", tenant_id=cast.tenant_a.pk, order_id=7)
    assert received == []  # nothing before commit
    for hook in hooks:
        hook()
    assert received == [({"tenant_id": cast.tenant_a.pk, "order_id": 7}, cast.tenant_a)]


def test_verifying_activities_announces_the_firms(cast, django_capture_on_commit_callbacks):
    import datetime

    from partners.models import Activity
    from partners.services.activities import submissions_verify

    received = []
    events.subscribe(events.ACTIVITY_VERIFIED, lambda **payload: received.append(payload))
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
    assert changed == 1
    assert received == [
        {"tenant_id": cast.tenant_a.pk, "model": "partners.Activity", "firm_ids": [cast.firm_a1.pk]}
    ]
