"""The rules engine: measure every enrolment against a program version, set-based.

Pure computation: nothing is written here (tiers.services persists and applies), so a
draft version can be simulated against real data.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from partners.models import Enrolment
from programs.metrics import METRICS
from programs.models import ProgramVersion, Requirement, Tier
from programs.policies import policies_of
from programs.schema import StandingPolicy
from tiers.metrics import IMPLEMENTATIONS, Measure
from tiers.windows import Period, window

COMPARE = {
    ">=": lambda v, t: v >= t,
    ">": lambda v, t: v > t,
    "<=": lambda v, t: v <= t,
    "<": lambda v, t: v < t,
    "==": lambda v, t: v == t,
    "is true": lambda v, t: v >= 1,
}


class Result(NamedTuple):
    tier: Tier
    requirement: Requirement
    measure: Measure
    passed: bool
    window_start: datetime.date | None
    window_end: datetime.date


class Check(NamedTuple):
    """A requirement ready to apply: its measures, window, comparison and threshold."""

    requirement: Requirement
    tracks: frozenset[str]
    measures: dict[int, Measure]
    window_start: datetime.date | None
    window_end: datetime.date
    compare: Callable[[Decimal, Decimal], bool]
    threshold: Decimal


NOTHING_COUNTED = Measure(Decimal(0))  # shared and never changed: evidence is only read


@dataclass
class Outcome:
    enrolment: Enrolment
    current_tier: str
    resulting_tier: str
    next_tier: str
    meets_entry: bool
    results: list[Result] = field(default_factory=list)
    missing_for_next: list[dict] = field(default_factory=list)
    standing: bool | None = None  # None: the program defines no standing requirements
    standing_shortfalls: list[dict] = field(default_factory=list)

    @property
    def change(self) -> str:
        if self.resulting_tier == self.current_tier:
            return "none"
        return (
            "upgrade"
            if self._rank(self.resulting_tier) > self._rank(self.current_tier)
            else "downgrade"
        )

    def _rank(self, key: str) -> int:
        return self.ranks.get(key, -1)

    ranks: dict[str, int] = field(default_factory=dict)


def measure_all(
    version: ProgramVersion,
    requirements: list[Requirement],
    enrolments: list[Enrolment],
    period: Period,
) -> dict[int, tuple[dict[int, Measure], datetime.date | None, datetime.date]]:
    """Per requirement id: (measures by enrolment id, window). One metric call per distinct
    (metric, window, parameters), whatever the number of enrolments."""
    cache: dict[tuple, tuple] = {}
    measured = {}
    for requirement in requirements:
        start, end = window(requirement.window_kind, requirement.window_months, period, version)
        key = (requirement.metric, start, end, repr(sorted(requirement.params.items())))
        if key not in cache:
            function = IMPLEMENTATIONS[requirement.metric]
            cache[key] = (function(enrolments, start, end, requirement.params), start, end)
        measured[requirement.pk] = cache[key]
    return measured


def evaluate(version: ProgramVersion, enrolments: list[Enrolment], period: Period) -> list[Outcome]:
    """The tier each enrolment qualifies for in `period`, with every requirement's evidence."""
    tiers = list(Tier.objects.filter(version=version).order_by("rank"))
    ranks = {t.key: t.rank for t in tiers}
    requirements = list(Requirement.objects.filter(version=version).order_by("position"))
    measured = measure_all(version, requirements, enrolments, period)
    checks: dict[int, list[Check]] = {t.pk: [] for t in tiers}
    for requirement in requirements:
        checks[requirement.tier_id].append(_check(requirement, *measured[requirement.pk]))
    outcomes = [
        _decide(enrolment, tiers, ranks, _results(enrolment, tiers, checks))
        for enrolment in enrolments
    ]
    policy = policies_of(version).evaluation.standing
    if policy:
        _judge_standing(version, policy, tiers, checks, outcomes, period)
    return outcomes


def _judge_standing(version, policy: StandingPolicy, tiers, checks, outcomes, period) -> None:
    """Standing: every requirement of the policy's tier that applies to the partner's tracks;
    with `each_territory`, territorial ones are met in each of the partner's territories."""
    tier = next(t for t in tiers if t.key == policy.requirements_of)
    by_territory = {}
    if policy.each_territory:
        by_territory = _measure_by_territory(version, checks[tier.pk], outcomes, period)
    for outcome in outcomes:
        territories = sorted(set(outcome.enrolment.territories))
        shortfalls = []
        for result in (r for r in outcome.results if r.tier.key == tier.key):
            check = next(c for c in checks[tier.pk] if c.requirement.pk == result.requirement.pk)
            if len(territories) > 1 and result.requirement.pk in by_territory:
                for country in territories:
                    measures = by_territory[result.requirement.pk][country]
                    measure = measures.get(outcome.enrolment.pk, NOTHING_COUNTED)
                    if not check.compare(measure.value, check.threshold):
                        shortfalls.append(_shortfall(result.requirement, measure, country))
            elif not result.passed:
                shortfalls.append(_shortfall(result.requirement, result.measure, ""))
        outcome.standing = not shortfalls
        outcome.standing_shortfalls = shortfalls


