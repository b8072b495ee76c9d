"""What one order line earns under one program version: pure rules, no database.

Rounding (the one documented point): a line's commission is computed in `Decimal` and
rounded half-up to the currency's minor unit once, at the end (`tenants.money.round_minor`).
Flat amounts in the rules are in major units (1000 = 1,000.00 USD, 1000 = 1,000 JPY).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from tenants.money import format_minor, round_minor, rounded_to_minor

DISCOUNT_BASIS = "discount_on_list_price"


@dataclass(frozen=True)
class Rule:
    key: str
    name: str
    product_category: str
    basis: str
    basis_months: int | None
    rates: dict
    lead_source: str
    initial_purchase_only: bool
    exclude_no_charge: bool
    conditions: tuple
    min_contract_months: int | None
    financial_benefit: str
    tracks: tuple = ()  # track keys whose partners the rule pays; empty = every track
    tracks_text: str = ""  # their names, for the reason ("Alliance Partner or ...")


@dataclass(frozen=True)
class LineFacts:
    """Everything the rules look at for one line of a completed order."""

    currency: str
    completed_on: datetime.date | None
    ordered_on: datetime.date
    is_initial_purchase: bool
    lead_source: str
    reseller_of_record: bool
    registration_approved_on: datetime.date | None
    contract_months: int | None
    amount_minor: int
    quantity: int
    price_minor: int
    list_price_minor: int
    discount_approved: bool
    monthly_fee_minor: int | None
    no_charge: bool
    product_category: str
    # the partner's side, on the completion day
    tier_key: str | None
    tier_name: str
    in_term: bool
    term_text: str
    good_standing: bool
    tax_documents: bool
    financial_benefit: str
    tracks: tuple = ()
    territories: tuple = ()  # the partner's designated territories (ISO country codes)
    customer_country: str = ""


@dataclass(frozen=True)
class Outcome:
    earned: bool
    amount_minor: int
    basis_minor: int
    rate: str
    rule: Rule | None
    explanation: str
    is_discount: bool = False


def _money(amount_minor: int, currency: str) -> str:
    return format_minor(amount_minor, currency)


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f} %"


def _refusal(rule: Rule, facts: LineFacts) -> str | None:
    """Why `rule` pays nothing on this line, or None when every condition holds."""
    conditions = set(rule.conditions)
    if rule.tracks and not set(rule.tracks) & set(facts.tracks):
        return f"{rule.name} is paid only to partners enrolled as {rule.tracks_text}."
    if "completed_order" in conditions and facts.completed_on is None:
        return "Not a completed order: the signed order form and initial payment are not both in."
    if "within_term" in conditions and not facts.in_term:
        return f"Order completed outside the partner's term ({facts.term_text})."
    if "good_standing" in conditions and not facts.good_standing:
        return "Partner not in good standing on the completion day."
    if "customer_in_territory" in conditions and facts.customer_country not in facts.territories:
        return _territory_refusal(facts)
    if rule.lead_source != "any" and facts.lead_source != rule.lead_source:
        source = {"partner": "a partner lead", "vendor": "a vendor lead"}[rule.lead_source]
        return f"Not {source}: {rule.name} is paid on {source} only."
    if rule.initial_purchase_only and not facts.is_initial_purchase:
        return "Not the customer's initial purchase: repeat orders earn no commission."
    if rule.exclude_no_charge and facts.no_charge:
        return "No-charge line: given to the customer at no charge."
    if "registration_approved_before_order" in conditions and (
        facts.registration_approved_on is None or facts.registration_approved_on > facts.ordered_on
    ):
        return "No deal registration approved before the order."
    if "reseller_of_record" in conditions and not facts.reseller_of_record:
        return "Partner is not the reseller of record."
    if "tax_documents" in conditions and not facts.tax_documents:
        return "No verified tax documents (W-9 / W-8) on file for the completion day."
    if rule.min_contract_months:
        if facts.contract_months is None:
            return (
                f"No initial contract period recorded (needs at least "
                f"{rule.min_contract_months} months)."
            )
        if facts.contract_months < rule.min_contract_months:
            return (
                f"Initial contract of {facts.contract_months} months is shorter than "
                f"{rule.min_contract_months} months."
            )
    if (
        "market_price_or_approved_discount" in conditions
        and facts.price_minor < facts.list_price_minor
        and not facts.discount_approved
    ):
        return (
            f"Sold below market price ({_money(facts.price_minor, facts.currency)} < "
            f"{_money(facts.list_price_minor, facts.currency)}) without an approved discount."
        )
    if "elected_benefit" in conditions and facts.financial_benefit != rule.financial_benefit:
        if not facts.financial_benefit:
            return f"No financial benefit elected ({rule.name} must be elected first)."
        return f"Partner elected {facts.financial_benefit}, not {rule.financial_benefit}."
    if facts.tier_key is None:
        return "Partner held no tier on the completion day."
    if rule.rates.get(facts.tier_key) is None:
        return f"{facts.tier_name} earns no commission on {rule.name}."
    return None


def _territory_refusal(facts: LineFacts) -> str:
    territories = ", ".join(sorted(facts.territories)) or "none recorded"
    if not facts.customer_country:
        return (
            "Customer's country is not recorded: the order is not shown to be inside the "
            f"designated territory ({territories})."
        )
    return (
        f"Customer in {facts.customer_country} is outside the designated territory ({territories})."
    )


def _first_year_months(facts: LineFacts) -> int:
    return min(12, facts.contract_months or 12)


def rule_rate(value: object) -> Decimal:
    """A rule's rate for a tier as a Decimal; its str() is the rate a line records."""
    return Decimal(str(value))


