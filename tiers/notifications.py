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


def notify_tier_changes(evaluations: list[TierEvaluation], outcomes: dict) -> None:
    """The same for a whole run, with one query for every firm's recipients."""
    if not evaluations:
        return
    firm_ids = {e.enrolment.firm_id for e in evaluations}
    recipients: dict[int, list[str]] = {}
    for firm_id, email in PartnerContact.objects.filter(
        firm_id__in_ids=firm_ids, is_active=True
    ).values_list("firm_id", "user__email"):
        recipients.setdefault(firm_id, []).append(email)
    letters = []
    for evaluation in evaluations:
        outcome = outcomes[evaluation.enrolment_id]
        results = [
            {
                "label": r.requirement.label,
                "value": r.measure.value,
                "passed": r.passed,
                "comparator": r.requirement.comparator,
                "threshold": r.requirement.threshold,
            }
            for r in outcome.results
            if r.tier.key == evaluation.resulting_tier
        ]
        letters.append((recipients.get(evaluation.enrolment.firm_id, []), evaluation, results))

    def send() -> None:
        for to, evaluation, results in letters:
            send_partner_email(
                template="tier_changed",
                to=to,
                context={"evaluation": evaluation, "tenant": evaluation.tenant, "results": results},
            )

    on_commit_in_scope(send)
