"""CIMcloud §8.1: after termination the partner's final payment is held until finance releases
it; the release is recorded and the next batch pays exactly what was held, once."""

import pytest
import time_machine
from django.test import Client

from commissions.claims import correction_book
from commissions.final_payments import final_payment_release
from commissions.models import (
    EntryKind,
    FinalPaymentRelease,
    LedgerEntry,
    PayoutBatch,
    PayoutLine,
)
from partners.models import Enrolment, EnrolmentStatus
from partners.services.enrolments import notice_record
from tenants.errors import ApplicationError
from tenants.models import StaffRole
from tenants.scope import tenant_scope
from tenants.tasks import run_for_every_tenant
from tests.commissions.conftest import D, accrue, cim_partner, line, sell, tax_form
from tests.factories import StaffMembershipFactory
from tests.isolation import assert_hidden_from
from tests.partners.conftest import load_program
from tests.tiers.conftest import join, lead, manager, noon

MAY = D(2026, 5, 12)
TERMINATED = D(2026, 5, 20)
HELD_REASON = "Final payment: the partnership ended on 2026-05-20 (terminated)"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def beat_runs_payouts(on) -> None:
    """What beat's "payouts-daily" entry does, on `on` (tasks run in-process)."""
    with time_machine.travel(noon(on), tick=False):
        run_for_every_tenant.apply(args=["commissions.tasks.payouts_daily"]).get()


def batch_of(tenant, program, period) -> PayoutBatch:
    with tenant_scope(tenant):
        return PayoutBatch.objects.get(program=program, period=period)


def line_in(tenant, batch, firm) -> PayoutLine:
    with tenant_scope(tenant):
        return PayoutLine.objects.get(batch=batch, firm=firm)


def release_url(batch) -> str:
    return f"/admin/commissions/payoutbatch/{batch.pk}/release-final-payment/"


def ipsoft_outsider():
    """IPsoft (no final-payment hold): a partner owed 100.00 in May, terminated May 20."""
    tenant, program = load_program("ipsoft")
    _, _, enrolment = join(
        "ipsoft",
        D(2026, 2, 2),
        tracks=["alliance"],
        email="ip@ended.test",
        loaded=(tenant, program),
    )
    tax_form(tenant, enrolment.firm)
    with tenant_scope(tenant):
        correction_book(
            tenant=tenant,
            firm=enrolment.firm,
            program=program,
            kind=EntryKind.ADJUSTMENT,
            amount="100.00",
            reason="Goodwill",
            key="ipsoft-goodwill",
            today=MAY,
            user=None,
        )
    terminate(tenant, enrolment)
    return tenant, program, enrolment


def terminate(tenant, enrolment) -> None:
    with tenant_scope(tenant), time_machine.travel(noon(TERMINATED), tick=False):
        notice_record(
            tenant=tenant,
            enrolment=enrolment,
            kind="termination",
            given_by="vendor",
            given_on=TERMINATED,
            user=manager(tenant),
            reason="For convenience (003 §8.1)",
        )


