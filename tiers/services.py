"""Writes of the tier engine: evaluations stored with evidence, tier history, overrides."""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from partners.models import Enrolment
from partners.models.enrolment import ENDED_STATUSES
from partners.services.standing import StandingVerdict, standings_from_evaluation
from partners.terms import ONE_DAY
from programs.models import Program, ProgramVersion, Tier
from programs.periods import last_closed_day
from programs.policies import policies_of
from programs.selectors import version_in_force
from tenants import events
from tenants.bulk import collection_paused, insert_instances, insert_rows
from tenants.errors import ApplicationError, Conflict
from tenants.models import Tenant
from tiers import engine
from tiers.models import (
    AssignmentSource,
    EvaluationStatus,
    RequirementResult,
    TierAssignment,
    TierEvaluation,
)
from tiers.notifications import notify_tier_change, notify_tier_changes
from tiers.selectors import assignments_in_force
from tiers.windows import Period


def live_enrolments(program: Program) -> list[Enrolment]:
    return list(
        Enrolment.objects.filter(program=program).exclude(status__in=ENDED_STATUSES).order_by("pk")
    )


def effective_date(
    version: ProgramVersion, outcome: engine.Outcome, period: Period, today: datetime.date
) -> datetime.date | None:
    """When the outcome's change takes effect under the program's evaluation policy."""
    policy = policies_of(version).evaluation
    rule = policy.upgrade_effective if outcome.change == "upgrade" else policy.downgrade_effective
    if rule == "immediate":
        if period.kind == "as_of":
            return max(period.end, today)
        # a period still running takes effect now; one that has closed, the day after
        return max(period.start, today) if period.end >= today else period.end + ONE_DAY
    if rule == "notification_date":
        month, day = (int(p) for p in policy.notification_dates[f"Q{period.quarter}"].split("-"))
        year = period.end.year + (1 if month < period.end.month else 0)
        return datetime.date(year, month, day)
    return outcome.enrolment.term_end + ONE_DAY  # next_term_start


def _ensure_history(
    enrolments: list[Enrolment], next_from: dict[int, datetime.date] | None = None
) -> None:
    """Record the approval tier for enrolments that have no tier history yet. Where a change
    from a later day follows at once (`next_from`: enrolment id -> its first day), the
    approval period is written already ended the day before, as `tier_changes_record`
    would end it: one write per row, not an insert and then an update."""
    with_history = set(
        TierAssignment.objects.filter(enrolment_id__in_ids=(e.pk for e in enrolments)).values_list(
            "enrolment_id", flat=True
        )
    )
    next_from = next_from or {}
    rows = []
    for e in enrolments:
        if e.pk in with_history:
            continue
        start, after = e.approved_at.date(), next_from.get(e.pk)
        end = after - ONE_DAY if after is not None and start < after else None
        rows.append((e.tenant_id, e.pk, e.tier_key, start, AssignmentSource.INITIAL, *INITIAL, end))
    _assignments_insert(rows, ended=True)


ASSIGNMENT_FIELDS = (
    "tenant_id",
    "enrolment_id",
    "tier",
    "valid_from",
    "source",
    "evaluation_id",
    "replaces_id",
    "reason",
    "created_by_id",
    "valid_to",
    "withdrawn_at",
    "created_at",
)


INITIAL = (None, None, "", None)  # no evaluation, nothing replaced, no reason, no author


def _assignments_insert(rows, *, ended: bool = False) -> None:
    """Insert assignments (tenant, enrolment, tier, from, source, evaluation id, replaced row
    id, reason, user id), open-ended, or with `ended` each row's last day after those."""
    now = timezone.now()
    tail = (None, now) if ended else (None, None, now)
    insert_rows(TierAssignment, ASSIGNMENT_FIELDS, [(*row, *tail) for row in rows])


@dataclass(frozen=True)
class TierChange:
    """One decision to append to an enrolment's tier history."""

    enrolment: Enrolment
    tier: str
    valid_from: datetime.date
    source: str
    evaluation: TierEvaluation | None = None
    replaces_id: int | None = None
    reason: str = ""
    user_id: int | None = None


