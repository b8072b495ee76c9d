"""Finance's and partners' lists page through their rows in a constant number of queries."""

import datetime

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from commissions.models import Claim, CommissionLine, PayoutLine
from deals.models import Order, OrderLine
from partners.models import PartnerFirm
from tenants.scope import tenant_scope
from tests.commissions.test_pages_and_api import paid_partners, signed_in  # noqa: F401
from tests.isolation import assert_hidden_from

BATCHES = "/cimcloud/api/v1/payout-batches/"


def timed_get(client: Client, url: str) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as sql:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(sql.captured_queries), response.json()


def more_payout_lines(batch, count: int) -> None:
    """`count` more partners in the batch, 100.00 payable each."""
    with tenant_scope(batch.tenant):
        firms = PartnerFirm.objects.bulk_create(
            PartnerFirm(tenant=batch.tenant, name=f"Payee {n:04}", country="US")
            for n in range(count)
        )
        PayoutLine.objects.bulk_create(
            PayoutLine(
                tenant=batch.tenant,
                batch=batch,
                firm=firm,
                accruals_minor=10_000,
                net_minor=10_000,
                payable_minor=10_000,
                status=PayoutLine.Status.PAYABLE,
            )
            for firm in firms
        )


def test_batch_list_is_a_summary_with_totals(paid_partners):  # noqa: F811
    p = paid_partners
    finance = signed_in(p["finance"])
    with tenant_scope(p["tenant"]):
        lines = list(PayoutLine.objects.filter(batch=p["batch"]))
    few, listing = timed_get(finance, BATCHES)
    more_payout_lines(p["batch"], 200)
    many, listing = timed_get(finance, BATCHES)

    [batch] = listing["results"]
    assert many == few
    assert "lines" not in batch
    assert batch["line_count"] == 202
    payable = sum(x.payable_minor for x in lines) + 200 * 10_000
    assert batch["total_payable_minor"] == payable
    detail = finance.get(f"{BATCHES}{p['batch'].pk}/").json()
    assert detail["line_count"] == 202 and detail["status"] == "draft"
    assert_hidden_from(p["outsider_finance"], f"{BATCHES}{p['batch'].pk}/")
    assert_hidden_from(p["partner_first"], f"{BATCHES}{p['batch'].pk}/")


def test_batch_lines_are_their_own_paged_list_for_staff_only(paid_partners):  # noqa: F811
    p = paid_partners
    url = f"{BATCHES}{p['batch'].pk}/lines/"
    finance = signed_in(p["finance"])
    few, page = timed_get(finance, url)
    assert {x["id"] for x in page["results"]} == {p["line_first"].pk, p["line_second"].pk}

    more_payout_lines(p["batch"], 120)
    many, page = timed_get(finance, url)

    assert many == few
    assert page["count"] == 122 and len(page["results"]) == 50 and page["next"]
    with tenant_scope(p["tenant"]):
        by_name = list(
            PayoutLine.objects.filter(batch=p["batch"])
            .order_by("firm__name", "pk")
            .values_list("pk", flat=True)
        )
    walked, next_url = [], url
    while next_url:
        body = finance.get(next_url).json()
        walked += [x["id"] for x in body["results"]]
        next_url = body["next"]
    assert walked == by_name
    # a partner (even one with a line in it) and another vendor's finance see nothing
    assert_hidden_from(p["partner_first"], url)
    assert_hidden_from(p["outsider_finance"], url)


def test_claims_list_is_paged_and_partners_see_their_own(paid_partners):  # noqa: F811
    p = paid_partners
    firm, other = p["first"].firm, p["second"].firm

    def claims(for_firm, count):
        with tenant_scope(p["tenant"]):
            Claim.objects.bulk_create(
                Claim(
                    tenant=p["tenant"],
                    firm=for_firm,
                    program=p["program"],
                    kind=Claim.Kind.UNPAID,
                    event_on=datetime.date(2026, 5, 12),
                    submitted_on=datetime.date(2026, 5, 20) + datetime.timedelta(days=n % 7),
                    amount_minor=1_000 + n,
                    currency="USD",
                    description=f"Claim {n}",
                )
                for n in range(count)
            )

    claims(firm, 10)
    claims(other, 3)
    partner = signed_in(p["partner_first"])
    few, page = timed_get(partner, "/cimcloud/api/v1/claims/")
    assert page["count"] == 10
    claims(firm, 200)
    many, page = timed_get(partner, "/cimcloud/api/v1/claims/")

    assert many == few
    assert page["count"] == 210 and len(page["results"]) == 50
    assert {c["firm"] for c in page["results"]} == {firm.pk}
    days = [c["submitted_on"] for c in page["results"]]
    assert days == sorted(days, reverse=True)
    _, staff = timed_get(signed_in(p["finance"]), "/cimcloud/api/v1/claims/")
    assert staff["count"] == 213
    assert_hidden_from(p["outsider_finance"], "/cimcloud/api/v1/claims/")


