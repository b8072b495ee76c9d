"""Portal: a partner's tier, explained requirement by requirement."""

from django.shortcuts import render

from partners.models import Enrolment
from partners.views.access import partner_required
from programs.models import Tier
from tiers.display import amount_text, result_in_words, shown_missing
from tiers.selectors import latest_evaluation


def _progress(result) -> int:
    """0-100 for a progress bar: how far the value is toward the threshold."""
    if result.passed:
        return 100
    if result.threshold in (None, 0) or result.value is None:
        return 0
    if result.comparator in ("<=", "<"):
        return 0
    return max(0, min(99, int(100 * result.value / result.threshold)))


@partner_required
def tier_page(request):
    cards = []
    for enrolment in Enrolment.objects.filter(firm=request.contact.firm).select_related("program"):
        evaluation = latest_evaluation(enrolment)
        version = evaluation.program_version if evaluation else None
        names = (
            dict(Tier.objects.filter(version=version).values_list("key", "name")) if version else {}
        )
        results = list(evaluation.results.all()) if evaluation else []
        currency = enrolment.program.currency
        for result in results:
            result.progress = _progress(result)
            result.shown_value = amount_text(result.metric, result.value, currency)
            result.shown_threshold = amount_text(result.metric, result.threshold, currency)
            result.in_words = result_in_words(
                result.metric, result.value, result.threshold, currency
            )
        metrics = {r.requirement: r.metric for r in results}
        missing = evaluation.missing_for_next if evaluation else []
        missing = shown_missing(missing, metrics, currency)
        cards.append(
            {
                "enrolment": enrolment,
                "evaluation": evaluation,
                "names": names,
                "current_name": names.get(enrolment.tier_key, enrolment.tier_key),
                "results": results,
                "missing": missing,
                "next_name": names.get(evaluation.next_tier, evaluation.next_tier)
                if evaluation
                else "",
            }
        )
    return render(request, "tiers/tier.html", {"cards": cards})
