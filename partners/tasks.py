"""Daily partner-lifecycle work per tenant; safe to run twice, catches up missed days."""

import datetime

from partners.services.enrolments import enrolments_renew, onboarding_deadlines_enforce
from partners.services.program_notices import program_change_notice_mail
from tenants import events
from tenants.models import Tenant
from tenants.tasks import tenant_task, tenant_today


@tenant_task()
def enrolments_daily(tenant: Tenant, today: str | None = None) -> dict[str, int]:
    """Renew or end terms that ended, and deactivate missed onboarding deadlines."""
    day = datetime.date.fromisoformat(today) if today else tenant_today(tenant)
    result = enrolments_renew(tenant=tenant, today=day)
    result["deactivated"] = len(onboarding_deadlines_enforce(tenant=tenant, today=day))
    return result


@tenant_task()
def program_change_notice_send(tenant: Tenant, notice_id: int) -> int:
    """E-mail a program change notice to the program's partners (at most once)."""
    return program_change_notice_mail(tenant=tenant, notice_id=notice_id)


def _on_program_change_notice(*, tenant_id: int, notice_id: int, **_) -> None:
    program_change_notice_send.delay(tenant_id, notice_id)


def subscribe() -> None:
    events.subscribe(events.PROGRAM_CHANGE_NOTICE_GIVEN, _on_program_change_notice)
