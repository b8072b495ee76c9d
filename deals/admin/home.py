"""The deals side of the console home: the review queue, extension requests, pipeline, wins."""

import datetime
from collections import defaultdict

from deals.models import DealRegistration, Order, RegistrationStatus
from deals.selectors_console import (
    TO_REVIEW,
    closed_counts,
    completed_between,
    pipeline_by_month,
    review_load,
)
from tenants.dashboard import (
    MANAGER_HOME,
    Chart,
    Figure,
    Queue,
    console_rows,
    console_today,
    home_part,
    list_url,
    queue,
)
from tenants.money import format_minor, from_minor

WIN_RATE_MONTHS = 12


def _amounts(by_currency: dict[str, int]) -> str:
    return " + ".join(format_minor(v, c) for c, v in sorted(by_currency.items())) or "—"


@home_part(MANAGER_HOME, position=20)
def registrations_to_review(request):
    rows = console_rows(request, DealRegistration)
    if rows is None:
        return
    waiting, conflicted = review_load(rows)
    yield Queue(
        "Registrations to review",
        waiting,
        list_url(DealRegistration, status__in=TO_REVIEW),
        note=f"{conflicted} with possible conflicts" if conflicted else "",
    )
    yield queue(
        request,
        DealRegistration,
        "Extension requests",
        status=RegistrationStatus.APPROVED,
        extension_requested_at__isnull=False,
    )


@home_part(MANAGER_HOME, position=110)
def pipeline(request):
    rows = console_rows(request, DealRegistration)
    if rows is None:
        return
    months = pipeline_by_month(rows)
    count = sum(m["count"] for m in months)
    totals: dict[str, int] = defaultdict(int)
    for m in months:
        totals[m["currency"]] += m["value_minor"] or 0
    yield Figure("Pipeline", f"{count} open", note=_amounts(totals))

    labels = sorted({m["month"] for m in months}, key=lambda d: (d is None, d))
    currencies = sorted({m["currency"] for m in months})
    cell = {(m["month"], m["currency"]): m for m in months}
    yield Chart(
        "Pipeline by expected close month",
        labels=[_month(d) for d in labels],
        series=[
            (
                currency,
                [
                    float(from_minor(cell.get((d, currency), {}).get("value_minor") or 0, currency))
                    for d in labels
                ],
            )
            for currency in currencies
        ],
        columns=["Month", "Open registrations", "Estimated value"],
        rows=[
            [
                _month(d),
                str(sum(cell.get((d, c), {}).get("count", 0) for c in currencies)),
                _amounts(
                    {c: cell[(d, c)]["value_minor"] or 0 for c in currencies if (d, c) in cell}
                ),
            ]
            for d in labels
        ],
    )


@home_part(MANAGER_HOME, position=120)
def win_rate(request):
    rows = console_rows(request, DealRegistration)
    if rows is None:
        return
    today = console_today(request)
    won, lost = closed_counts(rows, since=today - datetime.timedelta(days=365))
    rate = f"{won / (won + lost):.0%}" if won + lost else "—"
    yield Figure(
        "Win rate", rate, note=f"{won} won, {lost} lost in the last {WIN_RATE_MONTHS} months"
    )


@home_part(MANAGER_HOME, position=130)
def orders_this_quarter(request):
    rows = console_rows(request, Order)
    if rows is None:
        return
    today = console_today(request)
    start = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    yield Figure(
        "Orders completed this quarter",
        str(completed_between(rows, start, today)),
        note=f"since {start:%-d %B %Y}",
    )


def _month(day: datetime.date | None) -> str:
    return f"{day:%b %Y}" if day else "No close date"
