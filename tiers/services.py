"""Writes of the tier engine: evaluations stored with evidence, tier history, overrides."""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from partners.models import Enrolment
from partners.models.enrolment import ENDED_STATUSES
from partners.terms import ONE_DAY
from programs.models import Program, ProgramVersion, Tier
from programs.selectors import version_in_force
from tenants.errors import ApplicationError, Conflict
from tenants.models import Tenant
from tiers import engine
from tiers.bulk import collection_paused, id_set, insert_rows
from tiers.models import (
    AssignmentSource,
    EvaluationStatus,
    RequirementResult,
    TierAssignment,
    TierEvaluation,
)
from tiers.notifications import notify_tier_change, notify_tier_changes
from tiers.windows import Period


def live_enrolments(program: Program) -> list[Enrolment]:
    return list(
        Enrolment.objects.filter(program=program).exclude(status__in=ENDED_STATUSES).order_by("pk")
    )


def effective_date(
    version: ProgramVersion, outcome: engine.Outcome, period: Period, today: datetime.date
) -> datetime.date | None:
    """When the outcome's change takes effect under the program's evaluation policy."""
    policy = version.evaluation
    rule = (
        policy["upgrade_effective"]
        if outcome.change == "upgrade"
        else policy["downgrade_effective"]
    )
    if rule == "immediate":
        if period.kind == "as_of":
            return max(period.end, today)
        # a period still running takes effect now; one that has closed, the day after
        return max(period.start, today) if period.end >= today else period.end + ONE_DAY
    if rule == "notification_date":
        month, day = (int(p) for p in policy["notification_dates"][f"Q{period.quarter}"].split("-"))
        year = period.end.year + (1 if month < period.end.month else 0)
        return datetime.date(year, month, day)
    return outcome.enrolment.term_end + ONE_DAY  # next_term_start


def _ensure_history(enrolments: list[Enrolment]) -> None:
    """Record the approval tier for enrolments that have no tier history yet."""
    with_history = set(
        TierAssignment.objects.filter(
            enrolment_id__in=id_set(e.pk for e in enrolments)
        ).values_list("enrolment_id", flat=True)
    )
    _assignments_insert(
        (e.tenant_id, e.pk, e.tier_key, e.approved_at.date(), AssignmentSource.INITIAL, None)
        for e in enrolments
        if e.pk not in with_history
    )


ASSIGNMENT_FIELDS = (
    "tenant_id",
    "enrolment_id",
    "tier",
    "valid_from",
    "source",
    "evaluation_id",
    "valid_to",
    "reason",
    "created_by_id",
    "created_at",
)


def _assignments_insert(rows) -> None:
    """Insert open-ended assignments (tenant, enrolment, tier, from, source, evaluation id)."""
    now = timezone.now()
    insert_rows(TierAssignment, ASSIGNMENT_FIELDS, [(*row, None, "", None, now) for row in rows])


def tier_assign(
    *,
    enrolment: Enrolment,
    tier: str,
    valid_from: datetime.date,
    source: str,
    evaluation: TierEvaluation | None = None,
    reason: str = "",
    user: AbstractBaseUser | None = None,
    today: datetime.date | None = None,
) -> TierAssignment:
    """Make `tier` the enrolment's tier from `valid_from`; later plans give way to it."""
    today = today or timezone.localdate()
    _ensure_history([enrolment])
    TierAssignment.objects.filter(enrolment=enrolment, valid_from__gte=valid_from).delete()
    TierAssignment.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from),
        enrolment=enrolment,
        valid_from__lt=valid_from,
    ).update(valid_to=valid_from - ONE_DAY)
    assignment = TierAssignment.objects.create(
        tenant_id=enrolment.tenant_id,
        enrolment=enrolment,
        tier=tier,
        valid_from=valid_from,
        source=source,
        evaluation=evaluation,
        reason=reason,
        created_by=user,
    )
    if valid_from <= today:
        Enrolment.objects.filter(pk=enrolment.pk).update(tier_key=tier, tier_since=valid_from)
        enrolment.tier_key, enrolment.tier_since = tier, valid_from
    return assignment


