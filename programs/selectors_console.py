"""Reads for the console: the names people know tiers and tracks by, one query per page."""

from collections.abc import Iterable

from django.db.models import OuterRef, Subquery

from programs.models import Tier, Track


def tier_names(program_ids: Iterable[int]) -> dict[tuple[int, str], tuple[int, str]]:
    """(program id, tier key) -> (rank, name), the newest version's name winning."""
    rows = (
        Tier.objects.filter(version__program_id__in=set(program_ids))
        .order_by("version__number")
        .values_list("version__program_id", "key", "rank", "name")
    )
    return {(program_id, key): (rank, name) for program_id, key, rank, name in rows}


def track_names(program_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    """(program id, track key) -> name, the newest version's name winning."""
    rows = (
        Track.objects.filter(version__program_id__in=set(program_ids))
        .order_by("version__number")
        .values_list("version__program_id", "key", "name")
    )
    return {(program_id, key): name for program_id, key, name in rows}


def tier_name_of(program: str, key: str) -> Subquery:
    """A subquery for the tier's name: `program` and `key` name the outer row's fields."""
    return Subquery(
        Tier.objects.filter(version__program_id=OuterRef(program), key=OuterRef(key))
        .order_by("-version__number")
        .values("name")[:1]
    )
