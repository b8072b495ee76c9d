"""Tier history is append-only and closed where money used it: no override reaches into an
approved month, a correction is a new row naming what it replaces, the database refuses
rewrites, and only the enrolment's own people read it."""

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.test import Client

from commissions.models import PayoutBatch
from commissions.tasks import payouts_daily
from deals.models import Product
from partners.models import PartnerContact
from tenants.models import StaffRole
from tenants.scope import tenant_scope
from tenants.services import api_key_create
from tests.commissions.conftest import CIM_PRODUCTS, accrue, hold_tier, line, sell, tax_form
from tests.factories import StaffMembershipFactory
from tests.isolation import assert_hidden_from
from tests.tiers.conftest import D, join, lead, noon
from tiers.models import TierAssignment, TierHistoryIsAppendOnly
from tiers.tasks import evaluations_daily

JOINED = D(2025, 1, 6)
AUGUST_12 = D(2025, 8, 12)
SEPTEMBER_2 = D(2025, 9, 2)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def cimcloud_partner(email="founder@cim.test", *, loaded=None):
    """(tenant, program, enrolment): a CIMcloud partner at Tier 2 since it joined in January
    2025, with its tax form and CIMcloud's catalogue."""
    tenant, program, enrolment = join("cimcloud", JOINED, email=email, loaded=loaded)
    with tenant_scope(tenant):
        for code, category in CIM_PRODUCTS.items():
            Product.objects.get_or_create(
                tenant=tenant, code=code, defaults={"name": code.title(), "category": category}
            )
    hold_tier(tenant, enrolment, "tier-2", JOINED)
    tax_form(tenant, enrolment.firm)
    return tenant, program, enrolment


def staff(tenant, role=StaffRole.MANAGER):
    return StaffMembershipFactory(tenant=tenant, role=role).user


def records_of(tenant, enrolment) -> list[TierAssignment]:
    with tenant_scope(tenant):
        return list(TierAssignment.objects.filter(enrolment=enrolment).order_by("pk"))


def tier_history(user, tenant, enrolment, on) -> dict:
    response = signed_in(user).get(
        f"/{tenant.slug}/api/v1/enrolments/{enrolment.pk}/tiers/", {"on": on}
    )
    assert response.status_code == 200
    return response.json()


def override(user, enrolment, tier, valid_from, reason="Exhibit A review"):
    return signed_in(user).post(
        f"/admin/tiers/partnertier/{enrolment.pk}/override/",
        {"tier": tier, "valid_from": valid_from, "reason": reason},
    )


@pytest.fixture
def august_paid(db):
    """A Tier 2 partner earned 3,000.00 on an August 12 sale; finance approved August's batch."""
    tenant, program, enrolment = cimcloud_partner()
    order = sell(
        tenant,
        lead(tenant, enrolment, "Acme Corp", D(2025, 7, 1)),
        [line("CONNECT", "10000.00")],
        AUGUST_12,
    )
    commission = accrue(tenant, order)["CONNECT"]
    assert (commission.tier_key, commission.amount_minor) == ("tier-2", 300_000)
    assert payouts_daily(tenant.pk, "2025-09-01")["built"] == 1
    finance = staff(tenant, StaffRole.FINANCE)
    with tenant_scope(tenant):
        batch = PayoutBatch.objects.get(period=D(2025, 8, 1)).pk
    with time_machine.travel(noon(SEPTEMBER_2), tick=False):
        approved = signed_in(finance).post(f"/cimcloud/api/v1/payout-batches/{batch}/approve/")
    assert approved.json()["status"] == "approved"
    return tenant, program, enrolment


@pytest.mark.parametrize("valid_from", ["2025-08-01", "2025-08-31", "2025-03-01"])
def test_an_override_into_an_approved_month_is_refused_and_the_paid_tier_stands(
    august_paid, valid_from
):
    tenant, _program, enrolment = august_paid
    manager = staff(tenant)
    before = records_of(tenant, enrolment)
    # when a manager overrides to Tier 3 from a day of August (or earlier) in the console
    with time_machine.travel(noon(SEPTEMBER_2), tick=False):
        refused = override(manager, enrolment, "tier-3", valid_from)
    # then the page says August 2025 is closed and from when a change can start
    body = refused.content.decode()
    assert refused.status_code == 200
    assert "August 2025 is closed" in body
    assert "A tier change can start on 2025-09-01 at the earliest." in body
    # and the history still says Tier 2 in August, with no new row
    api = tier_history(manager, tenant, enrolment, "2025-08-14")
    assert api["tier_on"] == "tier-2"
    assert [r["id"] for r in api["records"]] == [r.pk for r in before]
    assert records_of(tenant, enrolment) == before