@transaction.atomic
@collection_paused()
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
            enrolment_id__in=id_set(e.pk for e in enrolments), run_key=run_key
        ).values_list("enrolment_id", flat=True)
    )
    todo = [e for e in enrolments if e.pk not in done]
    if not todo:
        return []
    _ensure_history(todo)
    outcomes = engine.evaluate(version, todo, period)
    evaluations = _evaluations_store(
        [_evaluation(tenant, version, o, period, run_key, today) for o in outcomes]
    )
    _results_store(tenant, evaluations, outcomes)
    scheduled = [e for e in evaluations if e.status == EvaluationStatus.SCHEDULED]
    _withdraw_plans(outcomes, today)
    _assign_many(scheduled, today)
    notify_tier_changes(scheduled, {o.enrolment.pk: o for o in outcomes})
    _standing_record(outcomes)
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
    "decided_by_id",
    "created_at",
)


def _evaluations_store(evaluations: list[TierEvaluation]) -> list[TierEvaluation]:
    """Insert the evaluations in one statement and give them the ids they were stored under."""
    now = timezone.now()
    for evaluation in evaluations:
        evaluation.created_at = now
    ids = insert_rows(
        TierEvaluation,
        EVALUATION_FIELDS,
        [tuple(getattr(e, name) for name in EVALUATION_FIELDS) for e in evaluations],
        with_ids=True,
    )
    for evaluation, pk in zip(evaluations, ids, strict=True):
        evaluation.pk = pk
        evaluation._state.adding = False
        evaluation._state.db = connection.alias
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


def _standing_record(outcomes: list[engine.Outcome]) -> None:
    """Good standing is meeting the entry tier's requirements."""
    standing: dict[bool, list[int]] = {True: [], False: []}
    for outcome in outcomes:
        standing[outcome.meets_entry].append(outcome.enrolment.pk)
    for good, ids in standing.items():
        if ids:
            Enrolment.objects.filter(pk__in=id_set(ids)).exclude(good_standing=good).update(
                good_standing=good
            )


def _withdraw_plans(outcomes: list[engine.Outcome], today: datetime.date) -> None:
    """Partners who again meet the tier they hold keep it: a scheduled *downgrade* is
    withdrawn (a confirmed upgrade waiting for its date stays)."""
    steady = {o.enrolment.pk: o for o in outcomes if o.change == "none"}
    planned = [
        (pk, enrolment_id, tier)
        for pk, enrolment_id, tier in TierAssignment.objects.filter(
            enrolment_id__in=id_set(steady),
            valid_from__gt=today,
            source=AssignmentSource.EVALUATION,
        ).values_list("pk", "enrolment_id", "tier")
        if steady[enrolment_id].ranks.get(tier, -1)
        < steady[enrolment_id].ranks.get(steady[enrolment_id].resulting_tier, -1)
    ]
    if not planned:
        return
    enrolment_ids = sorted({enrolment_id for _, enrolment_id, _ in planned})
    TierAssignment.objects.filter(enrolment_id__in=enrolment_ids, valid_from__gt=today).delete()
    TierAssignment.objects.filter(
        enrolment_id__in=enrolment_ids, valid_from__lte=today, valid_to__gte=today
    ).update(valid_to=None)
    TierEvaluation.objects.filter(
        enrolment_id__in=enrolment_ids, status=EvaluationStatus.SCHEDULED, effective_on__gt=today
    ).update(status=EvaluationStatus.DISMISSED)


