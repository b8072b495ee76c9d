"""Notice of material breach, its cure period, and when termination for cause may follow.

The cure period is program data (`term.cure_days_for_breach`, CIMcloud 003 §8.2: 30 days);
a program without one has no breach notices, and its partners are never terminated for
cause through this path.
"""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from partners.models import BreachNotice, Enrolment
from programs.policies import policies_of
from programs.selectors import version_in_force
from tenants.errors import ApplicationError, Conflict
from tenants.models import Tenant


def cure_days_for(enrolment: Enrolment, on: datetime.date) -> int | None:
    """The program's cure period on `on` (None: the program has none)."""
    version = version_in_force(enrolment.program, on) or version_in_force(
        enrolment.program, enrolment.term_start
    )
    return policies_of(version).term.cure_days_for_breach if version else None


def breach_notice_allowed(enrolment: Enrolment, today: datetime.date) -> bool:
    """Whether a manager may record a breach notice (the console offers the action then)."""
    return enrolment.is_live and cure_days_for(enrolment, today) is not None


@transaction.atomic
def breach_notice_record(
    *,
    tenant: Tenant,
    enrolment: Enrolment,
    description: str,
    given_on: datetime.date,
    user: AbstractBaseUser,
) -> BreachNotice:
    """Record a written notice of material breach; the cure clock starts on `given_on`."""
    if not enrolment.is_live:
        raise Conflict("This enrolment has already ended.")
    if given_on > timezone.localdate():
        raise ApplicationError(
            "A notice cannot be dated in the future.", fields={"given_on": ["In the future."]}
        )
    days = cure_days_for(enrolment, given_on)
    if days is None:
        raise ApplicationError(
            f"The {enrolment.program.name} has no cure period for breaches "
            "(term.cure_days_for_breach); terminate by written notice instead."
        )
    description = (description or "").strip()
    if not description:
        raise ApplicationError(
            "Describe the breach as the written notice states it.",
            fields={"description": ["Required."]},
        )
    notice = BreachNotice(
        tenant=tenant,
        enrolment=enrolment,
        description=description,
        given_on=given_on,
        cure_days=days,
        cure_by=given_on + datetime.timedelta(days=days),
        recorded_by=user,
    )
    notice.full_clean()
    notice.save()
    return notice


@transaction.atomic
def breach_notice_cure(
    *, tenant: Tenant, breach: BreachNotice, user: AbstractBaseUser, note: str
) -> BreachNotice:
    """Record that the partner cured the breach; termination for cause is then off the table."""
    note = (note or "").strip()
    if not note:
        raise ApplicationError("Say how the breach was cured.", fields={"note": ["Required."]})
    # claim it: two managers recording the cure at once record it once
    claimed = BreachNotice.objects.filter(
        pk=breach.pk, tenant=tenant, cured_at__isnull=True, termination__isnull=True
    ).update(cured_at=timezone.now(), cured_by=user, cure_note=note)
    if not claimed:
        raise Conflict("This breach notice is already cured or ended in a termination.")
    breach.refresh_from_db()
    return breach


def for_cause_refusal(
    breach: BreachNotice, *, enrolment: Enrolment, given_on: datetime.date
) -> str | None:
    """Why `breach` does not (yet) allow termination for cause on `given_on`; None if it does."""
    if breach.enrolment_id != enrolment.pk:
        return "That breach notice belongs to another enrolment."
    if breach.termination_id is not None:
        return "That breach notice already led to a termination."
    if breach.cured_at is not None:
        return (
            f"The breach notified on {breach.given_on:%Y-%m-%d} was cured "
            f"({breach.cured_at:%Y-%m-%d}); it is no cause for termination."
        )
    if not breach.cure_period_over(given_on):
        return (
            f"The partner may cure the breach until {breach.cure_by:%Y-%m-%d} "
            f"({breach.cure_days} days after the notice of {breach.given_on:%Y-%m-%d}); "
            f"termination for cause is possible from "
            f"{breach.cure_by + datetime.timedelta(days=1):%Y-%m-%d}."
        )
    return None
