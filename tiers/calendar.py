"""Which evaluations are due: each program on its own calendar, catching up missed days."""

import datetime

from partners.models import Enrolment
from partners.models.enrolment import ENDED_STATUSES
from partners.terms import ONE_DAY
from programs.models import Program
from programs.selectors import version_in_force
from tiers.models import TierEvaluation
from tiers.windows import Period, as_of, quarter_containing, year_containing


def due_periods(program: Program, today: datetime.date) -> list[tuple[Period, str]]:
    """(period, run key) of every scheduled run due by `today` and not yet done."""
    version = version_in_force(program, today)
    if version is None:
        return []
    first = (
        Enrolment.objects.filter(program=program)
        .exclude(status__in=ENDED_STATUSES)
        .order_by("approved_at")
        .values_list("approved_at", flat=True)
        .first()
    )
    if first is None:
        return []
    cadences = set(version.evaluation["cadences"])
    due: list[tuple[Period, str]] = []
    if "calendar_quarter" in cadences or "annual" in cadences:
        quarterly = "calendar_quarter" in cadences
        period = (quarter_containing if quarterly else year_containing)(first.date())
        while period.end < today:  # every closed period since the first enrolment: catch-up
            due.append((period, period.key))
            period = (quarter_containing if quarterly else year_containing)(period.end + ONE_DAY)
    if "on_event" in cadences:
        # immediate-change programs also look at "today": a new quarter resets quarterly tiers
        due.append((as_of(today), f"day-{today:%Y-%m-%d}"))
    done = set(
        TierEvaluation.objects.filter(enrolment__program=program, run_key__in=[k for _, k in due])
        .values_list("run_key", flat=True)
        .distinct()
    )
    return [(period, key) for period, key in due if key not in done]


def term_starts_due(program: Program, today: datetime.date) -> list[tuple[Enrolment, Period, str]]:
    """Enrolments whose term started and that were not yet assigned for it (Entimo)."""
    version = version_in_force(program, today)
    if version is None or "term_start" not in version.evaluation["cadences"]:
        return []
    enrolments = Enrolment.objects.filter(
        program=program, term_start__lte=today, approved_at__date__lt=today
    ).exclude(status__in=ENDED_STATUSES)
    done = set(
        TierEvaluation.objects.filter(
            enrolment__in=enrolments, run_key__startswith="term-"
        ).values_list("enrolment_id", "run_key")
    )
    due = []
    for enrolment in enrolments:
        key = f"term-{enrolment.term_start:%Y-%m-%d}"
        if enrolment.approved_at.date() < enrolment.term_start and (enrolment.pk, key) not in done:
            due.append((enrolment, as_of(enrolment.term_start - ONE_DAY), key))
    return due