def closed_month_message(program: Program, valid_from: datetime.date) -> str | None:
    """Why a tier change from `valid_from` would rewrite a paid month, or None if it would not."""
    last = last_closed_day(program)
    if last is None or valid_from > last:
        return None
    return (
        f"{last:%B %Y} is closed: its payout batch is approved, so the tier that month paid "
        f"at stands. A tier change can start on {last + ONE_DAY:%Y-%m-%d} at the earliest."
    )


def first_open_day(program: Program, day: datetime.date) -> datetime.date:
    """`day`, or the first day after the program's latest closed month if that is later."""
    return _open_from(last_closed_day(program), day)


def _open_from(last_closed: datetime.date | None, day: datetime.date) -> datetime.date:
    return day if last_closed is None or day > last_closed else last_closed + ONE_DAY


def tier_changes_record(changes: list[TierChange], *, today: datetime.date) -> None:
    """Append each decision to its enrolment's history; the current tier follows once its day
    has come. Plans it overtakes are withdrawn and the period in force before it closes the
    day before; nothing is deleted or rewritten. A few queries per distinct start day."""
    now = timezone.now()
    by_day: dict[datetime.date, list[TierChange]] = {}
    for change in changes:
        by_day.setdefault(change.valid_from, []).append(change)
    for valid_from, group in sorted(by_day.items()):
        ids = [c.enrolment.pk for c in group]
        TierAssignment.objects.filter(
            enrolment_id__in_ids=ids, valid_from__gte=max(valid_from, today + ONE_DAY)
        ).withdraw(now)
        TierAssignment.objects.filter(
            enrolment_id__in_ids=ids, valid_from__lt=valid_from, withdrawn_at__isnull=True
        ).close(valid_from - ONE_DAY)
        _assignments_insert(
            (
                c.enrolment.tenant_id,
                c.enrolment.pk,
                c.tier,
                valid_from,
                c.source,
                c.evaluation.pk if c.evaluation else None,
                c.replaces_id,
                c.reason,
                c.user_id,
            )
            for c in group
        )
        if valid_from > today:
            continue
        by_tier: dict[str, list[TierChange]] = {}
        for change in group:
            by_tier.setdefault(change.tier, []).append(change)
        for tier, same in by_tier.items():
            Enrolment.objects.filter(pk__in_ids=(c.enrolment.pk for c in same)).update(
                tier_key=tier, tier_since=valid_from
            )
            for change in same:
                previous = change.enrolment.tier_key
                if previous != tier:
                    _tier_changed_emit(change.enrolment, previous, tier, valid_from)
                change.enrolment.tier_key, change.enrolment.tier_since = tier, valid_from


def _tier_changed_emit(
    enrolment: Enrolment, previous: str, tier: str, valid_from: datetime.date
) -> None:
    # the previous tier travels with the event: by delivery time the enrolment shows only the new
    events.emit(
        events.TIER_CHANGED,
        tenant_id=enrolment.tenant_id,
        enrolment_id=enrolment.pk,
        tier=tier,
        previous_tier=previous,
        valid_from=valid_from.isoformat(),
    )


