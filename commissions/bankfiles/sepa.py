"""SEPA credit transfer (pain.001.001.03) for a batch's EUR payees, written by sepaxml.

sepaxml validates its output against the pain.001.001.03 XSD it ships (through
xmlschema) before returning it, so a file that leaves here is schema-valid; the tests
validate it again and read NbOfTxs and CtrlSum back.
"""

import datetime

from sepaxml import SepaTransfer

from commissions.bankfiles.models import BankOriginator
from commissions.bankfiles.selectors import Payee
from commissions.models import PayoutBatch

SCHEMA = "pain.001.001.03"


def end_to_end_id(batch: PayoutBatch, firm_id: int) -> str:
    """The reference the partner's bank reports back (at most 35 characters)."""
    return f"PRM-B{batch.pk}-F{firm_id}"


def sepa_file(
    *,
    batch: PayoutBatch,
    originator: BankOriginator,
    payees: list[Payee],
    execution_on: datetime.date,
) -> bytes:
    """The pain.001.001.03 document (UTF-8 XML), one payment information block."""
    config = {
        "name": originator.name,
        "IBAN": originator.sepa_iban,
        "batch": True,
        "currency": "EUR",
    }
    if originator.sepa_bic:
        config["BIC"] = originator.sepa_bic
    transfer = SepaTransfer(config, schema=SCHEMA, clean=True)
    for payee in payees:
        payment = {
            "name": payee.profile.account_holder,
            "IBAN": payee.profile.account_reference,
            "amount": payee.line.payable_minor,  # cents: sepaxml writes 2289.50 from 228950
            "execution_date": execution_on,
            "description": f"Commission payout {batch.program.name} {batch.period:%Y-%m}",
            "endtoend_id": end_to_end_id(batch, payee.line.firm_id),
        }
        if payee.profile.bic:
            payment["BIC"] = payee.profile.bic
        transfer.add_payment(payment)
    return transfer.export(validate=True)
