"""The catalogue of metric keys a requirement may name.

Programs only *declare* what a metric means and which parameters it takes; the tier
engine (tiers app) supplies a set-based implementation for each key, and a test
checks that every key here has one.
"""

from dataclasses import dataclass, field
from enum import StrEnum


class Unit(StrEnum):
    COUNT = "count"
    RATIO = "ratio"
    DAYS = "days"
    BOOLEAN = "boolean"
    MONEY = "money"  # major units of the program's currency (threshold 50000 = 50,000.00 USD)


NUMERIC_COMPARATORS = (">=", ">", "<=", "<", "==")
BOOLEAN_COMPARATORS = ("is true",)


@dataclass(frozen=True)
class MetricSpec:
    label: str
    unit: Unit
    description: str
    params: dict[str, type | tuple] = field(default_factory=dict)
    required_params: tuple[str, ...] = ()
    territorial: bool = False  # can be measured per territory (a `country` parameter)
    # parameters that name vocabulary items: parameter -> vocabulary (programs.schema
    # VOCABULARIES); the loader refuses an item the program does not declare
    vocabularies: dict[str, str] = field(default_factory=dict)

    @property
    def comparators(self) -> tuple[str, ...]:
        return BOOLEAN_COMPARATORS if self.unit is Unit.BOOLEAN else NUMERIC_COMPARATORS


METRICS: dict[str, MetricSpec] = {
    "agreement_accepted": MetricSpec(
        "Program agreement accepted",
        Unit.BOOLEAN,
        "The firm accepted this program's agreement: the version in force at the window's "
        "end, or any version numbered `since_version` or later when the program says so.",
        params={"since_version": int},
    ),
    "attestation": MetricSpec(
        "Attested and verified",
        Unit.BOOLEAN,
        "A manager-verified attestation of `kind` is current in the window "
        "(directory listing, vendor branding on the partner's website, business plan, ...).",
        params={"kind": str},
        required_params=("kind",),
        vocabularies={"kind": "attestation_kinds"},
    ),
    "activity_count": MetricSpec(
        "Activities completed",
        Unit.COUNT,
        "Verified activities whose kind is any of `kinds` dated in the window.",
        params={"kinds": list},
        required_params=("kinds",),
        vocabularies={"kinds": "activity_kinds"},
    ),
    "certified_resources": MetricSpec(
        "Certified people",
        Unit.COUNT,
        "People of the partner holding a `certification` valid at the window's end "
        "(optionally for one of `products`).",
        params={"certification": str, "products": list},
        required_params=("certification",),
        vocabularies={"certification": "certification_kinds"},
    ),
    "designated_contacts": MetricSpec(
        "Designated contacts",
        Unit.COUNT,
        "Partner contacts designated in `role` (e.g. the partner's own partner manager).",
        params={"role": str},
        required_params=("role",),
        vocabularies={"role": "designations"},
    ),
    "qualified_opportunities": MetricSpec(
        "Qualified opportunities",
        Unit.COUNT,
        "Deal registrations qualified by the vendor in the window.",
        params={"lead_source": str},
        territorial=True,
    ),
    "conversion_rate": MetricSpec(
        "Conversion rate",
        Unit.RATIO,
        "Won ÷ qualified among the partner's registrations qualified in the window.",
        territorial=True,
    ),
    "timely_registration_ratio": MetricSpec(
        "Timely deal registration",
        Unit.RATIO,
        "Share of the partner's opportunities in the window that were registered before the "
        "vendor created the opportunity (or within `grace_days`).",
        params={"grace_days": int},
        territorial=True,
    ),
    "closed_won_opportunities": MetricSpec(
        "Closed-won opportunities",
        Unit.COUNT,
        "Referred customers who placed a binding order within `months_after_referral` of "
        "the referral, with the order in the window.",
        params={"months_after_referral": int, "lead_source": str},
        required_params=("months_after_referral",),
        territorial=True,
    ),
    "leads_with_sales_call": MetricSpec(
        "Leads with a sales call",
        Unit.COUNT,
        "Unique registered leads in the window with a call whose kind is any of `call_kinds` "
        "that the partner coordinated and attended.",
        params={"call_kinds": list, "lead_source": str},
        required_params=("call_kinds",),
    ),
    "completed_initial_orders_unique_clients": MetricSpec(
        "Completed initial orders from unique clients",
        Unit.COUNT,
        "Distinct referred clients with a completed initial order in the window "
        "(from the partner's own leads when `lead_source` is partner).",
        params={"lead_source": str},
    ),
    "integration_update_lag_days": MetricSpec(
        "Integration update lag",
        Unit.DAYS,
        "Longest delay, in days, between a vendor release of `release_kind` in the window and "
        "the partner's compatibility update for it (unanswered releases count to the window end).",
        params={"release_kind": str},
    ),
    "support_issues_resolved_within": MetricSpec(
        "Support issues resolved in time",
        Unit.RATIO,
        "Share of support issues opened in the window resolved within `business_days`.",
        params={"business_days": int},
        required_params=("business_days",),
    ),
    "negative_feedback_count": MetricSpec(
        "Negative customer feedback",
        Unit.COUNT,
        "Verified negative customer feedback or reviews about the partner in the window.",
    ),
    "net_revenue": MetricSpec(
        "Net revenue",
        Unit.MONEY,
        "Net revenue of the orders the partner referred that completed in the window: their "
        "line amounts (no-charge lines count nothing) less their refunds recorded by the "
        "window's end, in the program's currency (orders in another currency do not count).",
    ),
}

WINDOW_KINDS = {
    "calendar_quarter": "the calendar quarter being evaluated",
    "calendar_year": "the calendar year being evaluated",
    "program_year": "the program year (per the term policy) being evaluated",
    "trailing_months": "the `months` months up to the evaluation date",
    "since_enrolment": "from the enrolment's start to the evaluation date",
    "preceding_term": "the term that just ended (term-start evaluations)",
    "at_date": "the state on the evaluation date",
}