@collection_paused()  # outside the transaction: through the commit and its hooks too
@transaction.atomic
def tiers_evaluate(
    *,
    tenant: Tenant,
    program: Program,
    period: Period,
    today: datetime.date | None = None,
    enrolments: list[Enrolment] | None = None,
    run_key: str | None = None,
) -> list[TierEvaluation]:
    """Evaluate and store; the same program and period again stores nothing new."""
    today = today or timezone.localdate()
    version = version_in_force(program, period.end)
    if version is None:
        raise ApplicationError(f"No version of {program} is in force on {period.end}.")
    run_key = run_key or period.key
    enrolments = enrolments if enrolments is not None else live_enrolments(program)
    done = set(
        TierEvaluation.objects.filter(
            enrolment_id__in_ids=(e.pk for e in enrolments), run_key=run_key
        ).values_list("enrolment_id", flat=True)
    )
    todo = [e for e in enrolments if e.pk not in done]
    if not todo:
        return []
    outcomes = engine.evaluate(version, todo, period)
    evaluations = [_evaluation(tenant, version, o, period, run_key, today) for o in outcomes]
    changes = _changes(program, [e for e in evaluations if e.status == EvaluationStatus.SCHEDULED])
    for change in changes:
        if change.valid_from <= today:  # recorded below, so stored as applied (not updated)
            change.evaluation.status = EvaluationStatus.APPLIED
    _evaluations_store(evaluations)
    _results_store(tenant, evaluations, outcomes)
    _ensure_history(todo, {c.enrolment.pk: c.valid_from for c in changes})
    _withdraw_plans(outcomes, today)
    tier_changes_record(changes, today=today)
    notify_tier_changes([c.evaluation for c in changes], {o.enrolment.pk: o for o in outcomes})
    standings_from_evaluation(
        tenant=tenant,
        verdicts=[
            StandingVerdict(o.enrolment, o.standing, o.standing_shortfalls)
            for o in outcomes
            if o.standing is not None
        ],
        run_key=run_key,
    )
    return evaluations


EVALUATION_FIELDS = (
    "tenant_id",
    "enrolment_id",
    "program_version_id",
    "run_key",
    "as_of",
    "current_tier",
    "resulting_tier",
    "next_tier",
    "missing_for_next",
    "change",
    "effective_on",
    "status",
    "standing_met",
    "standing_shortfalls",
    "decided_by_id",
    "created_at",
)


def _evaluations_store(evaluations: list[TierEvaluation]) -> list[TierEvaluation]:
    """Insert the evaluations in one statement and give them the ids they were stored under."""
    now = timezone.now()
    for evaluation in evaluations:
        evaluation.created_at = now
    insert_instances(evaluations, EVALUATION_FIELDS, with_ids=True)
    return evaluations


RESULT_FIELDS = (
    "tenant_id",
    "evaluation_id",
    "tier",
    "requirement",
    "label",
    "metric",
    "comparator",
    "threshold",
    "value",
    "window_start",
    "window_end",
    "passed",
    "evidence",
)


def _results_store(
    tenant: Tenant, evaluations: list[TierEvaluation], outcomes: list[engine.Outcome]
) -> None:
    """Insert every requirement result of the run, as plain rows, in one statement."""
    insert_rows(
        RequirementResult,
        RESULT_FIELDS,
        [
            (
                tenant.pk,
                evaluation.pk,
                r.tier.key,
                r.requirement.key,
                r.requirement.label,
                r.requirement.metric,
                r.requirement.comparator,
                r.requirement.threshold,
                r.measure.value,
                r.window_start,
                r.window_end,
                r.passed,
                r.measure.evidence,
            )
            for evaluation, outcome in zip(evaluations, outcomes, strict=True)
            for r in outcome.results
        ],
    )


def _withdraw_plans(outcomes: list[engine.Outcome], today: datetime.date) -> None:
    """Partners who again meet the tier they hold keep it: a scheduled *downgrade* is
    withdrawn (a confirmed upgrade waiting for its date stays), by a new row that says so."""
    steady = {o.enrolment.pk: o for o in outcomes if o.change == "none"}
    planned: dict[int, TierAssignment] = {}
    for plan in TierAssignment.objects.filter(
        enrolment_id__in_ids=steady,
        valid_from__gt=today,
        source=AssignmentSource.EVALUATION,
        withdrawn_at__isnull=True,
    ).order_by("valid_from", "pk"):
        outcome = steady[plan.enrolment_id]
        if outcome.ranks.get(plan.tier, -1) < outcome.ranks.get(outcome.resulting_tier, -1):
            planned.setdefault(plan.enrolment_id, plan)
    if not planned:
        return
    tier_changes_record(
        [
            TierChange(
                enrolment=steady[enrolment_id].enrolment,
                tier=steady[enrolment_id].resulting_tier,
                valid_from=plan.valid_from,
                source=AssignmentSource.WITHDRAWAL,
                replaces_id=plan.pk,
                reason=f"The change to {plan.tier} from {plan.valid_from:%Y-%m-%d} is withdrawn: "
                f"the partner meets {steady[enrolment_id].resulting_tier} again.",
            )
            for enrolment_id, plan in planned.items()
        ],
        today=today,
    )
    TierEvaluation.objects.filter(
        enrolment_id__in_ids=planned,
        status=EvaluationStatus.SCHEDULED,
        effective_on__gt=today,
    ).update(status=EvaluationStatus.DISMISSED)


