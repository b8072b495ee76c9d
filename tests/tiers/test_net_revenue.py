"""The `net_revenue` metric: completed orders' line amounts less refunds, per firm, set-based,
a money threshold in the program's currency, shown in words on the tier page."""

import copy
from decimal import Decimal

import pytest
import yaml
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from deals.models import Customer, Order, OrderLine
from deals.services.orders import refund_record
from partners.models import PartnerContact
from programs.errors import DefinitionError
from programs.services import program_definition_load, program_version_publish, validate_document
from tenants.scope import tenant_scope
from tests.commissions.conftest import cim_partner, line, sell
from tests.factories import TenantFactory
from tests.partners.conftest import DEFINITIONS, load_program
from tests.tiers.conftest import D, evaluate, evaluation_of, lead, results_of
from tiers.metrics import IMPLEMENTATIONS
from tiers.windows import quarter_containing

Q2 = quarter_containing(D(2026, 5, 1))
REQUIREMENT = {
    "key": "net-revenue",
    "label": "Net revenue of 50,000.00 USD this quarter",
    "metric": "net_revenue",
    "comparator": ">=",
    "threshold": 50000,
    "window": {"kind": "calendar_quarter"},
    "source": "test: a revenue requirement",
}


def cimcloud_document(requirement=REQUIREMENT) -> dict:
    document = yaml.safe_load((DEFINITIONS / "cimcloud.yaml").read_text(encoding="utf-8"))
    tier = next(t for t in document["tiers"] if t["key"] == "tier-1")
    tier["requirements"].append(copy.deepcopy(requirement))
    return document


def revenue_program():
    """CIMcloud's program with a net-revenue requirement on Tier 1, published."""
    tenant = TenantFactory(slug="cimcloud", name="CIMcloud")
    with tenant_scope(tenant):
        definition = validate_document(cimcloud_document(), where="cimcloud.yaml")
        loaded = program_definition_load(tenant=tenant, definition=definition)
        program_version_publish(tenant=tenant, version=loaded.version)
    return tenant, loaded.program


def refund(tenant, order, amount, on) -> None:
    with tenant_scope(tenant):
        refund_record(tenant=tenant, order=order, amount=Decimal(amount), refunded_on=on)


def tier_page_of(tenant, enrolment) -> str:
    with tenant_scope(tenant):
        user = PartnerContact.objects.filter(firm=enrolment.firm).order_by("pk").first().user
    client = Client()
    client.force_login(user)
    response = client.get(f"/{tenant.slug}/portal/tier/")
    assert response.status_code == 200
    return response.content.decode()


def test_net_revenue_counts_completed_orders_less_refunds_in_the_window(db):
    # given two CIMcloud partners of a program asking 50,000.00 USD of net revenue a quarter
    tenant, program = revenue_program()
    _, _, short = cim_partner("short@cim.test", tier="", loaded=(tenant, program))
    _, _, exact = cim_partner("exact@cim.test", tier="", loaded=(tenant, program))
    # the first sells 55,000.00 in May (plus a no-charge line), refunds 6,000.00 in June and
    # 1,000.00 after the quarter, and sold 100,000.00 in March (another quarter)
    may = sell(
        tenant,
        lead(tenant, short, "Acme Corp", D(2026, 4, 1)),
        [
            line("CONNECT", "40000.00"),
            line("PS", "15000.00"),
            line("ADDON", "5000.00", no_charge=True),
        ],
        D(2026, 5, 12),
    )
    sell(
        tenant,
        lead(tenant, short, "March Corp", D(2026, 3, 1)),
        [line("CONNECT", "100000.00")],
        D(2026, 3, 30),
    )
    refund(tenant, may, "6000.00", D(2026, 6, 1))
    refund(tenant, may, "1000.00", D(2026, 7, 5))
    # the second sells exactly 50,000.00 in June
    sell(
        tenant,
        lead(tenant, exact, "Beta Ltd", D(2026, 4, 1)),
        [line("CONNECT", "25000.00", qty=2)],
        D(2026, 6, 20),
    )
    # and another vendor's order, even one naming this partner's firm, is not this tenant's
    outsider, _ = load_program("ipsoft")
    with tenant_scope(outsider):
        buyer = Customer.objects.create(tenant=outsider, name="Outside", normalized_name="outside")
        stray = Order.objects.create(
            tenant=outsider,
            customer=buyer,
            firm=short.firm,
            ordered_on=D(2026, 5, 2),
            currency="USD",
        )
        Order.objects.filter(pk=stray.pk).update(completed_on=D(2026, 5, 2))
        OrderLine.objects.create(
            tenant=outsider,
            order=stray,
            product_code="X",
            product_category="x",
            list_price_minor=10_000_000,
            price_minor=10_000_000,
        )

    # when Q2 is evaluated
    evaluate(tenant, program, Q2, D(2026, 7, 10))

    # then the first has 49,000.00 (1,000.00 short), the second exactly 50,000.00 (met)
    of_short = results_of(tenant, evaluation_of(tenant, short, Q2.key))["net-revenue"]
    of_exact = results_of(tenant, evaluation_of(tenant, exact, Q2.key))["net-revenue"]
    assert (of_short.value, of_short.threshold, of_short.passed) == (
        Decimal("49000"),
        Decimal("50000"),
        False,
    )
    assert (of_exact.value, of_exact.passed) == (Decimal("50000"), True)
    assert of_short.evidence == [may.pk]
    # and the tier page says it in words, in the program's currency, never in minor units
    page = tier_page_of(tenant, short)
    assert "Net revenue 49,000.00 USD of 50,000.00 USD" in page
    assert "&gt;= 50,000.00 USD" in page
    assert "4900000" not in page and "5000000" not in page


def test_net_revenue_is_one_query_for_every_firm(db):
    tenant, program = revenue_program()
    enrolments = [
        cim_partner(f"p{n}@cim.test", tier="", tax=False, loaded=(tenant, program))[2]
        for n in range(3)
    ]
    for n, enrolment in enumerate(enrolments):
        sell(
            tenant,
            lead(tenant, enrolment, f"Client {n}", D(2026, 4, 1)),
            [line("CONNECT", "1000.00")],
            D(2026, 5, 12),
        )
    measure = IMPLEMENTATIONS["net_revenue"]
    with tenant_scope(tenant):
        with CaptureQueriesContext(connection) as one:
            measure(enrolments[:1], Q2.start, Q2.end, {})
        with CaptureQueriesContext(connection) as three:
            measured = measure(enrolments, Q2.start, Q2.end, {})
    assert len(one) == len(three)
    assert [measured[e.pk].value for e in enrolments] == [Decimal("1000.00")] * 3


@pytest.mark.parametrize(
    ("threshold", "problem"),
    [
        (
            "50000.001",
            "tiers[1].requirements[4].threshold: 50000.001 is more precise than USD allows",
        ),
    ],
)
def test_a_money_threshold_finer_than_the_currency_is_refused(threshold, problem):
    document = cimcloud_document({**REQUIREMENT, "threshold": threshold})
    with pytest.raises(DefinitionError) as refused:
        validate_document(document, where="cimcloud.yaml")
    assert any(p.startswith(problem) for p in refused.value.problems), refused.value.problems
