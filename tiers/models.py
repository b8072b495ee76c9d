"""Tier evaluations with their evidence, and the effective-dated history of tiers held."""

from django.conf import settings
from django.db import models

from partners.models import Enrolment
from programs.models import ProgramVersion
from tenants.models import TenantOwned


class EvaluationStatus(models.TextChoices):
    NO_CHANGE = "no_change", "No change"
    SCHEDULED = "scheduled", "Change scheduled"
    APPLIED = "applied", "Change applied"
    AWAITING_CONFIRMATION = "awaiting", "Waiting for a manager"
    DISMISSED = "dismissed", "Dismissed by a manager"


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
        constraints = [
            # the same program period evaluated twice is the same evaluation
            models.UniqueConstraint(fields=["enrolment", "run_key"], name="one_evaluation_per_run"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment} {self.run_key}: {self.resulting_tier}"


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


class TierAssignment(TenantOwned):
    """The tier an enrolment holds from `valid_from` to `valid_to` (inclusive; open = now)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="tier_history")
    tier = models.CharField(max_length=60)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=12, choices=AssignmentSource.choices)
    evaluation = models.ForeignKey(
        TierEvaluation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
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

    class Meta:
        ordering = ["enrolment", "valid_from"]
        indexes = [models.Index(fields=["enrolment", "valid_from"], name="tier_history_idx")]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "valid_from"], name="one_tier_per_start"),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="tier_period_not_reversed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment}: {self.tier} from {self.valid_from}"


class PartnerTier(Enrolment):
    """The console's view of enrolments from the tier engine's side (no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = "partner tier"
