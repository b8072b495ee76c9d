"""Commissions on the calendar and on events: accrue at completion, claw back on refunds,
build each month's payout batch once its month has ended."""

import datetime
import logging

from commissions.accruals import orders_accrue, refunds_claw_back
from commissions.models import CommissionLine
from commissions.payouts import batch_build, periods_due
from deals.models import Order
from programs.models import Program
from tenants import events
from tenants.models import Tenant
from tenants.tasks import tenant_task, tenant_today

logger = logging.getLogger(__name__)

CATCH_UP_CHUNK = 1000


def _orders_not_accrued(tenant: Tenant) -> list[int]:
    calculated = CommissionLine.objects.values("order_id")
    return list(
        Order.objects.filter(tenant=tenant, completed_on__isnull=False, firm__isnull=False)
        .exclude(pk__in=calculated)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@tenant_task()
def payouts_daily(tenant: Tenant, today: str | None = None) -> dict[str, int]:
    """Accrue any completed order an event missed, then build every batch that is due."""
    day = datetime.date.fromisoformat(today) if today else tenant_today(tenant)
    missed = _orders_not_accrued(tenant)
    for start in range(0, len(missed), CATCH_UP_CHUNK):
        orders_accrue(tenant=tenant, order_ids=missed[start : start + CATCH_UP_CHUNK])
    built = 0
    for program in Program.objects.filter(tenant=tenant):
        for period in periods_due(program=program, today=day):
            _, created = batch_build(tenant=tenant, program=program, period=period)
            built += created
    logger.info("payouts.daily", extra={"tenant": tenant.slug, "built": built})
    return {"caught_up": len(missed), "built": built}


def _accrue(tenant: Tenant, delivery: events.Delivery) -> None:
    order_ids = delivery.ids("order_id")
    for start in range(0, len(order_ids), CATCH_UP_CHUNK):
        orders_accrue(tenant=tenant, order_ids=order_ids[start : start + CATCH_UP_CHUNK])


def _claw_back(tenant: Tenant, delivery: events.Delivery) -> None:
    refunds_claw_back(tenant=tenant, refund_ids=delivery.ids("refund_id"))


def subscribe() -> None:
    # after the tier stage: the tier on the completion day is settled before money is
    events.subscribe(events.ORDER_COMPLETED, _accrue, stage=events.STAGE_MONEY)
    events.subscribe(events.REFUND_RECORDED, _claw_back, stage=events.STAGE_MONEY)
