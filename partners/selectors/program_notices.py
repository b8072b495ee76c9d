"""The program change notices a partner contact has not read yet."""

from django.db.models import Exists, OuterRef, QuerySet

from partners.models import Enrolment, PartnerContact
from partners.models.enrolment import ENDED_STATUSES
from programs.models import ProgramChangeNotice


def change_notices_unread(*, contact: PartnerContact) -> QuerySet[ProgramChangeNotice]:
    """Notices of programs the firm is in, taking effect after it joined, unread by `contact`.

    A firm that joined after a change took effect joined under the new rules: nothing to tell.
    """
    bound = Enrolment.objects.filter(
        firm_id=contact.firm_id,
        program_id=OuterRef("program_id"),
        approved_at__date__lt=OuterRef("effective_from"),
    ).exclude(status__in=ENDED_STATUSES)
    return (
        ProgramChangeNotice.objects.filter(Exists(bound))
        .exclude(reads__user_id=contact.user_id)
        .select_related("program")
        .order_by("effective_from", "pk")
    )
