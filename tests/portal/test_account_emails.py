"""allauth's e-mails (verify, reset): an HTML part in the house layout, links on PRM_SITE_URL."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from tests.factories import UserFactory

SITE = "https://prm.example.com"
PASSWORD = "a long, unguessable pass phrase 42"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.PRM_SITE_URL = SITE


def parts_of(letter) -> tuple[str, str]:
    [(html, kind)] = letter.alternatives
    assert kind == "text/html"
    return letter.body, html


def links_of(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', html))


def sign_up(client: Client, email: str):
    mail.outbox.clear()
    response = client.post(
        "/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    [letter] = mail.outbox
    return letter


@pytest.mark.django_db
def test_the_verification_mail_links_to_a_page_that_verifies_the_address():
    client = Client()
    letter = sign_up(client, "newcomer@firm.test")
    text, html = parts_of(letter)

    [verify] = [link for link in links_of(html) if "/accounts/confirm-email/" in link]
    assert verify.startswith(f"{SITE}/accounts/confirm-email/")
    assert verify in text  # the text part carries the same absolute link
    assert "Verify my e-mail address" in html and "border-top:4px solid" in html  # the layout
    assert not re.search(r"(^|\s)/accounts/", text) and "testserver" not in text + html
    assert letter.subject == "[PRM] Verify your e-mail address"

    page = client.get(verify.removeprefix(SITE))
    assert page.status_code == 200 and "newcomer@firm.test" in page.content.decode()
    confirmed = client.post(verify.removeprefix(SITE), follow=True)

    assert confirmed.status_code == 200
    assert EmailAddress.objects.get(email="newcomer@firm.test").verified
    assert confirmed.wsgi_request.user.email == "newcomer@firm.test"  # signed in, as configured


@pytest.mark.django_db
def test_one_verification_link_verifies_only_its_own_address():
    first, second = Client(), Client()
    letter = sign_up(first, "first@firm.test")
    sign_up(second, "second@firm.test")
    [verify] = [link for link in links_of(parts_of(letter)[1]) if "confirm-email" in link]

    second.post(verify.removeprefix(SITE))

    assert EmailAddress.objects.get(email="first@firm.test").verified
    assert not EmailAddress.objects.get(email="second@firm.test").verified
    # a made-up key verifies nothing
    forged = verify.rstrip("/").rsplit("/", 1)[0] + "/not-a-key/"
    assert "not-a-key" not in verify
    second.post(forged.removeprefix(SITE))
    assert not EmailAddress.objects.get(email="second@firm.test").verified


@pytest.mark.django_db
def test_the_password_reset_mail_opens_the_form_that_sets_the_password():
    user = UserFactory(email="partner@firm.test")
    client = Client()
    mail.outbox.clear()
    client.post("/accounts/password/reset/", {"email": user.email})
    [letter] = mail.outbox
    text, html = parts_of(letter)

    [reset] = [link for link in links_of(html) if "/accounts/password/reset/key/" in link]
    assert reset.startswith(SITE) and reset in text
    assert "Choose my password" in html

    form = client.get(reset.removeprefix(SITE), follow=True)
    assert form.status_code == 200 and 'name="password1"' in form.content.decode()
    new = "another long pass phrase 43"
    done = client.post(
        form.redirect_chain[-1][0], {"password1": new, "password2": new}, follow=True
    )
    assert done.status_code == 200
    user.refresh_from_db()
    assert user.check_password(new)
