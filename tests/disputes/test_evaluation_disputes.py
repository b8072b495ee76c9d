"""A partner disputes an IPsoft evaluation; the manager upholds it; the tier is corrected
from the day the program's rule would have applied the result (Q1: May 1)."""

from decimal import Decimal

import pytest
from django.core import mail

from disputes.models import Dispute, EvidenceIsFrozen
from tenants.scope import tenant_scope
from tests.disputes.conftest import (
    console_action,
    on,
    only_dispute,
    partner_user,
    signed_in,
    staff,
)
from tests.tiers.conftest import D, evaluate, held, results_of
from tests.tiers.test_ipsoft import (
    JOINED,
    Q1,
    ipsoft_partner,
    qualified_deals,
    standing_requirements,
)
from tiers.models import AssignmentSource, RequirementResult, TierAssignment, TierEvaluation


@pytest.fixture
def q1_short_of_registered(db):
    """An IPsoft alliance partner one qualified opportunity short of Registered in Q1
    (two of three), evaluated on April 2."""
    tenant, program, enrolment = ipsoft_partner("alliance")
    standing_requirements(tenant, enrolment)
    qualified_deals(tenant, enrolment, 2, wins=1)
    [evaluation] = evaluate(tenant, program, Q1, today=D(2025, 4, 2))
    assert (evaluation.current_tier, evaluation.resulting_tier) == ("prospective", "prospective")
    result = results_of(tenant, evaluation)["qualified-opps-alliance"]
    assert (result.value, result.passed) == (Decimal(2), False)
    return tenant, program, enrolment, evaluation, result


def test_the_manager_upholds_and_the_tier_is_corrected_from_the_notification_date(
    q1_short_of_registered, django_capture_on_commit_callbacks
):
    tenant, _program, enrolment, evaluation, result = q1_short_of_registered
    partner = signed_in(partner_user(tenant, enrolment))
    manager = staff(tenant)
    with tenant_scope(tenant):
        enrolment.partner_manager = manager
        enrolment.save(update_fields=["partner_manager"])

    with on(D(2025, 4, 7)):
        tier_page = partner.get("/ipsoft/portal/tier/").content.decode()
        form_url = f"/ipsoft/portal/disputes/file/evaluation/{evaluation.pk}/"
        assert form_url in tier_page and "Dispute this evaluation" in tier_page
        with django_capture_on_commit_callbacks(execute=True):
            filed = partner.post(
                form_url,
                {"reason": "The Initech deal was qualified on March 20.", "results": [result.pk]},
            )
    dispute = only_dispute(tenant)
    assert (
        filed.status_code == 302 and filed["Location"] == f"/ipsoft/portal/disputes/{dispute.pk}/"
    )
    # three business days to answer (IPsoft's definition), fifteen to decide
    assert (dispute.filed_on, dispute.response_due_on) == (D(2025, 4, 7), D(2025, 4, 10))
    assert dispute.resolution_due_on == D(2025, 4, 28)
    assert dispute.assigned_to == manager
    assert [m.to for m in mail.outbox] == [[manager.email]]
    [frozen] = dispute.evidence["results"]
    assert (frozen["value"], frozen["threshold"], frozen["passed"]) == ("2", "3", False)
    assert frozen["window_end"] == "2025-03-31" and len(frozen["counted_ids"]) == 2
    assert dispute.evidence["evaluation"]["program_version"] == evaluation.program_version.number

    # a later change to the stored result never reaches the dispute's copy
    with tenant_scope(tenant):
        RequirementResult.objects.filter(pk=result.pk).update(value=Decimal(5))
        with pytest.raises(EvidenceIsFrozen):
            Dispute.objects.get(pk=dispute.pk).save()
    with on(D(2025, 4, 8)):
        page = partner.get(f"/ipsoft/portal/disputes/{dispute.pk}/").content.decode()
    assert result.label in page
    assert "Response due 2025-04-10: 2 business days left" in page
    assert "<td>2</td>" in page and "Not met" in page  # as filed, not the later 5

    mail.outbox.clear()
    with on(D(2025, 5, 20)), django_capture_on_commit_callbacks(execute=True):
        upheld = console_action(
            manager, dispute, "uphold", {"tier": "registered", "note": "Confirmed in the CRM."}
        )
    assert upheld.status_code == 302, upheld.content.decode()[:2000]

    assert held(tenant, enrolment, D(2025, 4, 30)) == "prospective"
    assert held(tenant, enrolment, D(2025, 5, 1)) == "registered"
    with tenant_scope(tenant):
        dispute = Dispute.objects.get(pk=dispute.pk)
        correction = TierAssignment.objects.get(pk=dispute.tier_assignment_id)
        steps = list(dispute.timeline.values_list("step", flat=True))
    assert dispute.status == "upheld" and dispute.resolved_by == manager
    assert (correction.tier, correction.valid_from) == ("registered", D(2025, 5, 1))
    assert correction.source == AssignmentSource.OVERRIDE and correction.replaces_id is not None
    assert f"Dispute {dispute.pk} upheld" in correction.reason
    assert steps == ["filed", "upheld", "applied"]
    [told] = mail.outbox
    assert told.to == [partner_user(tenant, enrolment).email]
    assert "upheld" in told.subject and "Confirmed in the CRM." in told.body
    assert f"/ipsoft/portal/disputes/{dispute.pk}/" in told.body

    with on(D(2025, 5, 21)):
        page = partner.get(f"/ipsoft/portal/disputes/{dispute.pk}/").content.decode()
    assert "Tier corrected to" in page and "from 2025-05-01" in page
    assert "Upheld" in page


