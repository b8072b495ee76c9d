"""Definition documents <-> version rows, and the canonical form both are compared in."""

import hashlib
import json
from decimal import Decimal
from typing import Any

from programs.models import Benefit, CommissionRule, ProgramVersion, Requirement, Tier, Track
from programs.policies import RETIRED_CONDITIONS, without_retired
from programs.schema import ProgramDefinition


def canonical(document: dict[str, Any]) -> dict[str, Any]:
    """Validate a document and return its canonical JSON form (raises pydantic's error)."""
    return ProgramDefinition.model_validate(document).model_dump(mode="json")


def digest_of(canonical_document: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(canonical_document, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def fill_version(version: ProgramVersion, definition: ProgramDefinition) -> None:
    """Copy the one-block sections of `definition` onto an unsaved or draft `version`."""
    dump = definition.model_dump(mode="json")
    version.label = definition.version.label
    version.effective_from = definition.version.effective_from
    version.version_source = definition.version.source
    version.program_info = dump["program"]
    version.registration = dump["registration"]
    version.track_policy = {k: v for k, v in dump["tracks"].items() if k != "items"}
    version.term = dump["term"]
    version.fees = dump["fees"]
    version.onboarding = dump["onboarding"]
    version.evaluation = dump["evaluation"]
    version.deal_registration = dump["deal_registration"]
    commissions = dump["commissions"]
    version.commission_policy = (
        {k: v for k, v in commissions.items() if k != "rules"} if commissions else None
    )
    version.obligations = dump["obligations"]
    version.disputes = dump["disputes"]
    version.vocabularies = dump["vocabularies"]


def create_rows(version: ProgramVersion, definition: ProgramDefinition) -> None:
    """Create the row sections (tracks, tiers, requirements, benefits, rules) of `version`."""
    tenant = version.tenant
    common = {"tenant": tenant, "version": version}
    Track.objects.bulk_create(
        Track(
            **common,
            position=i,
            key=t.key,
            name=t.name,
            enrolment=t.enrolment,
            description=t.description,
            source=t.source,
        )
        for i, t in enumerate(definition.tracks.items)
    )
    for i, tier_def in enumerate(definition.tiers):
        tier = Tier.objects.create(
            **common,
            position=i,
            key=tier_def.key,
            name=tier_def.name,
            rank=tier_def.rank,
            entry=tier_def.entry,
            invite_only=tier_def.invite_only,
            requires_lower=tier_def.requires_lower,
            description=tier_def.description,
            source=tier_def.source,
        )
        Requirement.objects.bulk_create(
            Requirement(
                **common,
                tier=tier,
                position=j,
                key=r.key,
                label=r.label,
                metric=r.metric,
                comparator=r.comparator,
                threshold=r.threshold,
                window_kind=r.window.kind,
                window_months=r.window.months,
                tracks=list(r.tracks),
                params=dict(r.params),
                is_default=r.default,
                source=r.source,
            )
            for j, r in enumerate(tier_def.requirements)
        )
    Benefit.objects.bulk_create(
        Benefit(
            **common,
            position=i,
            key=b.key,
            name=b.name,
            category=b.category,
            tiers=list(b.tiers),
            tracks=list(b.tracks),
            note=b.note,
            source=b.source,
        )
        for i, b in enumerate(definition.benefits)
    )
    rules = definition.commissions.rules if definition.commissions else []
    CommissionRule.objects.bulk_create(
        CommissionRule(
            **common,
            position=i,
            key=r.key,
            name=r.name,
            product_category=r.product_category,
            basis=r.basis,
            basis_months=r.basis_months,
            rates={tier: _decimal_text(rate) for tier, rate in r.rates.items()},
            lead_source=r.lead_source,
            initial_purchase_only=r.initial_purchase_only,
            exclude_no_charge=r.exclude_no_charge,
            conditions=stored_conditions(list(r.conditions), list(r.tracks)),
            min_contract_months=r.min_contract_months,
            financial_benefit=r.financial_benefit or "",
            is_default=r.default,
            source=r.source,
        )
        for i, r in enumerate(rules)
    )


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _threshold(value: Decimal | None) -> str | None:
    return None if value is None else _decimal_text(Decimal(value))


def version_document(version: ProgramVersion) -> dict[str, Any]:
    """Return the definition document of a version, as a file would spell it."""
    tracks = list(Track.objects.filter(version=version).order_by("position"))
    tiers = list(Tier.objects.filter(version=version).order_by("rank"))
    requirements = list(
        Requirement.objects.filter(version=version).order_by("tier__rank", "position")
    )
    benefits = list(Benefit.objects.filter(version=version).order_by("position"))
    rules = list(CommissionRule.objects.filter(version=version).order_by("position"))
    commissions = None
    if version.commission_policy is not None:
        commissions = {**version.commission_policy, "rules": [_rule(r) for r in rules]}
    return {
        "format": 1,
        "tenant": version.tenant.slug,
        "program": version.program_info,
        "version": {
            "effective_from": version.effective_from.isoformat(),
            "label": version.label,
            "source": version.version_source,
        },
        "registration": version.registration,
        "tracks": {
            **without_retired("tracks", version.track_policy),
            "items": [
                {
                    "key": t.key,
                    "name": t.name,
                    "enrolment": t.enrolment,
                    "description": t.description,
                    "source": t.source,
                }
                for t in tracks
            ],
        },
        "vocabularies": version.vocabularies,
        "tiers": [
            {
                "key": t.key,
                "name": t.name,
                "rank": t.rank,
                "entry": t.entry,
                "invite_only": t.invite_only,
                "requires_lower": t.requires_lower,
                "description": t.description,
                "source": t.source,
                "requirements": [_requirement(r) for r in requirements if r.tier_id == t.pk],
            }
            for t in tiers
        ],
        "benefits": [
            {
                "key": b.key,
                "name": b.name,
                "category": b.category,
                "tiers": b.tiers,
                "tracks": b.tracks,
                "note": b.note,
                "source": b.source,
            }
            for b in benefits
        ],
        "term": without_retired("term", version.term),
        "fees": version.fees,
        "onboarding": version.onboarding,
        "evaluation": version.evaluation,
        "deal_registration": without_retired("deal_registration", version.deal_registration),
        "commissions": commissions,
        "disputes": version.disputes,
        "obligations": version.obligations,
    }


def _requirement(r: Requirement) -> dict[str, Any]:
    return {
        "key": r.key,
        "label": r.label,
        "metric": r.metric,
        "comparator": r.comparator,
        "threshold": _threshold(r.threshold),
        "window": {"kind": r.window_kind, "months": r.window_months},
        "tracks": r.tracks,
        "params": r.params,
        "default": r.is_default,
        "source": r.source,
    }


def _rule(r: CommissionRule) -> dict[str, Any]:
    return {
        "key": r.key,
        "name": r.name,
        "product_category": r.product_category,
        "basis": r.basis,
        "basis_months": r.basis_months,
        "rates": r.rates,
        "lead_source": r.lead_source,
        "initial_purchase_only": r.initial_purchase_only,
        "exclude_no_charge": r.exclude_no_charge,
        "conditions": [c for c in rule_conditions(r) if c not in RETIRED_CONDITIONS],
        "tracks": rule_tracks(r),
        "min_contract_months": r.min_contract_months,
        "financial_benefit": r.financial_benefit or None,
        "default": r.is_default,
        "source": r.source,
    }


# A commission rule's `tracks` are stored inside its `conditions` row field, as one
# {"tracks": [...]} item after the condition keys (CommissionRule has no field of its own
# for them yet); these three functions are the only code that knows.


def stored_conditions(conditions: list[str], tracks: list[str]) -> list:
    """The `conditions` row value for a rule's condition keys and track scope."""
    return [*conditions, {"tracks": tracks}] if tracks else list(conditions)


def rule_conditions(row: CommissionRule) -> list[str]:
    """The rule row's condition keys (customer_in_territory, good_standing, ...)."""
    return [c for c in row.conditions or [] if not isinstance(c, dict)]


def rule_tracks(row: CommissionRule) -> list[str]:
    """The track keys whose partners the rule pays; empty = every track."""
    scopes = [c["tracks"] for c in row.conditions or [] if isinstance(c, dict) and "tracks" in c]
    return list(scopes[-1]) if scopes else []
