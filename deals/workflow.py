"""The registration state machine: which status may follow which. Nothing else moves status."""

from deals.models import RegistrationStatus as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.OFFERED: frozenset({S.APPROVED, S.DECLINED}),  # a vendor lead: accepted or declined
    S.SUBMITTED: frozenset({S.UNDER_REVIEW, S.REJECTED}),
    S.UNDER_REVIEW: frozenset({S.APPROVED, S.REJECTED}),
    S.APPROVED: frozenset({S.APPROVED, S.WON, S.LOST, S.EXPIRED}),  # approved->approved: extension
    S.REJECTED: frozenset(),
    S.DECLINED: frozenset(),
    S.WON: frozenset(),
    S.LOST: frozenset(),
    S.EXPIRED: frozenset(),
}


def can_move(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


#: the one way out of a terminal status: a rejection the vendor upholds on the partner's
#: dispute (disputes app) goes back to review, then is approved or rejected again
REOPENS: dict[str, str] = {S.REJECTED: S.UNDER_REVIEW}
