"""CIMcloud Exhibit B, line by line, by tier and lead source, with the exact amounts."""

import pytest

from commissions.models import EntryKind, LedgerEntry
from tenants.scope import tenant_scope
from tests.commissions.conftest import (
    D,
    accrue,
    cim_partner,
    hold_tier,
    line,
    sell,
    tax_form,
    vendor_lead,
)
from tests.tiers.conftest import lead

MAY = D(2026, 5, 12)

FULL_ORDER = [
    line("CONNECT", "10000.00"),
    line("SYNC", "0", monthly="500.00"),
    line("PLATFORM", "24000.00"),
    line("ADDON", "1200.00", qty=2),
    line("PS", "5000.00"),
]


@pytest.mark.parametrize(
    ("tier", "connect", "sync", "addon"),
    [
        ("tier-1", 200_000, 120_000, None),
        ("tier-2", 300_000, 180_000, 70_000),
        ("tier-3", 400_000, 240_000, 70_000),
    ],
)
def test_partner_lead_earns_every_schedule_at_its_tier(db, tier, connect, sync, addon):
    tenant, _, enrolment = cim_partner(tier=tier)
    order = sell(tenant, lead(tenant, enrolment, "Acme Corp", D(2026, 4, 1)), FULL_ORDER, MAY)

    lines = accrue(tenant, order)

    assert lines["CONNECT"].amount_minor == connect  # 20/30/40 % of $10,000
    assert lines["SYNC"].amount_minor == sync  # 20/30/40 % of $500 x 12 months
    assert lines["PLATFORM"].amount_minor == 100_000  # $1,000 flat, every tier
    if addon is None:
        assert not lines["ADDON"].earned
        assert lines["ADDON"].explanation == (
            "Tier 1 Registered Partner earns no commission on Each additional optional "
            "CIMcloud Add-On Bundle - referral commission."
        )
    else:
        assert lines["ADDON"].amount_minor == addon  # $350 per bundle x 2
    assert not lines["PS"].earned
    assert "earns no commission in this program" in lines["PS"].explanation
    with tenant_scope(tenant):
        accrued = LedgerEntry.objects.filter(firm=enrolment.firm, kind=EntryKind.ACCRUAL)
        assert sum(e.amount_minor for e in accrued) == connect + sync + 100_000 + (addon or 0)


def test_cimcloud_lead_earns_the_first_schedule_only(db):
    tenant, _, enrolment = cim_partner(tier="tier-3")
    order = sell(
        tenant, vendor_lead(tenant, enrolment, "Vendorlead Inc", D(2026, 4, 2)), FULL_ORDER, MAY
    )

    lines = accrue(tenant, order)

    assert lines["CONNECT"].amount_minor == 400_000
    assert lines["SYNC"].amount_minor == 240_000
    assert not lines["PLATFORM"].earned and not lines["ADDON"].earned
    assert lines["PLATFORM"].explanation.startswith("Not a partner lead")


def test_explanation_names_rate_basis_and_tier(db):
    tenant, _, enrolment = cim_partner(tier="tier-2")
    order = sell(tenant, lead(tenant, enrolment, "Acme Corp", D(2026, 4, 1)), FULL_ORDER, MAY)

    lines = accrue(tenant, order)

    assert lines["CONNECT"].explanation == (
        "CIMcloud Connect Services - ERP: 30 % of line amount 10,000.00 USD at "
        "Tier 2 Registered Partner = 3,000.00 USD."
    )
    assert lines["SYNC"].explanation == (
        "CIMcloud Monthly Fee - ERP Sync Framework (first 12 months): 30 % of 500.00 USD "
        "monthly fee x 12 months at Tier 2 Registered Partner = 1,800.00 USD."
    )


def test_repeat_order_earns_nothing(db):
    tenant, _, enrolment = cim_partner()
    registration = lead(tenant, enrolment, "Acme Corp", D(2026, 4, 1))
    first = sell(tenant, registration, [line("CONNECT", "1000.00")], MAY)
    repeat = sell(tenant, registration, [line("CONNECT", "1000.00")], D(2026, 6, 3))

    assert accrue(tenant, first)["CONNECT"].amount_minor == 30_000
    repeated = accrue(tenant, repeat)["CONNECT"]
    assert (repeated.earned, repeated.amount_minor) == (False, 0)
    assert repeated.explanation == (
        "Not the customer's initial purchase: repeat orders earn no commission."
    )


