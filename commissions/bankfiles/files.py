"""One bank file of a batch, refused unless the batch is approved and the file can be right."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from commissions.bankfiles import nacha, paypal, sepa
from commissions.bankfiles.selectors import originator_of, payees
from commissions.models import BatchStatus, PayoutBatch
from partners.payout_details import Rail
from tenants.errors import Conflict

#: kind -> (rail, the one currency it pays or None for any, file extension, content type)
KINDS = {
    "nacha": (Rail.ACH, "USD", "ach", "text/plain; charset=us-ascii"),
    "sepa": (Rail.SEPA, "EUR", "xml", "application/xml"),
    "paypal": (Rail.PAYPAL, None, "csv", "text/csv; charset=utf-8"),
}
LABELS = {"nacha": "NACHA (ACH)", "sepa": "SEPA XML", "paypal": "PayPal CSV"}
#: approved (and exported, to download again); a paid batch's file would pay twice
FILE_STATUSES = (BatchStatus.APPROVED, BatchStatus.EXPORTED)


@dataclass(frozen=True)
class BankFile:
    content: bytes
    filename: str
    content_type: str
    entries: int
    total_minor: int


def _refuse_unless_ready(batch: PayoutBatch, kind: str, currency: str | None) -> None:
    label = LABELS[kind]
    if batch.status == BatchStatus.DRAFT:
        raise Conflict(f"Approve {batch} first: bank files come only from an approved batch.")
    if batch.status not in FILE_STATUSES:
        raise Conflict(f"{batch} is already paid: a {label} file now would pay it twice.")
    if currency is not None and batch.currency != currency:
        raise Conflict(f"A {label} file pays {currency}; {batch} is in {batch.currency}.")


def bank_file(*, batch: PayoutBatch, kind: str, now: datetime.datetime | None = None) -> BankFile:
    """The batch's `kind` file for its payable partners with valid details on that rail."""
    rail, currency, extension, content_type = KINDS[kind]
    _refuse_unless_ready(batch, kind, currency)
    now = timezone.localtime(now or timezone.now())
    paid = payees(batch, rail)
    if not paid:
        raise Conflict(f"No payable partner in {batch} is paid by {LABELS[kind]}.")
    originator = originator_of(batch.tenant)
    ready = {"nacha": lambda o: o.ach_ready, "sepa": lambda o: o.sepa_ready}.get(kind)
    if ready is not None and (originator is None or not ready(originator)):
        raise Conflict(
            f"Enter {batch.tenant.name}'s bank details for {LABELS[kind]} first "
            "(Commissions → Bank originator)."
        )
    on = nacha.effective_date(batch, now.date())
    if kind == "nacha":
        content = nacha.nacha_file(
            batch=batch, originator=originator, payees=paid, now=now, effective_on=on
        )
    elif kind == "sepa":
        content = sepa.sepa_file(batch=batch, originator=originator, payees=paid, execution_on=on)
    else:
        content = paypal.paypal_csv(batch=batch, payees=paid)
    name = f"{kind}-{batch.program.slug}-{batch.period:%Y-%m}-b{batch.pk}.{extension}"
    return BankFile(
        content=content,
        filename=name,
        content_type=content_type,
        entries=len(paid),
        total_minor=sum(p.line.payable_minor for p in paid),
    )
