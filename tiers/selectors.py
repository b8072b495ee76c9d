import datetime

from django.db.models import QuerySet

from partners.models import Enrolment
from tiers.models import TierAssignment, TierEvaluation


def tier_held_on(enrolment: Enrolment, on: datetime.date) -> str | None:
    """The tier key the enrolment held on `on` (one query); None before it was approved.

    Before any history was recorded, the tier accepted at approval is the answer.
    """
    return tiers_held_on({enrolment: on})[enrolment.pk]


def evaluations_of(enrolment: Enrolment) -> QuerySet[TierEvaluation]:
    return TierEvaluation.objects.filter(enrolment=enrolment).prefetch_related("results")


def latest_evaluation(enrolment: Enrolment) -> TierEvaluation | None:
    return evaluations_of(enrolment).order_by("-as_of", "-pk").first()


def tiers_held_on(days: dict[Enrolment, datetime.date]) -> dict[int, str | None]:
    """The tier each enrolment held on its day (one query): enrolment id -> tier key."""
    history: dict[int, list[TierAssignment]] = {e.pk: [] for e in days}
    for assignment in TierAssignment.objects.filter(enrolment_id__in=list(history)):
        history[assignment.enrolment_id].append(assignment)
    held = {}
    for enrolment, on in days.items():
        mine = history[enrolment.pk]
        covering = [
            a for a in mine if a.valid_from <= on and (a.valid_to is None or a.valid_to >= on)
        ]
        if covering:
            held[enrolment.pk] = max(covering, key=lambda a: a.valid_from).tier
        elif not mine and enrolment.approved_at.date() <= on:
            held[enrolment.pk] = enrolment.tier_key
        else:
            held[enrolment.pk] = None
    return held
