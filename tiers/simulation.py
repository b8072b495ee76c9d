"""What-if: evaluate a (draft) version against real data without storing anything."""

import copy
import datetime
from collections import Counter
from dataclasses import dataclass, field

from partners.models import Enrolment
from partners.terms import ONE_DAY
from programs.models import ProgramVersion
from programs.policies import policies_of
from programs.selectors import version_in_force
from programs.serialization import version_document
from tiers import engine
from tiers.models import EvaluationStatus
from tiers.selectors import _histories, _in_force
from tiers.services import _evaluation, live_enrolments
from tiers.windows import Period, as_of, quarter_containing, year_containing


@dataclass
class Simulation:
    version: ProgramVersion
    period: Period
    outcomes: list[engine.Outcome]

    @property
    def moves(self) -> Counter:
        """(from tier, to tier) -> how many enrolments would move."""
        return Counter(
            (o.current_tier, o.resulting_tier) for o in self.outcomes if o.change != "none"
        )

    def explained_moves(self, limit: int = 50) -> list[tuple[str, str, str, list[str]]]:
        """(firm, from, to, why) for the first `limit` movers: the requirements that decided it."""
        rows = []
        for o in self.outcomes:
            if o.change == "none":
                continue
            decisive = [r for r in o.results if r.tier.key in (o.current_tier, o.resulting_tier)]
            why = [
                f"{r.requirement.label}: {r.measure.value} "
                f"{'meets' if r.passed else 'misses'} {r.requirement.comparator} "
                f"{r.requirement.threshold if r.requirement.threshold is not None else ''}".strip()
                for r in decisive
            ]
            rows.append((o.enrolment.firm.name, o.current_tier, o.resulting_tier, why))
            if len(rows) >= limit:
                break
        return rows


def simulate(
    version: ProgramVersion, period: Period, *, chunk: int = 5000, progress=None
) -> Simulation:
    enrolments = live_enrolments(version.program)
    outcomes: list[engine.Outcome] = []
    for start in range(0, len(enrolments), chunk):
        batch = enrolments[start : start + chunk]
        outcomes += engine.evaluate(version, batch, period)
        if progress:
            progress(min(start + chunk, len(enrolments)), len(enrolments))
    return Simulation(version, period, outcomes)


# --- Replay over a range: the tier side of the what-if (commissions.whatif adds the money) ---

#: a mark meaning "from this day the partner's real tier history stands"
REAL_HISTORY = None


@dataclass(frozen=True)
class Run:
    """One evaluation a version's calendar makes: on `today`, over `period`, for these
    enrolments (None: every live one)."""

    today: datetime.date
    period: Period
    enrolment_ids: frozenset[int] | None = None


def runs_between(
    version: ProgramVersion,
    start: datetime.date,
    end: datetime.date,
    *,
    event_days: dict[datetime.date, set[int]],
    enrolments: list[Enrolment],
) -> list[Run]:
    """The evaluations `version`'s calendar makes from `start` to `end`, in the order they run.

    Quarterly and annual runs happen the day after their period closes; an `on_event` program
    also evaluates as of each day an order completed (its own event runs before its
    commission, tasks' STAGE_TIERS) and as of each quarter's last day (the daily tick);
    `term_start` evaluates each partner the day its term starts.
    """
    cadences = set(policies_of(version).evaluation.cadences)
    runs: list[Run] = []
    quarters = _periods_ending_between(quarter_containing, start, end)
    if "calendar_quarter" in cadences:
        runs += [Run(q.end + ONE_DAY, q) for q in quarters]
    if "annual" in cadences:
        runs += [
            Run(y.end + ONE_DAY, y) for y in _periods_ending_between(year_containing, start, end)
        ]
    if "on_event" in cadences:
        runs += [Run(q.end, as_of(q.end)) for q in quarters]
        runs += [
            Run(day, as_of(day), frozenset(ids))
            for day, ids in sorted(event_days.items())
            if start <= day <= end
        ]
    if "term_start" in cadences:
        starting: dict[datetime.date, set[int]] = {}
        for e in enrolments:
            if start <= e.term_start <= end and e.approved_at.date() < e.term_start:
                starting.setdefault(e.term_start, set()).add(e.pk)
        runs += [
            Run(day, as_of(day - ONE_DAY), frozenset(ids)) for day, ids in sorted(starting.items())
        ]
    # on one day, the period runs (the scheduled calendar) before the event ones
    return sorted(runs, key=lambda r: (r.today, r.period.kind == "as_of"))


def _periods_ending_between(containing, start: datetime.date, end: datetime.date) -> list[Period]:
    periods, period = [], containing(start)
    while period.end <= end:
        periods.append(period)
        period = containing(period.end + ONE_DAY)
    return periods


class RealTiers:
    """The tier each enrolment really held on any day, from its history (one query)."""

    def __init__(self, enrolments: list[Enrolment]):
        self.enrolments = {e.pk: e for e in enrolments}
        self.history = _histories(enrolments)

    def held(self, enrolment_id: int, day: datetime.date) -> str | None:
        # the same answer as tiers.selectors.tiers_held_on, for many days per enrolment
        rows = self.history.get(enrolment_id, [])
        row = _in_force(rows, day)
        if row is not None:
            return row.tier
        enrolment = self.enrolments[enrolment_id]
        return enrolment.tier_key if not rows and enrolment.approved_at.date() <= day else None


