"""What a partner (or the public directory) sees of enrolments."""

import datetime
from dataclasses import dataclass, field

from partners.models import Certification, Enrolment, EnrolmentStatus, FeeInvoice, PartnerFirm
from programs.models import Benefit, ProgramVersion, Tier, Track
from programs.selectors import version_in_force
from tenants.models import Tenant

CERTIFICATION_WARNING_DAYS = 60


@dataclass
class EnrolmentOverview:
    enrolment: Enrolment
    version: ProgramVersion | None
    tier: Tier | None
    track_names: list[str]
    benefits: list[Benefit]
    invoices: list[FeeInvoice]
    deadlines: list[tuple[datetime.date, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def benefits_for(version: ProgramVersion, *, tier_key: str, tracks: list[str]) -> list[Benefit]:
    """The benefits of the program's matrix that apply to a tier and a set of tracks."""
    return [
        b
        for b in Benefit.objects.filter(version=version).order_by("position")
        if tier_key in b.tiers and (not b.tracks or set(b.tracks) & set(tracks))
    ]


def portal_overview(*, firm: PartnerFirm, today: datetime.date) -> list[EnrolmentOverview]:
    """Each of the firm's enrolments with tier, benefits, invoices and coming deadlines."""
    overviews = []
    expiring = list(
        Certification.objects.filter(
            firm=firm,
            status=Certification.Status.VERIFIED,
            expires_on__gte=today,
            expires_on__lte=today + datetime.timedelta(days=CERTIFICATION_WARNING_DAYS),
        ).select_related("resource")
    )
    for enrolment in Enrolment.objects.filter(firm=firm).select_related("program"):
        version = version_in_force(enrolment.program, today)
        tier = Tier.objects.filter(version=version, key=enrolment.tier_key).first()
        names = dict(Track.objects.filter(version=version).values_list("key", "name"))
        overview = EnrolmentOverview(
            enrolment=enrolment,
            version=version,
            tier=tier,
            track_names=[names.get(key, key) for key in enrolment.tracks],
            benefits=benefits_for(version, tier_key=enrolment.tier_key, tracks=enrolment.tracks)
            if version and enrolment.is_live
            else [],
            invoices=list(enrolment.invoices.all()),
        )
        if enrolment.status == EnrolmentStatus.ONBOARDING and not enrolment.onboarding_deadline:
            months = (version.onboarding or {}).get("months_to_meet_minimum") if version else None
            if months:
                overview.notes.append(
                    f"Your {months} months to meet the minimum criteria start when the program "
                    "fee is paid."
                )
        if enrolment.is_live:
            if enrolment.onboarding_deadline:
                overview.deadlines.append(
                    (enrolment.onboarding_deadline, "Meet the minimum criteria")
                )
            overview.deadlines.append(
                (enrolment.term_end, "Term renews" if enrolment.auto_renew else "Term ends")
            )
            overview.deadlines += [
                (c.expires_on, f"{c.resource.name}'s {c.get_kind_display()} certification expires")
                for c in expiring
            ]
            overview.deadlines.sort()
        overviews.append(overview)
    return overviews


def directory_entries(
    *, tenant: Tenant, tier: str = "", track: str = "", territory: str = ""
) -> list[Enrolment]:
    """Consenting active partners with their accepted tier, optionally filtered."""
    entries = (
        Enrolment.objects.filter(
            tenant=tenant, status=EnrolmentStatus.ACTIVE, directory_consent=True
        )
        .select_related("firm", "program")
        .order_by("firm__name")
    )
    if tier:
        entries = entries.filter(tier_key=tier)
    # JSON containment is not portable to SQLite; one query, then filter the lists here.
    return [
        e
        for e in entries
        if (not track or track in e.tracks)
        and (not territory or territory.upper() in e.territories)
    ]
