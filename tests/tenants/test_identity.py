"""Who may sign in: allauth's e-mail sign-up, verification and reset; axes guarding the console."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.test import Client

from tests.factories import PASSWORD

NEW_EMAIL = "newcomer@example.test"
ADMIN_LOGIN = "/admin/login/"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # allauth keeps its rate-limit counters in the cache; no test may inherit another's.
    cache.clear()
    yield
    cache.clear()


def link_in(message):
    """The mail's link, as a path: links are absolute on PRM_SITE_URL (partners.account_mail)."""
    return re.search(re.escape(settings.PRM_SITE_URL) + r"(/\S+)", message.body).group(1)


def is_signed_in(client):
    return client.get("/").wsgi_request.user.is_authenticated


def sign_in(client, email, password):
    return client.post("/accounts/login/", {"login": email, "password": password})


def admin_sign_in(client, username, password):
    return client.post(ADMIN_LOGIN, {"username": username, "password": password, "next": "/admin/"})


def test_sign_up_requires_confirming_the_email_before_signing_in(db, client):
    response = client.post(
        "/accounts/signup/", {"email": NEW_EMAIL, "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[NEW_EMAIL]]
    confirm_url = link_in(mail.outbox[0])
    assert confirm_url.startswith("/accounts/confirm-email/")
    assert not is_signed_in(client)

    response = sign_in(client, NEW_EMAIL, PASSWORD)
    assert response.url == "/accounts/confirm-email/"
    assert not is_signed_in(client)

    response = client.get(confirm_url)
    assert response.status_code == 200
    # the key embeds a timestamp, so the page's own link may differ by a second from the mail's
    assert 'action="/accounts/confirm-email/' in response.content.decode()
    assert not EmailAddress.objects.get(email=NEW_EMAIL).verified

    response = client.post(confirm_url)
    assert response.status_code == 302
    assert is_signed_in(client)
    assert EmailAddress.objects.get(email=NEW_EMAIL).verified

    fresh = Client()
    assert sign_in(fresh, NEW_EMAIL, PASSWORD).url == "/"
    assert is_signed_in(fresh)


def test_password_reset_mails_a_reset_link_to_a_known_address(cast, client):
    response = client.post("/accounts/password/reset/", {"email": cast.manager_a.email})
    assert response.url == "/accounts/password/reset/done/"
    assert [m.to for m in mail.outbox] == [[cast.manager_a.email]]
    assert link_in(mail.outbox[0]).startswith("/accounts/password/reset/key/")


def test_password_reset_for_unknown_address_reveals_nothing_to_the_requester(db, client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.test"})
    # the same answer as for a known address; only the mailbox owner learns there is no account
    assert response.url == "/accounts/password/reset/done/"
    assert [m.to for m in mail.outbox] == [["nobody@example.test"]]
    body = mail.outbox[0].body
    assert "/accounts/password/reset/key/" not in body
    assert "there is no account with this address" in body


def test_superuser_signs_in_through_the_console_login_form(cast, client):
    response = admin_sign_in(client, cast.superuser.username, PASSWORD)
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_tenant_staff_sign_in_through_the_console_login_form(cast, client):
    # console access comes from a StaffMembership, not from User.is_staff
    assert not cast.manager_a.is_staff
    response = admin_sign_in(client, cast.manager_a.username, PASSWORD)
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_partner_contact_is_refused_at_the_console_login_form(cast, client):
    response = admin_sign_in(client, cast.partner_rep_a1.user.username, PASSWORD)
    assert response.status_code == 200
    assert "not on any vendor" in response.content.decode()
    assert not is_signed_in(client)


def test_console_login_locks_out_after_five_failures_even_with_the_right_password(cast, client):
    statuses = [
        admin_sign_in(client, cast.manager_a.username, "wrong password").status_code
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]

    response = admin_sign_in(client, cast.manager_a.username, PASSWORD)
    assert response.status_code == 429
    assert "Sign-in temporarily locked" in response.content.decode()
    assert not is_signed_in(client)


def test_console_lockout_is_per_username(cast, client):
    for _ in range(5):
        admin_sign_in(client, cast.manager_a.username, "wrong password")

    response = admin_sign_in(client, cast.superuser.username, PASSWORD)
    assert response.url == "/admin/"
    assert is_signed_in(client)


def test_repeated_failed_sign_ins_refuse_even_the_right_password(cast, client):
    for _ in range(5):
        sign_in(client, cast.finance_a.email, "wrong password")

    response = sign_in(client, cast.finance_a.email, PASSWORD)
    assert response.status_code in (200, 429)
    assert not is_signed_in(client)


def test_allauth_rate_limits_failed_sign_ins_on_its_own(cast, client, settings):
    settings.AXES_ENABLED = False  # so the refusal below is allauth's, not axes'
    for _ in range(5):
        sign_in(client, cast.finance_a.email, "wrong password")

    response = sign_in(client, cast.finance_a.email, PASSWORD)
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert not is_signed_in(client)


def test_failed_sign_ins_for_other_addresses_do_not_lock_out_another_person(cast, client):
    for i in range(5):
        sign_in(client, f"typo{i}@example.test", "wrong password")

    response = sign_in(client, cast.finance_a.email, PASSWORD)
    assert response.status_code == 302
    assert is_signed_in(client)