def test_an_override_from_the_first_open_day_is_accepted(august_paid):
    tenant, _program, enrolment = august_paid
    manager = staff(tenant)
    tier_2_row = records_of(tenant, enrolment)[-1]
    # when the manager overrides to Tier 3 from September 1, the first open day
    with time_machine.travel(noon(SEPTEMBER_2), tick=False):
        accepted = override(manager, enrolment, "tier-3", "2025-09-01", "Exhibit A met")
    # then it is recorded, names the row it replaces, and August still reads Tier 2
    assert accepted.status_code == 302
    newest = records_of(tenant, enrolment)[-1]
    assert (newest.tier, newest.valid_from, newest.replaces_id, newest.reason) == (
        "tier-3",
        D(2025, 9, 1),
        tier_2_row.pk,
        "Exhibit A met",
    )
    assert tier_history(manager, tenant, enrolment, "2025-08-14")["tier_on"] == "tier-2"
    assert tier_history(manager, tenant, enrolment, "2025-09-01")["tier_on"] == "tier-3"


def test_a_back_dated_correction_is_a_new_row_naming_the_one_it_replaces(db):
    # given a Tier 2 partner and no approved month
    tenant, _program, enrolment = cimcloud_partner()
    manager = staff(tenant)
    tier_2 = records_of(tenant, enrolment)[-1]
    # when the manager corrects its tier to Tier 3 from March 1, back-dated, in the console
    with time_machine.travel(noon(D(2025, 4, 15)), tick=False):
        corrected = override(manager, enrolment, "tier-3", "2025-03-01", "Exhibit A met in March")
    # then a new row names the Tier 2 row and why; that row keeps its decision, only closed
    assert corrected.status_code == 302
    *earlier, correction = records_of(tenant, enrolment)
    old = next(r for r in earlier if r.pk == tier_2.pk)
    assert (correction.tier, correction.valid_from, correction.replaces_id, correction.reason) == (
        "tier-3",
        D(2025, 3, 1),
        tier_2.pk,
        "Exhibit A met in March",
    )
    assert correction.created_by == manager
    assert (old.tier, old.valid_from, old.source, old.reason, old.withdrawn_at) == (
        tier_2.tier,
        tier_2.valid_from,
        tier_2.source,
        tier_2.reason,
        None,
    )
    assert old.valid_to == D(2025, 2, 28)  # the one write a row allows: closing it once
    # and the API shows both records and the corrected periods
    api = tier_history(manager, tenant, enrolment, "2025-03-15")
    by_id = {r["id"]: r for r in api["records"]}
    assert by_id[correction.pk]["replaces"] == tier_2.pk
    assert by_id[tier_2.pk]["tier"] == "tier-2"
    assert [(p["tier"], p["valid_from"], p["valid_to"]) for p in api["history"]] == [
        ("tier-2", "2025-01-06", "2025-02-28"),
        ("tier-3", "2025-03-01", None),
    ]
    assert api["tier_on"] == "tier-3"
    assert tier_history(manager, tenant, enrolment, "2025-02-15")["tier_on"] == "tier-2"


def test_rows_refuse_change_and_deletion_through_the_orm(db):
    tenant, _program, enrolment = cimcloud_partner()
    with tenant_scope(tenant):
        row = TierAssignment.objects.filter(enrolment=enrolment).latest("pk")
        row.tier = "tier-3"
        with pytest.raises(TierHistoryIsAppendOnly):
            row.save()
        with pytest.raises(TierHistoryIsAppendOnly):
            row.delete()
        rows = TierAssignment.objects.filter(pk=row.pk)
        with pytest.raises(TierHistoryIsAppendOnly):
            rows.update(tier="tier-3")
        with pytest.raises(TierHistoryIsAppendOnly):
            rows.delete()
        with pytest.raises(TierHistoryIsAppendOnly):
            TierAssignment.objects.bulk_update([row], ["tier"])
        assert TierAssignment.objects.get(pk=row.pk).tier == "tier-2"


POSTGRESQL_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL"
)


