"""Reads for the console home: how many active partners hold each tier, one query."""

from django.db.models import Count, QuerySet

from partners.models import EnrolmentStatus


def active_by_tier(enrolments: QuerySet) -> list[dict]:
    """Active enrolments per program and tier key: [{program_id, program__name, tier_key, n}]."""
    return list(
        enrolments.filter(status=EnrolmentStatus.ACTIVE)
        .order_by()
        .values("program_id", "program__name", "tier_key")
        .annotate(n=Count("pk"))
        .order_by("program__name", "tier_key")
    )
