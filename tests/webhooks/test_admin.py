"""The console's webhooks: tenant admins only, the secret shown once, unsafe URLs refused
with a message, a delivery log per endpoint and redelivery by hand."""

import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from tenants.models import StaffRole
from tenants.scope import all_tenants, tenant_scope
from tests.deals.test_registration_pages import registration_of
from tests.factories import StaffMembershipFactory
from tests.isolation import assert_hidden_from, assert_visible_to
from tests.webhooks.conftest import endpoint_to
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

ENDPOINTS = "/admin/webhooks/webhookendpoint/"
DELIVERIES = "/admin/webhooks/webhookdelivery/"
ATTEMPTS = "/admin/webhooks/webhookattempt/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def add_endpoint(user, url, events=("deal_registration.approved",)):
    return signed_in(user).post(
        ENDPOINTS + "add/",
        {"url": url, "description": "CRM", "event_types": list(events), "is_active": "on"},
        follow=True,
    )


def test_a_tenant_admin_registers_an_endpoint_and_sees_its_secret_once(cast, receivers):
    receiver = receivers()
    page = signed_in(cast.admin_a).get(ENDPOINTS + "add/").content.decode()
    assert 'type="checkbox" name="event_types" value="deal_registration.approved"' in page
    assert "Deal registration approved" in page  # labelled events, not a JSON box

    response = add_endpoint(
        cast.admin_a, receiver.url, ["deal_registration.approved", "order.completed"]
    )

    assert response.status_code == 200
    shown = " ".join(str(m) for m in get_messages(response.wsgi_request))
    [secret] = re.findall(r"whsec_[A-Za-z0-9+/=]+", shown)
    with all_tenants():
        endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.tenant, endpoint.url, endpoint.secret) == (cast.tenant_a, receiver.url, secret)
    assert endpoint.event_types == ["deal_registration.approved", "order.completed"]
    assert endpoint.created_by == cast.admin_a
    for url in (ENDPOINTS, f"{ENDPOINTS}{endpoint.pk}/change/"):
        assert secret not in signed_in(cast.admin_a).get(url).content.decode()


@pytest.mark.parametrize(
    "url, error",
    [
        ("https://10.0.0.5/hooks", "10.0.0.5 resolves to 10.0.0.5, a private address"),
        ("https://169.254.169.254/latest", "a link-local address"),
        ("https://localhost/hooks", "a loopback address"),
        ("http://127.0.0.2:8000/hooks", "Use an https:// URL"),
    ],
)
def test_a_url_into_our_own_network_is_refused_with_a_clear_error(cast, url, error):
    response = add_endpoint(cast.admin_a, url)
    assert response.status_code == 200
    assert error in response.content.decode()
    with all_tenants():
        assert not WebhookEndpoint.objects.exists()


def test_only_the_tenants_admins_reach_its_endpoints(cast, receivers):
    endpoint = endpoint_to(receivers(), cast.tenant_a, ["order.completed"])
    admin_b = StaffMembershipFactory(tenant=cast.tenant_b, role=StaffRole.ADMIN).user
    change = f"{ENDPOINTS}{endpoint.pk}/change/"
    assert_visible_to(cast.admin_a, change)
    assert_hidden_from(admin_b, change)
    assert signed_in(admin_b).get(ENDPOINTS).content.decode().count(endpoint.url) == 0
    for staff in (cast.manager_a, cast.finance_a):
        assert signed_in(staff).get(ENDPOINTS).status_code == 403
        assert signed_in(staff).get(ATTEMPTS).status_code == 403


def test_the_delivery_log_shows_each_attempt_and_redeliver_sends_again(
    deals_cast, receivers, django_capture_on_commit_callbacks
):
    c = deals_cast
    receiver = receivers(script=[500])
    endpoint = endpoint_to(receiver, c.tenant_a, ["deal_registration.submitted"])
    with django_capture_on_commit_callbacks(execute=True):
        registration_of(c.partner_admin_a1)
    with tenant_scope(c.tenant_a):
        delivery = WebhookDelivery.objects.select_related("message").get(endpoint=endpoint)

    log = signed_in(c.admin_a).get(f"{ATTEMPTS}?delivery__endpoint__id__exact={endpoint.pk}")
    html = log.content.decode()
    assert log.status_code == 200
    assert delivery.message.message_id in html and ">500<" in html

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(c.admin_a).post(
            DELIVERIES, {"action": "redeliver", "_selected_action": [delivery.pk]}, follow=True
        )
    assert response.status_code == 200
    assert len(receiver.received) == 2
    with tenant_scope(c.tenant_a):
        attempts = list(WebhookAttempt.objects.filter(delivery=delivery).order_by("number"))
        delivery.refresh_from_db()
    assert [(a.number, a.status_code, a.trigger) for a in attempts] == [
        (1, 500, "scheduled"),
        (2, 200, "manual"),
    ]
    assert delivery.status == "succeeded"
    page = signed_in(c.admin_a).get(f"{DELIVERIES}{delivery.pk}/change/").content.decode()
    assert "Redelivered by hand" in page  # the attempts, under their delivery


def test_another_tenants_admin_cannot_see_or_redeliver_a_delivery(
    deals_cast, receivers, django_capture_on_commit_callbacks
):
    c = deals_cast
    receiver = receivers()
    endpoint = endpoint_to(receiver, c.tenant_a, ["deal_registration.submitted"])
    with django_capture_on_commit_callbacks(execute=True):
        registration_of(c.partner_admin_a1)
    with tenant_scope(c.tenant_a):
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    admin_b = StaffMembershipFactory(tenant=c.tenant_b, role=StaffRole.ADMIN).user
    assert_hidden_from(admin_b, f"{DELIVERIES}{delivery.pk}/change/")
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(admin_b).post(
            DELIVERIES, {"action": "redeliver", "_selected_action": [delivery.pk]}
        )
    assert len(receiver.received) == 1
