"""Tier evaluations with their evidence, and the effective-dated history of tiers held."""

import datetime
import re

from django.conf import settings
from django.db import models

from partners.models import Enrolment
from programs.models import ProgramVersion, Tier
from tenants.managers import TenantScopedManager, TenantScopedQuerySet
from tenants.models import TenantOwned


class EvaluationStatus(models.TextChoices):
    NO_CHANGE = "no_change", "No change"
    SCHEDULED = "scheduled", "Change scheduled"
    APPLIED = "applied", "Change applied"
    AWAITING_CONFIRMATION = "awaiting", "Waiting for a manager"
    DISMISSED = "dismissed", "Dismissed by a manager"


PERIOD_KEY = re.compile(r"\d{4}(-Q[1-4])?")


def run_name(run_key: str, as_of) -> str:
    """An evaluation run as people read it: "2025-Q1", "2025", or "as of 2025-04-15"."""
    if PERIOD_KEY.fullmatch(run_key or ""):
        return run_key
    return f"as of {as_of:%Y-%m-%d}" if as_of else run_key


def _tier_name(program_id: int, key: str) -> str:
    """A tier as people name it (the program's newest version's name), for one record's title."""
    names = (
        Tier.objects.filter(version__program_id=program_id, key=key)
        .order_by("-version__number")
        .values_list("name", flat=True)
    )
    return next(iter(names[:1]), key) if key else "no tier"


class TierEvaluation(TenantOwned):
    """One enrolment measured against one program version for one period, with evidence."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="evaluations")
    program_version = models.ForeignKey(ProgramVersion, on_delete=models.PROTECT, related_name="+")
    run_key = models.CharField(max_length=60, help_text="The period evaluated, e.g. 2025-Q1.")
    as_of = models.DateField(help_text="The day the windows end.")
    current_tier = models.CharField(max_length=60)
    resulting_tier = models.CharField(max_length=60)
    next_tier = models.CharField(max_length=60, blank=True)
    missing_for_next = models.JSONField(default=list, blank=True)
    change = models.CharField(max_length=10, default="none")  # none | upgrade | downgrade
    effective_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=EvaluationStatus.choices)
    standing_met = models.BooleanField(
        null=True, blank=True, help_text="The program's standing requirements were met (none: n/a)."
    )
    standing_shortfalls = models.JSONField(default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-as_of", "-pk"]
        indexes = [models.Index(fields=["tenant", "-as_of", "-id"], name="evaluation_list_idx")]
        constraints = [
            # the same program period evaluated twice is the same evaluation
            models.UniqueConstraint(fields=["enrolment", "run_key"], name="one_evaluation_per_run"),
        ]

    def __str__(self) -> str:
        tier = _tier_name(self.enrolment.program_id, self.resulting_tier)
        return f"{self.enrolment}, {self.run_name}: {tier}"

    @property
    def run_name(self) -> str:
        """The run in words: its period ("2025-Q1", "2025"), else the day it measured up to
        (an "Evaluate now", an event or a daily run is named by a moment, not a period)."""
        return run_name(self.run_key, self.as_of)


class RequirementResult(TenantOwned):
    """Per requirement: the measured value, the rule it met or missed, the records counted."""

    evaluation = models.ForeignKey(TierEvaluation, on_delete=models.CASCADE, related_name="results")
    tier = models.CharField(max_length=60)
    requirement = models.CharField(max_length=60)
    label = models.CharField(max_length=300)
    metric = models.CharField(max_length=60)
    comparator = models.CharField(max_length=8)
    threshold = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    window_start = models.DateField(null=True, blank=True)
    window_end = models.DateField()
    passed = models.BooleanField()
    evidence = models.JSONField(default=list, blank=True, help_text="Ids of the records counted.")

    class Meta:
        ordering = ["evaluation", "pk"]


class AssignmentSource(models.TextChoices):
    INITIAL = "initial", "Entry tier on approval"
    EVALUATION = "evaluation", "Evaluation"
    OVERRIDE = "override", "Manager override"
    INVITATION = "invitation", "Invitation"
    WITHDRAWAL = "withdrawal", "Scheduled change withdrawn"


class TierHistoryIsAppendOnly(Exception):
    """Tier history rows are appended and closed, never changed or deleted."""

    def __init__(self) -> None:
        super().__init__("Tier history is append-only: record a correction (a new row) instead.")


class TierAssignmentQuerySet(TenantScopedQuerySet):
    """The only writes after insert: closing a row's period once, withdrawing a plan once."""

    def close(self, last_day: datetime.date) -> int:
        """End the open periods on `last_day` (a period is closed once, never reopened)."""
        return TenantScopedQuerySet.update(self.filter(valid_to__isnull=True), valid_to=last_day)

    def withdraw(self, at: datetime.datetime) -> int:
        """Mark plans that never took effect as withdrawn."""
        return TenantScopedQuerySet.update(self.filter(withdrawn_at__isnull=True), withdrawn_at=at)

    def update(self, **kwargs):
        raise TierHistoryIsAppendOnly()

    def delete(self):
        raise TierHistoryIsAppendOnly()

    def bulk_update(self, *args, **kwargs):
        raise TierHistoryIsAppendOnly()


class TierAssignment(TenantOwned):
    """A decision that the enrolment holds `tier` from `valid_from` (to `valid_to`, inclusive).

    Rows are only appended, then at most closed (`valid_to` set once) or, for a plan that
    never took effect, withdrawn (`withdrawn_at` set once). Where rows overlap, the newest
    decision holds: a correction is a newer row that names the row it replaces and why, so
    the tier that a paid month used stays readable in the rows before it.
    """

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="tier_history")
    tier = models.CharField(max_length=60)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=12, choices=AssignmentSource.choices)
    evaluation = models.ForeignKey(
        TierEvaluation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replaces = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The decision this one corrects or withdraws.",
    )
    withdrawn_at = models.DateTimeField(
        null=True, blank=True, help_text="A planned change withdrawn before it took effect."
    )
    reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantScopedManager.from_queryset(TierAssignmentQuerySet)()

    class Meta:
        ordering = ["enrolment", "valid_from", "pk"]
        indexes = [models.Index(fields=["enrolment", "valid_from"], name="tier_history_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="tier_period_not_reversed",
            ),
        ]

    def __str__(self) -> str:
        tier = _tier_name(self.enrolment.program_id, self.tier)
        return f"{self.enrolment}: {tier} from {self.valid_from:%Y-%m-%d}"

    @property
    def in_force(self) -> bool:
        return self.withdrawn_at is None

    def covers(self, day: datetime.date) -> bool:
        return (
            self.withdrawn_at is None
            and self.valid_from <= day
            and (self.valid_to is None or self.valid_to >= day)
        )

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None or not self._state.adding:
            raise TierHistoryIsAppendOnly()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TierHistoryIsAppendOnly()


class PartnerTier(Enrolment):
    """The console's view of enrolments from the tier engine's side (no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = "partner tier"