def _measure_by_territory(version, tier_checks, outcomes, period) -> dict:
    """Requirement id -> country -> measures, for territorial metrics and partners of several
    territories: one metric call per (requirement, country), whatever the number of partners."""
    several = [o.enrolment for o in outcomes if len(set(o.enrolment.territories)) > 1]
    countries = sorted({c for e in several for c in e.territories})
    measured: dict[int, dict[str, dict[int, Measure]]] = {}
    for check in tier_checks:
        requirement = check.requirement
        if not several or not METRICS[requirement.metric].territorial:
            continue
        start, end = window(requirement.window_kind, requirement.window_months, period, version)
        function = IMPLEMENTATIONS[requirement.metric]
        measured[requirement.pk] = {
            country: function(
                [e for e in several if country in e.territories],
                start,
                end,
                {**requirement.params, "country": country},
            )
            for country in countries
        }
    return measured


def _shortfall(requirement: Requirement, measure: Measure, country: str) -> dict:
    label = f"{requirement.label} in {country}" if country else requirement.label
    return {
        "requirement": requirement.key,
        "label": label,
        "territory": country,
        "value": str(measure.value),
        "comparator": requirement.comparator,
        "threshold": None
        if requirement.threshold is None
        else format(requirement.threshold.normalize(), "f"),
    }


def _check(requirement: Requirement, measures, start, end) -> Check:
    threshold = requirement.threshold if requirement.threshold is not None else 0
    return Check(
        requirement,
        frozenset(requirement.tracks),
        measures,
        start,
        end,
        COMPARE[requirement.comparator],
        Decimal(threshold),
    )


def _results(enrolment: Enrolment, tiers: list[Tier], checks) -> dict[str, list[Result]]:
    """Per tier key: the enrolment's result for each requirement that applies to its tracks."""
    tracks = frozenset(enrolment.tracks)
    results: dict[str, list[Result]] = {}
    for tier in tiers:
        results[tier.key] = tier_results = []
        for check in checks[tier.pk]:
            if check.tracks and not check.tracks & tracks:
                continue
            measure = check.measures.get(enrolment.pk, NOTHING_COUNTED)
            passed = check.compare(measure.value, check.threshold)
            window = (check.window_start, check.window_end)
            tier_results.append(Result(tier, check.requirement, measure, passed, *window))
    return results


def _decide(enrolment, tiers, ranks, results) -> Outcome:
    own = {t.key: all(r.passed for r in results[t.key]) for t in tiers}
    eligible: dict[str, bool] = {}
    below = True
    for tier in tiers:
        eligible[tier.key] = own[tier.key] and (below or not tier.requires_lower)
        below = eligible[tier.key]
    entry = next(t for t in tiers if t.entry)
    current = enrolment.tier_key
    grantable = [t for t in tiers if eligible[t.key] and not t.invite_only]
    resulting = grantable[-1].key if grantable else entry.key
    current_tier = next((t for t in tiers if t.key == current), None)
    if current_tier is not None and current_tier.invite_only and eligible[current]:
        resulting = current  # an invitation stands while its requirements hold
    if ranks.get(resulting, -1) < ranks.get(entry.key, 0):
        resulting = entry.key
    above = [t for t in tiers if t.rank > ranks[resulting]]
    next_tier = above[0] if above else None
    missing = []
    if next_tier is not None:
        missing = [
            {
                "tier": next_tier.key,
                "requirement": r.requirement.key,
                "label": r.requirement.label,
                "value": str(r.measure.value),
                "comparator": r.requirement.comparator,
                "threshold": None
                if r.requirement.threshold is None
                else format(r.requirement.threshold.normalize(), "f"),
            }
            for r in results[next_tier.key]
            if not r.passed
        ]
        if next_tier.invite_only:
            missing.append(
                {
                    "tier": next_tier.key,
                    "requirement": "invitation",
                    "label": f"{next_tier.name} is by invitation only",
                }
            )
    flat = [r for tier in tiers for r in results[tier.key]]
    return Outcome(
        enrolment=enrolment,
        current_tier=current,
        resulting_tier=resulting,
        next_tier=next_tier.key if next_tier else "",
        meets_entry=own[entry.key],
        results=flat,
        missing_for_next=missing,
        ranks=ranks,
    )
