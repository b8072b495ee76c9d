"""The frozen copy of what a dispute is about, as plain JSON written once at filing.

Values are kept as text (decimals as "0.25", money as minor units plus the text the
partner read) so the copy never depends on rows that may change: the program version's
tier names, a recalculated line, a re-run evaluation.
"""

from decimal import Decimal

from commissions.models import CommissionLine
from commissions.rates import with_rates
from deals.models import DealRegistration, RegistrationStatus
from programs.models import Tier
from tenants.money import format_minor
from tiers.display import amount_text, result_in_words
from tiers.models import RequirementResult, TierEvaluation


def _number(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _date(value) -> str | None:
    return value.isoformat() if value else None


def _tier_names(version_id: int | None) -> dict[str, str]:
    if version_id is None:
        return {}
    return dict(Tier.objects.filter(version_id=version_id).values_list("key", "name"))


def evaluation_evidence(evaluation: TierEvaluation, results: list[RequirementResult]) -> dict:
    """The evaluation and the disputed requirement results, as they read now."""
    names = _tier_names(evaluation.program_version_id)
    currency = evaluation.enrolment.program.currency
    return {
        "evaluation": {
            "id": evaluation.pk,
            "run_key": evaluation.run_key,
            "run_name": evaluation.run_name,
            "as_of": _date(evaluation.as_of),
            "program_version": evaluation.program_version.number,
            "program_version_id": evaluation.program_version_id,
            "current_tier": evaluation.current_tier,
            "current_tier_name": names.get(evaluation.current_tier, evaluation.current_tier),
            "resulting_tier": evaluation.resulting_tier,
            "resulting_tier_name": names.get(evaluation.resulting_tier, evaluation.resulting_tier),
            "status": evaluation.get_status_display(),
            "effective_on": _date(evaluation.effective_on),
        },
        "results": [
            {
                "id": r.pk,
                "requirement": r.requirement,
                "label": r.label,
                "tier": r.tier,
                "tier_name": names.get(r.tier, r.tier),
                "metric": r.metric,
                "comparator": r.comparator,
                "threshold": _number(r.threshold),
                "value": _number(r.value),
                "shown_threshold": amount_text(r.metric, r.threshold, currency)
                or (_number(r.threshold) or ""),
                "shown_value": amount_text(r.metric, r.value, currency) or (_number(r.value) or ""),
                "in_words": result_in_words(r.metric, r.value, r.threshold, currency),
                "window_start": _date(r.window_start),
                "window_end": _date(r.window_end),
                "passed": r.passed,
                "counted_ids": list(r.evidence or []),
            }
            for r in results
        ],
    }


def registration_evidence(registration: DealRegistration) -> dict:
    """The decision and every conflict candidate's explanation, as they read now."""
    decision = (
        registration.transitions.filter(to_status=RegistrationStatus.REJECTED)
        .order_by("-at", "-pk")
        .first()
    )
    return {
        "registration": {
            "id": registration.pk,
            "company_name": registration.company_name,
            "country": registration.country,
            "status": registration.status,
            "status_label": registration.get_status_display(),
            "rejection_reason": registration.rejection_reason,
            "rejection_reason_label": registration.rejection_reason_label,
            "decision_reason": registration.decision_reason,
            "automatic": decision is not None and decision.by_id is None,
            "decided_at": decision.at.isoformat() if decision else None,
        },
        "matches": [
            {
                "kind": m.kind,
                "kind_label": m.get_kind_display(),
                "strong": m.strong,
                "similarity": round(m.similarity, 2),
                "explanation": m.explanation,
            }
            for m in registration.matches.order_by("-strong", "pk")
        ],
    }


def commission_evidence(line: CommissionLine) -> dict:
    """The line's basis, rate, tier and explanation, as they read now."""
    names = _tier_names(line.version_id)
    return {
        "line": {
            "id": line.pk,
            "order_id": line.order_id,
            "order_external_id": line.order.external_id,
            "customer": line.order.customer.name if line.order.customer_id else "",
            "product_code": line.order_line.product_code,
            "completed_on": _date(line.completed_on),
            "program_version": line.version.number if line.version_id else None,
            "rule_key": line.rule_key,
            "rule_name": line.rule_name,
            "tier_key": line.tier_key,
            "tier_name": names.get(line.tier_key, line.tier_key),
            "currency": line.currency,
            "basis_minor": line.basis_minor,
            "basis": format_minor(line.basis_minor, line.currency),
            "rate": line.rate,
            "rate_text": with_rates([line])[0].rate_text,  # as the commission page shows it
            "amount_minor": line.amount_minor,
            "amount": format_minor(line.amount_minor, line.currency),
            "earned": line.earned,
            "explanation": line.explanation,
        }
    }
