"""One lockout per account across both sign-in paths and every address (issue 16, finding 2).

The console lock used to be per (username, address): the right password from another
address signed in, and so did the console-locked account through /accounts/login/.
Everything here goes through the real sign-in pages with varied client addresses.
"""

import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.test import Client

from tenants.lockout import send_lockout_notice
from tests.factories import PASSWORD

WRONG = "not the password"
T0 = datetime.datetime(2026, 12, 3, 9, 0, tzinfo=datetime.UTC)
RESET_LINK = f"{settings.PRM_SITE_URL}/accounts/password/reset/"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # allauth keeps its own sign-in counters in the cache; no test may inherit another's
    cache.clear()
    yield
    cache.clear()


def console(username: str, password: str, ip: str, client: Client | None = None):
    client = client or Client()
    data = {"username": username, "password": password, "next": "/admin/"}
    return client.post("/admin/login/", data, REMOTE_ADDR=ip)


def portal(email: str, password: str, ip: str, client: Client | None = None):
    client = client or Client()
    return client.post("/accounts/login/", {"login": email, "password": password}, REMOTE_ADDR=ip)


def signed_in(response) -> bool:
    return response.wsgi_request.user.is_authenticated


def is_locked_page(response) -> bool:
    return response.status_code == 429 and "Sign-in temporarily locked" in (
        response.content.decode()
    )


def fail_on_console(user, times: int = 5, first_ip: int = 1) -> list[int]:
    """`times` wrong passwords for `user`, each from a different address."""
    return [
        console(user.username, WRONG, f"203.0.113.{first_ip + i}").status_code for i in range(times)
    ]


@pytest.mark.django_db(transaction=True)
def test_console_failures_from_many_addresses_lock_both_paths_and_mail_the_account(cast):
    manager = cast.manager_a

    assert fail_on_console(manager) == [200, 200, 200, 200, 429]

    # the right password, from addresses that never failed, on either path
    on_portal = portal(manager.email, PASSWORD, "198.51.100.7")
    assert is_locked_page(on_portal) and not signed_in(on_portal)
    assert "15 minutes" in on_portal.content.decode()
    on_console = console(manager.username, PASSWORD, "198.51.100.8")
    assert is_locked_page(on_console) and not signed_in(on_console)

    [notice] = mail.outbox
    assert notice.to == [manager.email]
    assert notice.subject == "Sign-in to your account is locked for 15 minutes"
    assert "wrong password 5 times" in notice.body
    assert "most recently from the address 203.0.113.5" in notice.body
    assert RESET_LINK in notice.body
    assert "PT15M" not in notice.body and "{{" not in notice.body


@pytest.mark.django_db(transaction=True)
def test_portal_failures_lock_the_console_however_the_address_is_spelt(cast):
    finance = cast.finance_a
    spellings = ["Finance@Simpro.test", "finance@simpro.test", "FINANCE@SIMPRO.TEST"]
    for i in range(5):
        portal(spellings[i % 3], WRONG, f"192.0.2.{i + 1}")

    response = console(finance.username, PASSWORD, "192.0.2.99")

    assert is_locked_page(response) and not signed_in(response)
    assert [m.to for m in mail.outbox] == [[finance.email]]


@pytest.mark.django_db(transaction=True)
def test_a_partner_account_is_locked_the_same_way(cast):
    partner = cast.partner_admin_a1.user
    for i in range(5):
        portal(partner.email, WRONG, f"192.0.2.{i + 1}")

    # allauth's own limit answers first on its page; the console path shows it is axes' lock
    assert not signed_in(portal(partner.email, PASSWORD, "192.0.2.50"))
    assert is_locked_page(console(partner.username, PASSWORD, "192.0.2.51"))
    assert [m.to for m in mail.outbox] == [[partner.email]]


