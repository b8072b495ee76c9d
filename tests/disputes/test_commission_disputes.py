"""A CIMcloud partner disputes a commission line through the API; finance upholds it; the
adjustment is booked into the next open month and paid with that month's batch."""

import pytest
from django.core import mail

from commissions.models import CommissionLine, EntryKind, LedgerEntry, PayoutBatch, PayoutLine
from commissions.payouts import batch_approve, batch_build
from disputes.models import Dispute
from tenants.models import StaffRole
from tenants.scope import tenant_scope
from tenants.tasks import run_for_every_tenant
from tests.commissions.conftest import D, accrue, cim_partner, line, sell
from tests.disputes.conftest import (
    console_action,
    on,
    only_dispute,
    partner_user,
    signed_in,
    staff,
)
from tests.tiers.conftest import lead

MAY = D(2026, 5, 12)


@pytest.fixture
def paid_may(db):
    """A CIMcloud partner's May sale accrued; May's batch built and approved (May closed)."""
    tenant, program, enrolment = cim_partner()
    order = sell(
        tenant,
        lead(tenant, enrolment, "Acme Corp", D(2026, 4, 1)),
        [line("CONNECT", "10000.00")],
        MAY,
    )
    commission = accrue(tenant, order)["CONNECT"]
    with tenant_scope(tenant):
        may, _ = batch_build(tenant=tenant, program=program, period=D(2026, 5, 1))
        batch_approve(tenant=tenant, batch=may, user=None, today=D(2026, 6, 2))
    return tenant, program, enrolment, commission


def test_finance_upholds_and_the_adjustment_lands_in_the_next_batch(
    paid_may, django_capture_on_commit_callbacks
):
    tenant, program, enrolment, commission = paid_may
    partner = signed_in(partner_user(tenant, enrolment))
    finance = staff(tenant, StaffRole.FINANCE)
    manager = staff(tenant, StaffRole.MANAGER)

    with on(D(2026, 6, 3)):
        page = partner.get("/cimcloud/portal/commissions/").content.decode()
        assert f"/cimcloud/portal/disputes/file/commission/{commission.pk}/" in page
        filed = partner.post(
            "/cimcloud/api/v1/disputes/",
            {
                "kind": "commission",
                "subject_id": commission.pk,
                "reason": "Acme bought the bundle at Tier 3: 35 %, not 30 %.",
            },
            content_type="application/json",
        )
    assert filed.status_code == 201, filed.content
    body = filed.json()
    assert body["evidence"]["line"]["rate"] == commission.rate
    assert body["evidence"]["line"]["rate_text"] == "30 %"
    assert body["evidence"]["line"]["amount"] == "3,000.00 USD"
    assert body["evidence"]["line"]["tier_name"] and body["clock"]["overdue"] is False
    assert (body["response_due_on"], body["resolution_due_on"]) == ("2026-06-05", "2026-06-17")
    with tenant_scope(tenant):
        dispute = Dispute.objects.get(pk=body["id"])

    # the partner follows it; finance, not the partner manager, decides money
    with on(D(2026, 6, 4)):
        followed = partner.get(f"/cimcloud/api/v1/disputes/{dispute.pk}/").json()
        manager_page = signed_in(manager).get(f"/admin/disputes/dispute/{dispute.pk}/change/")
        finance_page = signed_in(finance).get(f"/admin/disputes/dispute/{dispute.pk}/change/")
        refused = console_action(manager, dispute, "uphold", {"amount": "500.00"})
        bad = console_action(finance, dispute, "uphold", {"amount": "0"})
        with django_capture_on_commit_callbacks(execute=True):
            upheld = console_action(
                finance, dispute, "uphold", {"amount": "500.00", "note": "Tier 3 rate applies."}
            )
    assert [s["step"] for s in followed["timeline"]] == ["filed"]
    assert manager_page.status_code == 200 and "/uphold/" not in manager_page.content.decode()
    assert "/uphold/" in finance_page.content.decode()
    assert "3,000.00 USD" in finance_page.content.decode()  # the evidence, in words
    assert refused.status_code == 403
    assert bad.status_code == 200 and "not zero" in bad.content.decode()
    assert upheld.status_code == 302

    with tenant_scope(tenant):
        dispute.refresh_from_db()
        entry = LedgerEntry.objects.get(pk=dispute.ledger_entry_id)
        assert LedgerEntry.objects.filter(kind=EntryKind.ADJUSTMENT).count() == 1
    assert (entry.amount_minor, entry.booked_on) == (50_000, D(2026, 6, 4))
    assert f"Dispute {dispute.pk} upheld" in entry.memo
    assert mail.outbox[-1].to == [partner_user(tenant, enrolment).email]

    # beat's payouts tick on July 1 builds June's batch, which pays the adjustment
    with on(D(2026, 7, 1)):
        run_for_every_tenant.apply(args=["commissions.tasks.payouts_daily"]).get()
    with tenant_scope(tenant):
        june = PayoutBatch.objects.get(program=program, period=D(2026, 6, 1))
        paid = PayoutLine.objects.get(batch=june, firm=enrolment.firm)
    assert paid.corrections_minor == 50_000

    with on(D(2026, 7, 2)):
        page = partner.get(f"/cimcloud/portal/disputes/{dispute.pk}/").content.decode()
    assert "Adjustment of 500.00 USD booked on 2026-06-04" in page
    assert "<br>30 %</p>" in page  # the disputed rate with its unit, not "0.3"

    # corrected once: the same line cannot be disputed (and paid) again
    with on(D(2026, 7, 2)):
        again = partner.post(
            "/cimcloud/api/v1/disputes/",
            {"kind": "commission", "subject_id": commission.pk, "reason": "And more."},
            content_type="application/json",
        )
        lines_page = partner.get("/cimcloud/portal/commissions/").content.decode()
    assert again.status_code == 409 and "already upheld" in again.json()["error"]["message"]
    assert f"Disputed: see dispute {dispute.pk}" in lines_page
    with tenant_scope(tenant):
        assert Dispute.objects.count() == 1


