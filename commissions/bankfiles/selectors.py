"""Who is paid by which file: payable partners whose payout details pass for the currency.

One home for the rule, read by the batch build (the hold), the bank files and the
batch page, so the file's entry count and control total always equal what the batch
shows as payable for that rail.
"""

from dataclasses import dataclass

from commissions.bankfiles.models import BankOriginator
from commissions.models import PayoutBatch, PayoutLine
from partners.models import PayoutProfile
from partners.payout_details import Rail, check_for_currency
from tenants.models import Tenant


@dataclass(frozen=True)
class Payee:
    """One partner's payment in a file: their line (firm, amount) and their details."""

    line: PayoutLine
    profile: PayoutProfile
    rail: str


@dataclass(frozen=True)
class Unpayable:
    line: PayoutLine
    problem: str


def details_hold_reason(problem: str) -> str:
    return (
        f"No valid payout details: {problem} Payment held until the partner corrects them "
        "under Tax & payouts in the portal."
    )


def originator_of(tenant: Tenant) -> BankOriginator | None:
    return BankOriginator.objects.filter(tenant=tenant).first()


def payout_details_holds(*, tenant: Tenant, firm_ids: list[int], currency: str) -> dict[int, str]:
    """Firm id -> why its payout details cannot be paid in `currency`.

    Only for a vendor that pays from bank files (it has a bank originator): holding every
    partner of a vendor that pays from its ERP, and never collected details here, would
    stop all its payouts.
    """
    if not BankOriginator.objects.filter(tenant=tenant).exists():
        return {}
    rows = PayoutProfile.objects.filter(tenant=tenant, firm_id__in_ids=firm_ids)
    profiles = {p.firm_id: p for p in rows}
    holds = {}
    for firm_id in firm_ids:
        checked = check_for_currency(profiles.get(firm_id), currency)
        if checked.problem:
            holds[firm_id] = details_hold_reason(checked.problem)
    return holds


def _payable_lines(batch: PayoutBatch):
    return (
        PayoutLine.objects.filter(
            batch=batch, status=PayoutLine.Status.PAYABLE, payable_minor__gt=0
        )
        .select_related("firm")
        .order_by("firm__name", "pk")
    )


def batch_payments(batch: PayoutBatch) -> tuple[list[Payee], list[Unpayable]]:
    """Every payable line of the batch with its rail, and those whose details fail now.

    Details are checked again here: a partner may have changed them since the build.
    """
    lines = list(_payable_lines(batch))
    profiles = {
        p.firm_id: p
        for p in PayoutProfile.objects.filter(
            tenant=batch.tenant, firm_id__in_ids=[x.firm_id for x in lines]
        )
    }
    payees, unpayable = [], []
    for line in lines:
        profile = profiles.get(line.firm_id)
        checked = check_for_currency(profile, batch.currency)
        if checked.problem:
            unpayable.append(Unpayable(line=line, problem=checked.problem))
        else:
            payees.append(Payee(line=line, profile=profile, rail=checked.rail))
    return payees, unpayable


def payees(batch: PayoutBatch, rail: str) -> list[Payee]:
    """The batch's payable partners paid by `rail`, by partner name."""
    return [p for p in batch_payments(batch)[0] if p.rail == rail]


RAIL_LABELS = {
    Rail.ACH: "NACHA (ACH)",
    Rail.SEPA: "SEPA",
    Rail.PAYPAL: "PayPal",
    Rail.CHECK: "Check",
    Rail.MANUAL: "Bank transfer outside a file",
}