def test_a_dispute_needs_a_reason_and_a_result_and_files_nothing_without(
    q1_short_of_registered,
):
    tenant, _program, enrolment, evaluation, result = q1_short_of_registered
    partner = signed_in(partner_user(tenant, enrolment))
    url = f"/ipsoft/portal/disputes/file/evaluation/{evaluation.pk}/"
    with on(D(2025, 4, 7)):
        no_result = partner.post(url, {"reason": "Wrong"})
        no_reason = partner.post(url, {"reason": " ", "results": [result.pk]})
    assert no_result.status_code == 200 and "Choose at least one requirement" in (
        no_result.content.decode()
    )
    assert no_reason.status_code == 200 and "This field is required" in no_reason.content.decode()
    with tenant_scope(tenant):
        assert not Dispute.objects.exists()


def test_dismissing_needs_a_reason_and_changes_no_tier(
    q1_short_of_registered, django_capture_on_commit_callbacks
):
    tenant, _program, enrolment, evaluation, result = q1_short_of_registered
    partner = signed_in(partner_user(tenant, enrolment))
    manager = staff(tenant)
    with on(D(2025, 4, 7)):
        partner.post(
            f"/ipsoft/portal/disputes/file/evaluation/{evaluation.pk}/",
            {"reason": "Wrong", "results": [result.pk]},
        )
    dispute = only_dispute(tenant)
    with on(D(2025, 4, 9)):
        refused = console_action(manager, dispute, "dismiss", {"reason": ""})
        assert refused.status_code == 200 and only_dispute(tenant).status == "open"
        with django_capture_on_commit_callbacks(execute=True):
            dismissed = console_action(
                manager, dispute, "dismiss", {"reason": "The deal qualified in April."}
            )
        again = console_action(manager, dispute, "uphold", {"tier": "registered"})
    assert dismissed.status_code == 302 and only_dispute(tenant).status == "dismissed"
    assert again.status_code == 403  # no button and no action once decided
    assert held(tenant, enrolment, D(2025, 6, 1)) == "prospective"
    assert "The deal qualified in April." in mail.outbox[-1].body
    assert JOINED  # the scenario's enrolment day (imported for readers)


def test_an_evaluation_run_by_hand_is_corrected_from_its_own_day(
    q1_short_of_registered, django_capture_on_commit_callbacks
):
    # "Evaluate now" names its run by the moment, not by a period
    tenant, _program, enrolment, evaluation, result = q1_short_of_registered
    with tenant_scope(tenant):
        TierEvaluation.objects.filter(pk=evaluation.pk).update(run_key="manual-20250402120000")
    partner = signed_in(partner_user(tenant, enrolment))
    manager = staff(tenant)
    with on(D(2025, 4, 7)):
        partner.post(
            f"/ipsoft/portal/disputes/file/evaluation/{evaluation.pk}/",
            {"reason": "The Initech deal qualified.", "results": [result.pk]},
        )
    with on(D(2025, 5, 20)), django_capture_on_commit_callbacks(execute=True):
        upheld = console_action(manager, only_dispute(tenant), "uphold", {"tier": "registered"})
    assert upheld.status_code == 302
    with tenant_scope(tenant):
        correction = TierAssignment.objects.get(pk=only_dispute(tenant).tier_assignment_id)
    # IPsoft applies a result on its next notification date after the evaluation's day
    assert (correction.tier, correction.valid_from) == ("registered", D(2025, 5, 1))
