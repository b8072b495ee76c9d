"""Good standing: one home (the enrolment's flag and its history), two ways to change it.

A manager decides with a reason, and that decision stands until a manager changes it. An
evaluation sets standing from the requirements the program names (`evaluation.standing`),
but only where no manager has decided and only when the answer changes.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from partners.models import Enrolment, StandingChange, StandingSource
from partners.models.enrolment import STANDING_STATUSES
from tenants.errors import ApplicationError
from tenants.models import Tenant


@dataclass(frozen=True)
class StandingVerdict:
    """What an evaluation found: standing met or not, and the requirements that were missed."""

    enrolment: Enrolment
    good_standing: bool
    shortfalls: list[dict]


@transaction.atomic
def standing_set(
    *,
    tenant: Tenant,
    enrolment: Enrolment,
    good_standing: bool,
    reason: str,
    user: AbstractBaseUser,
) -> StandingChange:
    """A manager puts the partner in or out of good standing, always with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("Say why.", fields={"reason": ["A reason is required."]})
    if enrolment.status not in STANDING_STATUSES:
        raise ApplicationError(
            f"{enrolment.firm} is {enrolment.get_status_display().lower()}: standing applies "
            "only to onboarding and active partners."
        )
    change = StandingChange.objects.create(
        tenant=tenant,
        enrolment=enrolment,
        good_standing=good_standing,
        source=StandingSource.MANAGER,
        reason=reason,
        decided_by=user,
        decided_at=timezone.now(),
    )
    Enrolment.objects.filter(pk=enrolment.pk).update(
        good_standing=good_standing, standing_change=change
    )
    enrolment.good_standing, enrolment.standing_change = good_standing, change
    return change


def standings_from_evaluation(
    *, tenant: Tenant, verdicts: list[StandingVerdict], run_key: str
) -> int:
    """Record the evaluation's standing where it changes and no manager has decided; returns
    how many changed. A few queries whatever the number of partners."""
    candidates = {
        v.enrolment.pk: v
        for v in verdicts
        if v.enrolment.status in STANDING_STATUSES and v.enrolment.good_standing != v.good_standing
    }
    if not candidates:
        return 0
    decided_by_manager = set(
        Enrolment.objects.filter(
            pk__in_ids=candidates, standing_change__source=StandingSource.MANAGER
        ).values_list("pk", flat=True)
    )
    changing = [v for pk, v in candidates.items() if pk not in decided_by_manager]
    if not changing:
        return 0
    now = timezone.now()
    StandingChange.objects.bulk_create(
        StandingChange(
            tenant=tenant,
            enrolment=v.enrolment,
            good_standing=v.good_standing,
            source=StandingSource.EVALUATION,
            reason=_reason(v, run_key),
            run_key=run_key,
            shortfalls=v.shortfalls,
            decided_at=now,
        )
        for v in changing
    )
    for good in (True, False):
        ids = [v.enrolment.pk for v in changing if v.good_standing is good]
        if ids:
            Enrolment.objects.filter(pk__in_ids=ids).update(
                good_standing=good,
                standing_change=Subquery(
                    StandingChange.objects.filter(enrolment=OuterRef("pk"))
                    .order_by("-pk")
                    .values("pk")[:1]
                ),
            )
    for verdict in changing:
        verdict.enrolment.good_standing = verdict.good_standing
    return len(changing)


def _reason(verdict: StandingVerdict, run_key: str) -> str:
    if verdict.good_standing:
        return f"Evaluation {run_key}: every standing requirement is met."
    missed = "; ".join(s["label"] for s in verdict.shortfalls) or "a standing requirement"
    return f"Evaluation {run_key}: not met — {missed}."
