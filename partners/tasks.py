"""Daily partner-lifecycle work per tenant; safe to run twice, catches up missed days."""

import datetime

from partners.models import EnrolmentStatus
from partners.services.enrolments import enrolments_renew, onboarding_deadlines_enforce
from partners.services.program_notices import program_change_notice_mail
from tenants import events
from tenants.models import Tenant
from tenants.tasks import tenant_task, tenant_today


@tenant_task()
def enrolments_daily(tenant: Tenant, today: str | None = None) -> dict[str, int]:
    """Renew or end terms that ended, and apply missed onboarding deadlines (deactivated or,
    where the program only notifies, flagged and told)."""
    day = datetime.date.fromisoformat(today) if today else tenant_today(tenant)
    result = enrolments_renew(tenant=tenant, today=day)
    missed = onboarding_deadlines_enforce(tenant=tenant, today=day)
    result["deactivated"] = sum(e.status == EnrolmentStatus.DEACTIVATED for e in missed)
    result["onboarding_missed"] = len(missed) - result["deactivated"]
    return result


def _mail_program_change_notices(tenant: Tenant, delivery: events.Delivery) -> None:
    for notice_id in delivery.ids("notice_id"):
        program_change_notice_mail(tenant=tenant, notice_id=notice_id)


def subscribe() -> None:
    events.subscribe(
        events.PROGRAM_CHANGE_NOTICE_GIVEN,
        _mail_program_change_notices,
        stage=events.STAGE_MESSAGES,
    )
