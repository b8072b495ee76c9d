"""What a partner sees of their tier: the latest evaluation in words and bars, per program."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone

from partners.models import Enrolment, EnrolmentStatus, PartnerFirm
from programs.models import ProgramVersion, Requirement, Tier
from programs.selectors import versions_in_force
from tiers.display import amount_text, result_in_words, shown_missing
from tiers.models import RequirementResult, TierEvaluation
from tiers.selectors import latest_evaluation


@dataclass
class ChecklistItem:
    label: str
    done: bool


@dataclass
class TierCard:
    enrolment: Enrolment
    evaluation: TierEvaluation | None
    names: dict[str, str]
    current_name: str
    next_name: str
    resulting_name: str
    results: list[RequirementResult]
    missing: list[dict]
    # the onboarding minimum criteria (IPsoft's 6 months), met or not by the latest evaluation
    checklist: list[ChecklistItem] = field(default_factory=list)

    @property
    def next_results(self) -> list[RequirementResult]:
        """The requirements of the next tier: the bars a partner works toward."""
        if self.evaluation is None or not self.evaluation.next_tier:
            return []
        return [r for r in self.results if r.tier == self.evaluation.next_tier]


def progress_percent(result: RequirementResult) -> int:
    """0-100 for a progress bar: how far the value is toward the threshold."""
    if result.passed:
        return 100
    if result.threshold in (None, 0) or result.value is None:
        return 0
    if result.comparator in ("<=", "<"):
        return 0
    return max(0, min(99, int(100 * result.value / result.threshold)))


def tier_cards(firm: PartnerFirm) -> list[TierCard]:
    """One card per enrolment of the firm; a few queries per program, none per requirement."""
    enrolments = list(Enrolment.objects.filter(firm=firm).select_related("program"))
    in_force = versions_in_force({e.program_id for e in enrolments}, timezone.localdate())
    return cards_for(enrolments, in_force=in_force)


def cards_for(
    enrolments: Iterable[Enrolment], *, in_force: dict[int, ProgramVersion | None]
) -> list[TierCard]:
    """`tier_cards` for enrolments a page has read already (program loaded), with the
    versions in force today by program id (`versions_in_force`)."""
    return [_card(enrolment, in_force.get(enrolment.program_id)) for enrolment in enrolments]


def _card(enrolment: Enrolment, version_today: ProgramVersion | None) -> TierCard:
    evaluation = latest_evaluation(enrolment)
    # before the first evaluation, the version in force names the tiers and the checklist
    version = evaluation.program_version if evaluation else version_today
    names = dict(Tier.objects.filter(version=version).values_list("key", "name")) if version else {}
    results = list(evaluation.results.all()) if evaluation else []
    currency = enrolment.program.currency
    for result in results:
        result.tier_name = names.get(result.tier, result.tier)
        result.progress = progress_percent(result)
        result.shown_value = amount_text(result.metric, result.value, currency)
        result.shown_threshold = amount_text(result.metric, result.threshold, currency)
        result.in_words = result_in_words(result.metric, result.value, result.threshold, currency)
    metrics = {r.requirement: r.metric for r in results}
    missing = shown_missing(evaluation.missing_for_next if evaluation else [], metrics, currency)
    card = TierCard(
        enrolment=enrolment,
        evaluation=evaluation,
        names=names,
        current_name=names.get(enrolment.tier_key, enrolment.tier_key),
        next_name=names.get(evaluation.next_tier, evaluation.next_tier) if evaluation else "",
        resulting_name=names.get(evaluation.resulting_tier, evaluation.resulting_tier)
        if evaluation
        else "",
        results=results,
        missing=missing,
    )
    if enrolment.status == EnrolmentStatus.ONBOARDING and version is not None:
        card.checklist = _onboarding_checklist(enrolment, version, results)
    return card


def _onboarding_checklist(enrolment, version, results) -> list[ChecklistItem]:
    keys = (version.onboarding or {}).get("minimum_requirements") or []
    passed = {r.requirement for r in results if r.passed}
    requirements = Requirement.objects.filter(version=version, key__in=keys).order_by("position")
    return [
        ChecklistItem(label=r.label, done=r.key in passed)
        for r in requirements
        if not r.tracks or set(r.tracks) & set(enrolment.tracks)
    ]
