"""The tier calendar: one daily tick per tenant enqueues one task per due program period."""

import datetime
import logging

from deals.models import DealRegistration, Order, Refund
from partners.models import Enrolment
from partners.models.enrolment import ENDED_STATUSES
from programs.models import Program
from programs.policies import policies_of
from programs.selectors import version_in_force
from tenants import events
from tenants.models import Tenant
from tenants.tasks import tenant_task, tenant_today
from tiers.calendar import due_periods, term_starts_due
from tiers.services import scheduled_tiers_apply, tiers_evaluate
from tiers.windows import as_of, parse_period

logger = logging.getLogger(__name__)


@tenant_task()
def evaluations_daily(tenant: Tenant, today: str | None = None) -> dict[str, int]:
    """Apply tiers whose day came, then enqueue every evaluation that is due."""
    day = datetime.date.fromisoformat(today) if today else tenant_today(tenant)
    applied = scheduled_tiers_apply(tenant=tenant, today=day)
    enqueued = 0
    for program in Program.objects.filter(tenant=tenant):
        for period, key in due_periods(program, day):
            evaluate_program_period.delay(tenant.pk, program.pk, period.key, key, day.isoformat())
            enqueued += 1
        for enrolment, period, key in term_starts_due(program, day):
            evaluate_program_period.delay(
                tenant.pk, program.pk, period.key, key, day.isoformat(), [enrolment.pk]
            )
            enqueued += 1
    return {"applied": applied, "enqueued": enqueued}


@tenant_task()
def evaluate_program_period(
    tenant: Tenant,
    program_id: int,
    period_key: str,
    run_key: str,
    today: str,
    enrolment_ids: list[int] | None = None,
) -> int:
    """Evaluate one program period; a duplicate (same run key) stores nothing new."""
    program = Program.objects.get(pk=program_id)
    enrolments = (
        list(Enrolment.objects.filter(pk__in=enrolment_ids)) if enrolment_ids is not None else None
    )
    stored = tiers_evaluate(
        tenant=tenant,
        program=program,
        period=parse_period(period_key),
        run_key=run_key,
        today=datetime.date.fromisoformat(today),
        enrolments=enrolments,
    )
    return len(stored)


def reevaluate_on_event(
    *, tenant: Tenant, firm_ids: list[int], today: datetime.date, event: str, run_key: str
) -> int:
    """Programs with the `on_event` cadence re-evaluate the firms an event touched, when the
    event is one the program's `evaluation.events` lists (CIMcloud: orders, activities, calls).
    One evaluation per program for all the firms; `run_key` makes a second run store nothing."""
    enrolments = list(
        Enrolment.objects.filter(firm_id__in=firm_ids)
        .exclude(status__in=ENDED_STATUSES)
        .select_related("program")
    )
    stored = 0
    for program in {e.program for e in enrolments}:
        version = version_in_force(program, today)
        if version is None:
            continue
        policy = policies_of(version).evaluation
        if "on_event" not in policy.cadences or event not in policy.events:
            continue
        stored += len(
            tiers_evaluate(
                tenant=tenant,
                program=program,
                period=as_of(today),
                run_key=run_key,
                today=today,
                enrolments=[e for e in enrolments if e.program_id == program.pk],
            )
        )
    return stored


#: which firms a delivery touched, and the program-format event name it counts as
_FIRMS_OF = {
    events.ORDER_COMPLETED: (Order, "order_id", "firm_id", "order_completed"),
    events.REFUND_RECORDED: (Refund, "refund_id", "order__firm_id", "refund_recorded"),
    events.SALES_ACTIVITY_RECORDED: (
        DealRegistration,
        "registration_id",
        "firm_id",
        "sales_call_recorded",
    ),
}
_VERIFIED = {
    events.ACTIVITY_VERIFIED: "activity_verified",
    events.CERTIFICATION_VERIFIED: "certification_verified",
}


def _reevaluate(tenant: Tenant, delivery: events.Delivery) -> None:
    if delivery.event in _VERIFIED:
        firm_ids, event = delivery.ids("firm_ids"), _VERIFIED[delivery.event]
    else:
        model, key, firm_field, event = _FIRMS_OF[delivery.event]
        firm_ids = list(
            model.objects.filter(pk__in=delivery.ids(key))
            .exclude(**{f"{firm_field}__isnull": True})
            .values_list(firm_field, flat=True)
            .distinct()
        )
    if firm_ids:
        reevaluate_on_event(
            tenant=tenant,
            firm_ids=firm_ids,
            today=tenant_today(tenant),
            event=event,
            run_key=f"event-{delivery.id}",
        )


def subscribe() -> None:
    for event in (*_FIRMS_OF, *_VERIFIED):
        events.subscribe(event, _reevaluate, stage=events.STAGE_TIERS)
