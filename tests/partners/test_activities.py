"""Activities, attestations, releases and updates, support issues, feedback; console review."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.test import Client

from partners.models import (
    Activity,
    Certification,
    CustomerFeedback,
    IntegrationUpdate,
    ReviewStatus,
    SupportIssue,
    VendorRelease,
)
from partners.selectors.activities import business_days_between
from tenants.scope import all_tenants, tenant_scope
from tests.isolation import assert_hidden_from, assert_visible_to
from tests.partners.test_people import certification_of, resource_of
from tests.vocabularies import cast_programs

PAGE = "/simpro/portal/activities/"
API = "/simpro/api/v1/"
UTC = datetime.UTC
SYDNEY = zoneinfo.ZoneInfo("Australia/Sydney")
NOW = datetime.datetime(2025, 6, 16, 12, 0, tzinfo=UTC)  # a Monday, noon UTC


@pytest.fixture(autouse=True)
def _cast_programs(request):
    """Both cast vendors run a program declaring the kinds these tests record."""
    if "cast" in request.fixturenames:
        cast_programs(request.getfixturevalue("cast"))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_json(user, url, data):
    return signed_in(user).post(url, data, content_type="application/json")


def create(model, **fields):
    with all_tenants():
        return model.objects.create(**fields)


def reload(row):
    with all_tenants():
        return type(row).objects.get(pk=row.pk)


def activity_of(firm, **fields) -> Activity:
    defaults = {"kind": "qbr", "occurred_on": datetime.date(2025, 6, 2), "description": "Q2 QBR"}
    return create(Activity, tenant=firm.tenant, firm=firm, **{**defaults, **fields})


def release_of(tenant, version="25.1", released_on=datetime.date(2025, 5, 1)) -> VendorRelease:
    return create(
        VendorRelease,
        tenant=tenant,
        product="Simpro",
        version=version,
        kind="major",
        released_on=released_on,
    )


# --- the business-days helper ------------------------------------------------------


def at(day: int, hour: int = 9, tz=UTC) -> datetime.datetime:
    return datetime.datetime(2025, 6, day, hour, tzinfo=tz)  # 2025-06-16 is a Monday


@pytest.mark.parametrize(
    "start, end, days",
    [
        (at(16), at(16, 17), 0),  # same day
        (at(16), at(17), 1),
        (at(16), at(23), 5),  # Monday to next Monday: the 5-business-day limit exactly
        (at(16), at(24), 6),  # one day late
        (at(20), at(23), 1),  # Friday to Monday skips the weekend
        (at(21), at(22), 0),  # Saturday to Sunday
        (at(14), at(30), 11),  # two weeks and a bit, from a Saturday
    ],
)
def test_business_days_between(start, end, days):
    assert business_days_between(start, end) == days


def test_business_days_are_counted_on_the_start_time_zones_calendar():
    # Monday 08:00 in Sydney is still Sunday in UTC; resolved Monday 17:00 Sydney time.
    opened = datetime.datetime(2025, 6, 16, 8, tzinfo=SYDNEY)
    resolved = datetime.datetime(2025, 6, 16, 7, tzinfo=UTC)
    assert business_days_between(opened, resolved) == 0
    with pytest.raises(ValueError, match="before start"):
        business_days_between(at(17), at(16))


# --- the portal page ---------------------------------------------------------------


def test_future_activity_date_is_refused_and_today_is_accepted(cast):
    client = signed_in(cast.partner_rep_a1.user)
    form = {"kind": "co_branded_webinar", "occurred_on": "2025-06-17", "description": "Webinar"}
    response = client.post(f"{PAGE}add/", form)
    assert response.status_code == 400
    assert "An activity cannot be in the future (today is 2025-06-16)." in response.content.decode()
    with tenant_scope(cast.tenant_a):
        assert not Activity.objects.exists()

    response = client.post(f"{PAGE}add/", {**form, "occurred_on": "2025-06-16"})
    assert response.status_code == 302
    with tenant_scope(cast.tenant_a):
        activity = Activity.objects.select_related("firm").get()
    assert (activity.firm, activity.status) == (cast.firm_a1, ReviewStatus.SUBMITTED)
    assert activity.submitted_by == cast.partner_rep_a1.user


def test_today_is_the_vendors_today(cast):
    cast.tenant_a.time_zone = "Australia/Sydney"  # 22:00 there while it is noon in UTC
    cast.tenant_a.save()
    form = {"kind": "qbr", "occurred_on": "2025-06-16", "description": "QBR"}
    with time_machine.travel(datetime.datetime(2025, 6, 16, 14, 30, tzinfo=UTC), tick=False):
        response = signed_in(cast.partner_rep_a1.user).post(
            f"{PAGE}add/", {**form, "occurred_on": "2025-06-17"}
        )
    assert response.status_code == 302  # already 17 June, 00:30 in Sydney


def test_attestation_must_end_after_it_starts(cast):
    form = {
        "kind": "website_lists_vendor",
        "statement": "Our partners page lists Simpro.",
        "valid_from": "2025-06-01",
        "valid_until": "2025-06-01",
    }
    client = signed_in(cast.partner_rep_a1.user)
    response = client.post(f"{PAGE}attestations/add/", form)
    assert response.status_code == 400
    assert "Use a date after 2025-06-01, or leave it empty." in response.content.decode()
    assert client.post(f"{PAGE}attestations/add/", {**form, "valid_until": ""}).status_code == 302


def test_integration_update_follows_its_release_once_per_firm(cast):
    release = release_of(cast.tenant_a)
    client = signed_in(cast.partner_rep_a1.user)
    early = {"release": release.pk, "updated_on": "2025-04-30"}
    response = client.post(f"{PAGE}integration-updates/add/", early)
    assert response.status_code == 400
    assert "Use a date on or after 2025-05-01." in response.content.decode()
    on_time = {"release": release.pk, "updated_on": "2025-05-01"}
    assert client.post(f"{PAGE}integration-updates/add/", on_time).status_code == 302
    again = client.post(f"{PAGE}integration-updates/add/", on_time)
    assert again.status_code == 400
    assert "Your firm already recorded its update for Simpro 25.1." in again.content.decode()
    with tenant_scope(cast.tenant_a):
        assert IntegrationUpdate.objects.count() == 1
    foreign = release_of(cast.tenant_b, version="9.9")
    response = client.post(f"{PAGE}integration-updates/add/", {**on_time, "release": foreign.pk})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()


def test_support_issue_times_are_the_vendors_and_must_add_up(cast):
    cast.tenant_a.time_zone = "Australia/Sydney"
    cast.tenant_a.save()
    client = signed_in(cast.partner_rep_a1.user)
    form = {"reference": "T-1", "opened_at": "2025-06-16T09:00", "resolved_at": "2025-06-16T08:00"}
    response = client.post(f"{PAGE}support-issues/add/", form)
    assert response.status_code == 400
    assert "An issue is resolved after it was opened, not before." in response.content.decode()

    response = client.post(f"{PAGE}support-issues/add/", {**form, "resolved_at": ""})
    assert response.status_code == 302
    with tenant_scope(cast.tenant_a):
        issue = SupportIssue.objects.get()
    assert issue.opened_at == datetime.datetime(2025, 6, 15, 23, tzinfo=UTC)  # 09:00 Sydney
    detail = f"{PAGE}support-issues/{issue.pk}/"
    assert client.post(detail, {"resolved_at": "2025-06-16T21:00"}).status_code == 302
    assert "0 business days" in client.get(detail).content.decode()


def test_activity_pages_are_hidden_from_other_firms_and_tenants(cast):
    activity_of(cast.firm_a1, description="Sparkline only")
    issue = create(
        SupportIssue, tenant=cast.tenant_a, firm=cast.firm_a1, reference="T-9", opened_at=NOW
    )
    detail = f"{PAGE}support-issues/{issue.pk}/"
    assert_visible_to(cast.partner_rep_a1.user, PAGE)
    assert_visible_to(cast.partner_rep_a1.user, detail)
    for outsider in (cast.partner_rep_b1.user, cast.stranger, cast.manager_a):
        assert_hidden_from(outsider, PAGE)
    for outsider in (cast.partner_rep_a2.user, cast.partner_rep_b1.user, cast.manager_a):
        assert_hidden_from(outsider, detail)
        assert_hidden_from(
            outsider, detail, method="post", data={"resolved_at": "2025-06-16T10:00"}
        )
    assert_hidden_from(
        cast.partner_rep_b1.user, f"/ipsoft/portal/activities/support-issues/{issue.pk}/"
    )
    assert reload(issue).resolved_at is None
    assert "Sparkline only" not in signed_in(cast.partner_rep_a2.user).get(PAGE).content.decode()


# --- console review ----------------------------------------------------------------


def changelist(model) -> str:
    return f"/admin/partners/{model._meta.model_name}/"


def act(user, model, action, rows, **extra):
    data = {"action": action, "_selected_action": [row.pk for row in rows], **extra}
    return signed_in(user).post(changelist(model), data)


def test_manager_verifies_selected_activities(cast):
    waiting, other = activity_of(cast.firm_a1), activity_of(cast.firm_a2)
    rejected = activity_of(cast.firm_a1, status="rejected", rejection_reason="No evidence")
    response = act(cast.manager_a, Activity, "verify_selected", [waiting, other, rejected], index=0)
    assert response.status_code == 302
    assert reload(waiting).status == reload(other).status == ReviewStatus.VERIFIED
    assert reload(waiting).verified_by == cast.manager_a
    assert reload(rejected).status == ReviewStatus.REJECTED  # only waiting rows change


@pytest.mark.parametrize("model", [Activity, Certification])
def test_reject_asks_for_a_reason_and_requires_one(cast, model):
    row = (
        activity_of(cast.firm_a1)
        if model is Activity
        else certification_of(
            resource_of(cast.firm_a1), earned_on=datetime.date(2025, 3, 1), status="submitted"
        )
    )
    ask = act(cast.manager_a, model, "reject_selected", [row], index=0)
    assert ask.status_code == 200 and b'name="reason"' in ask.content
    blank = act(cast.manager_a, model, "reject_selected", [row], apply="1", reason="   ")
    assert blank.status_code == 400 and b"This field is required." in blank.content
    assert reload(row).status == ReviewStatus.SUBMITTED
    reason = "The certificate shows another person's name."
    done = act(cast.manager_a, model, "reject_selected", [row], apply="1", reason=reason)
    assert done.status_code == 302
    assert (reload(row).status, reload(row).rejection_reason) == (ReviewStatus.REJECTED, reason)


def test_finance_and_other_tenants_cannot_review(cast):
    ours = activity_of(cast.firm_a1)
    act(cast.finance_a, Activity, "verify_selected", [ours], index=0)
    act(cast.manager_b, Activity, "verify_selected", [ours], index=0)
    act(cast.manager_b, Activity, "reject_selected", [ours], apply="1", reason="Nope")
    assert reload(ours).status == ReviewStatus.SUBMITTED
    assert_visible_to(cast.finance_a, f"{changelist(Activity)}{ours.pk}/change/")
    assert_hidden_from(cast.manager_b, f"{changelist(Activity)}{ours.pk}/change/")


@pytest.mark.parametrize(
    "model",
    [Activity, Certification, CustomerFeedback, IntegrationUpdate, SupportIssue, VendorRelease],
)
def test_console_lists_search_and_filter_only_the_tenants_rows(cast, model):
    resolved = {"resolved_at": NOW}
    create(
        SupportIssue,
        tenant=cast.tenant_b,
        firm=cast.firm_b1,
        reference="IPSOFT-1",
        opened_at=NOW,
        **resolved,
    )
    create(
        SupportIssue,
        tenant=cast.tenant_a,
        firm=cast.firm_a1,
        reference="SIMPRO-1",
        opened_at=NOW,
        **resolved,
    )
    client = signed_in(cast.finance_a)
    page = client.get(f"{changelist(model)}?q=simpro")
    assert page.status_code == 200
    assert b"IPSOFT-1" not in page.content
    if model is SupportIssue:
        assert b"SIMPRO-1" in page.content
    filtered = client.get(f"{changelist(model)}?o=1")
    assert filtered.status_code == 200


def test_console_change_and_add_pages_render_for_managers(cast):
    resource = resource_of(cast.firm_a1)
    release = release_of(cast.tenant_a)
    firm = {"tenant": cast.tenant_a, "firm": cast.firm_a1}
    rows = [
        activity_of(cast.firm_a1),
        certification_of(resource, earned_on=datetime.date(2025, 3, 1)),
        resource,
        release,
        create(IntegrationUpdate, **firm, release=release, updated_on=datetime.date(2025, 5, 2)),
        create(SupportIssue, **firm, reference="T-1", opened_at=NOW),
        create(CustomerFeedback, **firm, received_on=NOW.date(), sentiment="neutral", summary="Ok"),
    ]
    client = signed_in(cast.manager_a)
    for row in rows:
        assert client.get(f"{changelist(type(row))}{row.pk}/change/").status_code == 200
    for model in (VendorRelease, CustomerFeedback, SupportIssue):
        assert client.get(f"{changelist(model)}add/").status_code == 200
    assert client.get(f"{changelist(Activity)}add/").status_code == 403  # partners submit these


def test_feedback_recorded_by_staff_is_verified_at_once(cast):
    data = {
        "firm": cast.firm_a1.pk,
        "received_on": "2025-06-10",
        "sentiment": "positive",
        "summary": "Great rollout.",
    }
    response = signed_in(cast.manager_a).post(f"{changelist(CustomerFeedback)}add/", data)
    assert response.status_code == 302
    with tenant_scope(cast.tenant_a):
        feedback = CustomerFeedback.objects.get()
    assert (feedback.status, feedback.verified_by) == (ReviewStatus.VERIFIED, cast.manager_a)


# --- API ---------------------------------------------------------------------------


def test_api_lists_rows_by_caller_and_hides_other_firms_details(cast):
    ours, theirs = activity_of(cast.firm_a1), activity_of(cast.firm_a2)
    activity_of(cast.firm_b1)
    release_of(cast.tenant_a)
    release_of(cast.tenant_b, version="9.9")

    def ids(user, path):
        response = signed_in(user).get(f"{API}{path}")
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids(cast.partner_rep_a1.user, "activities/") == {ours.pk}
    assert ids(cast.manager_a, "activities/") == {ours.pk, theirs.pk}
    releases = signed_in(cast.partner_rep_a1.user).get(f"{API}releases/").json()["results"]
    assert [r["version"] for r in releases] == ["25.1"]
    for outsider in (cast.partner_rep_a2.user, cast.partner_rep_b1.user, cast.manager_b):
        assert_hidden_from(outsider, f"{API}activities/{ours.pk}/")


def test_api_creates_with_the_same_rules(cast):
    user = cast.partner_rep_a1.user
    future = {"kind": "qbr", "occurred_on": "2025-06-17", "description": "QBR"}
    response = post_json(user, f"{API}activities/create/", future)
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "occurred_on": ["Use a date on or before 2025-06-16."]
    }

    release = release_of(cast.tenant_a)
    update = {"release": release.pk, "updated_on": "2025-05-02"}
    assert post_json(user, f"{API}integration-updates/create/", update).status_code == 201
    duplicate = post_json(user, f"{API}integration-updates/create/", update)
    assert duplicate.status_code == 409 and duplicate.json()["error"]["code"] == "conflict"

    issue = {
        "reference": "T-2",
        "opened_at": "2025-06-16T09:00Z",
        "resolved_at": "2025-06-13T09:00Z",
    }
    response = post_json(user, f"{API}support-issues/create/", issue)
    assert response.status_code == 400 and "resolved_at" in response.json()["error"]["fields"]
    attestation = {"kind": "other", "statement": "We hold a plan.", "valid_from": "2025-06-01"}
    created = post_json(user, f"{API}attestations/create/", attestation)
    assert created.status_code == 201 and created.json()["status"] == "submitted"
    assert_hidden_from(cast.partner_rep_a2.user, f"{API}attestations/{created.json()['id']}/")


def test_the_activities_page_pages_each_list_on_its_own_in_constant_queries(cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    firm = cast.firm_a1
    for n in range(30):
        activity_of(firm, description=f"Workshop {n:02}", occurred_on=datetime.date(2025, 5, 1))
        create(
            SupportIssue,
            tenant=firm.tenant,
            firm=firm,
            reference=f"SUP-{n:02}",
            opened_at=NOW - datetime.timedelta(days=n),
        )
    activity_of(cast.firm_a2, description="Other firm's workshop")
    partner = signed_in(cast.partner_admin_a1.user)

    def page(query: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as sql:
            response = partner.get(PAGE + query)
        assert response.status_code == 200
        return len(sql.captured_queries), response.content.decode()

    queries, first = page("")
    shown = [n for n in range(30) if f"Workshop {n:02}" in first]
    assert len(shown) == 25 and 'href="?activities_page=2" rel="next"' in first
    assert "SUP-00" in first and "SUP-29" not in first  # newest issue first, 25 a page
    _, second = page("?activities_page=2&issues_page=2")
    assert [n for n in range(30) if f"Workshop {n:02}" in second] == sorted(
        set(range(30)) - set(shown)
    )  # the rest, none twice (the same day: ties broken by id)
    assert "SUP-29" in second and "SUP-00" not in second
    assert "Other firm's workshop" not in first + second  # the outsider firm
    for n in range(30, 130):
        activity_of(firm, description=f"Workshop {n:03}")
    assert page("")[0] == queries  # the same queries with 130 activities as with 30
