"""What changed in a program's commission rules between two versions, in words partners read.

Rules are compared in their canonical form (programs.serialization), by key; a rule's
`source` and `default` say where it came from, not what it pays, so they are not changes.
"""

from decimal import Decimal
from typing import Any

from tenants.money import format_amount

NOT_RULE_CONTENT = frozenset({"key", "source", "default"})
PERCENTAGE_BASES = frozenset(
    {"line_amount", "monthly_fee_months", "first_year_net_revenue", "discount_on_list_price"}
)
BASES = {
    "line_amount": "a share of the line amount",
    "monthly_fee_months": "a share of the monthly fee over a number of months",
    "flat_per_order": "a flat amount per order",
    "flat_per_unit": "a flat amount per unit",
    "first_year_net_revenue": "a share of first-year net revenue",
    "discount_on_list_price": "a discount off list price for the customer",
}
LEAD_SOURCES = {
    "partner": "partner leads only",
    "vendor": "vendor leads only",
    "any": "any lead",
}
CONDITIONS = {
    "completed_order": "the order is completed",
    "reseller_of_record": "the partner is the reseller of record",
    "tax_documents": "tax documents are on file",
    "good_standing": "the partner is in good standing",
    "tier_eligible_at_completion": "the partner holds a tier when the order completes",
    "within_term": "the order completes within the partner's term",
    "market_price_or_approved_discount": "the sale is at market price or an approved discount",
    "registration_approved_before_order": "a deal registration was approved before the order",
    "elected_benefit": "the partner elected this financial benefit",
    "customer_in_territory": "the customer is in the partner's designated territory",
}

RuleDict = dict[str, Any]


def rule_contents(document: dict[str, Any]) -> dict[str, RuleDict]:
    """The commission rules of a canonical document by key, without their provenance."""
    rules = (document.get("commissions") or {}).get("rules") or []
    return {
        rule["key"]: {k: v for k, v in rule.items() if k not in NOT_RULE_CONTENT} for rule in rules
    }


def rules_differ(older: dict[str, Any], newer: dict[str, Any]) -> bool:
    """Whether two canonical documents pay commission differently."""
    return rule_contents(older) != rule_contents(newer)


def describe_rule_changes(
    older: dict[str, Any], newer: dict[str, Any], *, currency: str
) -> list[str]:
    """One sentence per change (added, removed or changed rules), in the newer file's order."""
    old_rules, new_rules = rule_contents(older), rule_contents(newer)
    tiers = {t["key"]: t["name"] for t in older.get("tiers", [])}
    tiers.update({t["key"]: t["name"] for t in newer.get("tiers", [])})
    sentences: list[str] = []
    for key, rule in new_rules.items():
        before = old_rules.get(key)
        if before is None:
            sentences.append(f"New: {rule['name']} — {_rates_text(rule, tiers, currency)}.")
        elif before != rule:
            sentences += _changed(before, rule, tiers, currency)
    for key, rule in old_rules.items():
        if key not in new_rules:
            sentences.append(f"Removed: {rule['name']} no longer earns commission.")
    return sentences


def _rate(value: str | None, basis: str, currency: str) -> str:
    if value is None:
        return "no commission"
    amount = Decimal(value)
    if basis in PERCENTAGE_BASES:
        return f"{(amount * 100).normalize():f} %"
    return format_amount(amount, currency)


def _rates_text(rule: RuleDict, tiers: dict[str, str], currency: str) -> str:
    paying = [
        f"{tiers.get(tier, tier)}: {_rate(rate, rule['basis'], currency)}"
        for tier, rate in rule["rates"].items()
        if rate is not None
    ]
    return "; ".join(paying) if paying else "earns no commission"


def _changed(before: RuleDict, after: RuleDict, tiers: dict[str, str], currency: str) -> list[str]:
    name = after["name"]
    out: list[str] = []
    if before["name"] != after["name"]:
        out.append(f"{before['name']} is now called {name}.")
    if before["basis"] != after["basis"]:
        out.append(
            f"{name}: now paid as {BASES[after['basis']]} (was {BASES[before['basis']]}); "
            f"rates: {_rates_text(after, tiers, currency)}."
        )
    else:
        for tier in dict.fromkeys([*before["rates"], *after["rates"]]):
            old, new = before["rates"].get(tier), after["rates"].get(tier)
            if old != new:
                out.append(
                    f"{name}, {tiers.get(tier, tier)}: from {_rate(old, before['basis'], currency)}"
                    f" to {_rate(new, after['basis'], currency)}."
                )
    if before["basis_months"] != after["basis_months"] and after["basis_months"]:
        out.append(f"{name}: the monthly fee now counts for {after['basis_months']} months.")
    if before["product_category"] != after["product_category"]:
        out.append(f"{name}: now applies to a different product category.")
    if before["lead_source"] != after["lead_source"]:
        out.append(f"{name}: now paid on {LEAD_SOURCES[after['lead_source']]}.")
    if before["initial_purchase_only"] != after["initial_purchase_only"]:
        out.append(
            f"{name}: now paid on the customer's initial purchase only."
            if after["initial_purchase_only"]
            else f"{name}: now paid on repeat orders too."
        )
    if before["exclude_no_charge"] != after["exclude_no_charge"]:
        out.append(
            f"{name}: no-charge lines now earn nothing."
            if after["exclude_no_charge"]
            else f"{name}: no-charge lines now count."
        )
    added = [c for c in after["conditions"] if c not in before["conditions"]]
    removed = [c for c in before["conditions"] if c not in after["conditions"]]
    if added:
        out.append(f"{name}: now paid only if {'; '.join(CONDITIONS[c] for c in added)}.")
    if removed:
        out.append(f"{name}: no longer requires that {'; '.join(CONDITIONS[c] for c in removed)}.")
    if before["min_contract_months"] != after["min_contract_months"]:
        months = after["min_contract_months"]
        out.append(
            f"{name}: the initial contract must now run at least {months} months."
            if months
            else f"{name}: no minimum contract length any more."
        )
    if before["financial_benefit"] != after["financial_benefit"]:
        out.append(f"{name}: now belongs to a different financial benefit.")
    return out or [f"{name}: its terms changed."]
