"""Reads about the people of partner firms: colleagues, resources and certifications."""

import datetime

from django.db.models import Count, Q, QuerySet

from partners.models import Certification, ContactRole, PartnerContact, Resource
from tenants.models import Tenant


def colleagues_of(*, tenant: Tenant, contact: PartnerContact) -> QuerySet[PartnerContact]:
    """The active contacts of `contact`'s firm, the contact included."""
    return (
        PartnerContact.objects.filter(tenant=tenant, firm_id=contact.firm_id, is_active=True)
        .select_related("user")
        .order_by("user__email", "pk")
    )


def active_partner_admins(*, tenant: Tenant, firm_id: int) -> QuerySet[PartnerContact]:
    return PartnerContact.objects.filter(
        tenant=tenant, firm_id=firm_id, role=ContactRole.PARTNER_ADMIN, is_active=True
    )


def resources_visible_to(*, tenant: Tenant, contact: PartnerContact | None) -> QuerySet[Resource]:
    """A partner contact sees their firm's resources; staff and API keys (None) see all."""
    resources = Resource.objects.filter(tenant=tenant).select_related("firm", "contact__user")
    return resources.filter(firm_id=contact.firm_id) if contact is not None else resources


def resources_with_counts(*, tenant: Tenant, contact: PartnerContact) -> QuerySet[Resource]:
    """The firm's resources, each with `certification_count` and `verified_count`."""
    verified = Q(certifications__status=Certification.Status.VERIFIED)
    resources = resources_visible_to(tenant=tenant, contact=contact).annotate(
        certification_count=Count("certifications"),
        verified_count=Count("certifications", filter=verified),
    )
    return resources.order_by("name", "pk")


def certifications_visible_to(
    *, tenant: Tenant, contact: PartnerContact | None
) -> QuerySet[Certification]:
    """A partner contact sees their firm's certifications; staff and API keys (None) see all."""
    certifications = Certification.objects.filter(tenant=tenant).select_related("resource", "firm")
    return certifications.filter(firm_id=contact.firm_id) if contact is not None else certifications


def valid_certifications(*, tenant: Tenant, on: datetime.date) -> QuerySet[Certification]:
    """Verified certifications valid on `on`: earned_on <= on < expires_on (or no expiry).

    The validity is half-open: `expires_on` is the first day a certification no longer
    counts, so one earned on 2025-03-01 of a kind valid for 12 months (expiring 2026-03-01)
    counts for exactly one year, and never on or after its expiry date.
    """
    return Certification.objects.filter(
        Q(expires_on__isnull=True) | Q(expires_on__gt=on),
        tenant=tenant,
        status=Certification.Status.VERIFIED,
        earned_on__lte=on,
    ).select_related("resource", "firm")