@pytest.mark.django_db(transaction=True)
def test_final_payment_is_held_until_finance_releases_it_then_paid_once(eager_tasks):
    # given a CIMcloud partner owed 3,000.00 for a May sale, and an IPsoft outsider
    tenant, program, enrolment = cim_partner()
    order = sell(
        tenant,
        lead(tenant, enrolment, "Acme Corp", D(2026, 4, 1)),
        [line("CONNECT", "10000.00")],
        MAY,
    )
    assert accrue(tenant, order)["CONNECT"].amount_minor == 300_000
    outsider_tenant, outsider_program, outsider = ipsoft_outsider()
    finance = StaffMembershipFactory(tenant=tenant, role=StaffRole.FINANCE).user
    staff_manager = StaffMembershipFactory(tenant=tenant, role=StaffRole.MANAGER).user
    outsider_finance = StaffMembershipFactory(tenant=outsider_tenant, role=StaffRole.FINANCE).user
    # when the manager terminates it by written notice in the console on May 20
    with time_machine.travel(noon(TERMINATED), tick=False):
        noticed = signed_in(staff_manager).post(
            f"/admin/partners/enrolment/{enrolment.pk}/notice/",
            {
                "kind": "termination",
                "given_by": "vendor",
                "given_on": "2026-05-20",
                "reason": "For convenience",
            },
        )
    assert noticed.status_code == 302
    with tenant_scope(tenant):
        assert Enrolment.objects.get(pk=enrolment.pk).status == EnrolmentStatus.TERMINATED
    # and beat's monthly payout run builds May's batch
    beat_runs_payouts(D(2026, 6, 1))
    may = batch_of(tenant, program, D(2026, 5, 1))
    held = line_in(tenant, may, enrolment.firm)
    # then the final payment is held, with its reason, and nothing is paid
    assert (held.status, held.payable_minor, held.net_minor) == ("held", 0, 300_000)
    assert held.hold_reason.startswith(HELD_REASON)
    assert held.final_payment_of_id == enrolment.pk
    api = signed_in(finance).get(f"/cimcloud/api/v1/payout-batches/{may.pk}/lines/").json()
    [row] = api["results"]
    assert (row["status"], row["payable"], row["final_payment_of"]) == (
        "held",
        "0.00",
        enrolment.pk,
    )
    assert row["hold_reason"].startswith(HELD_REASON)
    page = signed_in(finance).get(f"/admin/commissions/payoutbatch/{may.pk}/change/")
    body = page.content.decode()
    assert HELD_REASON in body and release_url(may) in body
    # and the other vendor's terminated partner (its program holds no final payment) is paid
    outsider_may = batch_of(outsider_tenant, outsider_program, D(2026, 5, 1))
    paid_outsider = line_in(outsider_tenant, outsider_may, outsider.firm)
    assert (paid_outsider.status, paid_outsider.payable_minor) == ("payable", 10_000)
    assert paid_outsider.final_payment_of_id is None

    # when a manager (not finance) tries to release it, nothing happens and no button shows
    manager_page = signed_in(staff_manager).get(f"/admin/commissions/payoutbatch/{may.pk}/change/")
    refused = signed_in(staff_manager).post(release_url(may), {"line": held.pk, "note": "Pay"})
    assert manager_page.status_code == 200 and release_url(may) not in manager_page.content.decode()
    assert refused.status_code == 403
    # nor can another vendor's finance, nor this finance release the other vendor's partner
    assert_hidden_from(outsider_finance, release_url(may))
    assert_hidden_from(
        outsider_finance, release_url(may), method="post", data={"line": held.pk, "note": "x"}
    )
    assert_hidden_from(finance, release_url(outsider_may))
    with tenant_scope(tenant), pytest.raises(ApplicationError):
        final_payment_release(tenant=tenant, enrolment=outsider, note="Not ours", user=finance)
    with tenant_scope(tenant):
        assert not FinalPaymentRelease.objects.exists()

    # when finance releases it in the console with a note
    with time_machine.travel(noon(D(2026, 6, 15)), tick=False):
        form = signed_in(finance).get(release_url(may))
        released = signed_in(finance).post(
            release_url(may), {"line": held.pk, "note": "Final amount checked against Acumatica"}
        )
    # then the release is recorded: who, when, why, what was held
    assert form.status_code == 200 and released.status_code == 302
    with tenant_scope(tenant):
        record = FinalPaymentRelease.objects.get()
    assert (record.enrolment_id, record.released_by, record.held_minor, record.note) == (
        enrolment.pk,
        finance,
        300_000,
        "Final amount checked against Acumatica",
    )
    assert record.released_at.date() == D(2026, 6, 15)
    # and the button is gone: a second release is not offered, and refused if posted
    after = signed_in(finance).get(f"/admin/commissions/payoutbatch/{may.pk}/change/").content
    assert release_url(may) not in after.decode()
    assert f"Released 2026-06-15 by {finance}: Final amount checked" in after.decode()
    again = signed_in(finance).post(release_url(may), {"line": held.pk, "note": "Again"})
    assert again.status_code == 403
    with tenant_scope(tenant):
        assert FinalPaymentRelease.objects.count() == 1

    # when beat builds the next months' batches
    beat_runs_payouts(D(2026, 7, 1))
    beat_runs_payouts(D(2026, 8, 1))
    # then June's batch pays exactly what was held, once, and no later batch pays it again
    june = batch_of(tenant, program, D(2026, 6, 1))
    paid = line_in(tenant, june, enrolment.firm)
    assert (paid.status, paid.payable_minor, paid.final_payment_of_id) == ("payable", 300_000, None)
    with tenant_scope(tenant):
        payable = sum(
            PayoutLine.objects.filter(firm=enrolment.firm).values_list("payable_minor", flat=True)
        )
        assert payable == 300_000
        assert PayoutBatch.objects.filter(program=program).count() == 2
        accrual = LedgerEntry.objects.get(kind=EntryKind.ACCRUAL)
        assert accrual.settlement.batch_id == june.pk
    # and finance approves and pays it: the partner's balance is settled to zero
    console = signed_in(finance)
    console.post(f"/admin/commissions/payoutbatch/{june.pk}/approve/")
    console.post(
        f"/admin/commissions/payoutbatch/{june.pk}/pay/",
        {"reference": "RUN-2026-07", "paid_on": "2026-07-20"},
    )
    with tenant_scope(tenant):
        entries = LedgerEntry.objects.filter(firm=enrolment.firm)
        assert sorted(entries.values_list("kind", "amount_minor")) == [
            ("accrual", 300_000),
            ("payout", -300_000),
        ]
