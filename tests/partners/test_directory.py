"""The public directory as a visitor pages and filters it: constant queries, filters kept."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from partners.models import Enrolment, PartnerFirm
from tenants.scope import tenant_scope
from tests.partners.conftest import load_program

pytestmark = pytest.mark.usefixtures("frozen")
TODAY = datetime.date(2025, 4, 15)


def list_firms(tenant, program, count: int, *, tracks, territories, consent=True) -> None:
    with tenant_scope(tenant):
        start = PartnerFirm.objects.count()
        firms = PartnerFirm.objects.bulk_create(
            PartnerFirm(tenant=tenant, name=f"Listed {start + n:04}", country="AU")
            for n in range(count)
        )
        Enrolment.objects.bulk_create(
            Enrolment(
                tenant=tenant,
                firm=firm,
                program=program,
                status="active",
                tier_key="registered",
                tier_since=TODAY,
                tracks=tracks,
                territories=territories,
                directory_consent=consent,
                approved_at=datetime.datetime(2025, 4, 1, tzinfo=datetime.UTC),
                term_start=TODAY,
                term_end=TODAY.replace(year=2026),
            )
            for firm in firms
        )


def visit(url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as sql:
        response = Client().get(url)
    assert response.status_code == 200
    return len(sql.captured_queries), response.content.decode()


def test_directory_is_paged_in_constant_queries(cast):
    _, program = load_program("simpro")
    list_firms(cast.tenant_a, program, 10, tracks=["referral"], territories=["AU"])
    few, body = visit("/simpro/directory/")
    assert body.count("Listed 0") == 10 and 'class="pagination"' not in body

    list_firms(cast.tenant_a, program, 50, tracks=["referral"], territories=["AU"])
    list_firms(cast.tenant_a, program, 5, tracks=["referral"], territories=["AU"], consent=False)
    many, body = visit("/simpro/directory/")

    assert many == few
    assert body.count("Listed 0") == 25 and "Page 1 of 3" in body
    assert "Listed 0002" in body and "Listed 0027" not in body
    _, last = visit("/simpro/directory/?page=3")
    assert last.count("Listed 0") == 10 and "Listed 0061" in last
    assert "Listed 0062" not in last  # no consent, never listed
    # the outsider: another vendor's directory shows none of these firms
    _, other = visit("/ipsoft/directory/")
    assert "Listed 0" not in other


def test_directory_filters_in_the_query_and_keeps_them_in_page_links(cast):
    _, program = load_program("simpro")
    list_firms(cast.tenant_a, program, 30, tracks=["referral"], territories=["NZ"])
    list_firms(cast.tenant_a, program, 4, tracks=["technology"], territories=["AU", "NZ"])
    list_firms(cast.tenant_a, program, 3, tracks=["referral-plus"], territories=["AUS"])

    _, referral = visit("/simpro/directory/?track=referral")
    _, technology_au = visit("/simpro/directory/?track=technology&territory=au")
    _, in_au = visit("/simpro/directory/?territory=AU")

    assert "Page 1 of 2" in referral  # whole elements only: not "referral-plus"
    assert 'href="?track=referral&amp;page=2" rel="next"' in referral
    assert technology_au.count("Listed 0") == 4
    assert in_au.count("Listed 0") == 4 and "Listed 0036" not in in_au  # "AUS" is not "AU"
