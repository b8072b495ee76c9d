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
from tenants.scope import tenant_scope
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
    *, tenant_id: int, firm_ids: list[int], today: datetime.date, event: str
) -> None:
    """Programs with the `on_event` cadence re-evaluate the firms an event touched, when the
    event is one the program's `evaluation.events` lists (CIMcloud: orders, activities, calls)."""
    tenant = Tenant.objects.get(pk=tenant_id)
    with tenant_scope(tenant):
        enrolments = list(
            Enrolment.objects.filter(firm_id__in=firm_ids)
            .exclude(status__in=ENDED_STATUSES)
            .select_related("program")
        )
        for program in {e.program for e in enrolments}:
            version = version_in_force(program, today)
            if version is None:
                continue
            policy = policies_of(version).evaluation
            if "on_event" not in policy.cadences or event not in policy.events:
                continue
            mine = [e for e in enrolments if e.program_id == program.pk]
            stamp = datetime.datetime.now().strftime("%Y%m%d%H%M%S%f")
            tiers_evaluate(
                tenant=tenant,
                program=program,
                period=as_of(today),
                run_key=f"event-{stamp}",
                today=today,
                enrolments=mine,
            )


def _firms_of(tenant: Tenant, model, pk: int, field: str = "firm_id") -> list[int]:
    with tenant_scope(tenant):
        firm = model.objects.filter(pk=pk).values_list(field, flat=True).first()
    return [firm] if firm else []


def _react(tenant_id: int, firm_ids: list[int], event: str) -> None:
    if firm_ids:
        tenant = Tenant.objects.get(pk=tenant_id)
        reevaluate_on_event(
            tenant_id=tenant_id, firm_ids=firm_ids, today=tenant_today(tenant), event=event
        )


def _on_order_completed(*, tenant_id: int, order_id: int, **_) -> None:
    tenant = Tenant.objects.get(pk=tenant_id)
    _react(tenant_id, _firms_of(tenant, Order, order_id), "order_completed")


def _on_refund_recorded(*, tenant_id: int, refund_id: int, **_) -> None:
    tenant = Tenant.objects.get(pk=tenant_id)
    _react(tenant_id, _firms_of(tenant, Refund, refund_id, "order__firm_id"), "refund_recorded")


def _on_sales_activity(*, tenant_id: int, registration_id: int, **_) -> None:
    tenant = Tenant.objects.get(pk=tenant_id)
    firms = _firms_of(tenant, DealRegistration, registration_id)
    _react(tenant_id, firms, "sales_call_recorded")


def _on_activity_verified(*, tenant_id: int, firm_ids: list[int], model: str = "", **_) -> None:
    event = "certification_verified" if model == "partners.Certification" else "activity_verified"
    _react(tenant_id, firm_ids, event)


def subscribe() -> None:
    events.subscribe(events.ORDER_COMPLETED, _on_order_completed)
    events.subscribe(events.REFUND_RECORDED, _on_refund_recorded)
    events.subscribe(events.SALES_ACTIVITY_RECORDED, _on_sales_activity)
    events.subscribe(events.ACTIVITY_VERIFIED, _on_activity_verified)
