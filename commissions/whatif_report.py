"""A what-if as people read it: money in the program's currency, tier paths by name, CSV."""

import csv
import io
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpResponse

from commissions.exports import spreadsheet_text
from commissions.whatif import PartnerWhatIf, WhatIf
from tenants.dashboard import Chart
from tenants.money import format_minor, from_minor
from tiers.windows import quarter_containing

PER_PAGE = 50
MOVERS_SHOWN = 20

CSV_HEADER = [
    "Partner",
    "Tier path (real)",
    "Tier path (simulated)",
    "Commission (real)",
    "Commission (simulated)",
    "Difference",
    "Currency",
]


def by_impact(result: WhatIf) -> list[PartnerWhatIf]:
    """Partners whose money or tiers change first (largest change), then by name."""
    return sorted(
        result.partners,
        key=lambda p: (
            -abs(p.difference_minor),
            p.real_path == p.simulated_path,
            p.firm,
            p.enrolment_id,
        ),
    )


def path_text(result: WhatIf, path: list[str]) -> str:
    """ "Tier 2 (2025-Q4), then Tier 3 (2026-Q1 to Q3)": each tier and when it was held."""
    labels = [_checkpoint_label(day) for day in result.checkpoints]
    spans: list[list] = []
    for label, tier in zip(labels, path, strict=True):
        if spans and spans[-1][2] == tier:
            spans[-1][1] = label
        else:
            spans.append([label, label, tier])
    return ", then ".join(
        f"{tier} ({first})" if first == last else f"{tier} ({first} to {_short(first, last)})"
        for first, last, tier in spans
    )


def _checkpoint_label(day) -> str:
    quarter = quarter_containing(day)
    return quarter.key if quarter.end == day else f"{day:%Y-%m-%d}"


def _short(first: str, last: str) -> str:
    """2026-Q3 after 2026-Q1 reads "Q3"."""
    if first[:5] == last[:5] and "-Q" in first and "-Q" in last:
        return last[5:]
    return last


def money(result: WhatIf, amount_minor: int) -> str:
    return format_minor(amount_minor, result.currency)


def signed_money(result: WhatIf, amount_minor: int) -> str:
    text = money(result, amount_minor)
    return f"+{text}" if amount_minor > 0 else text


def partner_rows(result: WhatIf, partners: list[PartnerWhatIf]) -> list[list[str]]:
    """One row per partner, as the page and the CSV show it."""
    return [
        [
            p.firm,
            path_text(result, p.real_path),
            path_text(result, p.simulated_path),
            money(result, p.real_minor),
            money(result, p.simulated_minor),
            signed_money(result, p.difference_minor),
        ]
        for p in partners
    ]


def month_chart(result: WhatIf) -> Chart:
    """Cost change per month (simulated minus real commission), with the table behind it."""
    # the chart only draws; the table under it carries the exact amounts
    return Chart(
        title=f"Cost change per month ({result.currency})",
        labels=[f"{m.month:%b %Y}" for m in result.months],
        series=[
            (
                "Cost change",
                [float(from_minor(m.difference_minor, result.currency)) for m in result.months],
            )
        ],
        columns=["Month", "Real", "Simulated", "Change"],
        rows=[
            [
                f"{m.month:%B %Y}",
                money(result, m.real_minor),
                money(result, m.simulated_minor),
                signed_money(result, m.difference_minor),
            ]
            for m in result.months
        ],
    )


def as_csv(result: WhatIf) -> str:
    """Every partner, biggest change first; amounts as plain decimals beside the currency."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for p in by_impact(result):
        writer.writerow(
            [
                spreadsheet_text(p.firm),
                spreadsheet_text(path_text(result, p.real_path)),
                spreadsheet_text(path_text(result, p.simulated_path)),
                from_minor(p.real_minor, result.currency),
                from_minor(p.simulated_minor, result.currency),
                from_minor(p.difference_minor, result.currency),
                result.currency,
            ]
        )
    return out.getvalue()


def summary_lines(result: WhatIf) -> list[str]:
    """The totals in a few sentences (the command prints them; the page shows them)."""
    version = result.version
    return [
        f"{version.program} v{version.number} ({version.get_status_display().lower()}), "
        f"{result.start:%Y-%m-%d} to {result.end:%Y-%m-%d}: {len(result.partners)} partners, "
        f"{result.lines} order lines, {result.runs} evaluation runs replayed"
        + (
            "."
            if result.evaluated == result.runs
            else f" ({result.runs - result.evaluated} of them evaluate as the version in force"
            " does: this version changes nothing they read)."
        ),
        f"Commission real: {money(result, result.real_minor)}; "
        f"simulated: {money(result, result.simulated_minor)}; "
        f"change: {signed_money(result, result.difference_minor)}.",
        f"Partners in a higher tier at some point: {result.moved_up}; "
        f"in a lower tier: {result.moved_down}.",
    ]


def csv_response(result: WhatIf) -> HttpResponse:
    version = result.version
    name = (
        f"what-if-{version.program.slug}-v{version.number}-"
        f"{result.start:%Y-%m-%d}-to-{result.end:%Y-%m-%d}.csv"
    )
    response = HttpResponse(as_csv(result), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def movers(result: WhatIf, *, up: bool) -> list[tuple[str, str, str]]:
    """(partner, real path, simulated path) of those the version lifts (or lowers) at some
    checkpoint, biggest money change first."""
    return [
        (p.firm, path_text(result, p.real_path), path_text(result, p.simulated_path))
        for p in by_impact(result)
        if (p.moved_up if up else p.moved_down)
    ]


def page_context(result: WhatIf, page_number: str | None) -> dict:
    """What the console page shows: totals, the month chart, one page of partners, movers."""
    page = Paginator(by_impact(result), PER_PAGE).get_page(page_number)
    up, down = movers(result, up=True), movers(result, up=False)
    return {
        "summary": summary_lines(result),
        "totals": [
            ("Commission, real", money(result, result.real_minor)),
            ("Commission, simulated", money(result, result.simulated_minor)),
            ("Cost change", signed_money(result, result.difference_minor)),
            ("Partners moving up", str(result.moved_up)),
            ("Partners moving down", str(result.moved_down)),
        ],
        "chart": month_chart(result),
        "page": page,
        "rows": partner_rows(result, list(page)),
        "mover_groups": [
            ("Higher tier at some point", up[:MOVERS_SHOWN], len(up)),
            ("Lower tier at some point", down[:MOVERS_SHOWN], len(down)),
        ],
        "movers_shown": MOVERS_SHOWN,
        "query": urlencode(
            {
                "version": result.version.pk,
                "start": f"{result.start:%Y-%m-%d}",
                "end": f"{result.end:%Y-%m-%d}",
            }
        ),
    }
