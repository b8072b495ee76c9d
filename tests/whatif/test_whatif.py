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
from tests.whatif.conftest import CONNECT_RULE, FIRST, LAST, TODAY, partners_with_orders, real_rows

PAGE = "/admin/tiers/partnertier/whatif/"


def expected_extra(tenant) -> int:
    """Computed apart from the what-if: 5 % of the basis of each real Tier 3 Connect line."""
    with tenant_scope(tenant):
        bases = CommissionLine.objects.filter(
            rule_key=CONNECT_RULE, tier_key="tier-3", earned=True, completed_on__range=(FIRST, LAST)
        ).values_list("basis_minor", flat=True)
        return round_minor(sum(Decimal(b) * Decimal("0.05") for b in bases))


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
    months = {m.month.month: m.difference_minor for m in result.months}
    assert (months[2], months[5], months[8]) == (50_000, 36_500, 12_500)
    assert sum(months.values()) == extra
    assert real_rows(year.tenant) == before


@time_machine.travel(noon(TODAY), tick=False)
def test_finance_reads_the_what_if_in_the_console_and_downloads_it(year):
    before = real_rows(year.tenant)
    client = console(year.staff)

    form = client.get(PAGE)
    assert form.status_code == 200
    assert b'value="2026-01-01"' in form.content and b'value="2026-12-31"' in form.content

    page = client.get(PAGE, {"version": year.draft.pk, "start": "2026-01-01", "end": "2026-12-31"})
    text = page.content.decode()
    assert page.status_code == 200
    assert f"change: +{format_minor(99_000, 'USD')}" in text  # "+990.00 USD"
    assert "Firm of top@cim.test" in text and "Tier 3 Registered Partner (2026-Q1 to Q4)" in text
    assert "+500.00 USD" in text  # February's change in the month table
    assert "connect-services-erp" not in text and "tier-3" not in text  # no internal keys

    download = client.get(
        PAGE,
        {"version": year.draft.pk, "start": "2026-01-01", "end": "2026-12-31", "format": "csv"},
    )
    assert download["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0][:3] == ["Partner", "Tier path (real)", "Tier path (simulated)"]
    assert rows[1][0] == "Firm of top@cim.test" and rows[1][5:] == ["990.00", "USD"]
    assert len(rows) == 4  # every partner
    assert real_rows(year.tenant) == before


def test_another_vendors_staff_cannot_open_the_what_if(year):
    outsider = StaffMembershipFactory(tenant=TenantFactory(slug="acme", name="Acme")).user

    page = console(outsider).get(
        PAGE, {"version": year.draft.pk, "start": "2026-01-01", "end": "2026-12-31"}
    )

    assert page.status_code == 404
    assert b"Firm of top@cim.test" not in page.content


def test_the_command_prints_the_same_summary(year):
    before = real_rows(year.tenant)
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
        stdout=out,
        stderr=err,
    )

    assert "change: +990.00 USD" in out.getvalue()
    assert "Firm of top@cim.test" in out.getvalue()
    assert "100%" in err.getvalue()  # the progress bar ran to the end
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
