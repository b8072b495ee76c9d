"""Claims inside vs outside the window; IPsoft's referral fee; Simpro's fee or discount."""

from decimal import Decimal

import pytest

from commissions.claims import claim_decide, claim_submit
from commissions.ledger import balance
from commissions.models import Claim, LedgerEntry
from partners.models import Enrolment
from tenants.errors import ApplicationError, Conflict
from tenants.scope import tenant_scope
from tests.commissions.conftest import D, accrue, cim_partner, line, sell, tax_form
from tests.tiers.conftest import join, lead, manager


def submit(tenant, program, enrolment, *, event_on, today, kind="underpaid", amount="350.00"):
    with tenant_scope(tenant):
        return claim_submit(
            tenant=tenant,
            firm=enrolment.firm,
            program=program,
            kind=kind,
            event_on=event_on,
            amount=amount,
            description="Add-on bundle missing",
            today=today,
        )


def test_a_claim_inside_the_window_becomes_an_adjustment_once_approved(db):
    tenant, program, enrolment = cim_partner()
    claim = submit(tenant, program, enrolment, event_on=D(2026, 5, 12), today=D(2026, 11, 12))

    with tenant_scope(tenant):
        claim_decide(
            tenant=tenant,
            claim=claim,
            approve=True,
            reason="",
            user=manager(tenant),
            today=D(2026, 11, 13),
        )
        with pytest.raises(Conflict):
            claim_decide(
                tenant=tenant,
                claim=claim,
                approve=True,
                reason="",
                user=None,
                today=D(2026, 11, 13),
            )
        entry = LedgerEntry.objects.get(claim=claim)
        owed = balance(firm=enrolment.firm, program=program)
    assert (entry.kind, entry.amount_minor, owed) == ("adjustment", 35_000, 35_000)


def test_an_overpaid_claim_reduces_the_balance(db):
    tenant, program, enrolment = cim_partner()
    claim = submit(
        tenant,
        program,
        enrolment,
        event_on=D(2026, 5, 12),
        today=D(2026, 6, 1),
        kind="overpaid",
        amount="100",
    )
    with tenant_scope(tenant):
        claim_decide(
            tenant=tenant, claim=claim, approve=True, reason="", user=None, today=D(2026, 6, 2)
        )
        assert balance(firm=enrolment.firm, program=program) == -10_000


def test_a_claim_after_six_months_is_refused_with_the_deadline(db):
    tenant, program, enrolment = cim_partner()

    with pytest.raises(ApplicationError) as refused:
        submit(tenant, program, enrolment, event_on=D(2026, 5, 12), today=D(2026, 11, 13))

    assert "the last day was 2026-11-12" in refused.value.message
    with tenant_scope(tenant):
        assert not Claim.objects.exists()


def test_a_rejected_claim_needs_a_reason_and_books_nothing(db):
    tenant, program, enrolment = cim_partner()
    claim = submit(tenant, program, enrolment, event_on=D(2026, 5, 12), today=D(2026, 6, 1))
    with tenant_scope(tenant):
        with pytest.raises(ApplicationError):
            claim_decide(
                tenant=tenant,
                claim=claim,
                approve=False,
                reason=" ",
                user=None,
                today=D(2026, 6, 2),
            )
        claim_decide(
            tenant=tenant,
            claim=claim,
            approve=False,
            reason="Paid in May",
            user=None,
            today=D(2026, 6, 2),
        )
        assert not LedgerEntry.objects.exists()


def ipsoft_partner(*, good_standing=True):
    # an Alliance Partner (its classification earns referral fees, 002 §3.0) in the US
    tenant, program, enrolment = join(
        "ipsoft", D(2026, 2, 2), tracks=["alliance"], email="ip@partner.test"
    )
    with tenant_scope(tenant):
        from deals.models import Product

        Product.objects.create(tenant=tenant, code="AMELIA", name="Amelia", category="platform")
        Enrolment.objects.filter(pk=enrolment.pk).update(
            tier_key="registered", good_standing=good_standing, territories=["US"]
        )
        enrolment.refresh_from_db()
    return tenant, program, enrolment


def test_ipsoft_referral_fee_is_a_share_of_first_year_net_revenue(db):
    tenant, _program, enrolment = ipsoft_partner()
    order = sell(
        tenant,
        lead(tenant, enrolment, "Bank Corp", D(2026, 3, 1)),
        [line("AMELIA", "50000.00", monthly="2000.00")],
        D(2026, 4, 10),
    )

    fee = accrue(tenant, order)["AMELIA"]

    # 10 % of (50,000.00 once + 2,000.00 x 12 months) = 7,400.00
    assert (fee.earned, fee.amount_minor, fee.basis_minor) == (True, 740_000, 7_400_000)


def test_ipsoft_partner_not_in_good_standing_earns_nothing(db):
    tenant, _program, enrolment = ipsoft_partner(good_standing=False)
    order = sell(
        tenant,
        lead(tenant, enrolment, "Bank Corp", D(2026, 3, 1)),
        [line("AMELIA", "50000.00")],
        D(2026, 4, 10),
    )

    fee = accrue(tenant, order)["AMELIA"]

    assert (fee.earned, fee.explanation) == (
        False,
        "Partner not in good standing on the completion day.",
    )


def simpro_partner(benefit):
    tenant, program, enrolment = join(
        "simpro", D(2026, 1, 12), tracks=["referral"], email="sp@partner.test"
    )
    with tenant_scope(tenant):
        from deals.models import Product

        Product.objects.create(tenant=tenant, code="SUB", name="Sub", category="subscription")
        Enrolment.objects.filter(pk=enrolment.pk).update(financial_benefit=benefit)
        enrolment = Enrolment.objects.select_related("firm").get(pk=enrolment.pk)
    tax_form(tenant, enrolment.firm)
    return tenant, program, enrolment


@pytest.mark.parametrize(
    ("benefit", "earned", "amount", "explanation"),
    [
        ("referral-fee", True, 120_000, None),
        (
            "subscription-discount",
            False,
            0,
            "Partner-exclusive subscription discount for referred customers: the customer gets "
            "10 % off list price; no commission is paid.",
        ),
        (
            "",
            False,
            0,
            "No financial benefit elected (Referral fee for a net-new Qualified Referral must be "
            "elected first).",
        ),
    ],
)
def test_simpro_pays_the_referral_fee_only_when_elected(db, benefit, earned, amount, explanation):
    tenant, _program, enrolment = simpro_partner(benefit)
    order = sell(
        tenant,
        lead(tenant, enrolment, "Plumbing Co", D(2026, 2, 1)),
        [line("SUB", "12000.00")],
        D(2026, 3, 2),
    )

    fee = accrue(tenant, order)["SUB"]

    assert (fee.earned, fee.amount_minor) == (earned, amount)
    if explanation:
        assert fee.explanation == explanation
    assert Decimal(fee.rate or "0") == (Decimal("0.1") if benefit else Decimal(0))
