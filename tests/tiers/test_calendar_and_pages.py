import datetime

import time_machine
from django.test import Client

from programs.models import Program
from tenants.scope import tenant_scope
from tests.isolation import assert_hidden_from, assert_visible_to
from tests.partners.test_enrolments import enrol
from tiers.calendar import due_periods
from tiers.models import TierAssignment, TierEvaluation
from tiers.tasks import evaluations_daily

D = datetime.date


def test_daily_tick_catches_up_missed_quarters_and_a_second_tick_adds_nothing(db, eager_tasks):
    tenant, program, _ = enrol("ipsoft", D(2025, 2, 10), tracks=["advisor"])
    # the worker was down all summer: on October 5 the tick finds Q1, Q2 and Q3 due
    with tenant_scope(tenant):
        assert [key for _, key in due_periods(program, D(2025, 10, 5))] == [
            "2025-Q1",
            "2025-Q2",
            "2025-Q3",
        ]
    first = evaluations_daily.apply(args=[tenant.pk, "2025-10-05"]).get()
    second = evaluations_daily.apply(args=[tenant.pk, "2025-10-05"]).get()
    assert (first["enqueued"], second["enqueued"]) == (3, 0)
    with tenant_scope(tenant):
        runs = sorted(TierEvaluation.objects.values_list("run_key", flat=True))
    assert runs == ["2025-Q1", "2025-Q2", "2025-Q3"]


def test_immediate_programs_are_looked_at_every_day(db):
    tenant, program, _ = enrol("cimcloud", D(2025, 4, 1))
    with tenant_scope(tenant):
        keys = [key for _, key in due_periods(program, D(2025, 7, 1))]
    assert keys == ["2025-Q2", "day-2025-07-01"]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_partner_sees_their_evaluation_explained_and_nobody_else_does(cast, eager_tasks):
    from tests.deals.conftest import enrol_firm
    from tests.partners.conftest import load_program

    _, simpro = load_program("simpro")
    enrolment = enrol_firm(cast.tenant_a, simpro, cast.partner_admin_a1, ["service-providers"])
    with time_machine.travel(D(2025, 4, 20), tick=False):
        evaluations_daily.apply(args=[cast.tenant_a.pk, "2025-07-02"]).get()
    page = signed_in(cast.partner_rep_a1.user).get("/simpro/portal/tier/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "10 or more closed-won opportunities" in body and "<progress" in body
    assert "Missing for Select" in body
    api = signed_in(cast.partner_rep_a1.user).get("/simpro/api/v1/tier-evaluations/").json()
    assert {e["enrolment"] for e in api["results"]} == {enrolment.pk}
    assert_visible_to(cast.partner_rep_a1.user, f"/simpro/api/v1/enrolments/{enrolment.pk}/tiers/")
    for outsider in (cast.partner_rep_a2.user, cast.partner_rep_b1.user, cast.manager_b):
        assert_hidden_from(outsider, f"/simpro/api/v1/enrolments/{enrolment.pk}/tiers/")
    other_firm = signed_in(cast.partner_rep_a2.user).get("/simpro/api/v1/tier-evaluations/")
    assert other_firm.status_code == 404 or other_firm.json()["count"] == 0


def test_manager_overrides_with_a_reason_and_invites_to_premier(cast):
    from tests.deals.conftest import enrol_firm
    from tests.partners.conftest import load_program

    _, simpro = load_program("simpro")
    enrolment = enrol_firm(cast.tenant_a, simpro, cast.partner_admin_a1, ["technology"])
    console = signed_in(cast.manager_a)
    url = f"/admin/tiers/partnertier/{enrolment.pk}/override/"
    refused = console.post(url, {"tier": "premier", "valid_from": "2025-05-01", "reason": ""})
    assert b"This field is required." in refused.content
    console.post(
        url,
        {"tier": "premier", "valid_from": "2025-05-01", "reason": "Strategic integration partner"},
    )
    with tenant_scope(cast.tenant_a):
        latest = TierAssignment.objects.filter(enrolment=enrolment).latest("pk")
    assert (latest.tier, latest.source, latest.reason) == (
        "premier",
        "invitation",
        "Strategic integration partner",
    )
    assert_hidden_from(cast.manager_b, f"/admin/tiers/partnertier/{enrolment.pk}/change/")


def test_simulating_a_version_stores_nothing(cast):
    from tests.deals.conftest import enrol_firm
    from tests.partners.conftest import load_program

    _, simpro = load_program("simpro")
    enrol_firm(cast.tenant_a, simpro, cast.partner_admin_a1, ["technology"])
    with tenant_scope(cast.tenant_a):
        version = Program.objects.get().versions.get()
    page = signed_in(cast.manager_a).post(
        "/admin/tiers/partnertier/simulate/", {"version": version.pk, "period": "2025-Q2"}
    )
    assert page.status_code == 200 and b"partners evaluated" in page.content
    with tenant_scope(cast.tenant_a):
        assert not TierEvaluation.objects.exists()
