"""The partner firm 360° page: one firm's enrolments, tiers, deals, money, paperwork,
people and decisions on one page, for its vendor's staff only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissions.models import PayoutLine
from deals.models import DealRegistration
from partners.models import PartnerFirm
from tenants.scope import tenant_scope
from tests.console.conftest import console_client


def paid_firm(tenant) -> PartnerFirm:
    """The demo firm with a statement line (it earned commission on the demo order)."""
    with tenant_scope(tenant):
        return PayoutLine.objects.select_related("firm").order_by("pk").first().firm


def overview_url(firm) -> str:
    return reverse("admin:partners_partnerfirm_360", args=[firm.pk])


@pytest.mark.parametrize("email", ["manager@cimcloud.demo", "finance@cimcloud.demo"])
def test_staff_see_the_whole_firm_on_one_page(demo, email):
    firm = paid_firm(demo)
    response = console_client(email).get(overview_url(firm))
    assert response.status_code == 200
    html = response.content.decode()
    for section in (
        "enrolments",
        "tier-history",
        "registrations",
        "orders",
        "commissions",
        "tax",
        "people",
        "activities",
        "notices",
        "timeline",
    ):
        assert f'data-section="{section}"' in html, section
    assert firm.name in html
    assert "USD" in html  # the balance and statements in their currency
    assert "United States" in html


def test_the_firm_page_links_to_its_360_view(demo):
    firm = paid_firm(demo)
    client = console_client("manager@cimcloud.demo")
    change = client.get(reverse("admin:partners_partnerfirm_change", args=[firm.pk]))
    assert overview_url(firm) in change.content.decode() or (
        reverse("admin:partners_partnerfirm_open_overview", args=[firm.pk])
        in change.content.decode()
    )


def test_another_vendors_staff_get_404(demo):
    firm = paid_firm(demo)
    assert console_client("manager@simpro.demo").get(overview_url(firm)).status_code == 404


def _page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_page_costs_the_same_queries_for_a_busier_firm(demo):
    firm = paid_firm(demo)
    client = console_client("manager@cimcloud.demo")
    client.get(overview_url(firm))  # warm per-process caches
    before = _page_queries(client, overview_url(firm))

    with tenant_scope(demo):
        seed = DealRegistration.objects.filter(firm=firm).first()
        fields = [f.attname for f in DealRegistration._meta.concrete_fields if f.attname != "id"]
        values = {name: getattr(seed, name) for name in fields}
        DealRegistration.objects.bulk_create(
            DealRegistration(**values | {"company_name": f"Prospect {i}"}) for i in range(30)
        )

    assert _page_queries(client, overview_url(firm)) == before