@dataclass
class Replay:
    """The tier every enrolment would have held had `version` been in force over the range.

    Each run evaluates the version in force then and `version` on the same data: where both
    reach the same tier, the real history stands (overrides, invitations and confirmations
    included); where they differ, `version`'s tier holds from the day its policy makes it
    effective. A change waiting for a manager counts as confirmed on its day.
    """

    version: ProgramVersion
    start: datetime.date
    end: datetime.date
    real: RealTiers
    marks: dict[int, list[tuple[datetime.date, str | None]]] = field(default_factory=dict)
    runs: int = 0
    evaluated: int = 0  # runs that needed the engine (the others: both versions alike)

    def held(self, enrolment_id: int, day: datetime.date) -> str | None:
        """The simulated tier on `day`."""
        tier = REAL_HISTORY
        for since, marked in self.marks.get(enrolment_id, []):
            if since > day:
                break
            tier = marked
        return self.real.held(enrolment_id, day) if tier is REAL_HISTORY else tier

    def mark(self, enrolment_id: int, since: datetime.date, tier: str | None) -> None:
        # a later decision overtakes plans from its day on, as tier_changes_record does
        kept = [m for m in self.marks.get(enrolment_id, []) if m[0] < since]
        self.marks[enrolment_id] = [*kept, (since, tier)]


#: the parts of a definition the tier engine never reads
NOT_EVALUATED = ("version", "commissions", "benefits")


def _evaluated_part(version: ProgramVersion) -> dict:
    document = version_document(version)
    return {key: value for key, value in document.items() if key not in NOT_EVALUATED}


def replay(
    version: ProgramVersion,
    start: datetime.date,
    end: datetime.date,
    *,
    event_days: dict[datetime.date, set[int]],
    also: list[Enrolment] = (),
    chunk: int = 5000,
    progress=None,
) -> Replay:
    """Replay `version`'s evaluations from `start` to `end` in memory; nothing is stored.

    A bounded number of queries per run (two evaluations, a version look-up), whatever the
    number of partners; `also` are enrolments (ended ones) whose real history is needed."""
    enrolments = live_enrolments(version.program)
    by_id = {e.pk: e for e in enrolments}
    real = RealTiers([*enrolments, *(e for e in also if e.pk not in by_id)])
    result = Replay(version, start, end, real)
    runs = runs_between(version, start, end, event_days=event_days, enrolments=enrolments)
    in_force: dict[datetime.date, ProgramVersion | None] = {}
    # A draft that changes only what evaluation never reads (commission rates, benefits)
    # reaches every tier the version in force reaches, on the same data, from the same
    # tiers: while no partner's path has parted from the real one, its runs are the real
    # history and need no engine. Compared per version in force (one can change mid-range).
    ours = _evaluated_part(version)
    alike: dict[int, bool] = {}
    for done, run in enumerate(runs, start=1):
        ids = [
            pk
            for pk in (sorted(by_id) if run.enrolment_ids is None else sorted(run.enrolment_ids))
            if pk in by_id and by_id[pk].approved_at.date() <= run.today
        ]
        if run.period.end not in in_force:
            in_force[run.period.end] = version_in_force(version.program, run.period.end)
        base = in_force[run.period.end]
        if base is not None and base.pk not in alike:
            alike[base.pk] = _evaluated_part(base) == ours
        if base is None or not alike[base.pk] or any(pk in result.marks for pk in ids):
            for first in range(0, len(ids), chunk):
                batch = [by_id[pk] for pk in ids[first : first + chunk]]
                _run_batch(result, run, base, batch)
            result.evaluated += 1
        result.runs += 1
        if progress:
            progress("replaying", done, len(runs))
    return result


def _holding(enrolment: Enrolment, tier: str | None) -> Enrolment:
    """A copy of the enrolment holding `tier`: the engine reads the current tier from it."""
    holding = copy.copy(enrolment)
    holding.tier_key = tier or ""
    return holding


def _run_batch(result: Replay, run: Run, base: ProgramVersion | None, batch: list[Enrolment]):
    version = result.version
    simulated = engine.evaluate(
        version, [_holding(e, result.held(e.pk, run.today)) for e in batch], run.period
    )
    real = (
        engine.evaluate(
            base, [_holding(e, result.real.held(e.pk, run.today)) for e in batch], run.period
        )
        if base is not None
        else [None] * len(batch)
    )
    for ours, theirs in zip(simulated, real, strict=True):
        # the status and the day the real run would give this outcome (unsaved, pure)
        planned = _evaluation(version.tenant, version, ours, run.period, "what-if", run.today)
        if ours.change != "none" and planned.status == EvaluationStatus.NO_CHANGE:
            continue  # a closed quarter of a live program is evidence only
        since = planned.effective_on if ours.change != "none" else run.today
        agrees = theirs is not None and theirs.resulting_tier == ours.resulting_tier
        result.mark(ours.enrolment.pk, since, REAL_HISTORY if agrees else ours.resulting_tier)
