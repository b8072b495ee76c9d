"""Reads of good standing: the one answer every app asks (see Enrolment.in_good_standing)."""

from django.db.models import Q, QuerySet

from partners.models import Enrolment, EnrolmentStatus, StandingChange
from partners.models.enrolment import STANDING_STATUSES

# the set-based twin of Enrolment.in_good_standing
IN_GOOD_STANDING = Q(good_standing=True, status__in=STANDING_STATUSES)


def standing_holds_payment(enrolment: Enrolment) -> bool:
    """A payout is held for a suspended partner or one not in good standing; an ended
    partner's last payment follows the standing it ended in."""
    return enrolment.status == EnrolmentStatus.SUSPENDED or not enrolment.good_standing


def standing_history(enrolment: Enrolment) -> QuerySet[StandingChange]:
    """Every standing decision for the enrolment, newest first."""
    return StandingChange.objects.filter(enrolment=enrolment).select_related("decided_by")
