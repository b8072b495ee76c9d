"""Each program's vocabularies: a firm is offered and may record only its programs' kinds."""

import datetime
from dataclasses import dataclass

import pytest
import time_machine
from django.test import Client

from partners.models import (
    Activity,
    Attestation,
    Certification,
    ContactRole,
    PartnerContact,
    PartnerFirm,
    Resource,
    ReviewStatus,
)
from partners.selectors.people import valid_certifications
from partners.selectors.vocabularies import kinds_for_firm
from tenants.models import StaffRole, Tenant
from tenants.scope import all_tenants, tenant_scope
from tests.factories import (
    PartnerContactFactory,
    PartnerFirmFactory,
    StaffMembershipFactory,
    TenantFactory,
    UserFactory,
)
from tests.partners.conftest import load_program
from tests.vocabularies import SOURCE, definition, enrol, publish
from tiers.selectors import tier_held_on

D = datetime.date
NOW = datetime.datetime(2025, 6, 16, 12, tzinfo=datetime.UTC)
IPSOFT_ONLY = ("Certified Technical Lead (CTL)", "Certified Implementation Engineer (CIE)")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_json(user, url: str, data: dict):
    return signed_in(user).post(url, data, content_type="application/json")


def rows(model, **filters) -> list:
    with all_tenants():
        return list(model.objects.filter(**filters))


@dataclass
class Vendor:
    tenant: Tenant
    firm: PartnerFirm
    partner: PartnerContact
    manager: object

    @property
    def api(self) -> str:
        return f"/{self.tenant.slug}/api/v1/"

    @property
    def portal(self) -> str:
        return f"/{self.tenant.slug}/portal/"


def vendor_with_partner(tenant: Tenant, version, firm_name: str) -> Vendor:
    firm = PartnerFirmFactory(tenant=tenant, name=firm_name)
    enrol(firm, version)
    partner = PartnerContactFactory(
        firm=firm,
        role=ContactRole.PARTNER_ADMIN,
        user=UserFactory(email=f"admin@{tenant.slug}-partner.test"),
    )
    manager = StaffMembershipFactory(
        tenant=tenant, role=StaffRole.MANAGER, user=UserFactory(email=f"manager@{tenant.slug}.test")
    ).user
    return Vendor(tenant, firm, partner, manager)


def seed_vendor(slug: str, firm_name: str) -> Vendor:
    tenant, program = load_program(slug)
    with tenant_scope(tenant):
        version = program.versions.get()
    return vendor_with_partner(tenant, version, firm_name)


@pytest.fixture
def cimcloud(db) -> Vendor:
    return seed_vendor("cimcloud", "Northwind Commerce")


@pytest.fixture
def ipsoft(db) -> Vendor:
    """The outsider of every test: another vendor, with its own kinds."""
    return seed_vendor("ipsoft", "Cognitive Advisors")


def resource_of(vendor: Vendor) -> Resource:
    with all_tenants():
        return Resource.objects.create(tenant=vendor.tenant, firm=vendor.firm, name="Ada")


# --- offered: only what the firm's programs declare -------------------------------------


def test_portal_offers_a_cimcloud_partner_cimcloud_kinds_and_never_ipsofts(cimcloud, ipsoft):
    # given a partner of each vendor, and a recorded CIMcloud webinar
    with all_tenants():
        Activity.objects.create(
            tenant=cimcloud.tenant,
            firm=cimcloud.firm,
            kind="co_branded_webinar",
            occurred_on=D(2025, 6, 2),
            description="Webinar for our customers",
        )
    resource = resource_of(cimcloud)

    # when each opens the activities page and the resource page
    activities = signed_in(cimcloud.partner.user).get(f"{cimcloud.portal}activities/")
    people = signed_in(cimcloud.partner.user).get(
        f"{cimcloud.portal}people/resources/{resource.pk}/"
    )
    theirs = signed_in(ipsoft.partner.user).get(f"{ipsoft.portal}activities/").content.decode()

    # then CIMcloud's partner is offered CIMcloud's kinds by label, the record shows its
    # label, and none of IPsoft's kinds or certifications appear
    page = activities.content.decode()
    assert activities.status_code == 200
    assert '<option value="orientation">Partner orientation</option>' in page
    assert '<option value="website_lists_vendor">' in page
    assert "<td>Co-branded webinar</td>" in page
    assert "pipeline_review" not in page and "Monthly pipeline review" not in page
    certification_form = people.content.decode()
    assert people.status_code == 200
    for label in IPSOFT_ONLY:
        assert label not in certification_form
    assert '<option value="ctl">' not in certification_form
    # and the outsider is offered its own kinds, not CIMcloud's
    assert '<option value="pipeline_review">Monthly pipeline review</option>' in theirs
    assert "Partner orientation" not in theirs


