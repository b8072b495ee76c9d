"""E-mails about registrations to the person who submitted them."""

from partners.notifications import send_email
from tenants.scope import on_commit_in_scope


def notify_submitter(registration, template: str) -> None:
    """Mail the submitter after commit (templates/deals/email/<template>_{subject,body}.txt)."""
    user = registration.submitted_by
    if user is None or not user.email:
        return

    def send() -> None:
        send_email(
            template=f"deals/email/{template}",
            to=[user.email],
            context={"registration": registration, "tenant": registration.tenant},
        )

    on_commit_in_scope(send)
