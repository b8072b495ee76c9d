"""The vendor's public holidays, which are not business days (see business_days_between)."""

import datetime
from collections.abc import Container
from functools import lru_cache

import holidays

from tenants.models import Tenant


@lru_cache(maxsize=64)
def _country_holidays(country: str) -> holidays.HolidayBase:
    # one lazily growing calendar per country: it adds a year the first time it is asked
    return holidays.country_holidays(country)


def vendor_holidays(tenant: Tenant | None) -> Container[datetime.date] | None:
    """The public holidays of the vendor's country, or None (weekends only) when it names none."""
    if tenant is None or not tenant.country:
        return None
    return _country_holidays(tenant.country)
