"""Console actions appear only when legal, audited records cannot be deleted, and the bulk
actions managers need decide many rows with one reason."""

import datetime

import pytest
from django.urls import reverse

from commissions.models import BatchStatus, LedgerEntry, PayoutBatch
from deals.models import DealRegistration, RegistrationStatus
from partners.models import Application, Enrolment
from tenants.models import StaffMembership, Tenant
from tenants.scope import tenant_scope
from tests.console.conftest import console_client
from tiers.models import EvaluationStatus, TierEvaluation

REGISTRATIONS = "/admin/deals/dealregistration/"


def action_url(model, name: str, pk: int) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{name}", args=[pk])


def change_page(client, model, pk) -> str:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def registration(tenant, status: str) -> DealRegistration:
    with tenant_scope(tenant):
        row = DealRegistration.objects.filter(lead_source="partner").order_by("pk").first()
        DealRegistration.objects.filter(pk=row.pk).update(status=status)
        row.refresh_from_db()
    return row


def offered(html: str, model, pk: int, *names: str) -> set[str]:
    return {name for name in names if f'href="{action_url(model, name, pk)}"' in html}


DECISIONS = ("approve", "reject", "start_review", "mark_won", "mark_lost", "decide_extension")


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (RegistrationStatus.SUBMITTED, {"approve", "reject", "start_review"}),
        (RegistrationStatus.UNDER_REVIEW, {"approve", "reject"}),
        (RegistrationStatus.APPROVED, {"mark_won", "mark_lost"}),
        (RegistrationStatus.REJECTED, set()),
        (RegistrationStatus.WON, set()),
    ],
)
def test_registration_offers_only_the_workflows_next_steps(demo, status, expected):
    row = registration(demo, status)
    html = change_page(console_client("manager@cimcloud.demo"), DealRegistration, row.pk)
    assert offered(html, DealRegistration, row.pk, *DECISIONS) == expected


def test_an_illegal_decision_is_refused_even_when_posted(demo):
    row = registration(demo, RegistrationStatus.REJECTED)
    client = console_client("manager@cimcloud.demo")
    response = client.post(action_url(DealRegistration, "approve", row.pk), {"reason": "ok"})
    assert response.status_code == 403
    with tenant_scope(demo):
        row.refresh_from_db()
    assert row.status == RegistrationStatus.REJECTED


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (BatchStatus.DRAFT, {"approve"}),
        (BatchStatus.APPROVED, {"mark_exported", "record_payment"}),
        (BatchStatus.EXPORTED, {"record_payment"}),
        (BatchStatus.PAID, set()),
    ],
)
def test_batch_offers_only_what_its_status_allows(demo, status, expected):
    with tenant_scope(demo):
        batch = PayoutBatch.objects.get()
        PayoutBatch.objects.filter(pk=batch.pk).update(status=status)
    html = change_page(console_client("finance@cimcloud.demo"), PayoutBatch, batch.pk)
    names = ("approve", "mark_exported", "record_payment")
    assert offered(html, PayoutBatch, batch.pk, *names) == expected


@pytest.mark.parametrize(
    "model", [Application, DealRegistration, TierEvaluation, LedgerEntry, PayoutBatch]
)
def test_audited_records_offer_no_delete(demo, model):
    client = console_client("admin@prm.demo")  # the superuser: not even they delete these
    with tenant_scope(demo):
        row = model.objects.order_by("pk").first()
    meta = model._meta
    changelist = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    assert 'value="delete_selected"' not in changelist.content.decode()
    delete = reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[row.pk])
    assert delete not in change_page(client, model, row.pk)
    assert client.post(delete, {"post": "yes"}).status_code == 403
    with tenant_scope(demo):
        assert model.objects.filter(pk=row.pk).exists()


def _to_review(tenant, count: int) -> list[DealRegistration]:
    with tenant_scope(tenant):
        rows = list(DealRegistration.objects.filter(lead_source="partner").order_by("pk")[:count])
        DealRegistration.objects.filter(pk__in=[r.pk for r in rows]).update(
            status=RegistrationStatus.UNDER_REVIEW
        )
    return rows


