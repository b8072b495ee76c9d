import re

from tests.deals.conftest import enrol_firm
from tests.factories import PASSWORD
from tests.partners.conftest import load_program


def sign_in(page, email: str, *, console: bool = False) -> None:
    if console:
        page.goto("/admin/login/")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name=re.compile("Log in")).click()
    else:
        page.goto("/accounts/login/")
        page.get_by_label("Email:").fill(email)
        page.get_by_label("Password:").fill(PASSWORD)
        page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def sign_out(page) -> None:
    page.context.clear_cookies()


def test_partner_registers_manager_approves_partner_sees_it(page, cast, transactional_db):
    _, program = load_program("simpro")
    enrol_firm(cast.tenant_a, program, cast.partner_admin_a1, ["referral"])

    sign_in(page, cast.partner_admin_a1.user.email)
    page.goto("/simpro/portal/deals/new/")
    page.get_by_label("Prospect company").fill("Initech Pty Ltd")
    page.get_by_label("Web domain").fill("initech.example")
    page.get_by_label("Country").select_option(label="Australia")
    page.get_by_role("button", name="Register").click()
    page.get_by_text("Initech Pty Ltd registered: submitted.").wait_for()
    detail_url = page.url
    sign_out(page)

    sign_in(page, cast.manager_a.email, console=True)
    page.goto("/admin/deals/dealregistration/")
    page.get_by_role("link", name="Initech Pty Ltd").click()
    page.get_by_role("link", name="Approve").click()
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("Approved; the partner has been e-mailed").wait_for()
    sign_out(page)

    sign_in(page, cast.partner_admin_a1.user.email)
    page.goto(detail_url)
    assert page.get_by_text("Approved", exact=True).first.is_visible()
    assert page.get_by_text(re.compile("protected until")).is_visible()
