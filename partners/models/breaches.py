"""A written notice of material breach and the partner's cure period (CIMcloud 003 §8.2)."""

import datetime

from django.conf import settings
from django.db import models

from partners.models.enrolment import Enrolment, Notice
from tenants.models import TenantOwned


class BreachNotice(TenantOwned):
    """The vendor's notice that a partner breached a material obligation.

    Append-only in spirit: a notice is never deleted or rewritten; curing it or terminating
    for cause records who and when on the notice (once).
    """

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="breach_notices"
    )
    description = models.TextField(help_text="The breach, as the written notice states it.")
    given_on = models.DateField(help_text="The day the written notice was given.")
    cure_days = models.PositiveIntegerField(
        help_text="The program's cure period (term.cure_days_for_breach) when notice was given."
    )
    cure_by = models.DateField(help_text="The last day the partner may cure the breach.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    cured_at = models.DateTimeField(null=True, blank=True)
    cured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cure_note = models.TextField(blank=True)
    termination = models.OneToOneField(
        Notice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="breach",
        help_text="The notice of termination for cause this breach led to.",
    )

    class Meta:
        ordering = ["-given_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cure_by__gte=models.F("given_on")), name="cure_by_after_notice"
            ),
            models.CheckConstraint(
                condition=models.Q(cured_at__isnull=True) | models.Q(termination__isnull=True),
                name="breach_cured_or_terminated",
            ),
        ]

    def __str__(self) -> str:
        return f"Breach notice of {self.given_on:%Y-%m-%d} to {self.enrolment.firm}"

    def delete(self, *args, **kwargs):
        raise ValueError("Breach notices are never deleted: record the breach cured instead.")

    @property
    def is_open(self) -> bool:
        """Neither cured nor ended in a termination."""
        return self.cured_at is None and self.termination_id is None

    def days_left(self, today: datetime.date) -> int:
        """Days the partner still has to cure, today included (0 once the period has run)."""
        return max((self.cure_by - today).days + 1, 0)

    def cure_period_over(self, today: datetime.date) -> bool:
        return today > self.cure_by

    def status_text(self, today: datetime.date) -> str:
        """The clock in words, for the partner and the manager."""
        if self.termination_id is not None:
            return f"Ended in termination for cause on {self.termination.given_on:%Y-%m-%d}."
        if self.cured_at is not None:
            return f"Cured (recorded {self.cured_at:%Y-%m-%d})."
        if self.cure_period_over(today):
            return f"Cure period ended on {self.cure_by:%Y-%m-%d} without a cure."
        left = self.days_left(today)
        return f"Cure by {self.cure_by:%Y-%m-%d} — {left} day{'s' if left != 1 else ''} left."
