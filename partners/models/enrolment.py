"""Joining and staying in a program: applications, agreements, enrolments, notices, fees."""

from django.conf import settings
from django.db import models

from partners.models.firms import PartnerFirm
from programs.models import Program, ProgramVersion
from tenants.models import TenantOwned
from tenants.money import format_minor
from tenants.validation import FREE_TEXT, validate_country_code, validate_name, validate_territories


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Application(TenantOwned):
    """A firm's request to join a program, waiting in the vendor's review queue."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    program_version = models.ForeignKey(
        ProgramVersion,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The program version (and so the agreement) shown and accepted.",
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="partner_applications"
    )
    firm = models.ForeignKey(
        PartnerFirm,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Set when an existing partner firm applies to another program.",
    )
    firm_name = models.CharField(max_length=200, validators=[validate_name])
    website = models.URLField(blank=True)
    country = models.CharField(
        max_length=2, validators=[validate_country_code], help_text="ISO 3166 alpha-2 code."
    )
    territories = models.JSONField(default=list, blank=True, validators=[validate_territories])
    tracks = models.JSONField(default=list, blank=True)
    directory_consent = models.BooleanField(default=False)
    message = models.TextField(blank=True, **FREE_TEXT)
    status = models.CharField(
        max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rejection_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            # a person's own applications, newest first (applications/)
            models.Index(fields=["applicant", "-submitted_at", "-id"], name="application_list_idx"),
        ]
        constraints = [
            # one open application per person and program: a second click is not a second row
            models.UniqueConstraint(
                fields=["program", "applicant"],
                condition=models.Q(status="submitted"),
                name="one_open_application",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.firm_name} → {self.program}"


class AgreementAcceptance(TenantOwned):
    """Who accepted which program version's agreement, when, and from where."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    program_version = models.ForeignKey(ProgramVersion, on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey(
        Application,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="acceptances",
    )
    firm = models.ForeignKey(
        PartnerFirm, null=True, blank=True, on_delete=models.PROTECT, related_name="acceptances"
    )
    accepted_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-accepted_at"]

    def __str__(self) -> str:
        return f"{self.user} accepted {self.program_version} on {self.accepted_at:%Y-%m-%d}"


class EnrolmentStatus(models.TextChoices):
    ONBOARDING = "onboarding", "Onboarding"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    DEACTIVATED = "deactivated", "Deactivated"
    TERMINATED = "terminated", "Terminated"


ENDED_STATUSES = (EnrolmentStatus.DEACTIVATED, EnrolmentStatus.TERMINATED)
# Standing is a fact about a partner who may trade: suspended or ended partners are not in it.
STANDING_STATUSES = (EnrolmentStatus.ONBOARDING, EnrolmentStatus.ACTIVE)


class Enrolment(TenantOwned):
    """A partner firm's membership of one program: tracks, territories, term, status, tier."""

    firm = models.ForeignKey(PartnerFirm, on_delete=models.PROTECT, related_name="enrolments")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    application = models.OneToOneField(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="enrolment"
    )
    tracks = models.JSONField(default=list, blank=True)
    territories = models.JSONField(default=list, blank=True, validators=[validate_territories])
    status = models.CharField(max_length=24, choices=EnrolmentStatus.choices)
    good_standing = models.BooleanField(
        default=True,
        help_text="Set only by a standing change (`standing_change`: who, when, why).",
    )
    standing_change = models.ForeignKey(
        "StandingChange",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The latest standing decision; none: in good standing since approval.",
    )
    tier_key = models.CharField(
        max_length=60, help_text="The tier the vendor has accepted the partner for."
    )
    tier_since = models.DateField()
    partner_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_enrolments",
        help_text="The vendor's partner manager for this firm.",
    )
    directory_consent = models.BooleanField(default=False)
    financial_benefit = models.CharField(
        max_length=60,
        blank=True,
        help_text="The one financial benefit elected where the program allows only one.",
    )
    approved_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    term_start = models.DateField()
    term_end = models.DateField()
    auto_renew = models.BooleanField(default=True)
    onboarding_deadline = models.DateField(null=True, blank=True)
    onboarding_missed_on = models.DateField(
        null=True, blank=True, help_text="The day the onboarding deadline was found missed."
    )
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["firm__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "program"],
                condition=~models.Q(status__in=["deactivated", "terminated"]),
                name="one_live_enrolment_per_program",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.firm} in {self.program}"

    @property
    def is_live(self) -> bool:
        return self.status not in ENDED_STATUSES

    @property
    def in_good_standing(self) -> bool:
        """The one answer commissions, payouts, pages and the tier engine read."""
        return self.good_standing and self.status in STANDING_STATUSES

    @property
    def standing_label(self) -> str:
        if self.status not in STANDING_STATUSES:
            return self.get_status_display()
        return "In good standing" if self.good_standing else "Not in good standing"


