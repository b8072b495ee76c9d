"""What the public directory shows: consenting active partners, their tiers, modules, regions."""

import json
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from partners.models import Enrolment, EnrolmentStatus, PartnerFirm, PartnerProfile
from programs.models import Tier, Track
from programs.selectors import programs_of, versions_in_force
from tenants.models import Tenant


@dataclass(frozen=True)
class DirectoryNames:
    """The words for keys the directory shows: tiers and tracks (modules) in force today."""

    tiers: dict[str, str]
    tracks: dict[str, str]


@dataclass
class Listing:
    """One program a firm is listed in: the tier accepted, its modules and regions, in words."""

    program: str
    tier: str
    tracks: list[str] = field(default_factory=list)
    territories: list[str] = field(default_factory=list)


def directory_names(*, tenant: Tenant) -> DirectoryNames:
    """Tier and track names of the tenant's programs' versions in force (three queries)."""
    programs = programs_of(tenant=tenant).values_list("pk", flat=True)
    versions = list(versions_in_force(programs, timezone.localdate()).values())
    return DirectoryNames(
        tiers={t.key: t.name for t in Tier.objects.filter(version__in=versions)},
        tracks={t.key: t.name for t in Track.objects.filter(version__in=versions)},
    )


def listing_of(enrolment: Enrolment, names: DirectoryNames) -> Listing:
    return Listing(
        program=enrolment.program.name,
        tier=names.tiers.get(enrolment.tier_key, enrolment.tier_key),
        tracks=[names.tracks.get(k, k) for k in enrolment.tracks],
        territories=list(enrolment.territories),
    )


def listed_enrolments(*, tenant: Tenant) -> QuerySet[Enrolment]:
    """Enrolments the public may see: active, and the firm consented to the listing."""
    return Enrolment.objects.filter(
        tenant=tenant, status=EnrolmentStatus.ACTIVE, directory_consent=True
    )


def directory_firms(
    *, tenant: Tenant, name: str = "", tier: str = "", track: str = "", territory: str = ""
) -> QuerySet[PartnerFirm]:
    """Listed firms by name, searched and filtered; each with `listed`, its listed enrolments.

    One row per firm, even in two programs. Walking the firms' (tenant, name) unique index in
    order and probing each firm's enrolments, a page stops after its rows: it never sorts
    every listed partner of the vendor.
    """
    matching = listed_enrolments(tenant=tenant).filter(firm=OuterRef("pk"))
    if tier:
        matching = matching.filter(tier_key=tier)
    if track:
        matching = matching.filter(_json_list_has("tracks", track))
    if territory:
        matching = matching.filter(_json_list_has("territories", territory.upper()))
    firms = PartnerFirm.objects.filter(tenant=tenant).filter(Exists(matching))
    if name:
        firms = firms.filter(name__icontains=name)
    listed = listed_enrolments(tenant=tenant).select_related("program")
    return (
        firms.select_related("profile")
        .prefetch_related(
            Prefetch("enrolments", listed.order_by("program__name", "pk"), to_attr="listed")
        )
        .order_by("name")  # unique per tenant: a stable order for paging
    )


def _json_list_has(field: str, value: str) -> Q:
    # JSON containment (`__contains`) does not run on SQLite; the element's JSON text, quotes
    # included, matches whole elements only, and the filter stays in SQL so the page is paged.
    return Q(**{f"{field}__icontains": json.dumps(value)})


def directory_profile(*, tenant: Tenant, firm_id: int) -> tuple[PartnerFirm, list[Enrolment]]:
    """A listed firm and its listed enrolments; Http404 for a firm not listed here."""
    enrolments = list(
        listed_enrolments(tenant=tenant)
        .filter(firm_id=firm_id)
        .select_related("firm__profile", "program")
        .order_by("program__name", "pk")
    )
    if not enrolments:
        raise Http404("No such partner in this directory.")
    return enrolments[0].firm, enrolments


def profile_of(firm: PartnerFirm) -> PartnerProfile:
    """The firm's profile, or an unsaved empty one."""
    try:
        return firm.profile
    except PartnerProfile.DoesNotExist:
        return PartnerProfile(tenant_id=firm.tenant_id, firm=firm)
