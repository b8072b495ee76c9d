"""What-if over money: a version's tiers and commission rules replayed over a past range.

Every completed order of the range is re-commissioned under the version's rules at the
tier the replay (tiers.simulation.replay) gives on its completion day, with the same pure
functions the real accrual uses (commissions.calculation.line_outcome over the facts
commissions.accruals builds). Nothing is written: the whole computation runs in memory,
inside a transaction that is rolled back all the same.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction

from commissions.accruals import (
    _contract_months,
    _facts,
    _rules_of,
    _tier_names,
    _work,
    lines_by_order,
    order_rows,
)
from commissions.calculation import line_outcome
from commissions.models import CommissionLine
from deals.models import Order
from partners.models import Enrolment
from partners.selectors.standing import standings_on
from partners.selectors.tax import tax_document_valid_on, tax_document_validity
from partners.terms import ONE_DAY, add_months
from programs.models import ProgramVersion
from programs.selectors_console import tier_names
from tiers.simulation import Replay, replay
from tiers.windows import quarter_containing


def last_four_quarters(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The four calendar quarters closed before `today`: (first day, last day)."""
    end = quarter_containing(today).start - ONE_DAY
    return add_months(end + ONE_DAY, -12), end


@dataclass
class PartnerWhatIf:
    """One partner: the tier held at each checkpoint and the commission earned, real and
    simulated (minor units of the program's currency)."""

    enrolment_id: int
    firm: str
    real_path: list[str]
    simulated_path: list[str]
    real_minor: int = 0
    simulated_minor: int = 0
    real_ranks: list[int] = field(default_factory=list)
    simulated_ranks: list[int] = field(default_factory=list)

    @property
    def difference_minor(self) -> int:
        return self.simulated_minor - self.real_minor

    @property
    def moved_up(self) -> bool:
        return any(s > r for s, r in zip(self.simulated_ranks, self.real_ranks, strict=True))

    @property
    def moved_down(self) -> bool:
        return any(s < r for s, r in zip(self.simulated_ranks, self.real_ranks, strict=True))


@dataclass
class MonthWhatIf:
    month: datetime.date  # its first day
    real_minor: int = 0
    simulated_minor: int = 0

    @property
    def difference_minor(self) -> int:
        return self.simulated_minor - self.real_minor


@dataclass
class WhatIf:
    version: ProgramVersion
    start: datetime.date
    end: datetime.date
    currency: str
    checkpoints: list[datetime.date]
    partners: list[PartnerWhatIf]
    months: list[MonthWhatIf]
    lines: int  # order lines re-commissioned
    runs: int  # evaluation runs replayed
    evaluated: int  # of which needed the engine (the others: the draft evaluates alike)

    @property
    def real_minor(self) -> int:
        return sum(p.real_minor for p in self.partners)

    @property
    def simulated_minor(self) -> int:
        return sum(p.simulated_minor for p in self.partners)

    @property
    def difference_minor(self) -> int:
        return self.simulated_minor - self.real_minor

    @property
    def moved_up(self) -> int:
        return sum(p.moved_up for p in self.partners)

    @property
    def moved_down(self) -> int:
        return sum(p.moved_down for p in self.partners)


