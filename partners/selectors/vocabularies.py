"""The kinds a firm may record: what its programs declare in `vocabularies`, never a code enum.

A firm is offered the union of the vocabularies of its live enrolments' versions in force,
so a CIMcloud partner never sees IPsoft's certifications and a new vendor's "hackathon"
needs no migration.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from partners.models import Enrolment, PartnerFirm
from partners.models.enrolment import ENDED_STATUSES
from partners.selectors.activities import tenant_today
from programs.models import ProgramVersion, VersionStatus
from programs.policies import policies_of
from programs.schema import VOCABULARIES, Vocabularies
from programs.selectors import versions_in_force
from tenants.models import Tenant


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    validity_months: int | None = None  # certification kinds; None: never expires


Vocabulary = dict[str, Kind]  # key -> kind, in the programs' file order


def _merged(versions: Iterable[ProgramVersion], vocabulary: str) -> Vocabulary:
    kinds: Vocabulary = {}
    for version in versions:
        for item in policies_of(version).vocabularies.items(vocabulary):
            months = getattr(item, "validity_months", None)
            known = kinds.get(item.key)
            if known is None:
                kinds[item.key] = Kind(item.key, item.label, months)
            elif months is not None and (
                known.validity_months is None or months < known.validity_months
            ):
                # one certificate, two programs: it counts for both only as long as the stricter
                kinds[item.key] = Kind(known.key, known.label, months)
    return kinds


def _firm_versions(firm: PartnerFirm, on: datetime.date | None) -> list[ProgramVersion]:
    program_ids = (
        Enrolment.objects.filter(tenant_id=firm.tenant_id, firm_id=firm.pk)
        .exclude(status__in=ENDED_STATUSES)
        .values_list("program_id", flat=True)
    )
    in_force = versions_in_force(list(program_ids), on or tenant_today(firm.tenant))
    return [in_force[program_id] for program_id in sorted(in_force)]


def firm_vocabularies(
    firm: PartnerFirm, *, on: datetime.date | None = None
) -> dict[str, Vocabulary]:
    """Every vocabulary the firm may use (vocabulary name -> kinds), in two queries."""
    versions = _firm_versions(firm, on)
    return {vocabulary: _merged(versions, vocabulary) for vocabulary in VOCABULARIES}


def kinds_for_firm(
    firm: PartnerFirm, vocabulary: str = "activity_kinds", *, on: datetime.date | None = None
) -> Vocabulary:
    """The kinds of `vocabulary` the firm's live enrolments' versions in force declare."""
    if vocabulary not in VOCABULARIES:
        raise ValueError(f"unknown vocabulary {vocabulary!r}; use one of {', '.join(VOCABULARIES)}")
    return _merged(_firm_versions(firm, on), vocabulary)


def choices_of(kinds: Vocabulary) -> list[tuple[str, str]]:
    """(key, label) pairs for a form's select."""
    return [(kind.key, kind.label) for kind in kinds.values()]


def kind_labels(tenant: Tenant | int, vocabulary: str) -> dict[str, str]:
    """Key -> label over every published version of the tenant (newer versions win), so
    records of a kind a program no longer declares still show a label."""
    stored = (
        ProgramVersion.objects.filter(tenant=tenant, status=VersionStatus.PUBLISHED)
        .order_by("effective_from", "number")
        .values_list("vocabularies", flat=True)
    )
    labels: dict[str, str] = {}
    for vocabularies in stored:
        for item in Vocabularies.model_validate(vocabularies or {}).items(vocabulary):
            labels[item.key] = item.label
    return labels


def label_of(key: str, labels: dict[str, str]) -> str:
    """The label of `key`; a key no program ever declared reads as words, never as a key."""
    if not key:
        return "—"
    return labels.get(key) or key.replace("_", " ").replace("-", " ").capitalize()
