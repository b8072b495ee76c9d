"""What-if over money: CIMcloud's Tier 3 Connect rate raised from 40 % to 45 % in a draft."""

import csv
import io
from decimal import Decimal
from io import StringIO

import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from commissions.models import CommissionLine
from commissions.whatif import what_if
from tenants.money import format_minor, round_minor
from tenants.scope import tenant_scope
from tests.factories import StaffMembershipFactory, TenantFactory
from tests.tiers.conftest import noon
from tests.whatif.conftest import (
    CONNECT_RULE,
    FIRST,
    LAST,
    TODAY,
    partners_with_orders,
    real_rows,
    without_requirements,
)

PAGE = "/admin/tiers/partnertier/whatif/"
VERSIONS = "/admin/programs/programversion/"


def expected_extra(tenant) -> int:
    """Computed apart from the what-if, from the real Tier 3 Connect lines of the range: each
    line's basis at 45 %, rounded half-up to the cent as the engine rounds every line, less what
    the line really earned at 40 %."""
    with tenant_scope(tenant):
        lines = CommissionLine.objects.filter(
            rule_key=CONNECT_RULE, tier_key="tier-3", earned=True, completed_on__range=(FIRST, LAST)
        ).values_list("basis_minor", "rate", "amount_minor")
        assert lines and all(Decimal(rate) == Decimal("0.4") for _, rate, _ in lines)
        return sum(round_minor(Decimal(basis) * Decimal("0.45")) - real for basis, _, real in lines)


