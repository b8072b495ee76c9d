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


def test_an_evaluation_page_is_titled_by_tier_name_not_key(demo):
    from tenants.models import Tenant
    from tenants.scope import tenant_scope
    from tiers.models import TierEvaluation

    tenant = Tenant.objects.get(slug="cimcloud")
    with tenant_scope(tenant):
        evaluation = TierEvaluation.objects.filter(resulting_tier="tier-2").first()
    html = console_client("manager@cimcloud.demo").get(
        f"/admin/tiers/tierevaluation/{evaluation.pk}/change/"
    )
    title = html.content.decode().split("<title>", 1)[1].split("</title>", 1)[0]
    assert "Tier 2 Registered Partner" in title
    assert "tier-2" not in title and "object (" not in title
