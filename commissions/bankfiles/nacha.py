"""NACHA ACH file, CCD+ credits (one addenda per entry), for a batch's USD payees.

Layout per the NACHA Operating Rules: a file header (1), one batch header (5) with
service class 220 (credits only), an entry detail (6) and a payment-related addenda (7,
type 05) per partner, a batch control (8), a file control (9); every record is 94
characters and the file is padded with records of 9s to a multiple of 10 (the blocking
factor). The entry hash is the sum of the receiving banks' 8-digit routing prefixes,
last 10 digits; control totals are in cents.
"""

import datetime
import re

from text_unidecode import unidecode

from commissions.bankfiles.models import BankOriginator
from commissions.bankfiles.selectors import Payee
from commissions.models import PayoutBatch
from partners.models import PayoutProfile
from tenants.errors import ApplicationError

RECORD = 94
BLOCKING_FACTOR = 10
CREDITS_ONLY = "220"
CHECKING_CREDIT, SAVINGS_CREDIT = "22", "32"
MAX_ENTRY_CENTS = 10**10 - 1  # the entry's amount field holds 10 digits


def _text(value: str, width: int) -> str:
    """Upper-case ASCII, left-justified and cut to `width` (what ACH operators accept)."""
    ascii_text = re.sub(r"[^A-Z0-9 .,&/()'-]", " ", unidecode(value or "").upper())
    return re.sub(r" +", " ", ascii_text).strip()[:width].ljust(width)


def _number(value: int, width: int) -> str:
    text = str(value)
    if value < 0 or len(text) > width:
        raise ApplicationError(f"{value} does not fit the file's {width}-digit field.")
    return text.zfill(width)


def _record(*fields: str) -> str:
    record = "".join(fields)
    assert len(record) == RECORD, (len(record), record)  # a writer bug, never user input
    return record


def effective_date(batch: PayoutBatch, today: datetime.date) -> datetime.date:
    """The batch's due day, or the next banking weekday when that has passed."""
    day = max(batch.due_on, today + datetime.timedelta(days=1))
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def nacha_file(
    *,
    batch: PayoutBatch,
    originator: BankOriginator,
    payees: list[Payee],
    now: datetime.datetime,
    effective_on: datetime.date,
) -> bytes:
    """The file's bytes: 94-character records, LF line ends, padded to the block."""
    odfi = originator.ach_odfi_routing
    company_id = _text(originator.ach_company_id, 10)
    batch_number = _number(1, 7)
    records = [
        _record(
            "1",
            "01",  # priority code
            " " + odfi,  # immediate destination: the vendor's bank
            company_id,  # immediate origin
            f"{now:%y%m%d}",
            f"{now:%H%M}",
            "A",  # file id modifier
            "094",
            f"{BLOCKING_FACTOR:02d}",
            "1",  # format code
            _text(originator.ach_odfi_name, 23),
            _text(originator.name, 23),
            _text(f"B{batch.pk}", 8),  # reference code
        ),
        _record(
            "5",
            CREDITS_ONLY,
            _text(originator.name, 16),
            _text(f"{batch.program.slug} {batch.period:%Y-%m}", 20),  # discretionary data
            company_id,
            "CCD",
            _text(originator.ach_entry_description, 10),
            f"{batch.period:%b%y}".upper().ljust(6),  # descriptive date: the month paid
            f"{effective_on:%y%m%d}",
            "   ",  # settlement date: the ACH operator fills it
            "1",  # originator status: a depository financial institution
            odfi[:8],
            batch_number,
        ),
    ]
    entry_hash = total = 0
    for sequence, payee in enumerate(payees, start=1):
        profile, line = payee.profile, payee.line
        cents = line.payable_minor
        if cents > MAX_ENTRY_CENTS:
            raise ApplicationError(f"{line.firm}'s payment is too large for one ACH entry.")
        trace = odfi[:8] + _number(sequence, 7)
        savings = profile.account_type == PayoutProfile.AccountType.SAVINGS
        records.append(
            _record(
                "6",
                SAVINGS_CREDIT if savings else CHECKING_CREDIT,
                profile.routing_number[:8],
                profile.routing_number[8],
                profile.account_reference.ljust(17),
                _number(cents, 10),
                _text(f"PRM{line.firm_id}", 15),  # individual identification number
                _text(profile.account_holder, 22),
                "  ",  # discretionary data
                "1",  # an addenda record follows
                trace,
            )
        )
        records.append(
            _record(
                "7",
                "05",
                _text(f"Commission payout {batch.program.name} {batch.period:%Y-%m}", 80),
                "0001",
                trace[-7:],
            )
        )
        entry_hash += int(profile.routing_number[:8])
        total += cents
    entries_and_addenda = 2 * len(payees)
    entry_hash %= 10**10
    records.append(
        _record(
            "8",
            CREDITS_ONLY,
            _number(entries_and_addenda, 6),
            _number(entry_hash, 10),
            _number(0, 12),  # total debits
            _number(total, 12),  # total credits
            company_id,
            " " * 19,  # message authentication code
            " " * 6,  # reserved
            odfi[:8],
            batch_number,
        )
    )
    blocks = -(-(len(records) + 1) // BLOCKING_FACTOR)
    records.append(
        _record(
            "9",
            _number(1, 6),  # batch count
            _number(blocks, 6),
            _number(entries_and_addenda, 8),
            _number(entry_hash, 10),
            _number(0, 12),
            _number(total, 12),
            " " * 39,
        )
    )
    records += ["9" * RECORD] * (blocks * BLOCKING_FACTOR - len(records))
    return ("\n".join(records) + "\n").encode("ascii")