def _assign_many(evaluations: list[TierEvaluation], today: datetime.date) -> None:
    """tier_assign for many evaluations at once: a few queries per distinct (tier, date)."""
    groups: dict[tuple[str, datetime.date], list[TierEvaluation]] = {}
    for evaluation in evaluations:
        groups.setdefault((evaluation.resulting_tier, evaluation.effective_on), []).append(
            evaluation
        )
    for (tier, valid_from), group in groups.items():
        ids = id_set(e.enrolment_id for e in group)
        TierAssignment.objects.filter(enrolment_id__in=ids, valid_from__gte=valid_from).delete()
        TierAssignment.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from),
            enrolment_id__in=ids,
            valid_from__lt=valid_from,
        ).update(valid_to=valid_from - ONE_DAY)
        _assignments_insert(
            (e.tenant_id, e.enrolment_id, tier, valid_from, AssignmentSource.EVALUATION, e.pk)
            for e in group
        )
        if valid_from <= today:
            Enrolment.objects.filter(pk__in=ids).update(tier_key=tier, tier_since=valid_from)
            TierEvaluation.objects.filter(pk__in=id_set(e.pk for e in group)).update(
                status=EvaluationStatus.APPLIED
            )
            for evaluation in group:
                evaluation.status = EvaluationStatus.APPLIED
                evaluation.enrolment.tier_key = tier
                evaluation.enrolment.tier_since = valid_from


def _evaluation(tenant, version, outcome, period, run_key, today) -> TierEvaluation:
    change = outcome.change
    effective = effective_date(version, outcome, period, today) if change != "none" else None
    rule = version.evaluation["upgrade_effective" if change == "upgrade" else "downgrade_effective"]
    if change == "none":
        status = EvaluationStatus.NO_CHANGE
    elif (
        rule == "immediate"
        and period.kind != "as_of"
        and period.end < today
        and not version.evaluation.get("manager_confirmation")
    ):
        # A live (immediate, unconfirmed) program's closed quarter is evidence only: its tier
        # applied during the quarter (daily runs) and the next quarter starts from its own.
        status, effective = EvaluationStatus.NO_CHANGE, None
    elif version.evaluation.get("manager_confirmation"):
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
        valid_from = max(evaluation.effective_on, today)
        tier_assign(
            enrolment=evaluation.enrolment,
            tier=evaluation.resulting_tier,
            valid_from=valid_from,
            source=AssignmentSource.EVALUATION,
            evaluation=evaluation,
            user=user,
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
) -> TierAssignment:
    """A manager sets the tier (invite-only tiers: an invitation), always with a reason."""
    if not (reason or "").strip():
        raise ApplicationError("Say why.", fields={"reason": ["A reason is required."]})
    version = version_in_force(enrolment.program, valid_from or timezone.localdate())
    target = Tier.objects.filter(version=version, key=tier).first()
    if target is None:
        raise ApplicationError(
            f"{tier!r} is not a tier of {enrolment.program}.", fields={"tier": ["Unknown tier."]}
        )
    source = AssignmentSource.INVITATION if target.invite_only else AssignmentSource.OVERRIDE
    return tier_assign(
        enrolment=enrolment,
        tier=tier,
        valid_from=valid_from or timezone.localdate(),
        source=source,
        reason=reason.strip(),
        user=user,
    )


@transaction.atomic
def scheduled_tiers_apply(*, tenant: Tenant, today: datetime.date) -> int:
    """Bring enrolments' current tier up to date with assignments whose day has come."""
    applied = 0
    for assignment in TierAssignment.objects.filter(
        valid_from__lte=today, valid_to__isnull=True
    ).select_related("enrolment"):
        enrolment = assignment.enrolment
        if enrolment.tier_key != assignment.tier:
            Enrolment.objects.filter(pk=enrolment.pk).update(
                tier_key=assignment.tier, tier_since=assignment.valid_from
            )
            applied += 1
    TierEvaluation.objects.filter(
        status=EvaluationStatus.SCHEDULED, effective_on__lte=today
    ).update(status=EvaluationStatus.APPLIED)
    return applied
