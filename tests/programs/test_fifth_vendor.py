"""End to end: a fifth vendor is one more file, with no code change (docs/examples/acme.yaml).

A superuser creates the vendor in the console and its program file is loaded and published;
from then on everything is driven as people drive it. A newcomer signs up and joins at once
(Acme's open enrolment), records a hackathon and a certification, Acme's manager verifies
them and approves a deal, Acme's ERP reports the order with an API key, and the partner
climbs Member -> Silver -> Gold on the events alone. A changed commission file published
without Acme's notice period is refused. CIMcloud, loaded beside it, is the outsider.
"""

import datetime
import html
import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from deals.models import Order
from partners.models import Certification, PartnerContact
from programs.models import ProgramChangeNotice, ProgramVersion, VersionStatus
from tenants.models import StaffRole, Tenant
from tenants.scope import tenant_scope
from tests.factories import PASSWORD, StaffMembershipFactory, UserFactory
from tests.isolation import assert_hidden_from
from tests.tiers.conftest import join, noon
from tiers.models import TierEvaluation

D = datetime.date
ACME_FILE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "acme.yaml"
TODAY = D(2025, 6, 16)  # a Monday; Acme's 2025 version has governed since January 1
FOUNDER = "founder@roadrunner.test"
API = "/acme/api/v1/"
PORTAL = "/acme/portal/"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # allauth keeps its sign-up and confirmation counters in the cache; start from none
    cache.clear()
    yield
    cache.clear()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def current_tier(client: Client, slug: str = "acme") -> str:
    """The tier the portal's tier page names for the firm's one enrolment."""
    page = text_of(client.get(f"/{slug}/portal/tier/"))
    return re.search(r'Current tier: <span class="badge">([^<]+)</span>', page).group(1)


def evaluations_of(tenant) -> int:
    with tenant_scope(tenant):
        return TierEvaluation.objects.count()


def vendor_created_in_console(root: Client) -> Tenant:
    """A superuser adds Acme on the console's Tenants page."""
    created = root.post(
        "/admin/tenants/tenant/add/",
        {
            "slug": "acme",
            "name": "Acme",
            "time_zone": "America/Denver",
            "currency": "USD",
            "country": "US",
            "is_active": "on",
        },
    )
    assert created.status_code == 302, text_of(created)
    return Tenant.objects.get(slug="acme")


