"""Tell a partner's people when their tier changes or a change is scheduled."""

from partners.models import PartnerContact
from partners.notifications import send_partner_email
from tenants.scope import on_commit_in_scope
from tiers.models import EvaluationStatus, TierEvaluation


def notify_tier_change(evaluation: TierEvaluation) -> None:
    """E-mail the firm's contacts, with the evidence summary, after the transaction commits."""
    if evaluation.change == "none" or evaluation.status in (
        EvaluationStatus.AWAITING_CONFIRMATION,
        EvaluationStatus.DISMISSED,
    ):
        return
    recipients = list(
        PartnerContact.objects.filter(
            firm_id=evaluation.enrolment.firm_id, is_active=True
        ).values_list("user__email", flat=True)
    )
    results = list(evaluation.results.filter(tier=evaluation.resulting_tier))

    def send() -> None:
        send_partner_email(
            template="tier_changed",
            to=recipients,
            context={"evaluation": evaluation, "tenant": evaluation.tenant, "results": results},
        )

    on_commit_in_scope(send)