class StandingSource(models.TextChoices):
    MANAGER = "manager", "Partner manager"
    EVALUATION = "evaluation", "Evaluation"


class StandingChange(TenantOwned):
    """A decision on an enrolment's good standing: what, by whom, when and why (append-only)."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="standing_changes"
    )
    good_standing = models.BooleanField()
    source = models.CharField(max_length=12, choices=StandingSource.choices)
    reason = models.TextField()
    run_key = models.CharField(max_length=60, blank=True, help_text="The evaluation's period.")
    shortfalls = models.JSONField(
        default=list, blank=True, help_text="The standing requirements that were not met."
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at", "-pk"]
        indexes = [models.Index(fields=["enrolment", "-decided_at"], name="standing_history_idx")]

    def __str__(self) -> str:
        state = "in good standing" if self.good_standing else "not in good standing"
        return (
            f"{self.enrolment}: {state} ({self.get_source_display()}, {self.decided_at:%Y-%m-%d})"
        )

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValueError("Standing changes are never edited: record a new one.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Standing changes are never deleted: record a new one.")


class Notice(TenantOwned):
    """A written notice of non-renewal or termination, and the date it takes effect."""

    class Kind(models.TextChoices):
        NON_RENEWAL = "non_renewal", "Non-renewal"
        TERMINATION = "termination", "Termination"

    class GivenBy(models.TextChoices):
        PARTNER = "partner", "Partner"
        VENDOR = "vendor", "Vendor"

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    given_by = models.CharField(max_length=8, choices=GivenBy.choices)
    given_on = models.DateField()
    effective_on = models.DateField(help_text="Computed from the program's notice rules.")
    reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-given_on"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} notice by {self.given_by} ({self.given_on})"


class TerminationTask(TenantOwned):
    """One item of a program's termination checklist (Entimo: return provided material)."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="termination_tasks"
    )
    description = models.CharField(max_length=300)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    def __str__(self) -> str:
        return self.description


class InvoiceStatus(models.TextChoices):
    UNPAID = "unpaid", "Unpaid"
    PAID = "paid", "Paid"
    WAIVED = "waived", "Waived"
    REFUND_DUE = "refund_due", "Refund due"


class FeeInvoice(TenantOwned):
    """A program-fee invoice; the amount is integer minor units of `currency`."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="invoices")
    program_version = models.ForeignKey(ProgramVersion, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=300)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    issued_on = models.DateField()
    status = models.CharField(max_length=10, choices=InvoiceStatus.choices)
    paid_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-issued_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_minor__gte=0), name="fee_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.description}: {format_minor(self.amount_minor, self.currency)}"


class ContactRequest(TenantOwned):
    """Interest in a contact-only track (IPsoft OEM): a conversation, not an enrolment."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    track = models.CharField(max_length=60)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    firm_name = models.CharField(max_length=200, validators=[validate_name])
    message = models.TextField(blank=True, **FREE_TEXT)
    created_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.firm_name}: {self.track}"