def test_a_second_dispute_of_the_same_line_waits_for_the_first(paid_may):
    tenant, _program, enrolment, commission = paid_may
    partner = signed_in(partner_user(tenant, enrolment))
    data = {"kind": "commission", "subject_id": commission.pk, "reason": "Wrong rate"}
    with on(D(2026, 6, 3)):
        first = partner.post("/cimcloud/api/v1/disputes/", data, content_type="application/json")
        second = partner.post("/cimcloud/api/v1/disputes/", data, content_type="application/json")
        page = partner.get("/cimcloud/portal/commissions/").content.decode()
    assert first.status_code == 201
    assert second.status_code == 409 and "already disputed" in second.json()["error"]["message"]
    assert f"Disputed: see dispute {first.json()['id']}" in page


def test_the_adjustment_is_in_the_disputed_lines_currency(paid_may):
    # a line in another currency than its program's (the order's): JPY has no decimals
    tenant, _program, enrolment, commission = paid_may
    with tenant_scope(tenant):
        CommissionLine.objects.filter(pk=commission.pk).update(currency="JPY")
    partner = signed_in(partner_user(tenant, enrolment))
    finance = staff(tenant, StaffRole.FINANCE)
    with on(D(2026, 6, 3)):
        partner.post(
            f"/cimcloud/portal/disputes/file/commission/{commission.pk}/",
            {"reason": "Short by 500 yen."},
        )
    with on(D(2026, 6, 4)):
        cents = console_action(finance, only_dispute(tenant), "uphold", {"amount": "500.50"})
        upheld = console_action(finance, only_dispute(tenant), "uphold", {"amount": "500"})
    assert cents.status_code == 200  # yen have no cents: refused, nothing booked
    assert upheld.status_code == 302
    with tenant_scope(tenant):
        [entry] = LedgerEntry.objects.filter(kind=EntryKind.ADJUSTMENT)
    assert (entry.currency, entry.amount_minor) == ("JPY", 500)