def _earning(rule: Rule, facts: LineFacts) -> Outcome:
    rate = rule_rate(rule.rates[facts.tier_key])
    money = facts.currency
    at = f"at {facts.tier_name}"
    if rule.basis == DISCOUNT_BASIS:
        return Outcome(
            earned=False,
            amount_minor=0,
            basis_minor=0,
            rate=str(rate),
            rule=rule,
            is_discount=True,
            explanation=(
                f"{rule.name}: the customer gets {_percent(rate)} off list price; "
                "no commission is paid."
            ),
        )
    if rule.basis in ("flat_per_order", "flat_per_unit"):
        units = facts.quantity if rule.basis == "flat_per_unit" else 1
        amount = rounded_to_minor(rate * units, money)
        each = "per bundle" if rule.basis == "flat_per_unit" else "per order"
        text = f"{_money(rounded_to_minor(rate, money), money)} {each}"
        if units > 1:
            text += f" x {units}"
        return Outcome(True, amount, 0, str(rate), rule, f"{rule.name}: {text} {at}.")
    if rule.basis == "monthly_fee_months":
        if not facts.monthly_fee_minor:
            return Outcome(False, 0, 0, str(rate), rule, "No monthly fee on the line.")
        basis = facts.monthly_fee_minor * facts.quantity * rule.basis_months
        what = (
            f"{_money(facts.monthly_fee_minor * facts.quantity, money)} monthly fee "
            f"x {rule.basis_months} months"
        )
    elif rule.basis == "first_year_net_revenue":
        months = _first_year_months(facts)
        recurring = (facts.monthly_fee_minor or 0) * facts.quantity * months
        basis = facts.amount_minor + recurring
        what = f"first-year net revenue {_money(basis, money)}"
    else:  # line_amount
        basis = facts.amount_minor
        what = f"line amount {_money(basis, money)}"
    amount = round_minor(Decimal(basis) * rate)
    return Outcome(
        True,
        amount,
        basis,
        str(rate),
        rule,
        f"{rule.name}: {_percent(rate)} of {what} {at} = {_money(amount, money)}.",
    )


def line_outcome(rules: list[Rule], facts: LineFacts, *, paid_per_order: set[str]) -> Outcome:
    """The line's commission: the first rule that pays, else the clearest reason it earns nothing.

    `paid_per_order` holds the keys of per-order flat rules already paid on this order
    (a flat per-order amount is paid once, whatever the number of lines).
    """
    candidates = [r for r in rules if r.product_category in (facts.product_category, "any")]
    if not candidates:
        return Outcome(
            False,
            0,
            0,
            "",
            None,
            f"Product category {facts.product_category!r} earns no commission in this program.",
        )
    first_refusal: Outcome | None = None
    discount: Outcome | None = None
    for rule in candidates:
        refusal = _refusal(rule, facts)
        if refusal is None and rule.basis == "flat_per_order" and rule.key in paid_per_order:
            refusal = f"{rule.name} is paid once per order; another line of this order earned it."
        if refusal is not None:
            first_refusal = first_refusal or Outcome(False, 0, 0, "", rule, refusal)
            continue
        outcome = _earning(rule, facts)
        if outcome.earned:
            if rule.basis == "flat_per_order":
                paid_per_order.add(rule.key)
            return outcome
        if outcome.is_discount:
            discount = discount or outcome
        else:
            first_refusal = first_refusal or outcome
    return discount or first_refusal
