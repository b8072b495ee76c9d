"""Deal lists as their users page through them: constant queries, no row lost between pages."""

import datetime

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from deals.models import DealRegistration
from programs.models import Program
from tenants.scope import tenant_scope
from tenants.services import api_key_create
from tests.isolation import assert_hidden_from

START = datetime.datetime(2025, 4, 1, 9, tzinfo=datetime.UTC)
API = "/simpro/api/v1/deal-registrations/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def add_registrations(firm, count: int, *, status: str = "submitted") -> list[int]:
    """`count` rows for the firm, three to a timestamp (ties the pages must not split wrongly)."""
    with tenant_scope(firm.tenant):
        program = Program.objects.get()
        done = DealRegistration.objects.filter(firm=firm).count()
        rows = DealRegistration.objects.bulk_create(
            DealRegistration(
                tenant=firm.tenant,
                program=program,
                firm=firm,
                lead_source="partner",
                company_name=f"{firm.name} prospect {done + n:04}",
                normalized_name=f"prospect {done + n:04}",
                country="AU",
                currency="AUD",
                status=status,
            )
            for n in range(count)
        )
        for n, row in enumerate(rows, start=done):
            at = START + datetime.timedelta(minutes=n // 3)
            DealRegistration.objects.filter(pk=row.pk).update(submitted_at=at)
    return [row.pk for row in rows]


def timed_get(client, url, **headers) -> tuple[int, list[str], dict]:
    with CaptureQueriesContext(connection) as sql:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, response.content
    return len(sql.captured_queries), [q["sql"] for q in sql.captured_queries], response.json()


def walk(client, url, **headers) -> list[int]:
    """Every id the list gives, following `next` to the end."""
    ids = []
    while url:
        page = client.get(url, headers=headers).json()
        ids += [r["id"] for r in page["results"]]
        url = page["next"]
    return ids


def test_reviewers_list_is_keyset_paged_in_constant_queries(deals_cast):
    c = deals_cast
    staff = signed_in(c.manager_a)
    add_registrations(c.firm_a1, 5)
    add_registrations(c.firm_a2, 5)
    few, _, _ = timed_get(staff, API)

    add_registrations(c.firm_a1, 200)
    add_registrations(c.firm_a2, 40)
    many, sql, page = timed_get(staff, API)

    assert many == few
    assert not any("COUNT(" in q.upper() for q in sql), "no count over the tenant"
    assert set(page) == {"next", "previous", "results"} and len(page["results"]) == 50
    with tenant_scope(c.tenant_a):
        newest_first = list(
            DealRegistration.objects.order_by("-submitted_at", "-pk").values_list("pk", flat=True)
        )
    assert walk(staff, API) == newest_first  # 250 rows, ties included, each exactly once
    # the outsiders: another vendor's staff and a key of that vendor see none of them
    assert signed_in(c.manager_b).get("/ipsoft/api/v1/deal-registrations/").json()["results"] == []
    assert_hidden_from(c.manager_b, f"{API}{newest_first[0]}/")


def test_api_key_list_is_constant_too_and_partners_see_only_their_firm(deals_cast):
    c = deals_cast
    with tenant_scope(c.tenant_a):
        _, token = api_key_create(tenant=c.tenant_a, name="CRM sync")
    auth = {"Authorization": f"Api-Key {token}"}
    theirs = add_registrations(c.firm_a2, 10)
    few, _, _ = timed_get(Client(), API, **auth)
    add_registrations(c.firm_a2, 200)
    many, _, page = timed_get(Client(), API, **auth)
    assert many == few and len(page["results"]) == 50

    mine = add_registrations(c.firm_a1, 3)
    partner = signed_in(c.partner_admin_a1.user)
    assert sorted(walk(partner, API)) == sorted(mine)
    assert_hidden_from(c.partner_admin_a1.user, f"{API}{theirs[0]}/")


def portal_deals(client, url="/simpro/portal/deals/") -> tuple[int, str]:
    with CaptureQueriesContext(connection) as sql:
        response = client.get(url)
    assert response.status_code == 200
    return len(sql.captured_queries), response.content.decode()


def test_portal_deals_page_is_paged_with_links_in_constant_queries(deals_cast):
    c = deals_cast
    add_registrations(c.firm_a1, 10)
    add_registrations(c.firm_a2, 30)  # the other firm's: never on this page
    add_registrations(c.firm_a1, 2, status="offered")
    partner = signed_in(c.partner_admin_a1.user)
    few, body = portal_deals(partner)
    assert body.count("Sparkline Pty Ltd prospect") == 10 + 2  # + the two offered
    assert 'class="pagination"' not in body  # one page: no page links

    add_registrations(c.firm_a1, 50)
    many, body = portal_deals(partner)

    assert many == few
    assert body.count("Sparkline Pty Ltd prospect") == 25 + 2
    assert "Kiwi Trade Tech prospect" not in body
    assert '<nav class="pagination" aria-label="Pages of your firm' in body
    assert 'href="?page=2" rel="next"' in body and "Page 1 of 3" in body
    _, last = portal_deals(partner, "/simpro/portal/deals/?page=99")  # past the end: the last
    assert "Page 3 of 3" in last and 'href="?page=2" rel="prev"' in last
    assert last.count("Sparkline Pty Ltd prospect") == 10 + 2  # rows 51-60
    assert_hidden_from(c.partner_rep_a2.user, "/simpro/portal/deals/999999/")


def test_leads_the_vendor_shares_are_paged_apart_from_the_firms_registrations(deals_cast):
    c = deals_cast
    add_registrations(c.firm_a1, 30, status="offered")
    add_registrations(c.firm_a2, 3, status="offered")  # the other firm's leads: never here
    partner = signed_in(c.partner_admin_a1.user)
    few, body = portal_deals(partner)

    assert body.count("Sparkline Pty Ltd prospect") == 25
    assert '<nav class="pagination" aria-label="Pages of shared leads">' in body
    assert 'href="?offered_page=2" rel="next"' in body
    _, second = portal_deals(partner, "/simpro/portal/deals/?offered_page=2")
    assert second.count("Sparkline Pty Ltd prospect") == 5
    shown = {n for n in range(30) if f"prospect {n:04}" in body}
    assert shown.isdisjoint(n for n in range(30) if f"prospect {n:04}" in second)
    assert "Kiwi Trade Tech prospect" not in body + second
    add_registrations(c.firm_a1, 40, status="offered")
    assert portal_deals(partner)[0] == few
