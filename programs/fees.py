"""Program fees per a version's fee schedule: amounts, pro-ration, re-join waiver."""

import datetime
from decimal import Decimal

from programs.errors import DefinitionError
from programs.models import ProgramVersion
from tenants.money import round_amount


def annual_fee(
    version: ProgramVersion, *, tier: str | None = None, track: str | None = None
) -> Decimal:
    """The full annual fee for a tier and/or track (0 when the schedule names none)."""
    schedule = version.fees or {}
    for fee in schedule.get("annual", []):
        if fee.get("tier") in (None, tier) and fee.get("track") in (None, track):
            return Decimal(fee["amount"])
    return Decimal("0")


def program_year_start(version: ProgramVersion, on: datetime.date) -> datetime.date:
    """The first day of the program year containing `on` (calendar year if none is set)."""
    start = (version.term or {}).get("program_year_start") or "01-01"
    month, day = (int(part) for part in start.split("-"))
    candidate = datetime.date(on.year, month, day)
    return candidate if candidate <= on else candidate.replace(year=on.year - 1)


def fee_due(
    version: ProgramVersion,
    *,
    joined_on: datetime.date,
    tier: str | None = None,
    track: str | None = None,
    rejoining_same_program_year: bool = False,
) -> Decimal:
    """The fee invoiced on joining, rounded half-up to the currency's minor unit after pro-ration.

    quarters_remaining_including_current: before the cutoff (IPsoft: March 1) the whole
    program year; from it on, the annual fee x (quarters left in the program year,
    counting the joining quarter whole) / 4. A re-join in the same program year is
    waived when the schedule says so.
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
        year_start = program_year_start(version, joined_on)
        month, day = (int(part) for part in cutoff.split("-"))
        cutoff_date = datetime.date(year_start.year, month, day)
        if cutoff_date < year_start:
            cutoff_date = cutoff_date.replace(year=year_start.year + 1)
        if joined_on >= cutoff_date:
            months_in = (joined_on.year - year_start.year) * 12 + joined_on.month - year_start.month
            quarters_left = 4 - months_in // 3
            amount = amount * quarters_left / 4
    return round_amount(amount, version.program.currency)