def test_api_lists_a_firms_kinds_with_labels_and_never_another_vendors(cimcloud, ipsoft):
    # when the CIMcloud partner, CIMcloud's manager (naming the firm) and IPsoft's partner ask
    ours = signed_in(cimcloud.partner.user).get(f"{cimcloud.api}vocabularies/")
    staff = signed_in(cimcloud.manager).get(f"{cimcloud.api}vocabularies/?firm={cimcloud.firm.pk}")
    theirs = signed_in(ipsoft.partner.user).get(f"{ipsoft.api}vocabularies/")

    # then each sees its programs' kinds only
    assert ours.status_code == staff.status_code == 200
    assert ours.json() == staff.json()
    activity_keys = [k["key"] for k in ours.json()["activity_kinds"]]
    assert activity_keys[:2] == ["orientation", "annual_training"]
    assert {"key": "orientation", "label": "Partner orientation"} in ours.json()["activity_kinds"]
    assert ours.json()["certification_kinds"] == []
    ctl = {"key": "ctl", "label": "Certified Technical Lead (CTL)", "validity_months": 12}
    assert ctl in theirs.json()["certification_kinds"]
    assert "orientation" not in [k["key"] for k in theirs.json()["activity_kinds"]]
    # and another vendor's firm, or a firm named by a partner, is not found
    outsider = signed_in(cimcloud.manager).get(f"{cimcloud.api}vocabularies/?firm={ipsoft.firm.pk}")
    assert outsider.status_code == 404
    named = signed_in(cimcloud.partner.user).get(f"{cimcloud.api}vocabularies/?firm=999999")
    assert named.status_code == 404


# --- refused: another vendor's kind, or none at all ---------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "field", "vocabulary"),
    [
        ("activities/create/", {"occurred_on": "2025-06-10", "description": "x"}, "activity kind"),
        (
            "attestations/create/",
            {"statement": "We hold it.", "valid_from": "2025-06-01"},
            "attestation kind",
        ),
    ],
)
def test_api_refuses_an_ipsoft_kind_from_a_cimcloud_partner_and_saves_nothing(
    cimcloud, ipsoft, endpoint, field, vocabulary
):
    kinds = {"activity kind": "pipeline_review", "attestation kind": "business_account_plan"}
    kind = kinds[vocabulary]

    # when CIMcloud's partner posts a kind only IPsoft declares
    response = post_json(
        cimcloud.partner.user, f"{cimcloud.api}{endpoint}", {**field, "kind": kind}
    )

    # then it is a 400 naming the field, and no row exists
    assert response.status_code == 400
    message = f"'{kind}' is not an {vocabulary} of your programs."
    assert response.json()["error"]["fields"] == {"kind": [message]}
    assert response.json()["error"]["message"].startswith(message)
    assert rows(Activity) == rows(Attestation) == []
    # and the outsider, whose program declares it, records it
    accepted = post_json(ipsoft.partner.user, f"{ipsoft.api}{endpoint}", {**field, "kind": kind})
    assert accepted.status_code == 201, accepted.content
    assert len(rows(Activity, tenant=ipsoft.tenant) + rows(Attestation, tenant=ipsoft.tenant)) == 1