def console(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_raised_rate_costs_exactly_five_percent_of_the_tier_3_connect_lines(year):
    before = real_rows(year.tenant)
    extra = expected_extra(year.tenant)
    assert extra == 99_000  # 5 % of 10,000 + 7,300 + 2,500 USD; Tier 2 and 2027 not counted

    with tenant_scope(year.tenant):
        result = what_if(year.draft, FIRST, LAST)

    assert result.difference_minor == extra
    by_firm = {p.firm: p for p in result.partners}
    top = by_firm["Firm of top@cim.test"]
    assert top.difference_minor == extra
    assert top.real_minor == 400_000 + 240_000 + 292_000 + 100_000 + 100_000  # 40 % + Platform
    assert by_firm["Firm of middle@cim.test"].difference_minor == 0
    assert by_firm["Firm of late@cim.test"].real_minor == 0  # its order is in 2027
    assert top.real_path == top.simulated_path == ["Tier 3 Registered Partner"] * 4
    assert (result.moved_up, result.moved_down) == (0, 0)
    assert result.evaluated == 0  # only rates changed: the real tier history stands
    months = {m.month.month: m.difference_minor for m in result.months}
    assert (months[2], months[5], months[8]) == (50_000, 36_500, 12_500)
    assert sum(months.values()) == extra
    assert real_rows(year.tenant) == before


@time_machine.travel(noon(TODAY), tick=False)
def test_the_program_owner_runs_the_what_if_from_the_draft_and_downloads_it(year):
    before, extra = real_rows(year.tenant), expected_extra(year.tenant)
    with tenant_scope(year.tenant):
        published = year.program.versions.get(number=1).pk
    client = console(year.staff)

    draft_page = client.get(f"{VERSIONS}{year.draft.pk}/change/")
    assert f'href="{VERSIONS}{year.draft.pk}/whatif/"' in draft_page.content.decode()
    published_page = client.get(f"{VERSIONS}{published}/change/")
    assert "/whatif/" not in published_page.content.decode()  # a published version has no what-if

    opened = client.get(f"{VERSIONS}{year.draft.pk}/whatif/", follow=True)
    form = opened.content.decode()
    assert opened.redirect_chain[-1][0] == f"{PAGE}?version={year.draft.pk}"
    assert f'<option value="{year.draft.pk}" selected>' in form  # the draft, chosen
    assert 'value="2026-01-01"' in form and 'value="2026-12-31"' in form  # last four quarters

    page = client.post(PAGE, {"version": year.draft.pk, "start": "2026-01-01", "end": "2026-12-31"})
    text = page.content.decode()
    assert page.status_code == 200
    assert f"change: +{format_minor(extra, 'USD')}" in text  # "+990.00 USD"
    assert "Firm of top@cim.test" in text and "Tier 3 Registered Partner (2026-Q1 to Q4)" in text
    assert "+500.00 USD" in text  # February's change in the month table
    assert 'data-type="bar"' in text  # the month chart, drawn by the console's Chart.js
    assert "Partners moving up</dt><dd" in text.replace("\n", "")
    assert "connect-services-erp" not in text and "tier-3" not in text  # no internal keys
    assert "<script>" not in text  # the chart needs no inline script (CSP)

    download = client.get(
        PAGE,
        {"version": year.draft.pk, "start": "2026-01-01", "end": "2026-12-31", "format": "csv"},
    )
    assert download["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0][:3] == ["Partner", "Tier path (real)", "Tier path (simulated)"]
    assert rows[1][0] == "Firm of top@cim.test" and rows[1][5:] == ["990.00", "USD"]
    assert sum(Decimal(r[5]) for r in rows[1:]) == Decimal(extra) / 100
    assert len(rows) == 4  # every partner
    assert real_rows(year.tenant) == before


@time_machine.travel(noon(TODAY), tick=False)
def test_a_backwards_range_is_refused_and_runs_nothing(year):
    page = console(year.staff).post(
        PAGE, {"version": year.draft.pk, "start": "2026-12-31", "end": "2026-01-01"}
    )

    assert page.status_code == 200
    assert "Give a day on or after the first day." in page.content.decode()
    assert "Download every partner" not in page.content.decode()


def test_another_vendors_manager_cannot_open_the_what_if(year):
    outsider = StaffMembershipFactory(tenant=TenantFactory(slug="acme", name="Acme")).user
    client = console(outsider)
    choices = {"version": year.draft.pk, "start": "2026-01-01", "end": "2026-12-31"}

    for page in (
        client.post(PAGE, choices),
        client.get(PAGE, {**choices, "format": "csv"}),
        client.get(f"{VERSIONS}{year.draft.pk}/whatif/"),
    ):
        assert page.status_code == 404
        assert b"Firm of top@cim.test" not in page.content


def test_the_command_prints_the_same_summary_and_writes_the_csv(year, tmp_path):
    before, extra = real_rows(year.tenant), expected_extra(year.tenant)
    out, err = StringIO(), StringIO()

    call_command(
        "whatif",
        "cimcloud",
        year.program.slug,
        "--version",
        str(year.draft.number),
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
        "--csv",
        str(tmp_path / "whatif.csv"),
        stdout=out,
        stderr=err,
    )

    assert f"change: +{format_minor(extra, 'USD')}" in out.getvalue()
    assert "Firm of top@cim.test" in out.getvalue()
    assert "100%" in err.getvalue()  # the progress bar ran to the end
    rows = list(csv.reader((tmp_path / "whatif.csv").open(encoding="utf-8")))
    assert rows[1][0] == "Firm of top@cim.test" and rows[1][5] == "990.00"
    assert real_rows(year.tenant) == before


def test_queries_do_not_grow_with_partners(year, django_assert_max_num_queries):
    """A bounded number of queries per evaluation date: 100 partners cost what 10 cost."""
    loaded = (year.tenant, year.program)
    partners_with_orders(loaded, 10)
    with tenant_scope(year.tenant), CaptureQueriesContext(connection) as at_10:
        assert what_if(year.draft, FIRST, LAST).difference_minor == 99_000 + 10 * 5_000
    partners_with_orders(loaded, 90, first=11)

    with tenant_scope(year.tenant), django_assert_max_num_queries(len(at_10)):
        result = what_if(year.draft, FIRST, LAST)

    assert result.difference_minor == 99_000 + 100 * 5_000  # 5 % of 1,000 USD each
    assert len(result.partners) == 103


def test_a_draft_that_lifts_partners_shows_their_tier_path_and_the_money_it_moves(year):
    before = real_rows(year.tenant)
    draft = without_requirements(year.tenant, year.draft)
    with tenant_scope(year.tenant):
        umbrella = CommissionLine.objects.get(rule_key=CONNECT_RULE, tier_key="tier-2")

        result = what_if(draft, FIRST, LAST)

    middle = {p.firm: p for p in result.partners}["Firm of middle@cim.test"]
    assert middle.real_path == ["Tier 2 Registered Partner"] * 4
    assert middle.simulated_path[1:] == ["Tier 3 Registered Partner"] * 3  # from Q1's tick on
    assert middle.moved_up and not middle.moved_down
    # its April order earns the draft's Tier 3 rate instead of the Tier 2 one it earned
    at_45 = round_minor(Decimal(umbrella.basis_minor) * Decimal("0.45"))
    assert middle.difference_minor == at_45 - umbrella.amount_minor == 135_000
    assert result.difference_minor == expected_extra(year.tenant) + 135_000
    assert (result.moved_up, result.moved_down) == (1, 0)
    assert real_rows(year.tenant) == before


def test_queries_do_not_grow_with_partners_when_tiers_are_evaluated(year):
    """The runs that need the engine too: 100 partners cost the queries 10 cost."""
    draft = without_requirements(year.tenant, year.draft)
    loaded = (year.tenant, year.program)
    partners_with_orders(loaded, 10, tier="tier-2")
    with tenant_scope(year.tenant), CaptureQueriesContext(connection) as at_10:
        few = what_if(draft, FIRST, LAST)
    partners_with_orders(loaded, 90, tier="tier-2", first=11)

    with tenant_scope(year.tenant), CaptureQueriesContext(connection) as at_100:
        many = what_if(draft, FIRST, LAST)

    assert few.runs == many.runs and many.evaluated == many.runs  # the engine ran every time
    assert len(at_100) == len(at_10)
    assert many.moved_up == 101  # the middle partner and the hundred Tier 2 ones
