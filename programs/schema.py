"""The program-definition format: what a definition file may say, checked precisely.

A definition file (YAML) is validated by `ProgramDefinition`; every error names the
path inside the file (`tiers[2].requirements[0].threshold`). docs/program-definitions.md
describes the format for people.
"""

import datetime
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    field_validator,
    model_validator,
)

from programs.metrics import METRICS, WINDOW_KINDS, Unit
from tenants.money import is_exact

KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,59}$"
MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


def _to_decimal(value: Any) -> Any:
    # YAML reads 0.25 as a float; go through its shortest repr so 0.1 stays 0.1.
    return Decimal(repr(value)) if isinstance(value, float) else value


def _canonical_decimal(value: Decimal) -> str:
    """One spelling per number ("0.9", "10"), so equal definitions have equal digests."""
    return format(value.normalize(), "f")


Number = Annotated[
    Decimal, BeforeValidator(_to_decimal), PlainSerializer(_canonical_decimal, return_type=str)
]
Key = Annotated[str, Field(pattern=KEY_PATTERN)]
Source = Annotated[str, Field(min_length=3)]


def _month_day(value: str) -> str:
    if not isinstance(value, str) or not MONTH_DAY.match(value):
        raise ValueError("use MM-DD, e.g. 03-01")
    return value