def test_ipsoft_certification_is_refused_for_a_cimcloud_partner_by_api_and_portal(cimcloud, ipsoft):
    ours, theirs = resource_of(cimcloud), resource_of(ipsoft)
    certification = {"kind": "ctl", "earned_on": "2025-03-01"}

    # when CIMcloud's partner records IPsoft's CTL through the API and the portal
    api = post_json(
        cimcloud.partner.user,
        f"{cimcloud.api}certifications/create/",
        {**certification, "resource": ours.pk},
    )
    portal = signed_in(cimcloud.partner.user).post(
        f"{cimcloud.portal}people/resources/{ours.pk}/certifications/add/", certification
    )

    # then both are refused with the field named, and nothing is saved
    assert api.status_code == 400
    assert api.json()["error"]["fields"] == {
        "kind": ["'ctl' is not a certification kind of your programs."]
    }
    assert portal.status_code == 400
    assert (
        "&#x27;ctl&#x27; is not a certification kind of your programs." in portal.content.decode()
    )
    assert rows(Certification) == []
    # and IPsoft's partner records it, expiring after IPsoft's 12 months
    accepted = post_json(
        ipsoft.partner.user,
        f"{ipsoft.api}certifications/create/",
        {**certification, "resource": theirs.pk},
    )
    assert accepted.status_code == 201
    assert (accepted.json()["expires_on"], accepted.json()["kind_label"]) == (
        "2026-03-01",
        "Certified Technical Lead (CTL)",
    )


def test_portal_refuses_an_unknown_activity_kind_and_saves_nothing(cimcloud, ipsoft):
    form = {"kind": "hackathon", "occurred_on": "2025-06-10", "description": "24 hours of code"}

    response = signed_in(cimcloud.partner.user).post(f"{cimcloud.portal}activities/add/", form)
    outsider = signed_in(ipsoft.partner.user).post(f"{ipsoft.portal}activities/add/", form)

    assert response.status_code == outsider.status_code == 400
    assert "&#x27;hackathon&#x27; is not an activity kind of your programs." in (
        response.content.decode()
    )
    assert rows(Activity) == []


def test_a_firm_with_no_live_enrolment_is_offered_and_may_record_no_kind(cimcloud, ipsoft):
    # given a second CIMcloud firm that is enrolled nowhere
    loner = PartnerFirmFactory(tenant=cimcloud.tenant, name="Not Yet Enrolled")
    contact = PartnerContactFactory(firm=loner, user=UserFactory(email="rep@loner.test"))

    response = post_json(
        contact.user,
        f"{cimcloud.api}activities/create/",
        {"kind": "orientation", "occurred_on": "2025-06-10", "description": "Orientation"},
    )

    assert response.status_code == 400
    assert "Your firm's programs declare none." in response.json()["error"]["message"]
    assert rows(Activity) == []
    with tenant_scope(ipsoft.tenant):
        assert kinds_for_firm(ipsoft.firm, "activity_kinds")  # the outsider still has its own


def test_designation_must_be_one_the_firms_programs_declare(cimcloud, ipsoft):
    # CIMcloud declares no designations, IPsoft declares its partner managers
    ours = PartnerContactFactory(firm=cimcloud.firm, user=UserFactory(email="rep@northwind.test"))
    theirs = PartnerContactFactory(firm=ipsoft.firm, user=UserFactory(email="rep@cognitive.test"))
    choice = {"designation": "partner_manager"}

    refused = signed_in(cimcloud.partner.user).post(
        f"{cimcloud.portal}people/{ours.pk}/designation/", choice
    )
    accepted = signed_in(ipsoft.partner.user).post(
        f"{ipsoft.portal}people/{theirs.pk}/designation/", choice
    )

    assert refused.status_code == 400
    assert accepted.status_code == 302
    with all_tenants():
        assert PartnerContact.objects.get(pk=ours.pk).designation == ""
        assert PartnerContact.objects.get(pk=theirs.pk).designation == "partner_manager"
    page = signed_in(ipsoft.partner.user).get(f"{ipsoft.portal}people/").content.decode()
    assert '<option value="partner_manager" selected>Designated partner manager</option>' in page


