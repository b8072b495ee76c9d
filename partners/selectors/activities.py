"""Reads about what partners did: activities, attestations, releases, updates, issues."""

import datetime
import zoneinfo
from collections.abc import Container

from django.db.models import Model, QuerySet
from django.utils import timezone

from partners.models import (
    Activity,
    Attestation,
    CustomerFeedback,
    IntegrationUpdate,
    PartnerContact,
    SupportIssue,
    VendorRelease,
)
from tenants.models import Tenant

WEEKDAYS_PER_WEEK = 5


def tenant_today(tenant: Tenant) -> datetime.date:
    """Today in the vendor's time zone (a partner in Sydney is a day ahead of UTC)."""
    return timezone.now().astimezone(zoneinfo.ZoneInfo(tenant.time_zone)).date()


def _firm_rows(model: type[Model], *, tenant: Tenant, contact: PartnerContact | None) -> QuerySet:
    rows = model.objects.filter(tenant=tenant).select_related("firm")
    return rows.filter(firm_id=contact.firm_id) if contact is not None else rows


def activities_visible_to(*, tenant: Tenant, contact: PartnerContact | None) -> QuerySet[Activity]:
    """A partner contact sees their firm's rows; staff and API keys (None) see the tenant's."""
    return _firm_rows(Activity, tenant=tenant, contact=contact)


def attestations_visible_to(
    *, tenant: Tenant, contact: PartnerContact | None
) -> QuerySet[Attestation]:
    return _firm_rows(Attestation, tenant=tenant, contact=contact)


def integration_updates_visible_to(
    *, tenant: Tenant, contact: PartnerContact | None
) -> QuerySet[IntegrationUpdate]:
    return _firm_rows(IntegrationUpdate, tenant=tenant, contact=contact).select_related("release")


def support_issues_visible_to(
    *, tenant: Tenant, contact: PartnerContact | None
) -> QuerySet[SupportIssue]:
    return _firm_rows(SupportIssue, tenant=tenant, contact=contact)


def customer_feedback_visible_to(
    *, tenant: Tenant, contact: PartnerContact | None
) -> QuerySet[CustomerFeedback]:
    return _firm_rows(CustomerFeedback, tenant=tenant, contact=contact)


def releases_of(*, tenant: Tenant) -> QuerySet[VendorRelease]:
    """The vendor's releases, newest first (every partner of the vendor may see them)."""
    return VendorRelease.objects.filter(tenant=tenant).order_by("-released_on", "product", "pk")


def business_days_between(
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    holidays: Container[datetime.date] | None = None,
) -> int:
    """Count the weekdays (Mon-Fri) after `start`'s date up to and including `end`'s date.

    Opened on a Monday and resolved the next Monday is 5 business days; opened on a
    Friday and resolved on Monday is 1; resolved the same day is 0. A weekday in
    `holidays` (the vendor's, `tenants.holiday_calendar.vendor_holidays`) is not counted.
    An aware `end` is compared in `start`'s time zone, so pass `start` in the vendor's
    zone: the calendar day is what a "business day" rule is about.
    """
    if start.tzinfo is not None and end.tzinfo is not None:
        end = end.astimezone(start.tzinfo)
    if end < start:
        raise ValueError(f"end ({end.isoformat()}) is before start ({start.isoformat()}).")
    first, last = start.date(), end.date()
    weeks, extra_days = divmod((last - first).days, 7)
    count = weeks * WEEKDAYS_PER_WEEK
    for offset in range(1, extra_days + 1):
        if (first + datetime.timedelta(days=offset)).weekday() < WEEKDAYS_PER_WEEK:
            count += 1
    if holidays is not None:
        days = (first + datetime.timedelta(days=n) for n in range(1, (last - first).days + 1))
        count -= sum(1 for d in days if d.weekday() < WEEKDAYS_PER_WEEK and d in holidays)
    return count
