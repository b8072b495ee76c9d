"""Which months of a program are closed: money was approved for them, so their past is fixed.

The ledger owns the record of closed months (commissions); apps below it (the tier engine)
ask here, and commissions registers its reader at start-up, so no import points upwards.
"""

import datetime
from collections.abc import Callable

from programs.models import Program

ClosedMonthsReader = Callable[[Program], set[datetime.date]]
_readers: list[ClosedMonthsReader] = []


def register_closed_months(reader: ClosedMonthsReader) -> None:
    """Add a source of closed months (each the first day of a month)."""
    if reader not in _readers:
        _readers.append(reader)


def closed_months(program: Program) -> set[datetime.date]:
    """First days of the program's closed months."""
    months: set[datetime.date] = set()
    for reader in _readers:
        months |= reader(program)
    return months


def last_closed_day(program: Program) -> datetime.date | None:
    """The last day of the program's latest closed month, or None when none is closed."""
    months = closed_months(program)
    if not months:
        return None
    latest = max(months)
    following = datetime.date(latest.year + latest.month // 12, latest.month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)
