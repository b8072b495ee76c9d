"""The console home: each role's work queues, figures and charts, scoped and cheap."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commissions.models import Claim
from deals.models import DealRegistration, RegistrationMatch
from partners.models import Application
from tenants.models import StaffRole
from tenants.scope import tenant_scope
from tests.console.conftest import console_client
from tests.factories import StaffMembershipFactory, UserFactory

QUEUE = re.compile(
    r'<a href="(?P<url>[^"]+)" data-queue="(?P<label>[^"]+)".*?'
    r'<span class="home-count block">(?P<count>\d+)</span>',
    re.S,
)


def queues(html: str) -> dict[str, tuple[int, str]]:
    return {
        m["label"]: (int(m["count"]), m["url"].replace("&amp;", "&")) for m in QUEUE.finditer(html)
    }


def home(client) -> str:
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


def test_manager_home_lists_the_days_work_with_counts(demo):
    html = home(console_client("manager@cimcloud.demo"))
    found = queues(html)
    assert found["Applications waiting"][0] == 1
    assert found["Registrations to review"][0] == 2
    assert "1 with possible conflicts" in html
    assert {
        "Extension requests",
        "Evaluations awaiting confirmation",
        "Activities to verify",
        "Certifications to verify",
        "Tax forms to verify",
        "Claims to decide",
        "Onboarding deadlines within 30 days",
    } <= set(found)
    assert "Payout batches to approve" not in found  # finance's work
    for figure in ("Active partners", "Pipeline", "Win rate", "Orders completed this quarter"):
        assert f'data-figure="{figure}"' in html
    for chart in (
        "Active partners by tier",
        "Pipeline by expected close month",
        "Payouts by month",
    ):
        assert f'data-chart="{chart}"' in html
    assert "Tier 2 Registered Partner" in html  # the tier's name, not its key
    assert "12,500.00 USD" in html  # the pipeline's value in its currency


def test_every_queue_opens_its_list_filtered_to_the_same_count(demo):
    for email in ("manager@cimcloud.demo", "finance@cimcloud.demo"):
        client = console_client(email)
        for label, (count, url) in queues(home(client)).items():
            response = client.get(url)
            assert response.status_code == 200, f"{label}: {url} answered {response.status_code}"
            assert response.context["cl"].result_count == count, label


def test_finance_home_shows_payouts_not_the_review_queue(demo):
    html = home(console_client("finance@cimcloud.demo"))
    found = queues(html)
    assert found["Payout batches to approve"][0] == 1
    assert {"Approved batches to pay", "Open partner invoices", "Claims to decide"} <= set(found)
    assert "Held partners and why" in html
    assert 'data-chart="Payouts by month"' in html
    assert "Applications waiting" not in found
    assert 'data-home="manager"' not in html


def test_tenant_admin_sees_both_homes(demo):
    StaffMembershipFactory(
        tenant=demo, user=UserFactory(email="boss@cimcloud.test"), role=StaffRole.ADMIN
    )
    html = home(console_client("boss@cimcloud.test"))
    assert 'data-home="manager"' in html and 'data-home="finance"' in html


def test_a_manager_never_counts_another_vendors_work(demo):
    with tenant_scope(demo):
        waiting = Application.objects.filter(status="submitted").count()
    assert waiting == 1  # every demo vendor has one; the superuser sees four
    assert queues(home(console_client("manager@simpro.demo")))["Applications waiting"][0] == 1
    assert queues(home(console_client("admin@prm.demo")))["Applications waiting"][0] == 4
    assert "CIMcloud" not in home(console_client("manager@simpro.demo")).split("data-home")[1]


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        home(client)
    return len(queries)


def _grow(tenant, rows: int) -> None:
    """Add `rows` conflicting registrations and `rows` claims to the vendor."""
    with tenant_scope(tenant):
        seed = DealRegistration.objects.filter(matches__isnull=False).first()
        match = seed.matches.first()
        fields = [f.attname for f in DealRegistration._meta.concrete_fields if f.attname != "id"]
        values = {name: getattr(seed, name) for name in fields}
        created = DealRegistration.objects.bulk_create(
            DealRegistration(**values | {"company_name": f"Prospect {i}", "status": "submitted"})
            for i in range(rows)
        )
        RegistrationMatch.objects.bulk_create(
            RegistrationMatch(
                tenant=tenant,
                registration=registration,
                kind=match.kind,
                other_registration=match.other_registration,
                customer=match.customer,
                explanation=match.explanation,
            )
            for registration in created
        )
        Claim.objects.bulk_create(
            Claim(
                tenant=tenant,
                firm=seed.firm,
                program=seed.program,
                kind=Claim.Kind.UNPAID,
                event_on=datetime.date(2026, 1, 5),
                submitted_on=datetime.date(2026, 2, 1),
                amount_minor=10_000,
                currency="USD",
            )
            for _ in range(rows)
        )


@pytest.mark.parametrize("email", ["manager@cimcloud.demo", "finance@cimcloud.demo"])
def test_home_costs_the_same_queries_for_a_bigger_vendor(demo, email):
    client = console_client(email)
    home(client)  # warm per-process caches (content types, site configuration)
    before = _home_queries(client)

    _grow(demo, 60)

    assert _home_queries(client) == before
    assert queues(home(client))["Claims to decide"][0] == 60
