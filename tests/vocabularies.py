"""Builders for programs with their own vocabularies: a small definition, published, and
firms enrolled in it (the loader and publisher are the real services)."""

import copy
import datetime

from django.utils import timezone

from partners.models import Enrolment, EnrolmentStatus
from programs.models import ProgramVersion, Tier
from programs.services import program_definition_load, program_version_publish, validate_document
from tenants.scope import tenant_scope

SOURCE = "test definition"

#: the kinds the cast's firms record in the people and activities tests
CAST_VOCABULARIES = {
    "activity_kinds": [
        {"key": "qbr", "label": "Quarterly business review", "source": SOURCE},
        {"key": "co_branded_webinar", "label": "Co-branded webinar", "source": SOURCE},
    ],
    "certification_kinds": [
        {"key": "sales", "label": "Sales", "validity_months": 12, "source": SOURCE},
        {"key": "presales", "label": "Presales", "validity_months": 12, "source": SOURCE},
        {
            "key": "ctl",
            "label": "Certified Technical Lead (CTL)",
            "validity_months": 12,
            "source": SOURCE,
        },
    ],
    "attestation_kinds": [
        {
            "key": "website_lists_vendor",
            "label": "Vendor listed on the partner's website",
            "source": SOURCE,
        },
        {"key": "other", "label": "Other", "source": SOURCE},
    ],
    "designations": [
        {"key": "partner_manager", "label": "Designated partner manager", "source": SOURCE},
    ],
}


def definition(
    tenant_slug: str,
    *,
    slug: str = "custom-program",
    vocabularies: dict | None = None,
    requirements: list[dict] | None = None,
    effective_from: str = "2024-01-01",
) -> dict:
    """A minimal valid definition: an entry tier `member` and a tier `champion` above it
    that `requirements` decide; evaluated each quarter and on every verified activity."""
    return {
        "format": 1,
        "tenant": tenant_slug,
        "program": {
            "slug": slug,
            "name": f"{tenant_slug.title()} {slug.replace('-', ' ')}",
            "currency": "USD",
            "time_zone": "UTC",
            "source": SOURCE,
        },
        "version": {"effective_from": effective_from, "source": SOURCE},
        "registration": {"method": "application", "source": SOURCE},
        "tracks": {"selection": "none", "source": SOURCE},
        "vocabularies": copy.deepcopy(vocabularies if vocabularies is not None else {}),
        "tiers": [
            {"key": "member", "name": "Member", "rank": 0, "entry": True, "source": SOURCE},
            {
                "key": "champion",
                "name": "Champion",
                "rank": 1,
                "source": SOURCE,
                "requirements": copy.deepcopy(requirements or []),
            },
        ],
        "term": {
            "anchor": "acceptance",
            "length_months": 12,
            "auto_renew": True,
            "non_renewal_notice_days": 0,
            "source": SOURCE,
        },
        "evaluation": {
            "cadences": ["calendar_quarter", "on_event"],
            "upgrade_effective": "immediate",
            "downgrade_effective": "immediate",
            "events": ["activity_verified", "certification_verified"],
            "source": SOURCE,
        },
    }


def publish(tenant, document: dict) -> ProgramVersion:
    """Load `document` for `tenant` and publish it from its effective date."""
    loaded = validate_document(document, where="test definition")
    with tenant_scope(tenant):
        result = program_definition_load(tenant=tenant, definition=loaded)
        return program_version_publish(tenant=tenant, version=result.version)


def enrol(firm, version: ProgramVersion, *, status=EnrolmentStatus.ACTIVE) -> Enrolment:
    """Enrol `firm` at the entry tier of the version's program, directly (the application
    flow is tested apart)."""
    with tenant_scope(firm.tenant):
        entry = Tier.objects.get(version=version, entry=True)
        return Enrolment.objects.create(
            tenant=firm.tenant,
            firm=firm,
            program=version.program,
            status=status,
            tier_key=entry.key,
            tier_since=datetime.date(2024, 1, 1),
            approved_at=timezone.now(),
            term_start=datetime.date(2024, 1, 1),
            term_end=datetime.date(2026, 12, 31),
        )


def cast_programs(cast) -> dict[str, ProgramVersion]:
    """Each cast vendor runs a program declaring CAST_VOCABULARIES; every cast firm is in it."""
    versions = {
        "a": publish(cast.tenant_a, definition(cast.tenant_a.slug, vocabularies=CAST_VOCABULARIES)),
        "b": publish(cast.tenant_b, definition(cast.tenant_b.slug, vocabularies=CAST_VOCABULARIES)),
    }
    for firm in (cast.firm_a1, cast.firm_a2):
        enrol(firm, versions["a"])
    enrol(cast.firm_b1, versions["b"])
    return versions
