"""The console speaks people's language: tier names, countries, money in its currency."""

import pytest

from tests.console.conftest import console_client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/partners/enrolment/",
        "/admin/tiers/partnertier/",
        "/admin/tiers/tierevaluation/",
        "/admin/commissions/commissionline/",
    ],
)
def test_lists_name_tiers_not_their_keys(demo, url):
    html = console_client("manager@cimcloud.demo").get(url).content.decode()
    assert "Tier 2 Registered Partner" in html or "Enrolled (no tier level yet)" in html
    assert ">tier-2<" not in html and ">tier-1<" not in html


def test_lists_name_countries_and_filter_by_them(demo):
    html = console_client("manager@cimcloud.demo").get("/admin/partners/partnerfirm/").content
    assert b"United States" in html
    assert b">US<" not in html


def test_money_reads_in_its_currency(demo):
    client = console_client("finance@cimcloud.demo")
    html = client.get("/admin/commissions/payoutbatch/").content.decode()
    assert "USD" in html and "_minor" not in html
