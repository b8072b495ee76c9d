"""Writes on programs: load a definition, publish a draft, start a new draft."""

import datetime
from dataclasses import dataclass
from typing import Any

import yaml
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from pydantic import ValidationError

from programs.changes import describe_rule_changes, rules_differ
from programs.errors import DefinitionError
from programs.models import (
    Benefit,
    CommissionRule,
    Program,
    ProgramChangeNotice,
    ProgramChangeNoticeRead,
    ProgramVersion,
    PublishedVersionError,
    Requirement,
    Tier,
    Track,
    VersionStatus,
)
from programs.policies import policies_of
from programs.schema import ProgramDefinition, format_location
from programs.selectors import program_today
from programs.serialization import canonical, create_rows, digest_of, fill_version, version_document
from tenants import events
from tenants.errors import ApplicationError
from tenants.models import Tenant


@dataclass(frozen=True)
class LoadResult:
    program: Program
    version: ProgramVersion
    outcome: str  # "unchanged" | "new draft" | "draft updated"


def parse_definition(text: str, *, where: str) -> ProgramDefinition:
    """Parse and validate a definition file's text; DefinitionError lists every problem."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", exc)
        raise DefinitionError(where, [f"{at}not valid YAML ({problem})"]) from None
    if not isinstance(document, dict):
        raise DefinitionError(where, ["(top level): expected a mapping of sections"])
    return validate_document(document, where=where)


def validate_document(document: dict[str, Any], *, where: str) -> ProgramDefinition:
    try:
        return ProgramDefinition.model_validate(document)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            message = error["msg"].removeprefix("Value error, ")
            location = format_location(error["loc"])
            if not error["loc"]:
                problems.extend(message.split("\n"))  # cross-section checks carry their paths
            else:
                problems.append(f"{location}: {message}")
        raise DefinitionError(where, problems) from None


@transaction.atomic
def program_definition_load(
    *, tenant: Tenant, definition: ProgramDefinition, source_file: str = ""
) -> LoadResult:
    """Load a validated definition: same as the latest version -> nothing; else a draft."""
    if definition.tenant != tenant.slug:
        raise ApplicationError(
            f"{source_file or 'definition'}: tenant: the file is for {definition.tenant!r}, "
            f"not {tenant.slug!r}"
        )
    info = definition.program
    program, _ = Program.objects.get_or_create(
        tenant=tenant,
        slug=info.slug,
        defaults={"name": info.name, "currency": info.currency, "time_zone": info.time_zone},
    )
    new_digest = digest_of(definition.model_dump(mode="json"))
    latest = ProgramVersion.objects.filter(program=program).order_by("-number").first()
    if latest is not None and digest_of(canonical(version_document(latest))) == new_digest:
        return LoadResult(program, latest, "unchanged")

    if latest is not None and latest.status == VersionStatus.DRAFT:
        version, outcome = latest, "draft updated"
        _delete_rows(version)
    else:
        number = (latest.number + 1) if latest else 1
        version = ProgramVersion(tenant=tenant, program=program, number=number)
        outcome = "new draft"
    fill_version(version, definition)
    version.source_file = source_file
    version.digest = new_digest
    version.save()
    create_rows(version, definition)
    return LoadResult(program, version, outcome)


def _delete_rows(version: ProgramVersion) -> None:
    for model in (Requirement, Benefit, CommissionRule, Tier, Track):
        model.objects.filter(version=version).delete()


@transaction.atomic
def program_version_publish(
    *,
    tenant: Tenant,
    version: ProgramVersion,
    effective_from: datetime.date | None = None,
    user: AbstractBaseUser | None = None,
    today: datetime.date | None = None,
) -> ProgramVersion:
    """Validate a draft, freeze it and make it govern from `effective_from`.

    A change of the commission rules gives the program's partners written notice (a
    ProgramChangeNotice, mailed after commit) and must respect the notice period of the
    version in force.
    """
    if version.tenant_id != tenant.pk:
        raise ApplicationError("This version belongs to another vendor.")
    if version.status == VersionStatus.PUBLISHED:
        raise PublishedVersionError(version.pk)
    if effective_from is not None:
        version.effective_from = effective_from
    document = version_document(version)
    document["version"]["effective_from"] = version.effective_from.isoformat()
    definition = validate_document(document, where=f"{version.program} draft v{version.number}")
    previous = (
        ProgramVersion.objects.filter(program=version.program, status=VersionStatus.PUBLISHED)
        .order_by("-effective_from")
        .first()
    )
    if previous is not None and version.effective_from <= previous.effective_from:
        raise ApplicationError(
            f"The effective date must be after {previous.effective_from:%Y-%m-%d}, when "
            f"v{previous.number} took effect; published history is never rewritten.",
            fields={"effective_from": ["Must be later than the version in force."]},
        )
    new_document = definition.model_dump(mode="json")
    old_document = canonical(version_document(previous)) if previous is not None else None
    commission_change = old_document is not None and rules_differ(old_document, new_document)
    if commission_change:
        _check_notice_period(version, previous, today)
    # A conditional UPDATE claims the draft, so two managers publishing at once publish once.
    claimed = ProgramVersion.objects.filter(pk=version.pk, status=VersionStatus.DRAFT).update(
        status=VersionStatus.PUBLISHED,
        effective_from=version.effective_from,
        published_at=timezone.now(),
        published_by=user,
        digest=digest_of(new_document),
    )
    if claimed != 1:
        raise PublishedVersionError(version.pk)
    info = definition.program
    Program.objects.filter(pk=version.program_id).update(
        name=info.name, currency=info.currency, time_zone=info.time_zone
    )
    version.refresh_from_db()
    if commission_change:
        notice = ProgramChangeNotice.objects.create(
            tenant=tenant,
            program=version.program,
            version=version,
            previous_version=previous,
            effective_from=version.effective_from,
            notice_days=policies_of(previous).commissions.change_notice_days,
            changes=describe_rule_changes(old_document, new_document, currency=info.currency),
            given_at=version.published_at,
            given_by=user,
        )
        events.emit(events.PROGRAM_CHANGE_NOTICE_GIVEN, tenant_id=tenant.pk, notice_id=notice.pk)
    return version


def _check_notice_period(
    version: ProgramVersion, in_force: ProgramVersion, today: datetime.date | None
) -> None:
    """Refuse a commission change that takes effect before the notice period has run.

    The version in force sets the period: it is the agreement partners are bound by.
    """
    days = policies_of(in_force).commissions.change_notice_days
    if not days:
        return
    earliest = (today or program_today(version.program)) + datetime.timedelta(days=days)
    if version.effective_from < earliest:
        raise ApplicationError(
            f"{version.tenant.name}'s program requires {days} days' written notice of "
            f"commission changes; the earliest effective date is {earliest:%Y-%m-%d}.",
            fields={"effective_from": [f"On or after {earliest:%Y-%m-%d}."]},
        )


@transaction.atomic
def program_change_notice_mark_read(
    *, tenant: Tenant, notice: ProgramChangeNotice, user: AbstractBaseUser
) -> ProgramChangeNoticeRead:
    """Record that `user` read the notice (a second click records nothing new)."""
    if notice.tenant_id != tenant.pk:
        raise ApplicationError("This notice belongs to another vendor.")
    read, _ = ProgramChangeNoticeRead.objects.get_or_create(tenant=tenant, notice=notice, user=user)
    return read


@transaction.atomic
def program_draft_from(*, tenant: Tenant, version: ProgramVersion) -> ProgramVersion:
    """Start a new draft that copies `version`; refuses when a draft already exists."""
    program = version.program
    if ProgramVersion.objects.filter(program=program, status=VersionStatus.DRAFT).exists():
        raise ApplicationError(f"{program} already has a draft; edit or publish that one first.")
    definition = validate_document(version_document(version), where=str(version))
    number = ProgramVersion.objects.filter(program=program).aggregate(n=Max("number"))["n"] + 1
    draft = ProgramVersion(tenant=tenant, program=program, number=number)
    fill_version(draft, definition)
    draft.source_file = version.source_file
    draft.save()
    create_rows(draft, definition)
    return draft
