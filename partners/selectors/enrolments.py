"""What a partner (or the public directory) sees of enrolments."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet, prefetch_related_objects

from partners.models import (
    BreachNotice,
    Certification,
    Enrolment,
    EnrolmentStatus,
    FeeInvoice,
    PartnerContact,
    PartnerFirm,
)
from partners.selectors.breaches import breach_clocks
from partners.selectors.vocabularies import label_of
from programs.models import Benefit, ProgramVersion, Tier, Track
from programs.policies import policies_of
from programs.selectors import versions_in_force
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
    # (breach notice, its cure clock in words), oldest first
    breaches: list[tuple[BreachNotice, str]] = field(default_factory=list)


def benefits_for(version: ProgramVersion, *, tier_key: str, tracks: list[str]) -> list[Benefit]:
    """The benefits of the program's matrix that apply to a tier and a set of tracks."""
    return _applying(Benefit.objects.filter(version=version).order_by("position"), tier_key, tracks)


def _applying(benefits: Iterable[Benefit], tier_key: str, tracks: list[str]) -> list[Benefit]:
    return [
        b for b in benefits if tier_key in b.tiers and (not b.tracks or set(b.tracks) & set(tracks))
    ]


def enrolments_visible_to(*, tenant: Tenant, contact: PartnerContact | None) -> QuerySet[Enrolment]:
    """A partner's own firm's enrolments; staff and API keys (`contact=None`) see every firm's."""
    enrolments = Enrolment.objects.filter(tenant=tenant)
    if contact is not None:
        enrolments = enrolments.filter(firm_id=contact.firm_id)
    # pk breaks ties, so a page boundary never drops or repeats a row
    return enrolments.select_related("firm", "program").order_by("firm__name", "pk")


def portal_overview(*, firm: PartnerFirm, today: datetime.date) -> list[EnrolmentOverview]:
    """Each of the firm's enrolments with tier, benefits, invoices and coming deadlines."""
    return enrolment_overviews(Enrolment.objects.filter(firm=firm), today=today)


def enrolment_overviews(
    enrolments: Iterable[Enrolment], *, today: datetime.date
) -> list[EnrolmentOverview]:
    """`portal_overview` for any set of enrolments (one page of a list) in a fixed few queries."""
    enrolments = list(enrolments)
    # a page arrives as a list; rows already joined by select_related are not fetched again
    prefetch_related_objects(enrolments, "program", "firm", "invoices")
    versions = versions_in_force({e.program_id for e in enrolments}, today)
    tiers = {(t.version_id, t.key): t for t in Tier.objects.filter(version__in=versions.values())}
    track_names: dict[int, dict[str, str]] = defaultdict(dict)
    for version_id, key, name in Track.objects.filter(version__in=versions.values()).values_list(
        "version_id", "key", "name"
    ):
        track_names[version_id][key] = name
    benefits: dict[int, list[Benefit]] = defaultdict(list)
    for benefit in Benefit.objects.filter(version__in=versions.values()).order_by("position"):
        benefits[benefit.version_id].append(benefit)
    expiring: dict[int, list[Certification]] = defaultdict(list)
    for certification in Certification.objects.filter(
        firm_id__in={e.firm_id for e in enrolments},
        status=Certification.Status.VERIFIED,
        expires_on__gte=today,
        expires_on__lte=today + datetime.timedelta(days=CERTIFICATION_WARNING_DAYS),
    ).select_related("resource"):
        expiring[certification.firm_id].append(certification)
    breaches = breach_clocks(enrolments, today=today)
    overviews = []
    for enrolment in enrolments:
        version = versions.get(enrolment.program_id)
        version_id = version.pk if version else None
        overviews.append(
            _overview(
                enrolment,
                version,
                tier=tiers.get((version_id, enrolment.tier_key)),
                track_names=track_names[version_id],
                benefits=benefits[version_id],
                expiring=expiring[enrolment.firm_id],
            )
        )
        overview = overviews[-1]
        overview.breaches = breaches.get(enrolment.pk, [])
        if enrolment.is_live:
            overview.deadlines += [
                (b.cure_by, f"Cure the breach notified on {b.given_on:%Y-%m-%d}")
                for b, _ in overview.breaches
                if b.is_open and not b.cure_period_over(today)
            ]
            overview.deadlines.sort()
    return overviews


def _overview(
    enrolment: Enrolment,
    version: ProgramVersion | None,
    *,
    tier: Tier | None,
    track_names: dict[str, str],
    benefits: list[Benefit],
    expiring: list[Certification],
) -> EnrolmentOverview:
    overview = EnrolmentOverview(
        enrolment=enrolment,
        version=version,
        tier=tier,
        track_names=[track_names.get(key, key) for key in enrolment.tracks],
        benefits=_applying(benefits, enrolment.tier_key, enrolment.tracks)
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
            overview.deadlines.append((enrolment.onboarding_deadline, "Meet the minimum criteria"))
        overview.deadlines.append(
            (enrolment.term_end, "Term renews" if enrolment.auto_renew else "Term ends")
        )
        kinds = policies_of(version).vocabularies.certification_kinds if version else []
        labels = {k.key: k.label for k in kinds}
        overview.deadlines += [
            (c.expires_on, f"{c.resource.name}'s {label_of(c.kind, labels)} certification expires")
            for c in expiring
        ]
        overview.deadlines.sort()
    return overview