MonthDay = Annotated[str, BeforeValidator(_month_day)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Window(Strict):
    kind: Literal[tuple(WINDOW_KINDS)]  # type: ignore[valid-type]
    months: int | None = Field(default=None, ge=1, le=120)

    @model_validator(mode="after")
    def months_only_for_trailing(self):
        if self.kind == "trailing_months" and self.months is None:
            raise ValueError("a trailing_months window needs `months`")
        if self.kind != "trailing_months" and self.months is not None:
            raise ValueError("`months` applies only to trailing_months windows")
        return self


class Requirement(Strict):
    key: Key
    label: str = Field(min_length=3)
    metric: str
    comparator: Literal[">=", ">", "<=", "<", "==", "is true"]
    threshold: Number | None = None
    window: Window
    tracks: list[Key] = Field(default_factory=list)
    params: dict[str, Any] = Field(default_factory=dict)
    default: bool = False
    source: Source

    @field_validator("metric")
    @classmethod
    def metric_is_known(cls, metric: str) -> str:
        if metric not in METRICS:
            raise ValueError(
                f"unknown metric {metric!r}; known metrics: {', '.join(sorted(METRICS))}"
            )
        return metric

    @field_validator("comparator")
    @classmethod
    def comparator_fits_metric(cls, comparator: str, info: ValidationInfo) -> str:
        spec = METRICS.get(info.data.get("metric", ""))
        if spec is not None and comparator not in spec.comparators:
            raise ValueError(
                f"comparator {comparator!r} does not fit metric {info.data['metric']!r} "
                f"(use one of {', '.join(spec.comparators)})"
            )
        return comparator

    @field_validator("threshold")
    @classmethod
    def threshold_fits_comparator(cls, threshold, info: ValidationInfo):
        comparator = info.data.get("comparator")
        if comparator == "is true" and threshold is not None:
            raise ValueError("an `is true` requirement takes no threshold")
        return threshold

    @field_validator("params")
    @classmethod
    def params_fit_metric(cls, params: dict, info: ValidationInfo) -> dict:
        spec = METRICS.get(info.data.get("metric", ""))
        if spec is None:
            return params
        unknown = set(params) - set(spec.params)
        if unknown:
            raise ValueError(
                f"metric {info.data['metric']!r} takes no parameter(s) {', '.join(sorted(unknown))}"
            )
        missing = [name for name in spec.required_params if name not in params]
        if missing:
            raise ValueError(
                f"metric {info.data['metric']!r} needs parameter(s) {', '.join(missing)}"
            )
        for name, value in params.items():
            if not isinstance(value, spec.params[name]):
                raise ValueError(f"parameter {name!r} must be a {spec.params[name].__name__}")
        return params

    @model_validator(mode="after")
    def threshold_present(self):
        if self.comparator != "is true" and self.threshold is None:
            raise ValueError(f"comparator {self.comparator!r} needs a threshold")
        return self


class Tier(Strict):
    key: Key
    name: str = Field(min_length=1)
    rank: int = Field(ge=0)
    entry: bool = False
    invite_only: bool = False
    requires_lower: bool = False
    description: str = ""
    requirements: list[Requirement] = Field(default_factory=list)
    source: Source


class Track(Strict):
    key: Key
    name: str = Field(min_length=1)
    enrolment: Literal["self_service", "contact_request"] = "self_service"
    description: str = ""
    source: Source


class TrackPolicy(Strict):
    """How a partner holds tracks; stored per version without the items (they are rows)."""

    selection: Literal["none", "one", "several"]
    source: Source


class Tracks(TrackPolicy):
    items: list[Track] = Field(default_factory=list)

    @model_validator(mode="after")
    def items_fit_selection(self):
        if self.selection == "none" and self.items:
            raise ValueError("selection `none` takes no items")
        if self.selection != "none" and not self.items:
            raise ValueError(f"selection {self.selection!r} needs at least one item")
        return self


class Benefit(Strict):
    key: Key
    name: str = Field(min_length=3)
    category: str = ""
    tiers: list[Key] = Field(min_length=1)
    tracks: list[Key] = Field(default_factory=list)
    note: str = ""
    source: Source


class TermPolicy(Strict):
    anchor: Literal["acceptance", "effective_date", "program_year"]
    program_year_start: MonthDay | None = None
    length_months: int = Field(ge=1, le=120)
    auto_renew: bool
    non_renewal_notice_days: int = Field(ge=0)
    cure_days_for_breach: int | None = Field(default=None, ge=0)
    termination_effects: list[str] = Field(default_factory=list)
    default: bool = False
    source: Source

    @model_validator(mode="after")
    def program_year_needs_start(self):
        if self.anchor == "program_year" and not self.program_year_start:
            raise ValueError("anchor `program_year` needs `program_year_start` (MM-DD)")
        return self


class Fee(Strict):
    tier: Key | None = None
    track: Key | None = None
    amount: Number = Field(ge=0)
    default: bool = False
    source: Source


class Proration(Strict):
    rule: Literal["none", "quarters_remaining_including_current"]
    full_year_before: MonthDay | None = None
    source: Source

    @model_validator(mode="after")
    def cutoff_needed(self):
        if self.rule != "none" and not self.full_year_before:
            raise ValueError(
                f"proration rule {self.rule!r} needs `full_year_before` (the MM-DD cutoff)"
            )
        return self


class FeeSchedule(Strict):
    annual: list[Fee] = Field(default_factory=list)
    proration: Proration | None = None
    rejoin_waiver: Literal["none", "same_program_year"] = "none"
    source: Source


class Onboarding(Strict):
    months_to_meet_minimum: int = Field(ge=1)
    clock_starts: Literal["approval", "approval_and_fee_paid"]
    minimum_requirements: list[Key] = Field(min_length=1)
    on_miss: Literal["deactivate", "notify"]
    refund: bool = False
    source: Source


class StandingPolicy(Strict):
    """Good standing: the requirements of one tier, set by every evaluation until a manager
    decides (a manager's decision stands until a manager changes it)."""

    requirements_of: Key
    each_territory: bool = False
    source: Source


#: the facts an `on_event` program may re-evaluate on (tiers/tasks.py subscribes to each)
EVALUATION_EVENTS = (
    "order_completed",
    "refund_recorded",
    "activity_verified",
    "certification_verified",
    "sales_call_recorded",
)


class EvaluationPolicy(Strict):
    cadences: list[Literal["calendar_quarter", "annual", "term_start", "on_event"]] = Field(
        min_length=1
    )
    upgrade_effective: Literal["immediate", "notification_date", "next_term_start"]
    downgrade_effective: Literal["immediate", "notification_date", "next_term_start"]
    notification_dates: dict[Literal["Q1", "Q2", "Q3", "Q4"], MonthDay] = Field(
        default_factory=dict
    )
    manager_confirmation: bool = False
    events: list[Literal[EVALUATION_EVENTS]] = Field(default_factory=list)  # type: ignore[valid-type]
    standing: StandingPolicy | None = None
    default: bool = False
    source: Source

    @model_validator(mode="after")
    def notification_dates_complete(self):
        uses_dates = "notification_date" in (self.upgrade_effective, self.downgrade_effective)
        if uses_dates and set(self.notification_dates) != {"Q1", "Q2", "Q3", "Q4"}:
            raise ValueError("changes on a notification date need `notification_dates` Q1-Q4")
        if "on_event" in self.cadences and not self.events:
            raise ValueError("the `on_event` cadence needs `events`")
        return self


class CommissionRule(Strict):
    key: Key
    name: str = Field(min_length=3)
    product_category: str = Field(min_length=1)
    basis: Literal[
        "line_amount",
        "monthly_fee_months",
        "flat_per_order",
        "flat_per_unit",
        "first_year_net_revenue",
        "discount_on_list_price",
    ]
    basis_months: int | None = Field(default=None, ge=1)
    rates: dict[Key, Number | None]
    lead_source: Literal["partner", "vendor", "any"] = "any"
    initial_purchase_only: bool = False
    exclude_no_charge: bool = True
    conditions: list[
        Literal[
            "completed_order",
            "reseller_of_record",
            "tax_documents",
            "good_standing",
            "within_term",
            "market_price_or_approved_discount",
            "registration_approved_before_order",
            "elected_benefit",
            "customer_in_territory",
        ]
    ] = Field(default_factory=list)
    # the tracks whose partners the rule pays (IPsoft: the classifications enrolled in the
    # referral fee program); empty = every track
    tracks: list[Key] = Field(default_factory=list)
    min_contract_months: int | None = Field(default=None, ge=1)
    financial_benefit: Key | None = None
    default: bool = False
    source: Source

    @model_validator(mode="after")
    def basis_needs(self):
        if self.basis == "monthly_fee_months" and not self.basis_months:
            raise ValueError("basis `monthly_fee_months` needs `basis_months`")
        percentage = self.basis in (
            "line_amount",
            "monthly_fee_months",
            "first_year_net_revenue",
            "discount_on_list_price",
        )
        for tier, rate in self.rates.items():
            if rate is not None and percentage and not Decimal(0) <= rate <= Decimal(1):
                raise ValueError(f"rate for {tier!r} is a share between 0 and 1 (0.2 = 20 %)")
            if rate is not None and rate < 0:
                raise ValueError(f"amount for {tier!r} cannot be negative")
        return self


class Commissions(Strict):
    payment_days_after_month_end: int = Field(default=30, ge=0)
    claims_window_months: int | None = Field(default=None, ge=1)
    negative_balance_invoice_days: int = Field(default=30, ge=1)
    withholding: bool = False
    minimum_payout: Number | None = Field(default=None, ge=0)
    exclusive_financial_benefits: list[Key] = Field(default_factory=list)
    # written notice owed to partners before a change of the rules takes effect (CIMcloud
    # 003 §7: 30 days); 0 = none needed. The version in force when the change is published
    # decides.
    change_notice_days: int = Field(default=0, ge=0, le=365)
    # an ended partner's final payment waits in the payout batches until finance releases
    # it (CIMcloud 003 §8.1: "withhold Partner's final Payment for a reasonable time")
    final_payment_hold: bool = False
    rules: list[CommissionRule] = Field(default_factory=list)
    default: bool = False
    source: Source


AUTO_REJECTIONS = ("new_customer_required", "customer_has_order", "already_protected")


class RejectionReason(Strict):
    """One of the vendor's reasons for rejecting a registration; partners read the label."""

    key: Key
    label: str = Field(min_length=3, max_length=200)
    note_required: bool = False
    # the conflict rules that reject with this reason on their own (see AUTO_REJECTIONS)
    automatic: list[Literal[AUTO_REJECTIONS]] = Field(default_factory=list)  # type: ignore[valid-type]
    source: Source


#: the source the default reasons carry
DEFAULT_REASONS_SOURCE = "the format's default list (the definition names no reasons)"

#: the reasons a program has when its file lists none (docs/program-definitions.md)
DEFAULT_REJECTION_REASONS = (
    RejectionReason(
        key="existing-customer",
        label="Existing customer",
        automatic=["new_customer_required", "customer_has_order"],
        source=DEFAULT_REASONS_SOURCE,
    ),
    RejectionReason(
        key="already-registered",
        label="Already registered by another partner",
        automatic=["already_protected"],
        source=DEFAULT_REASONS_SOURCE,
    ),
    RejectionReason(
        key="not-qualified",
        label="Not a qualified opportunity",
        source=DEFAULT_REASONS_SOURCE,
    ),
    RejectionReason(
        key="outside-territory",
        label="Outside the program's territory",
        source=DEFAULT_REASONS_SOURCE,
    ),
    RejectionReason(key="other", label="Other", note_required=True, source=DEFAULT_REASONS_SOURCE),
)


class DealRegistration(Strict):
    protection_days: int = Field(default=90, ge=1)
    reminder_days: int = Field(default=14, ge=1)
    reject_if_customer_has_order: bool = False
    require_new_customer: bool = False
    vendor_leads: bool = False
    rejection_reasons: list[RejectionReason] = Field(
        default_factory=lambda: list(DEFAULT_REJECTION_REASONS), min_length=1
    )
    default: bool = False
    source: Source

    @field_validator("rejection_reasons")
    @classmethod
    def reasons_are_distinct(cls, reasons: list[RejectionReason]) -> list[RejectionReason]:
        dupes = _duplicates([r.key for r in reasons])
        if dupes:
            raise ValueError(f"key {dupes[0]!r} is used twice")
        for rule in AUTO_REJECTIONS:
            using = [r.key for r in reasons if rule in r.automatic]
            if len(using) > 1:
                raise ValueError(f"{rule!r} is claimed by {', '.join(using)}; one reason each")
        return reasons

    def rejection_reason(self, key: str) -> RejectionReason | None:
        """The reason with `key`, or None when the program does not list it."""
        return next((r for r in self.rejection_reasons if r.key == key), None)


class DisputePolicy(Strict):
    """How fast the vendor answers a partner's dispute: business days, the vendor's holidays
    skipped (tenants.holiday_calendar). Breaching the response time escalates the dispute."""

    response_business_days: int = Field(default=2, ge=1, le=60)
    resolution_business_days: int = Field(default=10, ge=1, le=250)
    source: Source

    @model_validator(mode="after")
    def resolution_after_response(self):
        if self.resolution_business_days < self.response_business_days:
            raise ValueError("`resolution_business_days` cannot be shorter than the response time")
        return self


class Registration(Strict):
    method: Literal["application", "contact_request"]
    manager_approval: bool = True
    agreement_required: bool = True
    directory_consent: Literal["none", "optional", "implied_by_registration"] = "optional"
    source: Source


class Obligation(Strict):
    key: Key
    text: str = Field(min_length=10)
    step: Literal["approval", "attestation", "override", "termination_for_cause", "review"]
    source: Source


class VocabularyItem(Strict):
    """One kind a program counts (an activity, an attestation, a designation)."""

    key: Key
    label: str = Field(min_length=1, max_length=200)
    default: bool = False
    source: Source


class CertificationKind(VocabularyItem):
    # required, so every file says it: null = never expires (IPsoft recertifies yearly: 12)
    validity_months: int | None = Field(ge=1, le=240)


class Vocabularies(Strict):
    """The kinds a program's partners record and its requirements count."""

    activity_kinds: list[VocabularyItem] = Field(default_factory=list)
    certification_kinds: list[CertificationKind] = Field(default_factory=list)
    attestation_kinds: list[VocabularyItem] = Field(default_factory=list)
    designations: list[VocabularyItem] = Field(default_factory=list)

    def items(self, vocabulary: str) -> list[VocabularyItem]:
        """The items of one vocabulary (one of VOCABULARIES), in file order."""
        return getattr(self, vocabulary)


#: vocabulary -> what one item is called in messages ("unknown activity kind 'x'")
VOCABULARIES = {
    "activity_kinds": "activity kind",
    "certification_kinds": "certification kind",
    "attestation_kinds": "attestation kind",
    "designations": "designation",
}


class ProgramInfo(Strict):
    slug: Key
    name: str = Field(min_length=2)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    time_zone: str
    source: Source


class VersionInfo(Strict):
    effective_from: datetime.date
    label: str = ""
    source: Source


class ProgramDefinition(Strict):
    format: Literal[1]
    tenant: Key
    program: ProgramInfo
    version: VersionInfo
    registration: Registration
    tracks: Tracks
    vocabularies: Vocabularies = Field(default_factory=Vocabularies)
    tiers: list[Tier] = Field(min_length=1)
    benefits: list[Benefit] = Field(default_factory=list)
    term: TermPolicy
    fees: FeeSchedule | None = None
    onboarding: Onboarding | None = None
    evaluation: EvaluationPolicy
    deal_registration: DealRegistration | None = None
    commissions: Commissions | None = None
    disputes: DisputePolicy | None = None
    obligations: list[Obligation] = Field(default_factory=list)

    @model_validator(mode="after")
    def references_resolve(self):
        errors = _cross_check(self)
        if errors:
            raise ValueError("\n".join(errors))
        return self


def _duplicates(keys: list[str]) -> list[str]:
    seen, dupes = set(), []
    for key in keys:
        if key in seen:
            dupes.append(key)
        seen.add(key)
    return dupes


def _vocabulary_errors(d: ProgramDefinition) -> list[str]:
    """Twice-declared kinds, and requirement parameters naming a kind the file does not declare."""
    errors: list[str] = []
    declared: dict[str, set[str]] = {}
    for vocabulary in VOCABULARIES:
        keys = [item.key for item in d.vocabularies.items(vocabulary)]
        declared[vocabulary] = set(keys)
        for dupe in _duplicates(keys):
            errors.append(f"vocabularies.{vocabulary}: key {dupe!r} is used twice")
    for i, tier in enumerate(d.tiers):
        for j, req in enumerate(tier.requirements):
            for param, vocabulary in METRICS[req.metric].vocabularies.items():
                if param not in req.params:
                    continue
                value = req.params[param]
                named = enumerate(value) if isinstance(value, list) else [(None, value)]
                for k, key in named:
                    if key not in declared[vocabulary]:
                        at = f"tiers[{i}].requirements[{j}].params.{param}"
                        at += "" if k is None else f"[{k}]"
                        errors.append(f"{at}: unknown {VOCABULARIES[vocabulary]} {key!r}")
    return errors


def _cross_check(d: ProgramDefinition) -> list[str]:
    """Return every broken reference or shape rule across sections, each with its path."""
    errors: list[str] = _vocabulary_errors(d)
    tier_keys = [t.key for t in d.tiers]
    track_keys = [t.key for t in d.tracks.items]
    currency = d.program.currency
    for dupe in _duplicates(tier_keys):
        errors.append(f"tiers: key {dupe!r} is used twice")
    for dupe in _duplicates(track_keys):
        errors.append(f"tracks.items: key {dupe!r} is used twice")
    for i, tier in enumerate(d.tiers):
        expected = d.tiers[0].rank + i
        if tier.rank != expected:
            errors.append(
                f"tiers[{i}].rank: ranks must rise by one in file order; expected {expected}, "
                f"got {tier.rank} (a gap or a repeat)"
            )
        for j, req in enumerate(tier.requirements):
            for track in req.tracks:
                if track not in track_keys:
                    errors.append(f"tiers[{i}].requirements[{j}].tracks: unknown track {track!r}")
            money = METRICS[req.metric].unit is Unit.MONEY
            if money and req.threshold is not None and not is_exact(req.threshold, currency):
                errors.append(
                    f"tiers[{i}].requirements[{j}].threshold: {req.threshold} is more precise "
                    f"than {currency} allows (a money threshold is in major units: 50000 = "
                    f"50,000 {currency})"
                )
    entries = [i for i, t in enumerate(d.tiers) if t.entry]
    if len(entries) != 1:
        errors.append("tiers: exactly one tier must be the `entry` tier")
    elif d.tiers[entries[0]].invite_only:
        errors.append(f"tiers[{entries[0]}]: the entry tier cannot be invite-only")
    for i, benefit in enumerate(d.benefits):
        for tier in benefit.tiers:
            if tier not in tier_keys:
                errors.append(f"benefits[{i}].tiers: unknown tier {tier!r}")
        for track in benefit.tracks:
            if track not in track_keys:
                errors.append(f"benefits[{i}].tracks: unknown track {track!r}")
    for dupe in _duplicates([b.key for b in d.benefits]):
        errors.append(f"benefits: key {dupe!r} is used twice")
    if d.fees:
        for i, fee in enumerate(d.fees.annual):
            if fee.tier and fee.tier not in tier_keys:
                errors.append(f"fees.annual[{i}].tier: unknown tier {fee.tier!r}")
            if fee.track and fee.track not in track_keys:
                errors.append(f"fees.annual[{i}].track: unknown track {fee.track!r}")
        if d.fees.rejoin_waiver == "same_program_year" and d.term.anchor != "program_year":
            errors.append("fees.rejoin_waiver: `same_program_year` needs a program-year term")
    standing = d.evaluation.standing
    if standing and standing.requirements_of not in tier_keys:
        errors.append(
            f"evaluation.standing.requirements_of: unknown tier {standing.requirements_of!r}"
        )
    requirement_keys = [r.key for t in d.tiers for r in t.requirements]
    for dupe in _duplicates(requirement_keys):
        errors.append(f"tiers: requirement key {dupe!r} is used twice (keys are program-wide)")
    if d.onboarding:
        for i, key in enumerate(d.onboarding.minimum_requirements):
            if key not in requirement_keys:
                errors.append(f"onboarding.minimum_requirements[{i}]: unknown requirement {key!r}")
    if d.commissions:
        for i, rule in enumerate(d.commissions.rules):
            for tier in rule.rates:
                if tier not in tier_keys:
                    errors.append(f"commissions.rules[{i}].rates: unknown tier {tier!r}")
            for track in rule.tracks:
                if track not in track_keys:
                    errors.append(f"commissions.rules[{i}].tracks: unknown track {track!r}")
            benefit = rule.financial_benefit
            if (
                benefit
                and d.commissions.exclusive_financial_benefits
                and (benefit not in d.commissions.exclusive_financial_benefits)
            ):
                errors.append(
                    f"commissions.rules[{i}].financial_benefit: {benefit!r} is not listed in "
                    "exclusive_financial_benefits"
                )
        for dupe in _duplicates([r.key for r in d.commissions.rules]):
            errors.append(f"commissions.rules: key {dupe!r} is used twice")
    return errors


def format_location(loc: tuple) -> str:
    """('tiers', 2, 'requirements', 0, 'threshold') -> 'tiers[2].requirements[0].threshold'."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.startswith(("function-", "literal[")) or "[" in part:
            continue  # pydantic's validator labels, not places in the file
        else:
            path += f".{part}" if path else part
    return path or "(top level)"
