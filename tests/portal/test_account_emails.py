"""allauth's e-mails (verify, reset): an HTML part in the house layout, links on PRM_SITE_URL."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.files.base import ContentFile
from django.test import Client

from tests.factories import UserFactory
from tests.files import sample_png
from tests.partners.conftest import load_program

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


# The vendor the mail speaks for: the page that sent the newcomer, or the partner's own vendor.


@pytest.fixture
def simpro_with_logo(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cast.tenant_a.logo.save("simpro.png", ContentFile(sample_png()), save=False)
    cast.tenant_a.accent_colour = "#0f766e"
    cast.tenant_a.save()
    return cast


def test_a_newcomer_sent_by_a_vendor_gets_its_name_and_logo_and_lands_back_there(
    simpro_with_logo,
):
    load_program("simpro")
    client = Client()
    mail.outbox.clear()
    sent = client.post(
        "/accounts/signup/?next=/simpro/portal/apply/",
        {
            "email": "founder@kestrel.test",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "next": "/simpro/portal/apply/",
        },
    )
    assert sent.status_code == 302
    [letter] = mail.outbox
    text, html = parts_of(letter)

    assert letter.subject == "[Simpro] Verify your e-mail address"
    assert f'<img src="{SITE}/simpro/portal/logo/" alt="Simpro"' in html
    assert "border-top:4px solid #0f766e" in html  # the vendor's accent
    assert "an account on the Simpro partner portal" in text
    assert f"Simpro partner portal: {SITE}/simpro/portal/" in text
    logo = Client().get("/simpro/portal/logo/")  # the mail client fetches it, signed out
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"

    [verify] = [link for link in links_of(html) if "/accounts/confirm-email/" in link]
    landed = client.post(verify.removeprefix(SITE), follow=True)
    assert landed.redirect_chain[-1][0] == "/simpro/portal/apply/"
    assert "Apply to the Simpro Partner Program" in landed.content.decode()


def test_a_reset_speaks_for_the_partners_own_vendor_and_no_other(simpro_with_logo):
    cast = simpro_with_logo
    letters = {}
    for user in (cast.partner_rep_a1.user, cast.partner_rep_b1.user, UserFactory()):
        mail.outbox.clear()
        Client().post("/accounts/password/reset/", {"email": user.email})
        [letters[user.email]] = mail.outbox

    simpro, ipsoft, nobody = letters.values()
    assert simpro.subject == "[Simpro] Choose your password"
    assert "/simpro/portal/logo/" in parts_of(simpro)[1]
    assert ipsoft.subject == "[IPsoft] Choose your password"
    ipsoft_html = parts_of(ipsoft)[1]
    assert "Simpro" not in ipsoft_html + ipsoft.body and "<img" not in ipsoft_html
    assert '<strong style="font-size:18px;">IPsoft</strong>' in ipsoft_html
    assert nobody.subject == "[PRM] Choose your password" and "Simpro" not in nobody.body


def test_a_next_address_of_another_site_names_no_vendor(cast):
    mail.outbox.clear()
    Client().post(
        "/accounts/signup/",
        {
            "email": "drifter@nowhere.test",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "next": "//simpro/portal/",
        },
    )
    [letter] = mail.outbox
    assert letter.subject == "[PRM] Verify your e-mail address"


@pytest.mark.django_db
def test_a_reset_for_an_unknown_address_says_so_in_both_parts_and_offers_sign_up():
    mail.outbox.clear()
    Client().post("/accounts/password/reset/", {"email": "stranger@nowhere.test"})
    [letter] = mail.outbox
    text, html = parts_of(letter)

    assert "there is no account with this address" in text and "Sign up" in html
    [signup] = [link for link in links_of(html) if "/accounts/signup/" in link]
    assert signup.startswith(SITE) and signup in text and "<p>" not in text
    page = Client().get(signup.removeprefix(SITE))
    assert page.status_code == 200 and 'name="password1"' in page.content.decode()
