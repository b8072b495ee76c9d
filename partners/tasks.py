"""Daily partner-lifecycle work per tenant; safe to run twice, catches up missed days."""

import datetime

from partners.services.enrolments import enrolments_renew, onboarding_deadlines_enforce
from tenants.models import Tenant
from tenants.tasks import tenant_task, tenant_today


@tenant_task()
def enrolments_daily(tenant: Tenant, today: str | None = None) -> dict[str, int]:
    """Renew or end terms that ended, and deactivate missed onboarding deadlines."""
    day = datetime.date.fromisoformat(today) if today else tenant_today(tenant)
    result = enrolments_renew(tenant=tenant, today=day)
    result["deactivated"] = len(onboarding_deadlines_enforce(tenant=tenant, today=day))
    return result
