import re

from django.core import mail
from django.core.management import call_command

from partners.models import AgreementAcceptance, Application
from tenants.scope import tenant_scope
from tests.browser.test_portal_newcomer import verification_link
from tests.factories import TenantFactory
from tests.partners.conftest import DEFINITIONS


def test_a_newcomer_signs_up_verifies_and_applies_to_simpro(page, transactional_db):
    tenant = TenantFactory(slug="simpro", name="Simpro")
    call_command("load_programs", str(DEFINITIONS / "simpro.yaml"), publish=True)

    # the vendor's "apply" link, followed signed out: sign in, or sign up from there
    page.goto("/simpro/portal/apply/")
    page.wait_for_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_role("main").get_by_role("link", name="sign up", exact=True).click()
    page.get_by_label("Email").fill("founder@bluebird.test")
    page.get_by_label("Password:", exact=True).fill("a long enough passphrase 42")
    page.get_by_label("Password (again):").fill("a long enough passphrase 42")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))

    letter = mail.outbox[-1]
    assert letter.subject == "[Simpro] Verify your e-mail address"  # the vendor that sent them
    page.goto(verification_link(letter))
    page.get_by_role("button", name="Confirm").click()

    # verified and signed in, they are back where they set out from
    page.wait_for_url(re.compile(r"/simpro/portal/apply/$"))
    assert page.title().startswith("Apply to the Simpro Partner Program")
    page.get_by_label("Firm name").fill("Bluebird Services")
    page.get_by_label("Website").fill("bluebird.example")
    page.get_by_label("Country").select_option(label="Australia")
    page.get_by_label("Territories").fill("AU, NZ")
    page.get_by_label("Service Providers").check()
    page.get_by_label("I accept the program agreement").check()
    page.get_by_role("button", name="Submit application").click()

    page.get_by_text("Application submitted").wait_for()
    with tenant_scope(tenant):
        application = Application.objects.get()
        acceptance = AgreementAcceptance.objects.get(application=application)
    assert (application.firm_name, application.tracks) == (
        "Bluebird Services",
        ["service-providers"],
    )
    assert acceptance.user.email == "founder@bluebird.test"
    assert acceptance.ip_address == "127.0.0.1"