@POSTGRESQL_ONLY
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE tiers_tierassignment SET tier = 'tier-3' WHERE id = %s",
        "UPDATE tiers_tierassignment SET valid_from = '2024-01-01' WHERE id = %s",
        "UPDATE tiers_tierassignment SET reason = 'rewritten' WHERE id = %s",
        "DELETE FROM tiers_tierassignment WHERE id = %s",
    ],
)
def test_the_database_refuses_rewrites_and_deletes(db, sql):
    tenant, _program, enrolment = cimcloud_partner()
    [row] = [r for r in records_of(tenant, enrolment) if r.tier == "tier-2"]

    with (
        tenant_scope(tenant),  # the vendor's rows, as RLS shows them
        pytest.raises(IntegrityError) as refused,
        transaction.atomic(),
        connection.cursor() as c,
    ):
        c.execute(sql, [row.pk])

    assert "append-only" in str(refused.value)
    [still] = [r for r in records_of(tenant, enrolment) if r.pk == row.pk]
    assert (still.tier, still.valid_from, still.reason) == (row.tier, row.valid_from, row.reason)


@POSTGRESQL_ONLY
def test_the_database_lets_a_period_close_once(db):
    tenant, _program, enrolment = cimcloud_partner()
    [row] = [r for r in records_of(tenant, enrolment) if r.tier == "tier-2"]
    assert row.valid_to is None

    with tenant_scope(tenant), connection.cursor() as c:  # the vendor's rows, as RLS shows them
        c.execute("UPDATE tiers_tierassignment SET valid_to = '2025-06-30' WHERE id = %s", [row.pk])
    with (
        tenant_scope(tenant),
        pytest.raises(IntegrityError),
        transaction.atomic(),
        connection.cursor() as c,
    ):
        c.execute("UPDATE tiers_tierassignment SET valid_to = '2025-12-31' WHERE id = %s", [row.pk])

    [closed] = [r for r in records_of(tenant, enrolment) if r.pk == row.pk]
    assert (closed.tier, closed.valid_to) == ("tier-2", D(2025, 6, 30))


def test_outsiders_get_404_for_the_tier_history(cast):
    # given a CIMcloud partner, another CIMcloud firm, and the other vendors' people and keys
    tenant, program, enrolment = cimcloud_partner()
    _, _, other_firm = cimcloud_partner(email="other@cim.test", loaded=(tenant, program))
    url = f"/cimcloud/api/v1/enrolments/{enrolment.pk}/tiers/"
    with tenant_scope(tenant):
        own = PartnerContact.objects.filter(firm=enrolment.firm).first().user
        other = PartnerContact.objects.filter(firm=other_firm.firm).first().user
        own_key = api_key_create(tenant=tenant, name="ERP")[1]
    with tenant_scope(cast.tenant_b):
        foreign_key = api_key_create(tenant=cast.tenant_b, name="ERP")[1]
    # then the firm's own people and the vendor's key read it
    assert signed_in(own).get(url).json()["tier_on"] == "tier-2"
    vendor = Client(headers={"Authorization": f"Api-Key {own_key}"})
    assert vendor.get(url).status_code == 200
    # and another firm's partner, other vendors' staff and partners get 404
    for outsider in (other, cast.manager_b, cast.manager_a, cast.partner_rep_b1.user):
        assert_hidden_from(outsider, url)
    # and another vendor's key finds no such enrolment under its own prefix
    assert_hidden_from(
        None, f"/ipsoft/api/v1/enrolments/{enrolment.pk}/tiers/", api_key=foreign_key
    )
    # (under this vendor's prefix it is not a key at all)
    foreign = Client(headers={"Authorization": f"Api-Key {foreign_key}"})
    assert foreign.get(url).status_code == 401


def test_confirming_the_minimum_criteria_is_recorded_in_the_tier_history(cast, eager_tasks):
    # given an onboarding IPsoft advisor, evaluated for Q1 as beat runs it (history: Prospective)
    tenant, _program, enrolment = join(
        "ipsoft", JOINED, tracks=["advisor"], email="new@advisor.test"
    )
    with time_machine.travel(noon(D(2025, 4, 2)), tick=False):
        evaluations_daily.apply(args=[tenant.pk]).get()
    # when the manager confirms in the console that it meets the minimum criteria
    with time_machine.travel(noon(D(2025, 4, 15)), tick=False):
        confirmed = signed_in(cast.manager_b).post(
            f"/admin/partners/enrolment/{enrolment.pk}/confirm-minimum/"
        )
    # then the partner is an active Registered Partner, and the tier history says so too
    assert confirmed.status_code == 302
    with tenant_scope(tenant):
        enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.tier_key) == ("active", "registered")
    assert tier_history(cast.manager_b, tenant, enrolment, "2025-04-20")["tier_on"] == "registered"
