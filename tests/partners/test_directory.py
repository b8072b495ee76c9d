"""The public directory as a visitor searches, filters and pages it, and each partner's profile.

Constant queries, filters kept in page links; only consenting active partners are listed or
have a profile; a firm's partner admin edits its profile in the portal.
"""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from partners.models import Enrolment, PartnerFirm
from partners.selectors.directory import directory_firms
from programs.models import Program
from tenants.scope import tenant_scope
from tests.factories import PartnerContactFactory, UserFactory
from tests.partners.conftest import load_program

pytestmark = pytest.mark.usefixtures("frozen")
TODAY = datetime.date(2025, 4, 15)


def list_firms(
    tenant, program, count: int, *, tracks, territories, consent=True, tier="registered", firms=None
) -> list[PartnerFirm]:
    with tenant_scope(tenant):
        start = PartnerFirm.objects.count()
        firms = firms or PartnerFirm.objects.bulk_create(
            PartnerFirm(tenant=tenant, name=f"Listed {start + n:04}", country="AU")
            for n in range(count)
        )
        Enrolment.objects.bulk_create(
            Enrolment(
                tenant=tenant,
                firm=firm,
                program=program,
                status="active",
                tier_key=tier,
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
    return firms


def visit(url: str, client: Client | None = None) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as sql:
        response = (client or Client()).get(url)
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


def test_a_thousand_partners_cost_the_queries_of_ten(cast):
    _, program = load_program("simpro")
    list_firms(cast.tenant_a, program, 10, tracks=["referral"], territories=["AU"])
    few, _ = visit("/simpro/directory/?q=listed&track=referral")

    list_firms(cast.tenant_a, program, 990, tracks=["referral"], territories=["AU"])
    many, body = visit("/simpro/directory/?q=listed&track=referral")

    assert many == few
    assert "Page 1 of 40" in body and body.count("Listed 0") == 25


def test_search_by_name_and_filter_by_tier_keep_each_other_in_page_links(cast):
    _, program = load_program("simpro")
    list_firms(cast.tenant_a, program, 30, tracks=["referral"], territories=["AU"], tier="select")
    list_firms(cast.tenant_a, program, 3, tracks=["referral"], territories=["AU"])
    with tenant_scope(cast.tenant_a):
        PartnerFirm.objects.filter(name="Listed 0032").update(name="Brightwire Electrical")

    _, found = visit("/simpro/directory/?q=brightwire")
    _, select = visit("/simpro/directory/?q=listed&tier=select")
    _, registered = visit("/simpro/directory/?tier=registered")

    assert "Brightwire Electrical" in found and "Listed 0" not in found
    assert select.count("Listed 0") == 25 and "Page 1 of 2" in select
    assert 'href="?q=listed&amp;tier=select&amp;page=2" rel="next"' in select
    assert 'value="listed"' in select  # the search box keeps what was typed
    assert registered.count("Listed 0") == 2 and "Brightwire Electrical" in registered
    assert '<span class="badge">Registered</span>' in registered  # the tier's name, not its key


def listed_sparkline(cast, *, consent=True):
    """Sparkline (Simpro) enrolled in Technology and Referral for Australia and New Zealand."""
    _, program = load_program("simpro")
    with tenant_scope(cast.tenant_a):
        firm = PartnerFirm.objects.get(pk=cast.firm_a1.pk)
    list_firms(
        cast.tenant_a,
        program,
        1,
        tracks=["technology", "referral"],
        territories=["AU", "NZ"],
        tier="select",
        consent=consent,
        firms=[firm],
    )
    return firm


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_partner_admin_writes_the_profile_the_public_reads(cast):
    firm = listed_sparkline(cast)
    admin = signed_in(cast.partner_admin_a1.user)
    form = admin.get("/simpro/portal/profile/").content.decode()
    assert '<label for="id_description">What your firm does' in form
    assert '<label for="id_website">Website' in form

    saved = admin.post(
        "/simpro/portal/profile/",
        {
            "description": "Electrical contractors' field-service experts since 2009.",
            "website": "https://sparkline.example.com",
        },
    )
    assert saved.status_code == 302

    page = Client().get(f"/simpro/directory/{firm.pk}/").content.decode()
    assert "Electrical contractors&#x27; field-service experts since 2009." in page
    assert 'href="https://sparkline.example.com"' in page
    assert "Select" in page and "Technology, Referral" in page
    assert "Australia, New Zealand" in page
    _, listing = visit("/simpro/directory/")
    assert f'href="/simpro/directory/{firm.pk}/">Sparkline Pty Ltd</a>' in listing
    assert "field-service experts since 2009." in listing
    assert "<td>Australia, New Zealand</td>" in listing  # regions in words, not codes


def test_another_firms_admin_edits_only_their_own_profile(cast):
    firm = listed_sparkline(cast)
    kiwi_admin = PartnerContactFactory(
        firm=cast.firm_a2, user=UserFactory(email="admin@kiwi.test"), role="partner_admin"
    )
    own = signed_in(cast.partner_admin_a1.user)
    own.post("/simpro/portal/profile/", {"description": "Sparkline's own words.", "website": ""})

    kiwi = signed_in(kiwi_admin.user)
    saved = kiwi.post(
        "/simpro/portal/profile/",
        {"description": "Kiwi was here.", "website": "https://kiwi.example", "firm": firm.pk},
    )

    assert saved.status_code == 302
    page = Client().get(f"/simpro/directory/{firm.pk}/").content.decode()
    assert "Sparkline&#x27;s own words." in page and "Kiwi was here" not in page
    assert "kiwi.example" not in page
    with tenant_scope(cast.tenant_a):
        assert PartnerFirm.objects.get(pk=cast.firm_a2.pk).website == "https://kiwi.example"
        assert PartnerFirm.objects.get(pk=firm.pk).website == ""


def test_over_long_or_wrong_input_is_refused_next_to_the_field_and_nothing_is_saved(cast):
    firm = listed_sparkline(cast)
    admin = signed_in(cast.partner_admin_a1.user)

    refused = admin.post(
        "/simpro/portal/profile/", {"description": "x" * 2001, "website": "not a site"}
    )

    body = refused.content.decode()
    assert refused.status_code == 400
    assert "Ensure this value has at most 2000 characters (it has 2001)." in body
    assert "Enter a valid URL." in body
    assert 'maxlength="2000"' not in body  # never cut silently by the browser
    page = Client().get(f"/simpro/directory/{firm.pk}/").content.decode()
    assert "xxxx" not in page and "has not written a description yet" in page


def test_only_the_firms_partner_admins_edit_and_only_listed_firms_have_a_profile(cast):
    firm = listed_sparkline(cast)
    # a rep of the firm may not edit it; another vendor's partner is no contact here
    assert signed_in(cast.partner_rep_a1.user).post("/simpro/portal/profile/").status_code == 403
    assert signed_in(cast.partner_rep_b1.user).get("/simpro/portal/profile/").status_code == 404
    # Kiwi is not enrolled (so not listed), IPsoft's firm is another vendor's
    assert Client().get(f"/simpro/directory/{cast.firm_a2.pk}/").status_code == 404
    assert Client().get(f"/simpro/directory/{cast.firm_b1.pk}/").status_code == 404
    assert Client().get(f"/ipsoft/directory/{firm.pk}/").status_code == 404


def test_a_firm_that_did_not_consent_has_no_public_profile(cast):
    firm = listed_sparkline(cast, consent=False)

    assert Client().get(f"/simpro/directory/{firm.pk}/").status_code == 404
    _, listing = visit("/simpro/directory/")
    assert "Sparkline" not in listing
    # its admin still edits the profile and is told why nobody sees it
    form = signed_in(cast.partner_admin_a1.user).get("/simpro/portal/profile/").content.decode()
    assert "Your firm is not listed in the directory yet" in form


def test_a_firm_in_two_programs_is_one_row_with_both_listings(cast):
    firm = listed_sparkline(cast)
    with tenant_scope(cast.tenant_a):
        resellers = Program.objects.create(
            tenant=cast.tenant_a,
            slug="resellers",
            name="Simpro Reseller Program",
            currency="AUD",
            time_zone="Australia/Sydney",
        )
    list_firms(
        cast.tenant_a, resellers, 1, tracks=[], territories=["NZ"], tier="gold", firms=[firm]
    )

    _, listing = visit("/simpro/directory/")
    _, in_nz = visit("/simpro/directory/?territory=NZ")

    assert listing.count(f'href="/simpro/directory/{firm.pk}/"') == 1
    assert "Simpro Partner Program" in listing and "Simpro Reseller Program" in listing
    assert in_nz.count(f'href="/simpro/directory/{firm.pk}/"') == 1
    page = Client().get(f"/simpro/directory/{firm.pk}/").content.decode()
    assert page.count('<h2 id="program-') == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan is the one run")
def test_the_first_page_walks_the_firm_name_index_instead_of_sorting_every_partner(cast):
    _, program = load_program("simpro")
    list_firms(cast.tenant_a, program, 2000, tracks=["referral"], territories=["AU"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE partners_partnerfirm, partners_enrolment")

    with tenant_scope(cast.tenant_a):
        plan = directory_firms(tenant=cast.tenant_a)[:25].explain()

    assert "partner_firm_name_unique" in plan and "Sort" not in plan, plan
