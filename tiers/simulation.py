"""What-if: evaluate a (draft) version against real data without storing anything."""

from collections import Counter
from dataclasses import dataclass

from programs.models import ProgramVersion
from tiers import engine
from tiers.services import live_enrolments
from tiers.windows import Period


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
