"""A version's one-block sections, parsed once into the typed objects of programs.schema.

Every default lives in the schema (and in docs/program-definitions.md); code reads
`policies_of(version).commissions.payment_days_after_month_end`, never
`version.commission_policy.get("payment_days_after_month_end", 30)`.
"""

from dataclasses import dataclass
from typing import Any

from programs.schema import (
    Commissions,
    DealRegistration,
    DisputePolicy,
    EvaluationPolicy,
    FeeSchedule,
    Obligation,
    Onboarding,
    Registration,
    TermPolicy,
    TrackPolicy,
    Vocabularies,
)

#: the source a section's defaults carry when the file has no such section
FORMAT_DEFAULT = "the format's default (the definition has no such section)"

#: fields the format no longer has; versions stored before they went may still hold them
RETIRED_FIELDS: dict[str, frozenset[str]] = {
    "deal_registration": frozenset({"confidential"}),
    "tracks": frozenset({"ordered"}),
    "term": frozenset({"termination_notice"}),
}

#: commission-rule conditions the format no longer has (the rate of the tier held on the
#: completion day always applies, so "tier_eligible_at_completion" said nothing)
RETIRED_CONDITIONS = frozenset({"tier_eligible_at_completion"})


@dataclass(frozen=True)
class Policies:
    registration: Registration
    tracks: TrackPolicy
    term: TermPolicy
    fees: FeeSchedule | None
    onboarding: Onboarding | None
    evaluation: EvaluationPolicy
    deal_registration: DealRegistration
    commissions: Commissions
    has_commissions: bool
    disputes: DisputePolicy
    obligations: tuple[Obligation, ...]
    vocabularies: Vocabularies


def without_retired(name: str, data: dict[str, Any] | None) -> dict[str, Any] | None:
    """A stored section without the fields the format retired (see RETIRED_FIELDS)."""
    if data is None:
        return None
    retired = RETIRED_FIELDS.get(name, frozenset())
    return {k: v for k, v in data.items() if k not in retired}


def _section(model, data: dict[str, Any], name: str):
    return model.model_validate(without_retired(name, data))


def policies_of(version) -> Policies:
    """The typed policies of `version` (cached on the instance: a version never changes)."""
    cached = getattr(version, "_policies", None)
    if cached is not None:
        return cached
    deal = version.deal_registration or {"source": FORMAT_DEFAULT}
    commissions = version.commission_policy or {"source": FORMAT_DEFAULT}
    policies = Policies(
        registration=_section(Registration, version.registration, "registration"),
        tracks=_section(TrackPolicy, version.track_policy, "tracks"),
        term=_section(TermPolicy, version.term, "term"),
        fees=_section(FeeSchedule, version.fees, "fees") if version.fees else None,
        onboarding=(
            _section(Onboarding, version.onboarding, "onboarding") if version.onboarding else None
        ),
        evaluation=_section(EvaluationPolicy, version.evaluation, "evaluation"),
        deal_registration=_section(DealRegistration, deal, "deal_registration"),
        commissions=_section(Commissions, commissions, "commissions"),
        has_commissions=version.commission_policy is not None,
        disputes=_section(
            DisputePolicy, version.disputes or {"source": FORMAT_DEFAULT}, "disputes"
        ),
        obligations=tuple(Obligation.model_validate(o) for o in version.obligations or []),
        vocabularies=Vocabularies.model_validate(version.vocabularies or {}),
    )
    version._policies = policies
    return policies