@pytest.mark.parametrize(
    ("order_line", "reseller", "reason"),
    [
        (
            line("CONNECT", "1000.00", no_charge=True),
            True,
            "No-charge line: given to the customer at no charge.",
        ),
        (
            line("CONNECT", "1000.00", months=6),
            True,
            "Initial contract of 6 months is shorter than 12 months.",
        ),
        (line("CONNECT", "1000.00"), False, "Partner is not the reseller of record."),
        (
            line("CONNECT", "800.00", list_price="1000.00"),
            True,
            "Sold below market price (800.00 USD < 1,000.00 USD) without an approved discount.",
        ),
    ],
)
def test_ineligible_lines_say_why(db, order_line, reseller, reason):
    tenant, _, enrolment = cim_partner()
    order = sell(
        tenant,
        lead(tenant, enrolment, "Acme Corp", D(2026, 4, 1)),
        [order_line],
        MAY,
        reseller=reseller,
    )

    calculated = accrue(tenant, order)["CONNECT"]

    assert (calculated.earned, calculated.amount_minor, calculated.explanation) == (
        False,
        0,
        reason,
    )
    with tenant_scope(tenant):
        assert not LedgerEntry.objects.filter(firm=enrolment.firm).exists()


def test_an_approved_discount_still_earns_on_the_price_charged(db):
    tenant, _, enrolment = cim_partner()
    order = sell(
        tenant,
        lead(tenant, enrolment, "Acme Corp", D(2026, 4, 1)),
        [line("CONNECT", "800.00", list_price="1000.00", discount=True)],
        MAY,
    )

    assert accrue(tenant, order)["CONNECT"].amount_minor == 24_000


def test_no_tax_documents_no_commission(db):
    tenant, _, enrolment = cim_partner(tax=False)
    order = sell(
        tenant,
        lead(tenant, enrolment, "Acme Corp", D(2026, 4, 1)),
        [line("CONNECT", "1000.00")],
        MAY,
    )

    calculated = accrue(tenant, order)["CONNECT"]

    assert calculated.explanation == (
        "No verified tax documents (W-9 / W-8) on file for the completion day."
    )


def test_an_expired_tax_form_does_not_count(db):
    tenant, _, enrolment = cim_partner(tax=False)
    tax_form(tenant, enrolment.firm, expires_on=D(2026, 5, 1))
    order = sell(
        tenant,
        lead(tenant, enrolment, "Acme Corp", D(2026, 4, 1)),
        [line("CONNECT", "1000.00")],
        MAY,
    )

    assert not accrue(tenant, order)["CONNECT"].earned


def test_tier_on_the_completion_day_not_today(db):
    tenant, _, enrolment = cim_partner(tier="tier-1")
    hold_tier(tenant, enrolment, "tier-3", D(2026, 6, 1))  # promoted after the order
    order = sell(
        tenant,
        lead(tenant, enrolment, "Acme Corp", D(2026, 4, 1)),
        [line("CONNECT", "1000.00")],
        MAY,
    )

    calculated = accrue(tenant, order)["CONNECT"]

    assert (calculated.tier_key, calculated.amount_minor) == ("tier-1", 20_000)


def test_enrolled_partner_below_tier_1_earns_nothing(db):
    tenant, _, enrolment = cim_partner(tier="enrolled")
    order = sell(
        tenant,
        lead(tenant, enrolment, "Acme Corp", D(2026, 4, 1)),
        [line("CONNECT", "1000.00")],
        MAY,
    )

    assert accrue(tenant, order)["CONNECT"].explanation == (
        "Enrolled (no tier level yet) earns no commission on CIMcloud Connect Services - ERP."
    )


def test_platform_flat_fee_is_paid_once_per_order(db):
    tenant, _, enrolment = cim_partner()
    order = sell(
        tenant,
        lead(tenant, enrolment, "Acme Corp", D(2026, 4, 1)),
        [line("PLATFORM", "1000.00"), line("PLATFORM", "2000.00")],
        MAY,
    )

    accrue(tenant, order)

    with tenant_scope(tenant):
        amounts = sorted(
            LedgerEntry.objects.filter(firm=enrolment.firm).values_list("amount_minor", flat=True)
        )
    assert amounts == [100_000]


def test_replaying_the_accrual_books_nothing_twice(db):
    tenant, _, enrolment = cim_partner()
    order = sell(tenant, lead(tenant, enrolment, "Acme Corp", D(2026, 4, 1)), FULL_ORDER, MAY)

    accrue(tenant, order)
    accrue(tenant, order)

    with tenant_scope(tenant):
        assert LedgerEntry.objects.filter(firm=enrolment.firm).count() == 4


def test_an_incomplete_order_accrues_nothing(db):
    tenant, _, enrolment = cim_partner()
    order = sell(
        tenant,
        lead(tenant, enrolment, "Acme Corp", D(2026, 4, 1)),
        [line("CONNECT", "1000.00")],
        MAY,
        completed=False,
    )

    assert accrue(tenant, order) == {}
