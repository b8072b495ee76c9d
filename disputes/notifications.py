"""E-mails about disputes: to the partner who filed, and to the vendor's people who answer.

Sent after commit (on_commit_in_scope), so a rolled-back decision mails nobody.
"""

from django.contrib.auth import get_user_model

from partners.notifications import send_email
from tenants.models import StaffMembership, StaffRole
from tenants.scope import on_commit_in_scope


def _later(template: str, to: list[str], dispute) -> None:
    recipients = sorted({address for address in to if address})
    if not recipients:
        return

    def send() -> None:
        send_email(
            template=f"disputes/email/{template}",
            to=recipients,
            context={"dispute": dispute, "tenant": dispute.tenant, "firm": dispute.firm},
        )

    on_commit_in_scope(send)


def _filer_address(dispute) -> list[str]:
    return [dispute.filed_by.email] if dispute.filed_by_id else []


def _assigned_address(dispute) -> list[str]:
    return [dispute.assigned_to.email] if dispute.assigned_to_id else []


def tenant_admin_addresses(tenant) -> list[str]:
    """The e-mail addresses of the vendor's tenant administrators."""
    user_ids = StaffMembership.objects.filter(tenant=tenant, role=StaffRole.ADMIN).values("user_id")
    return list(
        get_user_model()
        .objects.filter(pk__in=user_ids, is_active=True)
        .values_list("email", flat=True)
    )


def notify_filed(dispute) -> None:
    """The firm's partner manager (or, without one, the tenant admins) learns of it."""
    to = _assigned_address(dispute) or tenant_admin_addresses(dispute.tenant)
    _later("dispute_filed", to, dispute)


def notify_responded(dispute) -> None:
    _later("dispute_responded", _filer_address(dispute), dispute)


def notify_escalated(dispute) -> None:
    """The assigned manager and every tenant admin: the response time has passed."""
    _later(
        "dispute_escalated",
        _assigned_address(dispute) + tenant_admin_addresses(dispute.tenant),
        dispute,
    )


def notify_resolved(dispute) -> None:
    _later("dispute_resolved", _filer_address(dispute), dispute)
