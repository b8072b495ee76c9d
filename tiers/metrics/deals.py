"""Metrics over registrations, sales calls and orders."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import (
    BigIntegerField,
    Case,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from deals.models import (
    DealRegistration,
    Order,
    OrderLine,
    Refund,
    RegistrationStatus,
    SalesActivity,
)
from partners.terms import add_months
from programs.models import Program
from tenants.money import from_minor
from tiers.metrics import (
    Measure,
    by_firm,
    counted,
    counts_of,
    firm_ids,
    in_window,
    local_date,
    metric,
    ratio,
    zone_of,
)


def _programs(enrolments) -> set[int]:
    return {e.program_id for e in enrolments}


def _source(params: dict, field: str = "lead_source") -> Q:
    source = params.get("lead_source", "any")
    return Q() if source in ("", "any") else Q(**{field: source})


def _territory(params: dict, field: str = "country") -> Q:
    """Only the registrations of one territory, when the engine measures per territory."""
    return Q(**{field: params["country"]}) if params.get("country") else Q()


@metric("qualified_opportunities")
def qualified_opportunities(enrolments, start, end, params):
    rows = DealRegistration.objects.filter(
        in_window("qualified_on", start, end),
        _source(params),
        _territory(params),
        firm_id__in_ids=firm_ids(enrolments),
        program_id__in=_programs(enrolments),
    )
    return by_firm(enrolments, counted(rows))


@metric("conversion_rate")
def conversion_rate(enrolments, start, end, params):
    """Won ÷ qualified, among the firm's registrations qualified in the window."""
    qualified: dict[int, list[int]] = defaultdict(list)
    won: dict[int, int] = defaultdict(int)
    for firm_id, pk, status in DealRegistration.objects.filter(
        in_window("qualified_on", start, end),
        _territory(params),
        firm_id__in_ids=firm_ids(enrolments),
        program_id__in=_programs(enrolments),
    ).values_list("firm_id", "pk", "status"):
        qualified[firm_id].append(pk)
        won[firm_id] += status == RegistrationStatus.WON
    return {
        e.pk: Measure(
            ratio(won[e.firm_id], len(qualified[e.firm_id])), qualified.get(e.firm_id, [])[:200]
        )
        for e in enrolments
    }


@metric("timely_registration_ratio")
def timely_registration_ratio(enrolments, start, end, params):
    """Share of opportunities opened in the window that the partner had registered first."""
    grace = datetime.timedelta(days=params.get("grace_days", 0))
    zone = zone_of(enrolments)
    total: dict[int, list[int]] = defaultdict(list)
    timely: dict[int, int] = defaultdict(int)
    for firm_id, pk, submitted_at, opened_on in DealRegistration.objects.filter(
        in_window("opportunity_created_on", start, end),
        _territory(params),
        firm_id__in_ids=firm_ids(enrolments),
        program_id__in=_programs(enrolments),
    ).values_list("firm_id", "pk", "submitted_at", "opportunity_created_on"):
        total[firm_id].append(pk)
        timely[firm_id] += local_date(submitted_at, zone) <= opened_on + grace
    # no opportunities: nothing was registered late
    return {
        e.pk: Measure(
            ratio(timely[e.firm_id], len(total[e.firm_id])) if total.get(e.firm_id) else Decimal(1),
            total.get(e.firm_id, [])[:200],
        )
        for e in enrolments
    }


@metric("closed_won_opportunities")
def closed_won_opportunities(enrolments, start, end, params):
    """Registrations whose customer bound an order within N months of the referral."""
    months = params["months_after_referral"]
    zone = zone_of(enrolments)
    found: dict[int, set[int]] = defaultdict(set)
    for firm_id, registration_id, submitted_at, ordered_on in Order.objects.filter(
        in_window("ordered_on", start, end),
        _source(params, "registration__lead_source"),
        _territory(params, "registration__country"),
        registration__firm_id__in_ids=firm_ids(enrolments),
        registration__program_id__in=_programs(enrolments),
    ).values_list(
        "registration__firm_id", "registration_id", "registration__submitted_at", "ordered_on"
    ):
        referred_on = local_date(submitted_at, zone)
        if referred_on <= ordered_on <= add_months(referred_on, months):
            found[firm_id].add(registration_id)
    return by_firm(enrolments, counts_of(found))


@metric("leads_with_sales_call")
def leads_with_sales_call(enrolments, start, end, params):
    """Distinct registered leads with a call of the given kinds in the window."""
    calls = SalesActivity.objects.filter(
        in_window("occurred_on", start, end),
        _source(params, "registration__lead_source"),
        kind__in=params["call_kinds"],
        vendor_attended=True,
        registration__firm_id__in_ids=firm_ids(enrolments),
        registration__program_id__in=_programs(enrolments),
    )
    return by_firm(enrolments, counted(calls, "registration__firm_id", "registration_id"))


@metric("completed_initial_orders_unique_clients")
def completed_initial_orders_unique_clients(enrolments, start, end, params):
    """Distinct customers with a completed initial order in the window, referred by the firm."""
    clients: dict[int, dict[int, int]] = defaultdict(dict)
    for firm_id, customer_id, pk in Order.objects.filter(
        in_window("completed_on", start, end),
        _source(params),
        is_initial_purchase=True,
        firm_id__in_ids=firm_ids(enrolments),
    ).values_list("firm_id", "customer_id", "pk"):
        clients[firm_id].setdefault(customer_id, pk)
    return by_firm(enrolments, counts_of({f: c.values() for f, c in clients.items()}))


@metric("net_revenue")
def net_revenue(enrolments, start, end, params):
    """Line amounts less refunds (recorded by the window's end) of the orders each firm
    referred that completed in the window, in its program's currency (one query)."""
    currencies = dict(
        Program.objects.filter(pk__in=_programs(enrolments)).values_list("pk", "currency")
    )
    amount = Case(When(no_charge=True, then=Value(0)), default=F("price_minor") * F("quantity"))
    gross = (
        OrderLine.objects.filter(order=OuterRef("pk"))
        .values("order")
        .annotate(total=Sum(amount))
        .values("total")
    )
    refunded = (
        Refund.objects.filter(order=OuterRef("pk"), refunded_on__lte=end)
        .values("order")
        .annotate(total=Sum("amount_minor"))
        .values("total")
    )
    money = BigIntegerField()
    totals: dict[tuple[int, str], int] = defaultdict(int)
    counted: dict[tuple[int, str], list[int]] = defaultdict(list)
    for firm_id, currency, pk, lines, refunds in (
        Order.objects.filter(
            in_window("completed_on", start, end),
            currency__in=set(currencies.values()),
            firm_id__in_ids=firm_ids(enrolments),
        )
        .annotate(
            gross=Coalesce(Subquery(gross, output_field=money), Value(0), output_field=money),
            refunded=Coalesce(Subquery(refunded, output_field=money), Value(0), output_field=money),
        )
        .values_list("firm_id", "currency", "pk", "gross", "refunded")
    ):
        totals[(firm_id, currency)] += lines - refunds
        counted[(firm_id, currency)].append(pk)
    measures = {}
    for e in enrolments:
        key = (e.firm_id, currencies[e.program_id])
        measures[e.pk] = Measure(from_minor(totals[key], key[1]), counted.get(key, [])[:200])
    return measures
