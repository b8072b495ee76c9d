"""Daily dispute work per tenant: escalate what passed its response time (idempotent)."""

import datetime

from disputes.services import disputes_escalate
from tenants.models import Tenant
from tenants.tasks import tenant_task, tenant_today


@tenant_task(name="disputes.tasks.disputes_daily")
def disputes_daily(tenant: Tenant, today: str | None = None) -> int:
    """Escalate the tenant's overdue disputes; return how many were escalated now."""
    day = datetime.date.fromisoformat(today) if today else tenant_today(tenant)
    return disputes_escalate(tenant=tenant, today=day)
