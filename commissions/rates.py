"""A commission rate as partners read it: "30 %", "1,000.00 USD per order".

Commission lines keep the rate as the rule states it ("0.3", "1000"); the unit follows from
the rule's basis, so it is looked up from the rule when a rate is shown.
"""

from decimal import Decimal, InvalidOperation

from commissions.models import CommissionLine
from programs.changes import PERCENTAGE_BASES
from programs.models import CommissionRule
from tenants.money import format_amount

PER = {"flat_per_order": "per order", "flat_per_unit": "per unit"}


def rate_text(rate: str, basis: str, currency: str) -> str:
    """The rate with its unit; the bare rate where the basis is unknown; "" for none."""
    try:
        value = Decimal(rate)
    except (InvalidOperation, TypeError):
        return rate or ""
    if basis in PERCENTAGE_BASES:
        return f"{(value * 100).normalize():f} %"
    if basis in PER:
        return f"{format_amount(value, currency)} {PER[basis]}"
    return rate


def bases_by_version_number(program_id: int, numbers: set[int]) -> dict[tuple[int, str], str]:
    """{(version number, rule key): basis} for a program's versions, in one query."""
    rows = CommissionRule.objects.filter(
        version__program_id=program_id, version__number__in=numbers
    ).values_list("version__number", "key", "basis")
    return {(number, key): basis for number, key, basis in rows}


def bases_of_program(program_id: int) -> dict[tuple[int, str], str]:
    """{(version id, rule key): basis} for every version of a program, in one query."""
    rows = CommissionRule.objects.filter(version__program_id=program_id).values_list(
        "version_id", "key", "basis"
    )
    return {(version, key): basis for version, key, basis in rows}


def with_rates(lines: list[CommissionLine]) -> list[CommissionLine]:
    """The lines, each with `rate_text` ("30 %", "1,000.00 USD per order"), in one query."""
    bases = {
        (version_id, key): basis
        for version_id, key, basis in CommissionRule.objects.filter(
            version_id__in={line.version_id for line in lines}
        ).values_list("version_id", "key", "basis")
    }
    for line in lines:
        basis = bases.get((line.version_id, line.rule_key), "")
        line.rate_text = rate_text(line.rate, basis, line.currency) if line.earned else ""
    return lines
