import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from partners.models import Enrolment
from partners.terms import ONE_DAY
from tiers.models import TierAssignment, TierEvaluation


def tier_held_on(enrolment: Enrolment, on: datetime.date) -> str | None:
    """The tier key the enrolment held on `on` (one query); None before it was approved.

    Before any history was recorded, the tier accepted at approval is the answer.
    """
    return tiers_held_on({enrolment: on})[enrolment.pk]


def evaluations_of(enrolment: Enrolment) -> QuerySet[TierEvaluation]:
    return TierEvaluation.objects.filter(enrolment=enrolment).prefetch_related("results")


def latest_evaluation(enrolment: Enrolment) -> TierEvaluation | None:
    return (
        evaluations_of(enrolment)
        .select_related("program_version")
        .order_by("-as_of", "-pk")
        .first()
    )


def _histories(enrolments) -> dict[int, list[TierAssignment]]:
    """Every history row of the enrolments, withdrawn plans included (one query)."""
    history: dict[int, list[TierAssignment]] = {e.pk: [] for e in enrolments}
    for assignment in TierAssignment.objects.filter(enrolment_id__in_ids=history):
        history[assignment.enrolment_id].append(assignment)
    return history


def _in_force(rows: list[TierAssignment], on: datetime.date) -> TierAssignment | None:
    # where decisions overlap, the newest holds
    return max((r for r in rows if r.covers(on)), key=lambda r: r.pk, default=None)


def assignments_in_force(
    days: dict[Enrolment, datetime.date],
) -> dict[int, TierAssignment | None]:
    """The history row in force for each enrolment on its day (one query)."""
    history = _histories(days)
    return {enrolment.pk: _in_force(history[enrolment.pk], on) for enrolment, on in days.items()}


def tiers_held_on(days: dict[Enrolment, datetime.date]) -> dict[int, str | None]:
    """The tier each enrolment held on its day (one query): enrolment id -> tier key.

    Before any history was recorded, the tier accepted at approval is the answer.
    """
    history = _histories(days)
    held = {}
    for enrolment, on in days.items():
        row = _in_force(history[enrolment.pk], on)
        if row is not None:
            held[enrolment.pk] = row.tier
        elif not history[enrolment.pk] and enrolment.approved_at.date() <= on:
            held[enrolment.pk] = enrolment.tier_key
        else:
            held[enrolment.pk] = None
    return held


@dataclass(frozen=True)
class HeldPeriod:
    """A stretch of days the enrolment held one tier (`record`: the row that began it)."""

    tier: str
    valid_from: datetime.date
    valid_to: datetime.date | None
    source: str
    reason: str
    record: int


def tier_timeline(enrolment: Enrolment) -> list[HeldPeriod]:
    """The tier held day by day, as periods, from the append-only rows (newest decision wins)."""
    rows = [r for r in enrolment.tier_history.all() if r.withdrawn_at is None]
    starts = sorted(
        {r.valid_from for r in rows}
        | {r.valid_to + ONE_DAY for r in rows if r.valid_to is not None}
    )
    periods: list[HeldPeriod] = []
    for i, day in enumerate(starts):
        winner = _in_force(rows, day)
        end = starts[i + 1] - ONE_DAY if i + 1 < len(starts) else None
        if winner is None:
            continue
        last = periods[-1] if periods else None
        if last and last.tier == winner.tier and last.valid_to == day - ONE_DAY:
            periods[-1] = HeldPeriod(**{**last.__dict__, "valid_to": end})
        else:
            periods.append(
                HeldPeriod(winner.tier, day, end, winner.source, winner.reason, winner.pk)
            )
    return periods
