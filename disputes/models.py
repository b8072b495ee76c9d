"""A partner's dispute of a tier evaluation, a registration decision or a commission line.

The dispute carries a frozen copy of what it disputes (`evidence`), written once when it is
filed: a later re-evaluation, a recalculated line or an edited program never changes what
the partner disputed. Its timeline is append-only, like the tier history and the ledger.
"""

from django.conf import settings
from django.db import models

from commissions.models import CommissionLine, LedgerEntry
from deals.models import DealRegistration, RegistrationTransition
from partners.models import Enrolment, PartnerFirm
from programs.models import Program
from tenants.models import TenantOwned
from tenants.validation import FREE_TEXT
from tiers.models import TierAssignment, TierEvaluation


class DisputeKind(models.TextChoices):
    EVALUATION = "evaluation", "Tier evaluation"
    REGISTRATION = "registration", "Deal registration decision"
    COMMISSION = "commission", "Commission line"


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Waiting for the vendor"
    IN_REVIEW = "in_review", "Under review"
    UPHELD = "upheld", "Upheld"
    DISMISSED = "dismissed", "Dismissed"


#: not yet decided: the clocks run and only one such dispute may exist per subject
UNDECIDED = (DisputeStatus.OPEN, DisputeStatus.IN_REVIEW)
#: a subject with a dispute in one of these takes no new one (upheld: it was corrected)
SETTLES_SUBJECT = (*UNDECIDED, DisputeStatus.UPHELD)


class EvidenceIsFrozen(Exception):
    """A dispute's evidence is written when it is filed and never changed."""

    def __init__(self) -> None:
        super().__init__("A dispute's evidence is frozen: save its other fields by name.")


class Dispute(TenantOwned):
    """One partner's dispute, its frozen evidence, its clocks and how it was resolved."""

    kind = models.CharField(max_length=12, choices=DisputeKind.choices)
    firm = models.ForeignKey(PartnerFirm, on_delete=models.PROTECT, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    enrolment = models.ForeignKey(
        Enrolment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # what is disputed: exactly one of these, as `kind` says
    evaluation = models.ForeignKey(
        TierEvaluation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    registration = models.ForeignKey(
        DealRegistration, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    commission_line = models.ForeignKey(
        CommissionLine, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_key = models.CharField(max_length=60, editable=False, help_text="e.g. evaluation:12")
    evidence = models.JSONField(help_text="The disputed record as it read when filed.")
    reason = models.TextField(**FREE_TEXT)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filed_at = models.DateTimeField(auto_now_add=True)
    filed_on = models.DateField(help_text="The vendor's calendar day of filing.")
    status = models.CharField(
        max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The firm's partner manager when it was filed.",
    )
    response_due_on = models.DateField()
    resolution_due_on = models.DateField()
    responded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution_note = models.TextField(blank=True, **FREE_TEXT)
    # what an upheld dispute did, through the existing services
    tier_assignment = models.ForeignKey(
        TierAssignment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ledger_entry = models.ForeignKey(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    registration_transition = models.ForeignKey(
        RegistrationTransition, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-filed_at", "-id"]
        indexes = [
            # the console queue: undecided first by response deadline
            models.Index(fields=["tenant", "status", "response_due_on"], name="dispute_queue_idx"),
            # a partner's list and the API's keyset pages: newest first
            models.Index(fields=["firm", "-filed_at", "-id"], name="dispute_firm_recent_idx"),
            models.Index(fields=["tenant", "-filed_at", "-id"], name="dispute_recent_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "subject_key"],
                condition=models.Q(status__in=["open", "in_review"]),
                name="one_undecided_dispute_per_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"Dispute {self.pk}: {self.get_kind_display().lower()} ({self.firm})"

    @property
    def is_undecided(self) -> bool:
        return self.status in UNDECIDED

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            fields = kwargs.get("update_fields")
            if fields is None or "evidence" in fields:
                raise EvidenceIsFrozen()
        super().save(*args, **kwargs)


class DisputeAttachment(TenantOwned):
    """A file the partner filed with the dispute (checked by partners.uploads first)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to="disputes/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dispute", "pk"]

    def __str__(self) -> str:
        return self.original_name


class DisputeStep(models.TextChoices):
    FILED = "filed", "Filed"
    RESPONDED = "responded", "Vendor responded"
    ESCALATED = "escalated", "Escalated: response time passed"
    UPHELD = "upheld", "Upheld"
    DISMISSED = "dismissed", "Dismissed"
    APPLIED = "applied", "Correction applied"


class DisputeEvent(TenantOwned):
    """One step of a dispute's timeline (append-only)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="timeline")
    step = models.CharField(max_length=10, choices=DisputeStep.choices)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_step_display()}: {self.text}"[:120]

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise EvidenceIsFrozen()
        super().save(*args, **kwargs)