# --- a vendor's own vocabulary ------------------------------------------------------------

HACKATHON = {"key": "hackathon", "label": "Hackathon with Acme engineers", "source": SOURCE}
ACME_VOCABULARIES = {
    "activity_kinds": [HACKATHON],
    "certification_kinds": [
        {
            "key": "acme-certified",
            "label": "Acme Certified",
            "validity_months": 18,
            "source": SOURCE,
        },
        {"key": "acme-lifetime", "label": "Acme Fellow", "validity_months": None, "source": SOURCE},
    ],
}
HACKATHON_REQUIREMENT = {
    "key": "hackathons",
    "label": "A hackathon this quarter",
    "metric": "activity_count",
    "comparator": ">=",
    "threshold": 1,
    "window": {"kind": "calendar_quarter"},
    "params": {"kinds": ["hackathon"]},
    "source": SOURCE,
}


@pytest.fixture
def acme(db) -> Vendor:
    tenant = TenantFactory(slug="acme", name="Acme")
    document = definition(
        "acme", vocabularies=ACME_VOCABULARIES, requirements=[HACKATHON_REQUIREMENT]
    )
    return vendor_with_partner(tenant, publish(tenant, document), "Hack Shop")


@pytest.mark.django_db(transaction=True)  # verification reaches the tier engine after commit
def test_a_custom_kind_is_recorded_verified_and_counted_by_the_tier_evaluation(
    acme, cimcloud, eager_tasks
):
    # given Acme's program, whose Champion tier needs a hackathon this quarter
    hackathon = {"kind": "hackathon", "occurred_on": "2025-06-10", "description": "24h hack"}

    # when Acme's partner records a hackathon through the API
    response = post_json(acme.partner.user, f"{acme.api}activities/create/", hackathon)

    # then it is saved with its label, and CIMcloud's partner cannot record one
    assert response.status_code == 201, response.content
    assert response.json()["kind_label"] == "Hackathon with Acme engineers"
    outsider = post_json(cimcloud.partner.user, f"{cimcloud.api}activities/create/", hackathon)
    assert outsider.status_code == 400
    assert rows(Activity, tenant=cimcloud.tenant) == []

    # when Acme's manager verifies it in the console
    verified = signed_in(acme.manager).post(
        "/admin/partners/activity/",
        {"action": "verify_selected", "_selected_action": [response.json()["id"]], "index": 0},
    )

    # then the on-event evaluation counts it and the firm holds Champion
    assert verified.status_code == 302
    assert [a.status for a in rows(Activity, tenant=acme.tenant)] == [ReviewStatus.VERIFIED]
    with tenant_scope(acme.tenant):
        enrolment = acme.firm.enrolments.get()
        assert tier_held_on(enrolment, D(2025, 6, 16)) == "champion"
    with tenant_scope(cimcloud.tenant):
        assert tier_held_on(cimcloud.firm.enrolments.get(), D(2025, 6, 16)) != "champion"


