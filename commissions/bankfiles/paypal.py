"""PayPal Payouts CSV (the bulk upload of PayPal's Payouts web page) for PayPal payees.

Columns as PayPal's template: recipient e-mail, amount (plain number with the currency's
decimals), currency code, a reference id, a note to the recipient, the wallet.
"""

import csv
import io

from commissions.bankfiles.selectors import Payee
from commissions.exports import spreadsheet_text
from commissions.models import PayoutBatch
from tenants.money import from_minor

HEADER = (
    "Email/Phone",
    "Amount",
    "Currency code",
    "Reference ID",
    "Note to recipient",
    "Recipient wallet",
)


def paypal_reference(batch: PayoutBatch, firm_id: int) -> str:
    return f"PRM-B{batch.pk}-F{firm_id}"


def paypal_csv(*, batch: PayoutBatch, payees: list[Payee]) -> bytes:
    """RFC 4180 CSV (UTF-8, CRLF): a header and one row per partner."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for payee in payees:
        writer.writerow(
            (
                payee.profile.account_reference,
                str(from_minor(payee.line.payable_minor, batch.currency)),
                batch.currency,
                paypal_reference(batch, payee.line.firm_id),
                spreadsheet_text(f"Commission payout {batch.program.name} {batch.period:%Y-%m}"),
                "PayPal",
            )
        )
    return buffer.getvalue().encode()
