import contextlib
import datetime
import difflib
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable

import yaml
from django.db.models import QuerySet
from django.utils import timezone
from pydantic import ValidationError

from programs.models import Program, ProgramVersion, VersionStatus
from programs.policies import policies_of
from programs.serialization import canonical, version_document
from tenants.models import Tenant


def programs_of(*, tenant: Tenant) -> QuerySet[Program]:
    return Program.objects.filter(tenant=tenant)


def program_today(program: Program) -> datetime.date:
    """Today's date in the program's own time zone."""
    return timezone.now().astimezone(zoneinfo.ZoneInfo(program.time_zone)).date()


def version_in_force(program: Program, on: datetime.date) -> ProgramVersion | None:
    """Return the published version governing `program` on `on` (None before the first)."""
    return (
        ProgramVersion.objects.filter(
            program=program, status=VersionStatus.PUBLISHED, effective_from__lte=on
        )
        .order_by("-effective_from", "-number")
        .first()
    )


def versions_in_force(program_ids: Iterable[int], on: datetime.date) -> dict[int, ProgramVersion]:
    """`version_in_force` for many programs in one query: program id → version."""
    versions = ProgramVersion.objects.filter(
        program_id__in=set(program_ids), status=VersionStatus.PUBLISHED, effective_from__lte=on
    ).order_by("program_id", "-effective_from", "-number")
    in_force: dict[int, ProgramVersion] = {}
    for version in versions:
        in_force.setdefault(version.program_id, version)
    return in_force


def with_versions_in_force_today(programs: Iterable[Program]) -> list[Program]:
    """The programs, each with `version_in_force` set for today in its own time zone."""
    programs = list(programs)
    by_today: dict[datetime.date, list[Program]] = defaultdict(list)
    for program in programs:
        by_today[program_today(program)].append(program)
    # one query per distinct local date, not per program: at any instant the world's
    # time zones span at most three dates, however many programs there are
    for today, group in by_today.items():
        in_force = versions_in_force((program.pk for program in group), today)
        for program in group:
            program.version_in_force = in_force.get(program.pk)
    return programs


def obligations_at(program: Program, *steps: str, on: datetime.date | None = None) -> list[str]:
    """The texts of the program's obligations that belong to these steps (the version in
    force `on`, today by default): a person deciding at that step reads them first."""
    version = version_in_force(program, on or timezone.localdate())
    if version is None:
        return []
    return [o.text for o in policies_of(version).obligations if o.step in steps]


def published_versions(program: Program) -> QuerySet[ProgramVersion]:
    """The program's published versions, the newest first."""
    # Versions are published in number order, each effective after the last
    # (program_version_publish), so newest number is newest effective date; and
    # (program, number) is unique, so the order is total and version_number_unique serves it.
    return ProgramVersion.objects.filter(program=program, status=VersionStatus.PUBLISHED).order_by(
        "-number"
    )


def version_as_yaml(version: ProgramVersion) -> str:
    """The version as a definition file would spell it (canonical order and values)."""
    document = version_document(version)
    # a draft mid-edit may not validate; then show it as it stands
    with contextlib.suppress(ValidationError):
        document = canonical(document)
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def version_diff(older: ProgramVersion, newer: ProgramVersion) -> str:
    """A unified diff of two versions' definitions, empty when they say the same."""
    return "".join(
        difflib.unified_diff(
            version_as_yaml(older).splitlines(keepends=True),
            version_as_yaml(newer).splitlines(keepends=True),
            fromfile=f"v{older.number}",
            tofile=f"v{newer.number}",
            n=2,
        )
    )