def more_commission_lines(tenant, program, firm, count: int) -> None:
    """`count` more calculated lines for the firm, one order line each, completed in June."""
    with tenant_scope(tenant):
        order = Order.objects.filter(firm=firm).first()
        order_lines = OrderLine.objects.bulk_create(
            OrderLine(
                tenant=tenant,
                order=order,
                product_code=f"P{n}",
                product_category="connect_services_erp",
                list_price_minor=100,
                price_minor=100,
            )
            for n in range(count)
        )
        CommissionLine.objects.bulk_create(
            CommissionLine(
                tenant=tenant,
                order=order,
                order_line=order_line,
                firm=firm,
                program=program,
                currency="USD",
                earned=True,
                amount_minor=30,
                explanation="30 % of line amount",
                completed_on=datetime.date(2026, 6, 1) + datetime.timedelta(days=n % 20),
            )
            for n, order_line in enumerate(order_lines)
        )


def test_commission_lines_page_by_keyset_with_no_count_over_the_history(paid_partners):  # noqa: F811
    p = paid_partners
    partner = signed_in(p["partner_first"])
    url = "/cimcloud/api/v1/commission-lines/"
    few, page = timed_get(partner, url)
    more_commission_lines(p["tenant"], p["program"], p["first"].firm, 120)
    with CaptureQueriesContext(connection) as sql:
        many, page = timed_get(partner, url)

    assert many == few
    assert "count" not in page and len(page["results"]) == 50 and page["next"]
    assert not [q for q in sql.captured_queries if "COUNT(" in q["sql"]]
    walked, next_url = [], url
    while next_url:
        body = partner.get(next_url).json()
        walked += [(x["completed_on"], x["id"]) for x in body["results"]]
        next_url = body["next"]
    assert len(walked) == 121 and walked == sorted(walked, reverse=True)  # newest first
    # the other partner's line is not among them, and another vendor sees nothing
    _, theirs = timed_get(signed_in(p["partner_second"]), url)
    assert len(theirs["results"]) == 1
    assert_hidden_from(p["outsider_finance"], url)


def test_the_portal_commissions_page_pages_each_of_its_lists_on_its_own(paid_partners):  # noqa: F811
    p = paid_partners
    firm = p["first"].firm
    more_commission_lines(p["tenant"], p["program"], firm, 59)  # 60 with the paid one
    with tenant_scope(p["tenant"]):
        Claim.objects.bulk_create(
            Claim(
                tenant=p["tenant"],
                firm=firm,
                program=p["program"],
                kind=Claim.Kind.UNPAID,
                event_on=datetime.date(2026, 5, 12),
                submitted_on=datetime.date(2026, 5, 20),
                amount_minor=1_000 + n,
                currency="USD",
                description=f"Claim {n}",
            )
            for n in range(30)
        )
    partner = signed_in(p["partner_first"])
    url = "/cimcloud/portal/commissions/"

    def page(query: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as sql:
            response = partner.get(url + query)
        assert response.status_code == 200
        return len(sql.captured_queries), response.content.decode()

    queries, first = page("")
    assert first.count("30 % of line amount") == 50  # the newest 50 of 60
    assert "Page 1 of 2" in first and 'href="?lines_page=2" rel="next"' in first
    assert 'href="?claims_page=2" rel="next"' in first  # 25 claims a page
    # the second page of lines keeps the claims where they were
    _, second = page("?lines_page=2&claims_page=2")
    assert second.count("30 % of line amount") == 10
    assert "10.29 USD" in first and "10.29 USD" not in second and "10.04 USD" in second
    assert 'href="?lines_page=1&amp;claims_page=2" rel="prev"' in second
    more_commission_lines(p["tenant"], p["program"], firm, 200)
    assert page("")[0] == queries  # the same queries with 260 lines as with 60
    # the other partner of the same vendor sees their own line only
    theirs = signed_in(p["partner_second"]).get(url).content.decode()
    assert theirs.count("30 % of line amount") == 1 and "Page 1 of" not in theirs