def _changes(program: Program, evaluations: list[TierEvaluation]) -> list[TierChange]:
    """The tier history rows the scheduled evaluations append: each from its effective day,
    or from the first day after the program's latest closed month."""
    changes = []
    last_closed = last_closed_day(program) if evaluations else None
    for evaluation in evaluations:
        valid_from = _open_from(last_closed, evaluation.effective_on)
        reason = (
            ""
            if valid_from == evaluation.effective_on
            else (f"Booked forward from {evaluation.effective_on:%Y-%m-%d}: that month is closed.")
        )
        changes.append(
            TierChange(
                enrolment=evaluation.enrolment,
                tier=evaluation.resulting_tier,
                valid_from=valid_from,
                source=AssignmentSource.EVALUATION,
                evaluation=evaluation,
                reason=reason,
            )
        )
    return changes


def _evaluation(tenant, version, outcome, period, run_key, today) -> TierEvaluation:
    change = outcome.change
    effective = effective_date(version, outcome, period, today) if change != "none" else None
    policy = policies_of(version).evaluation
    rule = policy.upgrade_effective if change == "upgrade" else policy.downgrade_effective
    if change == "none":
        status = EvaluationStatus.NO_CHANGE
    elif (
        rule == "immediate"
        and period.kind != "as_of"
        and period.end < today
        and not policy.manager_confirmation
    ):
        # A live (immediate, unconfirmed) program's closed quarter is evidence only: its tier
        # applied during the quarter (daily runs) and the next quarter starts from its own.
        status, effective = EvaluationStatus.NO_CHANGE, None
    elif policy.manager_confirmation:
        status = EvaluationStatus.AWAITING_CONFIRMATION
    else:
        status = EvaluationStatus.SCHEDULED
    return TierEvaluation(
        tenant=tenant,
        enrolment=outcome.enrolment,
        program_version=version,
        run_key=run_key,
        as_of=period.end,
        current_tier=outcome.current_tier,
        resulting_tier=outcome.resulting_tier,
        next_tier=outcome.next_tier,
        missing_for_next=outcome.missing_for_next,
        change=change,
        effective_on=effective,
        status=status,
        standing_met=outcome.standing,
        standing_shortfalls=outcome.standing_shortfalls,
    )


@transaction.atomic
def evaluation_decide(
    *,
    tenant: Tenant,
    evaluation: TierEvaluation,
    user: AbstractBaseUser,
    confirm: bool,
    today: datetime.date | None = None,
) -> TierEvaluation:
    """A manager confirms (the change takes effect on its date) or dismisses a proposal."""
    today = today or timezone.localdate()
    claimed = TierEvaluation.objects.filter(
        pk=evaluation.pk, status=EvaluationStatus.AWAITING_CONFIRMATION
    ).update(
        status=EvaluationStatus.SCHEDULED if confirm else EvaluationStatus.DISMISSED,
        decided_by=user,
    )
    if claimed != 1:
        raise Conflict("This evaluation is not waiting for a decision.")
    evaluation.refresh_from_db()
    if confirm:
        valid_from = first_open_day(
            evaluation.enrolment.program, max(evaluation.effective_on, today)
        )
        _ensure_history([evaluation.enrolment])
        tier_changes_record(
            [
                TierChange(
                    enrolment=evaluation.enrolment,
                    tier=evaluation.resulting_tier,
                    valid_from=valid_from,
                    source=AssignmentSource.EVALUATION,
                    evaluation=evaluation,
                    user_id=user.pk,
                )
            ],
            today=today,
        )
        if valid_from <= today:
            evaluation.status = EvaluationStatus.APPLIED
            evaluation.save(update_fields=["status"])
        notify_tier_change(evaluation)
    return evaluation


