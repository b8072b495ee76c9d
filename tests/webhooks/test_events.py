"""Every event the issue lists reaches a subscribed endpoint with the payload its OpenAPI
component documents; and a manager's approval in the API ends as a signed delivery."""

import datetime
from decimal import Decimal

import jsonschema
import pytest
import time_machine
from django.test import Client

from commissions.claims import claim_decide, claim_submit
from commissions.payouts import batch_approve, batch_build, batch_record_payment
from deals.services.orders import refund_record
from deals.services.registrations import registration_reject, registrations_expire
from disputes.services import dispute_dismiss, dispute_file, disputes_escalate
from partners.models import PartnerContact
from tenants.scope import tenant_scope
from tests.commissions.conftest import D, cim_partner, line, sell
from tests.deals.test_registration_pages import registration_of
from tests.partners.conftest import load_program
from tests.tiers.conftest import lead, manager, noon
from tests.webhooks.conftest import endpoint_to
from webhooks.catalogue import EventType
from webhooks.schema import component_name


def _nullable_to_jsonschema(node):
    """OpenAPI 3.0's `nullable: true` as JSON Schema's null type, everywhere in `node`."""
    if isinstance(node, list):
        return [_nullable_to_jsonschema(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _nullable_to_jsonschema(v) for k, v in node.items()}
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


def documented(tenant_slug: str) -> dict:
    response = Client().get(f"/{tenant_slug}/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def assert_matches_its_schema(document: dict, event: dict) -> None:
    components = _nullable_to_jsonschema(document["components"])
    schema = {"$ref": f"#/components/schemas/{component_name(event['type'])}"}
    jsonschema.validate(event, {**schema, "components": components})
    envelope = document["components"]["schemas"][component_name(event["type"])]
    data = document["components"]["schemas"][envelope["properties"]["data"]["$ref"].split("/")[-1]]
    # documented means every field sent is described, and every described field is sent
    assert set(event["data"]) == set(data["properties"])


def test_the_document_lists_every_event_with_its_payload(cast):
    document = documented("simpro")
    assert set(document["x-webhooks"]) == set(EventType.values)
    approved = document["x-webhooks"]["deal_registration.approved"]["post"]
    assert "webhook-signature" in approved["description"]
    registration = document["components"]["schemas"]["RegistrationData"]["properties"]
    assert registration["estimated_value"]["type"] == "string"  # money as a decimal string
    assert registration["estimated_value"]["nullable"] is True


def test_every_listed_event_is_delivered_as_documented(
    db, receivers, django_capture_on_commit_callbacks
):
    loaded = load_program("cimcloud")
    tenant = loaded[0]
    receiver = receivers()
    endpoint_to(receiver, tenant, EventType.values)

    def step(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    # application submitted and decided, the tier it holds from the start
    _, program, enrolment = step(lambda: cim_partner(loaded=loaded))
    # a registration submitted, approved, sold: order completed, commission accrued
    order = step(
        lambda: sell(
            tenant,
            lead(tenant, enrolment, "Acme Corp", D(2026, 4, 1)),
            [line("CONNECT", "10000.00")],
            D(2026, 5, 12),
        )
    )
    with tenant_scope(tenant):
        step(
            lambda: refund_record(
                tenant=tenant, order=order, amount=Decimal("1000.00"), refunded_on=D(2026, 5, 20)
            )
        )
        claim = step(
            lambda: claim_submit(
                tenant=tenant,
                firm=enrolment.firm,
                program=program,
                kind="unpaid",
                event_on=D(2026, 5, 12),
                amount="350.00",
                description="The bundle",
                today=D(2026, 5, 25),
            )
        )
        step(
            lambda: claim_decide(
                tenant=tenant,
                claim=claim,
                approve=True,
                reason="",
                user=manager(tenant),
                today=D(2026, 5, 26),
            )
        )
        batch, _ = batch_build(tenant=tenant, program=program, period=D(2026, 5, 1))
        step(lambda: batch_approve(tenant=tenant, batch=batch, user=None, today=D(2026, 6, 2)))
        step(
            lambda: batch_record_payment(
                tenant=tenant, batch=batch, reference="RUN-6", paid_on=D(2026, 6, 20), user=None
            )
        )
    # protection reminded and ended; another registration rejected
    protected = step(lambda: lead(tenant, enrolment, "Globex", D(2026, 6, 1)))
    with tenant_scope(tenant):
        for day in (protected.expires_on, protected.expires_on + datetime.timedelta(days=1)):
            step(lambda day=day: registrations_expire(tenant=tenant, today=day))
    rejected = step(lambda: lead(tenant, enrolment, "Initech", D(2026, 6, 2), approve=False))
    with tenant_scope(tenant), time_machine.travel(noon(D(2026, 6, 3)), tick=False):
        step(
            lambda: registration_reject(
                tenant=tenant,
                registration=rejected,
                user=manager(tenant),
                reason="active-sales-process",
            )
        )

    # the partner disputes that rejection; nobody answers in time; the manager dismisses it
    with tenant_scope(tenant):
        rejected.refresh_from_db()
        dispute = step(
            lambda: dispute_file(
                tenant=tenant,
                firm=enrolment.firm,
                user=PartnerContact.objects.filter(firm=enrolment.firm).first().user,
                subject=rejected,
                reason="Initech is new to us",
                today=D(2026, 6, 4),
            )
        )
        step(lambda: disputes_escalate(tenant=tenant, today=D(2026, 6, 30)))
        step(
            lambda: dispute_dismiss(
                tenant=tenant, dispute=dispute, user=manager(tenant), reason="Active sales process"
            )
        )

    events = [r.event for r in receiver.received]
    assert all(r.verified for r in receiver.received)
    assert {e["type"] for e in events} == set(EventType.values)
    document = documented(tenant.slug)
    for event in events:
        assert_matches_its_schema(document, event)
    by_type = {e["type"]: e["data"] for e in events}
    assert by_type["commission.accrued"]["amount"] == "3000.00"  # 30 % at tier 2, a decimal string
    assert by_type["commission.accrued"]["currency"] == "USD"
    assert by_type["commission.clawed_back"]["amount"] == "-300.00"  # a tenth refunded
    first_change = next(e["data"] for e in events if e["type"] == "tier.changed")
    assert (first_change["previous_tier"]["key"], first_change["tier"]["key"]) == (
        "enrolled",
        "tier-2",
    )
    assert first_change["tier"]["name"] == "Tier 2 Registered Partner"
    assert by_type["payout_batch.paid"]["payment_reference"] == "RUN-6"
    assert by_type["partner_application.decided"]["status"] == "approved"
    assert by_type["deal_registration.rejected"]["rejection_reason"] == "active-sales-process"
    assert by_type["claim.decided"]["amount"] == "350.00"


@pytest.mark.django_db(transaction=True)  # the delivery follows the request's real commit
def test_a_managers_approval_in_the_api_is_delivered_signed(deals_cast, receivers):
    c = deals_cast
    receiver = receivers()
    endpoint = endpoint_to(receiver, c.tenant_a, ["deal_registration.approved"])
    registration = registration_of(c.partner_admin_a1)
    client = Client()
    client.force_login(c.manager_a)

    response = client.post(
        f"/simpro/api/v1/deal-registrations/{registration.pk}/approve/", {"reason": "Welcome"}
    )

    assert response.status_code == 200
    [received] = receiver.received
    assert received.verified
    assert received.path == "/hooks/prm"
    assert received.headers["webhook-signature"].startswith("v1,")
    event = received.event
    assert (event["type"], event["data"]["id"], event["data"]["status"]) == (
        "deal_registration.approved",
        registration.pk,
        "approved",
    )
    assert event["data"]["partner"] == {"id": c.firm_a1.pk, "name": c.firm_a1.name}
    assert event["data"]["decision_reason"] == "Welcome"
    assert datetime.date.fromisoformat(event["data"]["expires_on"]) > datetime.date.today()
    with tenant_scope(c.tenant_a):
        assert endpoint.deliveries.get().status == "succeeded"
