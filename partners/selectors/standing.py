"""Reads of good standing: the one answer every app asks (see Enrolment.in_good_standing)."""

import datetime
import zoneinfo

from django.db.models import Q, QuerySet

from partners.models import Enrolment, EnrolmentStatus, StandingChange
from partners.models.enrolment import STANDING_STATUSES

# the set-based twin of Enrolment.in_good_standing
IN_GOOD_STANDING = Q(good_standing=True, status__in=STANDING_STATUSES)


def standing_holds_payment(enrolment: Enrolment) -> bool:
    """A payout is held for a suspended partner or one not in good standing; an ended
    partner's last payment follows the standing it ended in."""
    return enrolment.status == EnrolmentStatus.SUSPENDED or not enrolment.good_standing


def standings_on(days: dict[Enrolment, datetime.date]) -> dict[int, bool]:
    """Whether each enrolment was in good standing on its day (vendor-local), from the
    standing history (one query): the latest decision made by that day's end holds."""
    changes: dict[int, list[StandingChange]] = {e.pk: [] for e in days}
    for change in StandingChange.objects.filter(enrolment_id__in_ids=changes).order_by("pk"):
        changes[change.enrolment_id].append(change)
    answer = {}
    for enrolment, day in days.items():
        zone = zoneinfo.ZoneInfo(enrolment.program.time_zone)  # the program's calendar days
        by_then = [c for c in changes[enrolment.pk] if c.decided_at.astimezone(zone).date() <= day]
        if by_then:
            good = by_then[-1].good_standing
        else:  # before any decision: in good standing since approval (rows from before
            # standing had a history carry only the flag)
            good = True if changes[enrolment.pk] else enrolment.good_standing
        ended = enrolment.ended_on is not None and enrolment.ended_on < day
        # suspension has no history of its own: a partner suspended now is not in standing
        answer[enrolment.pk] = good and not ended and enrolment.status != EnrolmentStatus.SUSPENDED
    return answer


def standing_history(enrolment: Enrolment) -> QuerySet[StandingChange]:
    """Every standing decision for the enrolment, newest first."""
    return StandingChange.objects.filter(enrolment=enrolment).select_related("decided_by")