def test_certification_expiry_follows_the_kinds_validity_months(acme, ipsoft):
    resource = resource_of(acme)

    def certify(kind: str, earned_on: str):
        data = {"resource": resource.pk, "kind": kind, "earned_on": earned_on}
        return post_json(acme.partner.user, f"{acme.api}certifications/create/", data)

    # when Acme's partner records an 18-month kind (on a leap day) and a kind that never expires
    eighteen = certify("acme-certified", "2024-02-29")
    lifetime = certify("acme-lifetime", "2024-01-10")

    # then the first expires 18 calendar months later, the second never
    assert eighteen.status_code == lifetime.status_code == 201
    assert eighteen.json()["expires_on"] == "2025-08-29"
    assert (lifetime.json()["expires_on"], lifetime.json()["kind_label"]) == (None, "Acme Fellow")
    with all_tenants():
        Certification.objects.filter(tenant=acme.tenant).update(status=ReviewStatus.VERIFIED)
    with tenant_scope(acme.tenant):
        on_expiry = valid_certifications(tenant=acme.tenant, on=D(2025, 8, 29))
        assert [c.kind for c in on_expiry] == ["acme-lifetime"]
        assert len(valid_certifications(tenant=acme.tenant, on=D(2025, 8, 28))) == 2
    # and the page says when, or that it never expires
    page = signed_in(acme.partner.user).get(f"{acme.portal}people/resources/{resource.pk}/")
    assert "<td>Acme Certified</td>" in page.content.decode()
    assert "<td>never</td>" in page.content.decode()
    # and IPsoft's partner may not use Acme's kinds
    theirs = resource_of(ipsoft)
    refused = post_json(
        ipsoft.partner.user,
        f"{ipsoft.api}certifications/create/",
        {"resource": theirs.pk, "kind": "acme-certified", "earned_on": "2025-01-01"},
    )
    assert refused.status_code == 400
    assert rows(Certification, tenant=ipsoft.tenant) == []


def test_kinds_are_the_union_of_the_firms_programs_in_a_constant_number_of_queries(
    acme, ipsoft, django_assert_num_queries
):
    # given a second Acme program that also declares acme-certified, valid for 12 months only
    stricter = {
        "activity_kinds": [{"key": "meetup", "label": "Meetup", "source": SOURCE}],
        "certification_kinds": [
            {"key": "acme-certified", "label": "Acme Cert", "validity_months": 12, "source": SOURCE}
        ],
    }
    enrol(acme.firm, publish(acme.tenant, definition("acme", slug="second", vocabularies=stricter)))
    with tenant_scope(acme.tenant):
        firm = PartnerFirm.objects.select_related("tenant").get(pk=acme.firm.pk)

        # when the firm's kinds are read
        with django_assert_num_queries(2):
            activities = kinds_for_firm(firm, "activity_kinds")
        certifications = kinds_for_firm(firm, "certification_kinds")

    # then both programs' kinds are offered; a kind in both counts by the stricter validity
    assert list(activities) == ["hackathon", "meetup"]
    assert certifications["acme-certified"].validity_months == 12
    assert certifications["acme-certified"].label == "Acme Certified"  # first program's label
    with tenant_scope(ipsoft.tenant):
        assert "hackathon" not in kinds_for_firm(ipsoft.firm, "activity_kinds")


def test_console_shows_labels_and_offers_only_the_rows_firms_kinds(acme, ipsoft):
    with all_tenants():
        activity = Activity.objects.create(
            tenant=acme.tenant,
            firm=acme.firm,
            kind="hackathon",
            occurred_on=D(2025, 6, 2),
            description="Spring hack",
        )
    manager = signed_in(acme.manager)

    listing = manager.get("/admin/partners/activity/").content.decode()
    form = manager.get(f"/admin/partners/activity/{activity.pk}/change/").content.decode()
    change = {
        "firm": acme.firm.pk,
        "occurred_on": "2025-06-02",
        "description": "Spring hack",
        "evidence_url": "",
    }
    refused = manager.post(
        f"/admin/partners/activity/{activity.pk}/change/", {**change, "kind": "pipeline_review"}
    )

    assert "Hackathon with Acme engineers" in listing
    assert '<option value="hackathon" selected>Hackathon with Acme engineers</option>' in form
    assert "pipeline_review" not in form
    assert refused.status_code == 200
    assert "&#x27;pipeline_review&#x27; is not an activity kind of your programs." in (
        refused.content.decode()
    )
    assert rows(Activity, pk=activity.pk)[0].kind == "hackathon"
    # and IPsoft's manager does not reach Acme's row
    outsider = signed_in(ipsoft.manager).get(f"/admin/partners/activity/{activity.pk}/change/")
    assert outsider.status_code in (302, 404)
