"""The partner firm 360° page's reads: everything about one firm, a fixed number of queries.

It lives in commissions because commissions reads every other app (partners, deals, tiers);
each list is capped, with its total, and links to the full console list."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count

from commissions.models import PayoutLine
from commissions.selectors import balances_of, statements_of
from deals.models import DealRegistration, Order, RegistrationStatus, RegistrationTransition
from partners.models import (
    Activity,
    Application,
    Certification,
    Enrolment,
    Notice,
    PartnerContact,
    PartnerFirm,
    PayoutProfile,
    Resource,
    StandingChange,
    TaxDocument,
)
from programs.selectors_console import tier_name_of
from tiers.models import TierAssignment

SHOWN = 10


@dataclass(frozen=True)
class Moment:
    """One dated line of the firm's timeline."""

    at: datetime.datetime
    what: str
    who: str = ""
    why: str = ""


@dataclass
class FirmOverview:
    firm: PartnerFirm
    enrolments: list[Enrolment]
    tier_history: list[TierAssignment]
    registrations: list[DealRegistration]
    registration_count: int
    orders: list[Order]
    order_count: int
    balances: list[dict]
    statements: list[PayoutLine]
    tax_documents: list[TaxDocument]
    payout_profile: PayoutProfile | None
    contacts: list[PartnerContact]
    resources: int
    certifications: int
    activities: list[Activity]
    notices: list[Notice]
    timeline: list[Moment] = field(default_factory=list)


def _at(day: datetime.date | datetime.datetime) -> datetime.datetime:
    if isinstance(day, datetime.datetime):
        return day
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


def firm_overview(firm: PartnerFirm) -> FirmOverview:
    """The firm's enrolments, tier history, deals, money, paperwork, people and decisions."""
    enrolments = list(
        Enrolment.objects.filter(firm=firm)
        .select_related("program", "partner_manager", "standing_change")
        .annotate(tier_label=tier_name_of("program_id", "tier_key"))
        .order_by("program__name")
    )
    history = list(
        TierAssignment.objects.filter(enrolment__firm=firm)
        .select_related("enrolment__program", "created_by")
        .annotate(tier_label=tier_name_of("enrolment__program_id", "tier"))
        .order_by("-valid_from", "-pk")[: SHOWN * 2]
    )
    registrations = DealRegistration.objects.filter(firm=firm)
    orders = Order.objects.filter(firm=firm)
    notices = list(
        Notice.objects.filter(enrolment__firm=firm)
        .select_related("enrolment__program", "recorded_by")
        .order_by("-given_on")[:SHOWN]
    )
    standing = list(
        StandingChange.objects.filter(enrolment__firm=firm)
        .select_related("decided_by", "enrolment__program")
        .order_by("-decided_at")[:SHOWN]
    )
    transitions = list(
        RegistrationTransition.objects.filter(registration__firm=firm)
        .select_related("registration", "by")
        .order_by("-at")[: SHOWN * 2]
    )
    applications = list(
        Application.objects.filter(firm=firm, decided_at__isnull=False)
        .select_related("program", "decided_by")
        .order_by("-decided_at")[:SHOWN]
    )
    people = Resource.objects.filter(firm=firm, is_active=True).aggregate(n=Count("pk"))["n"]
    overview = FirmOverview(
        firm=firm,
        enrolments=enrolments,
        tier_history=history,
        registrations=list(registrations.order_by("-submitted_at")[:SHOWN]),
        registration_count=registrations.count(),
        orders=list(orders.select_related("customer").order_by("-ordered_on")[:SHOWN]),
        order_count=orders.count(),
        balances=balances_of(firm),
        statements=list(statements_of(firm)[:SHOWN]),
        tax_documents=list(TaxDocument.objects.filter(firm=firm).order_by("-uploaded_at")[:5]),
        payout_profile=PayoutProfile.objects.filter(firm=firm).first(),
        contacts=list(
            PartnerContact.objects.filter(firm=firm).select_related("user").order_by("role")
        ),
        resources=people,
        certifications=Certification.objects.filter(firm=firm, status="verified").count(),
        activities=list(Activity.objects.filter(firm=firm).order_by("-occurred_on")[:SHOWN]),
        notices=notices,
    )
    overview.timeline = _timeline(history, standing, transitions, notices, applications)
    return overview


def _status(value: str) -> str:
    return RegistrationStatus(value).label if value in RegistrationStatus.values else value


def _timeline(history, standing, transitions, notices, applications) -> list[Moment]:
    """The firm's transitions and decisions as one dated list, newest first."""
    moments = [
        Moment(
            t.created_at,
            f"Tier {t.tier_label or t.tier} from {t.valid_from:%Y-%m-%d} "
            f"({t.get_source_display().lower()}, {t.enrolment.program})",
            str(t.created_by or ""),
            t.reason,
        )
        for t in history
    ]
    moments += [
        Moment(
            s.decided_at,
            ("In good standing" if s.good_standing else "Not in good standing")
            + f" ({s.enrolment.program})",
            str(s.decided_by or s.get_source_display()),
            s.reason,
        )
        for s in standing
    ]
    moments += [
        Moment(
            t.at,
            f"Registration {t.registration.company_name}: "
            + " → ".join(_status(s) for s in (t.from_status, t.to_status) if s),
            str(t.by or ""),
            t.reason,
        )
        for t in transitions
    ]
    moments += [
        Moment(
            n.recorded_at,
            f"{n.get_kind_display()} notice by the {n.get_given_by_display().lower()}, "
            f"effective {n.effective_on:%Y-%m-%d}",
            str(n.recorded_by or ""),
            n.reason,
        )
        for n in notices
    ]
    moments += [
        Moment(
            a.decided_at,
            f"Application to {a.program} {a.get_status_display().lower()}",
            str(a.decided_by or ""),
            a.rejection_reason,
        )
        for a in applications
    ]
    return sorted(moments, key=lambda m: _at(m.at), reverse=True)[: SHOWN * 4]