@transaction.atomic
def tier_override(
    *,
    tenant: Tenant,
    enrolment: Enrolment,
    tier: str,
    reason: str,
    user: AbstractBaseUser,
    valid_from: datetime.date | None = None,
    today: datetime.date | None = None,
) -> TierAssignment:
    """A manager sets the tier (invite-only tiers: an invitation), always with a reason.

    A date in the past is a correction: a new row naming the one it replaces. It may not
    reach into a month whose payout batch is approved.
    """
    today = today or timezone.localdate()
    valid_from = valid_from or today
    if not (reason or "").strip():
        raise ApplicationError("Say why.", fields={"reason": ["A reason is required."]})
    version = version_in_force(enrolment.program, valid_from)
    target = Tier.objects.filter(version=version, key=tier).first()
    if target is None:
        raise ApplicationError(
            f"{tier!r} is not a tier of {enrolment.program}.", fields={"tier": ["Unknown tier."]}
        )
    source = AssignmentSource.INVITATION if target.invite_only else AssignmentSource.OVERRIDE
    return _manager_decision_record(
        enrolment, tier, valid_from, source, reason.strip(), user, today=today
    )


def _manager_decision_record(
    enrolment: Enrolment,
    tier: str,
    valid_from: datetime.date,
    source: str,
    reason: str,
    user: AbstractBaseUser | None,
    *,
    today: datetime.date,
) -> TierAssignment:
    """Append a person's tier decision, naming the row it replaces; never into a closed month."""
    if message := closed_month_message(enrolment.program, valid_from):
        raise ApplicationError(message, fields={"valid_from": [message]})
    _ensure_history([enrolment])
    replaced = assignments_in_force({enrolment: valid_from})[enrolment.pk]
    tier_changes_record(
        [
            TierChange(
                enrolment=enrolment,
                tier=tier,
                valid_from=valid_from,
                source=source,
                replaces_id=replaced.pk if replaced else None,
                reason=reason,
                user_id=getattr(user, "pk", None),
            )
        ],
        today=today,
    )
    return TierAssignment.objects.filter(enrolment=enrolment).latest("pk")


@transaction.atomic
def scheduled_tiers_apply(*, tenant: Tenant, today: datetime.date) -> int:
    """Bring enrolments' current tier up to date with assignments whose day has come."""
    due = Enrolment.objects.filter(
        pk__in=TierAssignment.objects.filter(
            valid_from__lte=today,
            valid_from__gt=F("enrolment__tier_since"),
            withdrawn_at__isnull=True,
        ).values("enrolment_id")
    )
    enrolments = list(due)
    in_force = assignments_in_force({e: today for e in enrolments})
    applied = 0
    for enrolment in enrolments:
        row = in_force[enrolment.pk]
        if row is not None and row.tier != enrolment.tier_key:
            Enrolment.objects.filter(pk=enrolment.pk).update(
                tier_key=row.tier, tier_since=row.valid_from
            )
            _tier_changed_emit(enrolment, enrolment.tier_key, row.tier, row.valid_from)
            applied += 1
    TierEvaluation.objects.filter(
        status=EvaluationStatus.SCHEDULED, effective_on__lte=today
    ).update(status=EvaluationStatus.APPLIED)
    return applied


def tier_record_for_partner_workflow(
    enrolment: Enrolment, tier: str, valid_from: datetime.date, reason: str, user
) -> None:
    """A tier a partner workflow sets (onboarding confirmed) goes into the history too."""
    _manager_decision_record(
        enrolment, tier, valid_from, AssignmentSource.OVERRIDE, reason, user, today=valid_from
    )