@pytest.mark.django_db(transaction=True)
def test_another_account_from_the_attackers_address_is_not_locked(cast):
    fail_on_console(cast.manager_a)

    # same address as the last failure: the address is under its own, higher limit
    assert console(cast.admin_a.username, PASSWORD, "203.0.113.5").url == "/admin/"
    assert signed_in(portal(cast.finance_a.email, PASSWORD, "203.0.113.5"))
    assert signed_in(portal(cast.manager_b.email, PASSWORD, "203.0.113.4"))  # other vendor
    assert [m.to for m in mail.outbox] == [[cast.manager_a.email]]


@pytest.mark.django_db(transaction=True)
def test_the_lock_lifts_after_the_cool_off_and_refusals_neither_extend_it_nor_mail_again(cast):
    manager = cast.manager_a
    with time_machine.travel(T0, tick=False) as clock:
        for i in range(5):  # one a minute, each from another address: locked at 09:04
            console(manager.username, WRONG, f"203.0.113.{i + 1}")
            clock.shift(datetime.timedelta(minutes=1))
        clock.shift(datetime.timedelta(minutes=5))
        for i in range(3):  # someone keeps trying while it is locked
            assert is_locked_page(console(manager.username, WRONG, f"198.51.100.{i + 1}"))
        # 09:18: the first failure is older than the cool-off, the lock still holds
        clock.move_to(T0 + datetime.timedelta(minutes=18))
        assert is_locked_page(portal(manager.email, PASSWORD, "198.51.100.9"))

        clock.move_to(T0 + datetime.timedelta(minutes=19, seconds=1))  # 15 min after 09:04
        response = console(manager.username, PASSWORD, "198.51.100.9")

        assert response.url == "/admin/" and signed_in(response)
    [notice] = mail.outbox
    assert "locked until 3 December 2026, 09:19 UTC" in notice.body


def test_a_successful_sign_in_starts_the_count_afresh(cast):
    manager = cast.manager_a
    assert fail_on_console(manager, times=4) == [200] * 4
    assert signed_in(portal(manager.email, PASSWORD, "198.51.100.1"))

    assert fail_on_console(manager, times=4, first_ip=10) == [200] * 4
    assert console(manager.username, PASSWORD, "198.51.100.2").url == "/admin/"


def test_an_address_is_locked_after_its_own_limit_for_any_accounts(cast, settings):
    settings.PRM_LOGIN_IP_FAILURE_LIMIT = 8
    for i in range(8):  # a spray: no single account reaches its limit
        console(f"guess{i}@example.test", WRONG, "203.0.113.66")

    assert is_locked_page(console(cast.admin_a.username, PASSWORD, "203.0.113.66"))
    assert console(cast.admin_a.username, PASSWORD, "203.0.113.67").url == "/admin/"
    assert mail.outbox == []  # no account is locked, and typed addresses are never mailed


@pytest.mark.django_db(transaction=True)
def test_failures_for_an_unknown_name_mail_nobody(db):
    for i in range(6):
        portal("nobody@example.test", WRONG, f"192.0.2.{i + 1}")
        console("nobody", WRONG, f"192.0.2.{i + 1}")

    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_a_new_password_through_the_mailed_link_lifts_the_lock(cast):
    manager = cast.manager_a
    fail_on_console(manager)
    [notice] = mail.outbox
    assert RESET_LINK in notice.body

    client = Client()
    client.post("/accounts/password/reset/", {"email": manager.email})
    reset_mail = mail.outbox[-1]
    path = re.search(re.escape(settings.PRM_SITE_URL) + r"(/\S+)", reset_mail.body).group(1)
    form_url = client.get(path).url  # allauth moves the key out of the address first
    new_password = "a fresh and long pass phrase 7"
    done = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert done.status_code == 302

    response = console(manager.username, new_password, "198.51.100.3")
    assert response.url == "/admin/" and signed_in(response)


def test_a_redelivered_notice_mails_once(cast):
    for _ in range(2):  # a worker died after sending; the broker hands the task out again
        send_lockout_notice(cast.manager_a.pk, "2026-12-03T09:15:00+00:00", "203.0.113.5")

    [notice] = mail.outbox
    assert "locked until 3 December 2026, 09:15 UTC" in notice.body
