"""Planning an import: what each record of a file would do, decided before anything is written."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from deals.imports_csv import Row
from partners.models import PartnerFirm
from tenants.models import Tenant

LOOKUP_CHUNK = 500  # keys per IN (...) query: well under every database's parameter limit


@dataclass(frozen=True)
class Change:
    """What one record of the file does; `apply` (a service call) is None when unchanged."""

    row: int
    outcome: str  # "created", "updated" or "unchanged"
    apply: Callable[[], object] | None = None


def unchanged(row: Row) -> Change:
    return Change(row.number, "unchanged")


def first_of_each(rows: Iterable[tuple[Row, str]], column: str, what: str) -> dict[str, Row]:
    """The row of each key; a key repeated on a later row is that row's error."""
    seen: dict[str, Row] = {}
    for row, key in rows:
        if not key:
            continue
        if key in seen:
            row.error(
                column,
                f"{what.capitalize()} {key!r} is also on row {seen[key].number}; "
                f"give each {what} once.",
            )
        else:
            seen[key] = row
    return seen


@dataclass(frozen=True)
class PlanContext:
    """Who imports what, where: what a kind's planner needs besides the rows."""

    tenant: Tenant
    user: AbstractBaseUser | None
    firm: PartnerFirm | None
    tick: Callable[[], None]  # once per row checked (a progress bar)


def by_key(queryset: QuerySet, field: str, keys: Iterable[str]) -> dict:
    """{key: first record whose `field` is key}, looked up in bounded chunks."""
    keys = sorted({key for key in keys if key not in ("", None)})
    found: dict = {}
    for start in range(0, len(keys), LOOKUP_CHUNK):
        for record in queryset.filter(**{f"{field}__in": keys[start : start + LOOKUP_CHUNK]}):
            found.setdefault(getattr(record, field), record)
    return found