def checkpoints_of(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The days a tier path is read on: each quarter's last day in the range, and its end."""
    days, quarter = [], quarter_containing(start)
    while quarter.end < end:
        days.append(quarter.end)
        quarter = quarter_containing(quarter.end + ONE_DAY)
    return [*days, end]


def what_if(
    version: ProgramVersion,
    start: datetime.date,
    end: datetime.date,
    *,
    chunk: int = 5000,
    progress=None,
) -> WhatIf:
    """What `version` would have changed from `start` to `end`; stores nothing."""
    with transaction.atomic():
        result = _what_if(version, start, end, chunk=chunk, progress=progress)
        transaction.set_rollback(True)  # pure already; this makes "nothing stored" certain
    return result


def _what_if(version, start, end, *, chunk, progress) -> WhatIf:
    program = version.program
    orders = order_rows(
        Order.objects.filter(
            completed_on__range=(start, end),
            firm__isnull=False,
            firm_id__in=Enrolment.objects.filter(program=program).values("firm_id"),
        ).order_by("pk")
    )
    pairs = [(o, e) for o, e in _work(orders) if e.program_id == program.pk]
    lines_of = lines_by_order(orders)
    event_days: dict[datetime.date, set[int]] = defaultdict(set)
    for order, enrolment in pairs:
        event_days[order.completed_on].add(enrolment.pk)
    tiers = replay(
        version,
        start,
        end,
        event_days=event_days,
        also=[e for _, e in pairs],
        chunk=chunk,
        progress=progress,
    )
    simulated = _simulated_lines(version, pairs, lines_of, tiers, progress)
    real = CommissionLine.objects.filter(
        program=program, completed_on__range=(start, end), earned=True
    ).values_list("order_line_id", "firm_id", "completed_on", "amount_minor")
    return _summary(version, start, end, tiers, pairs, lines_of, simulated, list(real))


def _simulated_lines(
    version: ProgramVersion, pairs, lines_of, tiers: Replay, progress
) -> list[tuple[int, int, datetime.date, int]]:
    """(enrolment id, order line id, completion day, amount) of every earning line under
    `version` at the simulated tier; a few queries per completion day."""
    rules = _rules_of([version]).get(version.pk, [])
    names = _tier_names([version])
    taxes = tax_document_validity(
        tenant=version.tenant, firm_ids=sorted({o.firm_id for o, _ in pairs})
    )
    by_day: dict[datetime.date, list] = defaultdict(list)
    for order, enrolment in pairs:
        by_day[order.completed_on].append((order, enrolment))
    earned = []
    for done, (day, today_pairs) in enumerate(sorted(by_day.items()), start=1):
        # one day per enrolment in each call: the standing selector answers per enrolment
        standing = standings_on({e: day for _, e in today_pairs})
        for order, enrolment in today_pairs:
            tier = tiers.held(enrolment.pk, day)
            tier_name = names.get((version.pk, tier), tier or "")
            tax = tax_document_valid_on(taxes[order.firm_id], day)
            contract_months = _contract_months(lines_of[order.pk])
            paid_per_order: set[str] = set()
            for line in lines_of[order.pk]:
                facts = _facts(
                    order,
                    line,
                    enrolment,
                    tier,
                    tier_name,
                    tax,
                    contract_months,
                    standing[enrolment.pk],
                )
                outcome = line_outcome(rules, facts, paid_per_order=paid_per_order)
                if outcome.earned and outcome.amount_minor:
                    earned.append((enrolment.pk, line.pk, day, outcome.amount_minor))
        if progress:
            progress("commissions", done, len(by_day))
    return earned


def _summary(version, start, end, tiers: Replay, pairs, lines_of, simulated, real) -> WhatIf:
    program = version.program
    checkpoints = checkpoints_of(start, end)
    names = tier_names([program.pk])
    enrolments = {e.pk: e for e in tiers.real.enrolments.values()}
    by_firm: dict[int, int] = {}  # real lines carry the firm; the program has one live enrolment
    for e in sorted(enrolments.values(), key=lambda e: e.approved_at):
        by_firm[e.firm_id] = e.pk
    firms = dict(Enrolment.objects.filter(pk__in_ids=enrolments).values_list("pk", "firm__name"))
    partners: dict[int, PartnerWhatIf] = {}
    for pk in sorted(enrolments, key=lambda pk: (firms.get(pk, ""), pk)):
        real_path = [tiers.real.held(pk, day) for day in checkpoints]
        simulated_path = [tiers.held(pk, day) for day in checkpoints]
        partners[pk] = PartnerWhatIf(
            enrolment_id=pk,
            firm=firms.get(pk, ""),
            real_path=[_name(names, program.pk, t) for t in real_path],
            simulated_path=[_name(names, program.pk, t) for t in simulated_path],
            real_ranks=[names.get((program.pk, t), (-1,))[0] for t in real_path],
            simulated_ranks=[names.get((program.pk, t), (-1,))[0] for t in simulated_path],
        )
    months = {m: MonthWhatIf(m) for m in _months(start, end)}
    line_enrolment = {line.pk: e.pk for o, e in pairs for line in lines_of[o.pk]}
    for line_id, firm_id, day, amount in real:
        pk = line_enrolment.get(line_id, by_firm.get(firm_id))
        if pk in partners:  # every line of the program's firms is someone's
            partners[pk].real_minor += amount
            months[day.replace(day=1)].real_minor += amount
    for pk, _line_id, day, amount in simulated:
        partners[pk].simulated_minor += amount
        months[day.replace(day=1)].simulated_minor += amount
    return WhatIf(
        version=version,
        start=start,
        end=end,
        currency=program.currency,
        checkpoints=checkpoints,
        partners=list(partners.values()),
        months=list(months.values()),
        lines=sum(len(lines_of[o.pk]) for o, _ in pairs),
        runs=tiers.runs,
        evaluated=tiers.evaluated,
    )


def _name(names, program_id: int, tier: str | None) -> str:
    if tier is None:
        return "—"
    return names.get((program_id, tier), (0, tier))[1]


def _months(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = add_months(month, 1)
    return months