def sign_up(email: str) -> Client:
    """A newcomer signs up, follows the e-mailed link and is signed in by confirming it."""
    client = Client()
    signed_up = client.post(
        "/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )
    assert signed_up.status_code == 302
    [confirmation] = [m for m in mail.outbox if email in m.to]
    site = re.escape(settings.PRM_SITE_URL)
    link = re.search(site + r"(/accounts/confirm-email/\S+)", confirmation.body).group(1)
    assert client.post(link).status_code == 302
    return client


def console_verify(manager, model: str, pk: int) -> None:
    """The manager ticks one row of the console list and runs "Verify"."""
    response = signed_in(manager).post(
        f"/admin/partners/{model}/",
        {"action": "verify_selected", "_selected_action": [pk], "index": 0},
        follow=True,
    )
    assert response.status_code == 200
    assert "Verified 1 of 1 selected." in text_of(response)


def api_key_from_console(admin) -> str:
    """The tenant admin issues the ERP's read/write key in the console; its token shows once."""
    response = signed_in(admin).post(
        "/admin/tenants/apikey/add/",
        {"name": "Acme ERP", "scopes": ["read", "write"]},
        follow=True,
    )
    assert response.status_code == 200
    [token] = set(re.findall(r"prm_[0-9a-f]{16}_[\w-]+", response.content.decode()))
    return token


def erp_completes_order(erp: Client, registration_id: int, amount: str) -> dict:
    """Acme's ERP records a completed software order referred by the registration."""
    product = erp.post(
        API + "products/create/",
        {"code": "ACME-CLOUD", "name": "Acme Cloud", "category": "software"},
        content_type="application/json",
    )
    assert product.status_code == 201, product.content
    buyer = erp.post(
        API + "customers/create/",
        {"name": "Coyote Logistics", "external_id": "CRM-1", "country": "US"},
        content_type="application/json",
    )
    assert buyer.status_code in (200, 201), buyer.content
    made = erp.post(
        API + "orders/create/",
        {
            "customer": buyer.json()["id"],
            "external_id": "SO-1",
            "ordered_on": TODAY.isoformat(),
            "registration": registration_id,
            "order_form_signed_on": TODAY.isoformat(),
            "initial_payment_received_on": TODAY.isoformat(),
            "lines": [{"product_code": "ACME-CLOUD", "list_price": amount, "price": amount}],
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    return made.json()


def changed_rates_file(tmp_path) -> str:
    """acme.yaml with Silver's resale rate raised from 10 % to 12 %, effective July 1."""
    text = ACME_FILE.read_text(encoding="utf-8")
    for old, new in {
        "rates: {member: null, silver: 0.10, gold: 0.15}": (
            "rates: {member: null, silver: 0.12, gold: 0.15}"
        ),
        "effective_from: 2025-01-01": "effective_from: 2025-07-01",
    }.items():
        assert text.count(old) == 1, f"acme.yaml no longer has exactly one {old!r}"
        text = text.replace(old, new)
    path = tmp_path / "acme.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def today():
    with time_machine.travel(noon(TODAY), tick=False):
        yield TODAY


@pytest.mark.django_db(transaction=True)  # reactions to verifications and orders run on commit
def test_a_fifth_vendor_is_one_more_file_with_no_code_change(tmp_path, today, eager_tasks):
    # given CIMcloud, a vendor already running, with one enrolled partner (the outsider)
    cimcloud, _, outsider = join("cimcloud", D(2025, 3, 3), email="founder@northwind.test")
    with tenant_scope(cimcloud):
        outsider_client = signed_in(PartnerContact.objects.get(firm=outsider.firm).user)
    outsider_tier = current_tier(outsider_client, "cimcloud")
    outsider_evaluations = evaluations_of(cimcloud)

    # when a superuser creates the vendor in the console
    root = signed_in(UserFactory(email="root@prm.test", is_superuser=True, is_staff=True))
    acme = vendor_created_in_console(root)
    # then the console lists it among the vendors
    listing = root.get("/admin/tenants/tenant/")
    assert listing.status_code == 200 and "Acme" in text_of(listing)

    # when its program file is loaded and published, and a manager joins its staff
    call_command("load_programs", str(ACME_FILE), publish=True)
    manager = StaffMembershipFactory(tenant=acme, user=UserFactory(email="manager@acme.test")).user
    admin = StaffMembershipFactory(
        tenant=acme, user=UserFactory(email="admin@acme.test"), role=StaffRole.ADMIN
    ).user

    # when a newcomer signs up and applies (Acme's registration needs no manager approval)
    partner = sign_up(FOUNDER)
    assert "Acme Partner Network" in text_of(partner.get(f"{PORTAL}apply/"))
    applied = partner.post(
        f"{PORTAL}apply/",
        {
            "firm_name": "Roadrunner Systems",
            "website": "roadrunner.example",
            "country": "us",
            "territories": "US, CA",
            "accept_agreement": "on",
        },
        follow=True,
    )
    # then the firm is enrolled at once at the entry tier, with Member's benefits only
    home = text_of(applied)
    assert "Welcome to the Acme Partner Network: you are enrolled." in home
    assert "Roadrunner Systems" in home
    assert "<strong>Tier</strong><br>Member" in home
    assert "2025-06-16 to 2026-06-15, renews automatically" in home  # 12 months from acceptance
    assert "Acme sandbox environment" in home
    assert "Resale commission per the commission schedule" not in home  # Silver and Gold

    # and the portal and the API offer Acme's kinds, none of CIMcloud's
    activities = text_of(partner.get(f"{PORTAL}activities/"))
    assert '<option value="hackathon">Acme hackathon</option>' in activities
    assert "orientation" not in activities and "Partner orientation" not in activities
    kinds = partner.get(f"{API}vocabularies/").json()
    assert [k["key"] for k in kinds["activity_kinds"]] == ["hackathon", "joint_webinar"]
    assert kinds["certification_kinds"] == [
        {"key": "acme-certified", "label": "Acme Certified Engineer", "validity_months": 18}
    ]
    assert kinds["attestation_kinds"] == [
        {"key": "acme_logo_on_site", "label": "Acme logo on the partner's website"}
    ]

    # when the partner records a hackathon by API and a certification in the portal,
    # giving the day it was earned and no expiry
    hackathon = partner.post(
        f"{API}activities/create/",
        {"kind": "hackathon", "occurred_on": "2025-06-10", "description": "Spring hack"},
        content_type="application/json",
    )
    assert hackathon.status_code == 201, hackathon.content
    assert hackathon.json()["kind_label"] == "Acme hackathon"
    person = partner.post(f"{PORTAL}people/resources/add/", {"name": "Wile E. Engineer"})
    assert person.status_code == 302
    recorded = partner.post(
        person["Location"] + "certifications/add/",
        {"kind": "acme-certified", "earned_on": "2025-05-20"},
        follow=True,
    )
    # then it is valid for acme.yaml's 18 months, and nothing counts until it is verified
    assert (
        "Recorded Acme Certified Engineer until 2026-11-20; it counts once the vendor verifies it."
    ) in text_of(recorded)
    assert "Not evaluated yet" in text_of(partner.get(f"{PORTAL}tier/"))

    # when Acme's manager verifies the hackathon in the console
    console_verify(manager, "activity", hackathon.json()["id"])
    # then the firm is re-evaluated on the event, and a hackathon alone keeps it at Member
    assert current_tier(partner) == "Member"
    # when the manager verifies the certification too
    with tenant_scope(acme):
        [certification] = Certification.objects.values_list("pk", flat=True)
    console_verify(manager, "certification", certification)
    # then the firm holds Silver, and Silver's benefit is listed
    assert current_tier(partner) == "Silver"
    assert "Resale commission per the commission schedule" in text_of(partner.get(PORTAL))

    # when the partner registers a deal and the manager approves it in the console
    deal = partner.post(
        f"{PORTAL}deals/new/",
        {"company_name": "Coyote Logistics", "country": "us", "domain": "coyote.example"},
    )
    assert deal.status_code == 302, text_of(deal)
    registration_id = int(re.search(r"/deals/(\d+)/", deal["Location"]).group(1))
    approved = signed_in(manager).post(
        f"/admin/deals/dealregistration/{registration_id}/approve/",
        {"reason": "A new logo for Acme"},
        follow=True,
    )
    # then the partner sees it approved, protected for acme.yaml's 60 days
    assert "Approved; the partner has been e-mailed" in text_of(approved)
    deal_page = text_of(partner.get(deal["Location"]))
    assert '<span class="badge">Approved</span>' in deal_page
    assert "protected until <strong>2025-08-15</strong>" in deal_page

    # when Acme's ERP reports the completed 62,500.00 USD order with an API key
    token = api_key_from_console(admin)
    erp = Client(headers={"Authorization": f"Api-Key {token}"})
    order = erp_completes_order(erp, registration_id, "62500.00")
    assert order["completed_on"] == TODAY.isoformat()
    # then the firm reaches Gold, and the tier page shows the net revenue that earned it
    assert current_tier(partner) == "Gold"
    assert "Net revenue 62,500.00 USD of 50,000.00 USD" in text_of(partner.get(f"{PORTAL}tier/"))
    # and the order earns acme.yaml's Gold rate (tiers are decided before money)
    commissions = text_of(partner.get(f"{PORTAL}commissions/"))
    assert (
        "Resale commission: 15 % of line amount 62,500.00 USD at Gold = 9,375.00 USD."
    ) in commissions

    # when Acme raises Silver's rate by file and the manager publishes it in 15 days
    call_command("load_programs", changed_rates_file(tmp_path))
    with tenant_scope(acme):
        draft = ProgramVersion.objects.get(status=VersionStatus.DRAFT)
    refused = signed_in(manager).post(
        f"/admin/programs/programversion/{draft.pk}/publish/", {"effective_from": "2025-07-01"}
    )
    # then the console refuses with acme.yaml's 45 days' notice, and nothing is published
    assert refused.status_code == 200
    assert (
        "Acme's program requires 45 days' written notice of commission changes; "
        "the earliest effective date is 2025-07-31."
    ) in text_of(refused)
    with tenant_scope(acme):
        assert ProgramVersion.objects.get(pk=draft.pk).status == VersionStatus.DRAFT
        assert not ProgramChangeNotice.objects.exists()
    assert "Notice: commission changes" not in text_of(partner.get(PORTAL))
    assert [m for m in mail.outbox if "commission changes" in m.subject] == []

    # and CIMcloud is untouched: its partner's tier and evaluations are as they were
    assert current_tier(outsider_client, "cimcloud") == outsider_tier
    assert evaluations_of(cimcloud) == outsider_evaluations
    theirs = outsider_client.get("/cimcloud/api/v1/vocabularies/").json()
    assert "hackathon" not in [k["key"] for k in theirs["activity_kinds"]]
    with tenant_scope(cimcloud):
        assert not Order.objects.exists()
    # and neither Acme's partner nor Acme's key reaches anything of CIMcloud's
    founder = get_user_model().objects.get(email=FOUNDER)
    for url in ("/cimcloud/portal/tier/", "/cimcloud/portal/activities/", "/cimcloud/api/v1/me/"):
        assert_hidden_from(founder, url)
    assert erp.get("/cimcloud/api/v1/orders/").status_code == 401
