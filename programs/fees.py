"""Program fees per a version's fee schedule: amounts, pro-ration, re-join waiver."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from programs.errors import DefinitionError
from programs.models import ProgramVersion

CENT = Decimal("0.01")


def annual_fee(version: ProgramVersion, *, tier: str | None = None, track: str | None = None
               ) -> Decimal:
    """The full annual fee for a tier and/or track (0 when the schedule names none)."""
    schedule = version.fees or {}
    for fee in schedule.get("annual", []):
        if fee.get("tier") in (None, tier) and fee.get("track") in (None, track):
            return Decimal(fee["amount"])
    return Decimal("0")


def fee_due(
    version: ProgramVersion,
    *,
    joined_on: datetime.date,
    tier: str | None = None,
    track: str | None = None,
    rejoining_same_program_year: bool = False,
) -> Decimal:
    """The fee invoiced on joining, rounded half-up to the cent after pro-ration.

    quarters_remaining_including_current: before the cutoff (IPsoft: March 1) the whole
    year; from it on, the annual fee x (quarters left in the year, counting the joining
    quarter whole) / 4. A re-join in the same program year is waived when the schedule says so.
    """
    schedule = version.fees or {}
    if rejoining_same_program_year and schedule.get("rejoin_waiver") == "same_program_year":
        return Decimal("0.00")
    amount = annual_fee(version, tier=tier, track=track)
    proration = schedule.get("proration") or {"rule": "none"}
    if proration["rule"] == "quarters_remaining_including_current":
        cutoff = proration.get("full_year_before")
        if not cutoff:
            raise DefinitionError(str(version), ["fees.proration.full_year_before: missing"])
        month, day = (int(part) for part in cutoff.split("-"))
        if joined_on >= datetime.date(joined_on.year, month, day):
            joining_quarter = (joined_on.month - 1) // 3 + 1
            amount = amount * (4 - joining_quarter + 1) / 4
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
