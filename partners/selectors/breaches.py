"""Breach notices and their cure clocks, as the partner and the manager see them."""

import datetime

from partners.models import BreachNotice, Enrolment


def breach_clocks(
    enrolments: list[Enrolment], *, today: datetime.date
) -> dict[int, list[tuple[BreachNotice, str]]]:
    """Per enrolment id, its breach notices not ended in a termination, with the clock in words."""
    clocks: dict[int, list[tuple[BreachNotice, str]]] = {}
    for breach in BreachNotice.objects.filter(
        enrolment__in=enrolments, termination__isnull=True
    ).order_by("given_on", "pk"):
        clocks.setdefault(breach.enrolment_id, []).append((breach, breach.status_text(today)))
    return clocks
