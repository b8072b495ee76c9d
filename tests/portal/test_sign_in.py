"""Where people land after signing in: their portal, a chooser, the console or their application."""

import pytest
from django.core.cache import cache
from django.test import Client

from tenants.scope import tenant_scope
from tests.factories import PASSWORD, PartnerContactFactory, PartnerFirmFactory, UserFactory
from tests.partners.conftest import load_program
from tests.partners.test_applications import submit


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # allauth counts sign-ins in the cache; no test may inherit another's.
    cache.clear()
    yield
    cache.clear()


def sign_in(email: str, *, next_url: str = "") -> tuple[Client, str]:
    """A client signed in through the sign-in form, and where the form sent it."""
    client = Client()
    response = client.post(
        "/accounts/login/" + (f"?next={next_url}" if next_url else ""),
        {"login": email, "password": PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return client, response["Location"]


def test_a_partner_of_one_vendor_lands_on_its_portal(cast):
    _, landed = sign_in(cast.partner_rep_a1.user.email)
    assert landed == "/simpro/portal/"


def test_a_partner_of_two_vendors_picks_one_on_the_chooser(cast):
    PartnerContactFactory(firm=cast.firm_b1, user=cast.partner_rep_a1.user)

    client, landed = sign_in(cast.partner_rep_a1.user.email)

    assert landed == "/"
    chooser = client.get("/").content.decode()
    assert 'action="/simpro/portal/choose/"' in chooser and ">Simpro</button>" in chooser
    assert 'action="/ipsoft/portal/choose/"' in chooser and ">IPsoft</button>" in chooser
    assert "Sparkline Pty Ltd" in chooser and "Cognitive Advisors" in chooser
    assert "Kiwi Trade Tech" not in chooser  # the other firm of the same vendor


def test_the_picked_vendor_is_where_the_next_sign_in_lands_until_switched(cast):
    user = cast.partner_rep_a1.user
    PartnerContactFactory(firm=cast.firm_b1, user=user)
    client, _ = sign_in(user.email)

    opened = client.post("/ipsoft/portal/choose/")

    assert opened["Location"] == "/ipsoft/portal/"
    dashboard = client.get("/ipsoft/portal/").content.decode()
    assert 'href="/">Switch vendor</a>' in dashboard
    assert sign_in(user.email)[1] == "/ipsoft/portal/"  # a new sign-in, another browser
    # switching: back to the chooser, another pick
    switcher, landed = sign_in(user.email)
    assert landed == "/ipsoft/portal/"
    switcher.post("/simpro/portal/choose/")
    assert sign_in(user.email)[1] == "/simpro/portal/"


def test_a_vendor_one_is_no_partner_of_cannot_be_picked(cast):
    user = cast.partner_rep_a1.user
    PartnerContactFactory(firm=cast.firm_b1, user=user)
    outsider, _ = sign_in(cast.partner_rep_a2.user.email)  # Kiwi: Simpro only

    assert outsider.post("/ipsoft/portal/choose/").status_code == 404
    assert outsider.get("/simpro/portal/choose/").status_code == 405  # a pick is a POST
    assert sign_in(user.email)[1] == "/"  # nobody picked for this partner of two vendors
    # a partner of a single vendor sees no switch
    single = outsider.get("/simpro/portal/").content.decode()
    assert "Switch vendor" not in single


def test_staff_and_superusers_land_on_the_console(cast):
    assert sign_in(cast.manager_a.email)[1] == "/admin/"
    assert sign_in(cast.superuser.email)[1] == "/admin/"


def test_an_applicant_lands_on_the_status_of_their_application(db):
    tenant, program = load_program("simpro")
    applicant = UserFactory(email="founder@bluebird.test")
    submit(tenant, program, applicant, firm_name="Bluebird Services", tracks=["service-providers"])

    client, landed = sign_in(applicant.email)

    assert landed == f"/simpro/portal/apply/{program.slug}/"
    status = client.get(landed).content.decode()
    assert "Your application is under review" in status and "Bluebird Services" in status
    home = client.get("/").content.decode()
    assert "You are not a contact of any partner firm yet" not in home
    assert "Your applications" in home and "under review since" in home


def test_an_applicant_sees_only_their_own_application_on_the_front_door(db):
    tenant, program = load_program("simpro")
    submit(
        tenant,
        program,
        UserFactory(email="other@rival.test"),
        firm_name="Rival Works",
        tracks=["service-providers"],
    )
    newcomer = UserFactory(email="new@nowhere.test")

    client, landed = sign_in(newcomer.email)

    assert landed == "/"
    home = client.get("/").content.decode()
    assert "Rival Works" not in home
    assert "You are not a contact of any partner firm yet" in home


def test_a_next_address_still_wins(cast):
    _, landed = sign_in(cast.partner_rep_a1.user.email, next_url="/simpro/portal/tier/")
    assert landed == "/simpro/portal/tier/"


def test_an_inactive_contact_is_not_sent_to_that_portal(cast):
    firm = PartnerFirmFactory(tenant=cast.tenant_b, name="Gone Ltd")
    user = UserFactory(email="left@gone.test")
    contact = PartnerContactFactory(firm=firm, user=user)
    contact.is_active = False
    with tenant_scope(cast.tenant_b):
        contact.save()

    assert sign_in(user.email)[1] == "/"
