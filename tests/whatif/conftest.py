"""A CIMcloud year of real commissions, and a draft that raises the Tier 3 Connect rate."""

import datetime
import hashlib
from dataclasses import dataclass

import pytest

from commissions.models import CommissionLine, LedgerEntry
from partners.models import Enrolment
from programs.models import CommissionRule, Program, ProgramVersion, Requirement
from programs.services import program_draft_from
from tenants.scope import tenant_scope
from tests.commissions.conftest import accrue, cim_partner, line, sell
from tests.tiers.conftest import lead, manager
from tiers.models import RequirementResult, TierAssignment, TierEvaluation

D = datetime.date
CONNECT_RULE = "connect-services-erp"
#: the four quarters closed before the suite's frozen "today" (see `today` below)
FIRST, LAST = D(2026, 1, 1), D(2026, 12, 31)
TODAY = D(2027, 1, 20)
MAY_12 = D(2026, 5, 12)


@dataclass
class Year:
    tenant: object
    program: Program
    draft: ProgramVersion
    staff: object


REAL_TABLES = {
    "evaluations": TierEvaluation,
    "requirement results": RequirementResult,
    "assignments": TierAssignment,
    "enrolments": Enrolment,
    "commission lines": CommissionLine,
    "ledger entries": LedgerEntry,
}


def real_rows(tenant) -> dict[str, tuple[int, str]]:
    """Each real table's row count and a digest of every row's every column: a what-if must
    leave both as they were (no row added, changed or removed)."""
    with tenant_scope(tenant):
        return {
            name: (
                model.objects.count(),
                hashlib.sha256(
                    repr(list(model.objects.order_by("pk").values_list())).encode()
                ).hexdigest(),
            )
            for name, model in REAL_TABLES.items()
        }


def raise_connect_tier_3(tenant, program, rate=0.45) -> ProgramVersion:
    """A draft of the program whose Tier 3 Connect Services rate is `rate`."""
    with tenant_scope(tenant):
        draft = program_draft_from(tenant=tenant, version=program.versions.get(number=1))
        rule = CommissionRule.objects.get(version=draft, key=CONNECT_RULE)
        rule.rates = {**rule.rates, "tier-3": rate}
        rule.save()
        return draft


def partners_with_orders(loaded, count: int, *, tier="tier-3", first=1, on=MAY_12):
    """`count` more partners at `tier`, each with one Connect order completed on `on`."""
    tenant, _ = loaded
    orders = []
    for n in range(first, first + count):
        _, _, enrolment = cim_partner(f"p{n}@cim.test", tier=tier, loaded=loaded)
        registration = lead(tenant, enrolment, f"Client {n}", D(2026, 4, 1))
        orders.append(sell(tenant, registration, [line("CONNECT", "1000.00")], on))
    accrue(tenant, *orders)
    return orders


@pytest.fixture
def year(db) -> Year:
    """Three partners over 2026: Tier 3 with orders in three quarters, Tier 2 with one, and a
    Tier 3 partner whose only order falls after the range."""
    tenant, program, top = cim_partner("top@cim.test", tier="tier-3")
    loaded = (tenant, program)
    _, _, middle = cim_partner("middle@cim.test", tier="tier-2", loaded=loaded)
    _, _, late = cim_partner("late@cim.test", tier="tier-3", loaded=loaded)
    sales = [
        (
            top,
            "Acme Corp",
            D(2026, 2, 10),
            [line("CONNECT", "10000.00"), line("SYNC", "0", monthly="500.00")],
        ),
        (top, "Globex", D(2026, 5, 12), [line("CONNECT", "7300.00")]),
        (
            top,
            "Initech",
            D(2026, 8, 20),
            [line("CONNECT", "2500.00"), line("PLATFORM", "24000.00")],
        ),
        (middle, "Umbrella", D(2026, 4, 14), [line("CONNECT", "9000.00")]),
        (late, "Hooli", D(2027, 1, 8), [line("CONNECT", "4000.00")]),
    ]
    for enrolment, company, day, lines in sales:
        registration = lead(tenant, enrolment, company, day - datetime.timedelta(days=20))
        accrue(tenant, sell(tenant, registration, lines, day))
    draft = raise_connect_tier_3(tenant, program)
    return Year(tenant, program, draft, manager(tenant))


def without_requirements(tenant, draft) -> ProgramVersion:
    """The draft with every tier's requirements dropped: each partner reaches Tier 3."""
    with tenant_scope(tenant):
        Requirement.objects.filter(version=draft).delete()
    return draft
