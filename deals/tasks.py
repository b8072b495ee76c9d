"""Daily deal-registration work per tenant: expiry and reminders (idempotent)."""

import datetime

from deals.services.registrations import registrations_expire
from tenants.models import Tenant
from tenants.tasks import tenant_task, tenant_today


@tenant_task()
def registrations_daily(tenant: Tenant, today: str | None = None) -> dict[str, int]:
    day = datetime.date.fromisoformat(today) if today else tenant_today(tenant)
    return registrations_expire(tenant=tenant, today=day)


@tenant_task()
def import_job_run(tenant: Tenant, job_id: int) -> None:
    """A queued CSV import (deals.imports.import_job_queue), run by a worker."""
    from deals.imports import import_job_run as run

    run(tenant=tenant, job_id=job_id)
