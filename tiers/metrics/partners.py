"""Metrics over what partners record: agreements, attestations, activities, people."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Q

from partners.models import (
    Activity,
    AgreementAcceptance,
    Attestation,
    Certification,
    CustomerFeedback,
    IntegrationUpdate,
    PartnerContact,
    ReviewStatus,
    SupportIssue,
    VendorRelease,
)
from partners.selectors.activities import business_days_between
from partners.terms import ONE_DAY
from programs.selectors import versions_in_force
from tenants.holiday_calendar import vendor_holidays
from tiers.metrics import (
    Measure,
    by_firm,
    counted,
    day_start,
    firm_ids,
    in_window,
    metric,
    ratio,
    zone_of,
)


@metric("agreement_accepted")
def agreement_accepted(enrolments, start, end, params):
    """An acceptance of *this* program's agreement, of the version it requires."""
    zone = zone_of(enrolments)
    program_ids = {e.program_id for e in enrolments}
    if "since_version" in params:
        required = dict.fromkeys(program_ids, params["since_version"])
    else:
        in_force = versions_in_force(program_ids, end)
        required = {pk: in_force[pk].number if pk in in_force else 0 for pk in program_ids}
    accepted: dict[tuple[int, int], list[int]] = defaultdict(list)
    for firm_id, pk, program_id, number in AgreementAcceptance.objects.filter(
        firm_id__in_ids=firm_ids(enrolments),
        program_version__program_id__in=program_ids,
        accepted_at__lt=day_start(end + ONE_DAY, zone),
    ).values_list("firm_id", "pk", "program_version__program_id", "program_version__number"):
        if number >= required[program_id]:
            accepted[firm_id, program_id].append(pk)
    return {
        e.pk: Measure(
            Decimal(1 if accepted.get((e.firm_id, e.program_id)) else 0),
            accepted.get((e.firm_id, e.program_id), [])[:1],
        )
        for e in enrolments
    }


@metric("attestation")
def attestation(enrolments, start, end, params):
    rows = Attestation.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=end),
        firm_id__in_ids=firm_ids(enrolments),
        kind=params["kind"],
        status=ReviewStatus.VERIFIED,
        valid_from__lte=end,
    )
    held = counted(rows)
    none: tuple[int, list[int]] = (0, [])
    return {
        e.pk: Measure(Decimal(1 if held.get(e.firm_id) else 0), held.get(e.firm_id, none)[1][:5])
        for e in enrolments
    }


@metric("activity_count")
def activity_count(enrolments, start, end, params):
    rows = Activity.objects.filter(
        in_window("occurred_on", start, end),
        firm_id__in_ids=firm_ids(enrolments),
        kind__in=params["kinds"],
        status=ReviewStatus.VERIFIED,
    )
    return by_firm(enrolments, counted(rows))


@metric("certified_resources")
def certified_resources(enrolments, start, end, params):
    """People (not certificates) holding a verified, unexpired certification at the end."""
    certifications = Certification.objects.filter(
        Q(expires_on__isnull=True) | Q(expires_on__gt=end),  # no expiry: a kind that never expires
        firm_id__in_ids=firm_ids(enrolments),
        kind=params["certification"],
        status=Certification.Status.VERIFIED,
        earned_on__lte=end,
        resource__is_active=True,
    )
    if params.get("products"):
        certifications = certifications.filter(Q(product="") | Q(product__in=params["products"]))
    people: dict[int, dict[int, int]] = defaultdict(dict)
    for firm_id, resource_id, pk in certifications.values_list("firm_id", "resource_id", "pk"):
        people[firm_id].setdefault(resource_id, pk)
    return {
        e.pk: Measure(
            Decimal(len(people.get(e.firm_id, {}))), list(people.get(e.firm_id, {}).values())[:200]
        )
        for e in enrolments
    }


@metric("designated_contacts")
def designated_contacts(enrolments, start, end, params):
    rows = PartnerContact.objects.filter(
        firm_id__in_ids=firm_ids(enrolments), designation=params["role"], is_active=True
    )
    return by_firm(enrolments, counted(rows))


@metric("integration_update_lag_days")
def integration_update_lag_days(enrolments, start, end, params):
    """The longest wait, in days, from a release in the window to the firm's update for it."""
    releases = list(
        VendorRelease.objects.filter(
            in_window("released_on", start, end), kind=params.get("release_kind", "major")
        ).values_list("pk", "released_on")
    )
    updates = {
        (firm_id, release_id): updated_on
        for firm_id, release_id, updated_on in IntegrationUpdate.objects.filter(
            firm_id__in_ids=firm_ids(enrolments),
            release_id__in=[pk for pk, _ in releases],
            status=ReviewStatus.VERIFIED,
        ).values_list("firm_id", "release_id", "updated_on")
    }
    measures = {}
    for e in enrolments:
        lags = [
            ((updates.get((e.firm_id, pk)) or end) - released).days for pk, released in releases
        ]
        measures[e.pk] = Measure(Decimal(max(lags, default=0)), [pk for pk, _ in releases][:50])
    return measures


@metric("support_issues_resolved_within")
def support_issues_resolved_within(enrolments, start, end, params):
    zone = zone_of(enrolments)
    # the vendor's country's public holidays are not business days (none set: weekends only)
    holidays = vendor_holidays(enrolments[0].tenant if enrolments else None)
    opened = Q(opened_at__lt=day_start(end + ONE_DAY, zone))
    if start:
        opened &= Q(opened_at__gte=day_start(start, zone))
    issues = SupportIssue.objects.filter(opened, firm_id__in_ids=firm_ids(enrolments)).values_list(
        "firm_id", "pk", "opened_at", "resolved_at"
    )
    total: dict[int, list[int]] = defaultdict(list)
    in_time: dict[int, int] = defaultdict(int)
    for firm_id, pk, opened_at, resolved in issues:
        opened = opened_at
        total[firm_id].append(pk)
        if resolved and (
            business_days_between(opened.astimezone(zone), resolved, holidays=holidays)
            <= params["business_days"]
        ):
            in_time[firm_id] += 1
    # no issues at all is full marks: nothing was left unresolved
    return {
        e.pk: Measure(
            ratio(in_time[e.firm_id], len(total[e.firm_id]))
            if total.get(e.firm_id)
            else Decimal(1),
            total.get(e.firm_id, [])[:200],
        )
        for e in enrolments
    }


@metric("negative_feedback_count")
def negative_feedback_count(enrolments, start, end, params):
    rows = CustomerFeedback.objects.filter(
        in_window("received_on", start, end),
        firm_id__in_ids=firm_ids(enrolments),
        sentiment=CustomerFeedback.Sentiment.NEGATIVE,
        status=ReviewStatus.VERIFIED,
    )
    return by_firm(enrolments, counted(rows))
