"""A newcomer on a laptop and on a phone: sign up, verify (from the HTML e-mail), apply, and
find the application's status, also after signing in again."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command

from tests.browser.test_portal_journey import DESKTOP, PHONE, check_page
from tests.factories import TenantFactory
from tests.partners.conftest import DEFINITIONS

PASSPHRASE = "a long enough passphrase 42"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # allauth rate-limits confirmation mails per address in the cache, which outlives a test
    cache.clear()
    yield
    cache.clear()


def verification_link(letter) -> str:
    """The link a person clicks in the HTML part of the verification e-mail."""
    [(html, _)] = letter.alternatives
    return re.search(r'href="(https?://[^"]+/accounts/confirm-email/[^"]+/)"', html).group(1)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["laptop", "phone"])
def test_a_newcomer_applies_and_lands_on_the_status(page, transactional_db, viewport):
    TenantFactory(slug="simpro", name="Simpro")
    call_command("load_programs", str(DEFINITIONS / "simpro.yaml"), publish=True)
    page.set_viewport_size(viewport)
    width = viewport["width"]

    page.goto("/accounts/signup/")
    check_page(page, width)
    page.get_by_label("Email").fill("founder@kestrel.test")
    page.get_by_label("Password:", exact=True).fill(PASSPHRASE)
    page.get_by_label("Password (again):").fill(PASSPHRASE)
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))
    page.goto(verification_link(mail.outbox[-1]))
    check_page(page, width)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r"/$"))
    assert page.get_by_text("You are not a contact of any partner firm yet").is_visible()

    page.get_by_role("link", name="apply to Simpro").click()
    page.wait_for_url(re.compile(r"/simpro/portal/apply/$"))
    check_page(page, width)
    page.get_by_label("Firm name").fill("Kestrel Services")
    page.get_by_label("Country").select_option(label="New Zealand")
    page.get_by_label("Service Providers").check()
    page.get_by_label("I accept the program agreement").check()
    page.get_by_role("button", name="Submit application").click()
    page.get_by_text("Application submitted").wait_for()
    assert page.get_by_role("heading", name="Your application is under review").is_visible()
    check_page(page, width)

    page.goto("/")
    assert page.get_by_text("Your applications").is_visible()
    assert not page.get_by_text("You are not a contact of any partner firm yet").is_visible()

    # another day, another browser: signing in lands on the application's status
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("Email:").fill("founder@kestrel.test")
    page.get_by_label("Password:").fill(PASSPHRASE)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/simpro/portal/apply/[\w-]+/$"))
    assert page.get_by_role("heading", name="Your application is under review").is_visible()
    assert page.get_by_text("Kestrel Services").first.is_visible()
    check_page(page, width)