@pytest.mark.django_db(transaction=True)
def test_managers_approve_selected_registrations_with_one_note(demo):
    *rows, done = _to_review(demo, 3)
    with tenant_scope(demo):  # a won registration is not decidable: it is left as it is
        DealRegistration.objects.filter(pk=done.pk).update(status=RegistrationStatus.WON)
    client = console_client("manager@cimcloud.demo")
    selected = [r.pk for r in rows] + [done.pk]
    page = client.post(REGISTRATIONS, {"action": "approve_selected", "_selected_action": selected})
    assert page.status_code == 200 and "Approve selected" in page.content.decode()

    response = client.post(
        REGISTRATIONS,
        {
            "action": "approve_selected",
            "_selected_action": selected,
            "apply": "1",
            "reason": "Reviewed on the weekly call.",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Approved 2 registration(s)" in html
    assert "Not changed:" in html
    with tenant_scope(demo):
        statuses = set(
            DealRegistration.objects.filter(pk__in=[r.pk for r in rows]).values_list(
                "status", flat=True
            )
        )
        assert statuses == {RegistrationStatus.APPROVED}
        assert DealRegistration.objects.get(pk=done.pk).status == RegistrationStatus.WON


@pytest.mark.django_db(transaction=True)
def test_managers_reject_selected_registrations_with_one_reason(demo):
    rows = _to_review(demo, 2)
    client = console_client("manager@cimcloud.demo")
    selected = [r.pk for r in rows]
    page = client.post(REGISTRATIONS, {"action": "reject_selected", "_selected_action": selected})
    form = page.context["form"]
    reason = next(key for key, _ in form.fields["reason"].choices if key and key != "other")
    client.post(
        REGISTRATIONS,
        {
            "action": "reject_selected",
            "_selected_action": selected,
            "apply": "1",
            "reason": reason,
            "note": "Outside the program's market.",
        },
    )
    with tenant_scope(demo):
        rejected = DealRegistration.objects.filter(pk__in=selected)
        assert {r.status for r in rejected} == {RegistrationStatus.REJECTED}
        assert {r.rejection_reason for r in rejected} == {reason}


def test_an_outsider_cannot_bulk_decide_another_vendors_registrations(demo):
    rows = _to_review(demo, 1)
    client = console_client("manager@simpro.demo")
    client.post(
        REGISTRATIONS,
        {"action": "approve_selected", "_selected_action": [rows[0].pk], "apply": "1"},
    )
    with tenant_scope(demo):
        assert DealRegistration.objects.get(pk=rows[0].pk).status == RegistrationStatus.UNDER_REVIEW


def test_evaluations_offer_confirm_only_while_awaiting(demo):
    with tenant_scope(demo):
        evaluation = TierEvaluation.objects.order_by("pk").first()
    client = console_client("manager@cimcloud.demo")
    html = change_page(client, TierEvaluation, evaluation.pk)
    assert offered(html, TierEvaluation, evaluation.pk, "confirm", "dismiss") == set()
    with tenant_scope(demo):
        TierEvaluation.objects.filter(pk=evaluation.pk).update(
            status=EvaluationStatus.AWAITING_CONFIRMATION
        )
    html = change_page(client, TierEvaluation, evaluation.pk)
    assert offered(html, TierEvaluation, evaluation.pk, "confirm", "dismiss") == {
        "confirm",
        "dismiss",
    }


@pytest.mark.django_db(transaction=True)
def test_approving_a_month_that_has_not_ended_asks_for_an_explicit_yes(demo):
    with tenant_scope(demo):
        batch = PayoutBatch.objects.get()
    client = console_client("finance@cimcloud.demo")
    url = action_url(PayoutBatch, "approve", batch.pk)
    month = f"{batch.period:%B %Y}"

    page = client.get(url).content.decode()
    assert f"{month} has not ended yet" in page
    assert f"Approving closes {month}" in page

    client.post(url, {})
    with tenant_scope(demo):
        assert PayoutBatch.objects.get(pk=batch.pk).status == BatchStatus.DRAFT

    client.post(url, {"close_early": "on"})
    with tenant_scope(demo):
        assert PayoutBatch.objects.get(pk=batch.pk).status == BatchStatus.APPROVED


def test_managers_assign_a_partner_manager_to_selected_enrolments(demo):
    with tenant_scope(demo):
        manager = StaffMembership.objects.get(role="manager").user
        chosen = list(Enrolment.objects.order_by("pk").values_list("pk", flat=True)[:2])
    other = Tenant.objects.get(slug="simpro")
    with tenant_scope(other):
        foreign = Enrolment.objects.order_by("pk").first()
    client = console_client("manager@cimcloud.demo")
    client.post(
        "/admin/partners/enrolment/",
        {
            "action": "assign_partner_manager",
            "_selected_action": [*chosen, foreign.pk],
            "apply": "1",
            "manager": manager.pk,
        },
    )
    with tenant_scope(demo):
        assigned = set(
            Enrolment.objects.filter(pk__in=chosen).values_list("partner_manager", flat=True)
        )
    assert assigned == {manager.pk}
    with tenant_scope(other):
        assert Enrolment.objects.get(pk=foreign.pk).partner_manager_id != manager.pk


def test_enrolment_territories_are_a_country_picker_not_json(demo):
    with tenant_scope(demo):
        enrolment = Enrolment.objects.exclude(territories=[]).order_by("pk").first()
    html = change_page(console_client("manager@cimcloud.demo"), Enrolment, enrolment.pk)
    code = enrolment.territories[0]
    assert f'<option value="{code}" selected>' in html
    assert "United States" in html or code != "US"
    assert '<textarea name="territories"' not in html and '<textarea name="tracks"' not in html


def test_managers_confirm_selected_evaluations(demo):
    with tenant_scope(demo):
        waiting, settled = TierEvaluation.objects.order_by("pk")[:2]
        TierEvaluation.objects.filter(pk=waiting.pk).update(
            status=EvaluationStatus.AWAITING_CONFIRMATION,
            effective_on=datetime.date.today() + datetime.timedelta(days=10),
        )
    client = console_client("manager@cimcloud.demo")
    url = "/admin/tiers/tierevaluation/"
    selected = [waiting.pk, settled.pk]
    page = client.post(url, {"action": "confirm_selected", "_selected_action": selected})
    assert "Confirm selected" in page.content.decode()

    response = client.post(
        url,
        {"action": "confirm_selected", "_selected_action": selected, "apply": "1"},
        follow=True,
    )
    html = response.content.decode()
    assert "Confirmed 1 tier change(s)." in html
    assert "not waiting for a decision" in html
    with tenant_scope(demo):
        assert TierEvaluation.objects.get(pk=waiting.pk).status == EvaluationStatus.SCHEDULED
        assert TierEvaluation.objects.get(pk=settled.pk).status == settled.status
