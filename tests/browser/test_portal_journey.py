"""The partner's main journey in a real browser, on a laptop and on a phone.

Sign in -> dashboard -> register a deal -> tier -> commissions -> statement, asserting what
is visible, that no page scrolls sideways at 390 px, and that axe-core finds no serious or
critical accessibility violation.
"""

import re
from pathlib import Path

from pypdf import PdfReader

from commissions.payouts import batch_build
from partners.models import Enrolment
from tenants.scope import tenant_scope
from tests.browser.test_deal_registration import sign_in
from tests.commissions.conftest import D, accrue, cim_partner, line, sell
from tests.tiers.conftest import lead

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
AXE = STATIC_DIR / "vendor" / "portal" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

OTHER_PAGES = (
    "portal/deals/",
    "portal/deals/import/",
    "portal/people/",
    "portal/activities/",
    "portal/tax/",
    "portal/profile/",
    "directory/",
)

# the elements that stick out on the right (outside a scrolling box): what made a page wide
WIDEST = """width => [...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > width
    && (e.parentElement || e).closest(".table-scroll, pre") === null)
  .sort((a, b) => b.getBoundingClientRect().right - a.getBoundingClientRect().right)
  .slice(0, 8)
  .map(e => `${e.tagName.toLowerCase()}.${e.className} "${(e.textContent || "").trim()
    .slice(0, 30)}" (${Math.round(e.getBoundingClientRect().right)} px)`)"""

SERIOUS_VIOLATIONS = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.id}: ${v.nodes.map(n => n.target.join(" ")).join(" | ")}`);
}"""


def check_page(page, width: int) -> None:
    """No sideways scrolling at this width, and nothing serious for axe-core."""
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, (
        f"{page.url} is {scroll_width} px wide at {width} px: {page.evaluate(WIDEST, width)}"
    )
    # from our origin, as the Content-Security-Policy allows (inline content it would refuse)
    page.add_script_tag(url=f"/static/{AXE.relative_to(STATIC_DIR).as_posix()}")
    assert page.evaluate(SERIOUS_VIOLATIONS) == [], page.url


def open_menu_item(page, group: str, item: str, *, phone: bool) -> None:
    """Follow a link of the grouped menu, as a person would at this width."""
    if phone:
        page.get_by_text("Menu", exact=True).click()
        nav = page.get_by_role("navigation", name="Main menu")
    else:
        nav = page.get_by_role("navigation", name="Main", exact=True)
        nav.get_by_text(group, exact=True).click()
    nav.get_by_role("link", name=item).click()
    page.wait_for_load_state()


def walk(page, *, phone: bool, company: str) -> None:
    width = (PHONE if phone else DESKTOP)["width"]
    page.goto("/cimcloud/portal/")
    for heading in ("To do", "Tier", "Pipeline", "Money", "Charts"):
        assert page.get_by_role("heading", name=heading, exact=True).is_visible()
    # the completed order re-evaluated the partner: CIMcloud's tiers change immediately
    assert page.get_by_text("Next: Tier 1 Registered Partner").is_visible()
    assert page.get_by_text("Last payment").is_visible()
    check_page(page, width)

    open_menu_item(page, "Deals", "Register a deal", phone=phone)
    page.get_by_label("Prospect company").fill(company)
    page.get_by_label("Country").select_option(label="United States")
    page.get_by_role("button", name="Register").click()
    page.get_by_text(f"{company} registered").wait_for()
    check_page(page, width)

    open_menu_item(page, "Tier & benefits", "Your tier", phone=phone)
    assert page.get_by_role("heading", name="Your tier, explained").is_visible()
    check_page(page, width)

    open_menu_item(page, "Money", "Commissions & statements", phone=phone)
    assert page.get_by_text("3,000.00 USD").first.is_visible()
    assert page.get_by_role("cell", name="30 %", exact=True).first.is_visible()  # the rate
    check_page(page, width)

    statements = page.get_by_role("region", name="Statements").first
    assert statements.get_by_text("2026-05").is_visible()
    with page.expect_download() as download:
        statements.get_by_role("link", name="PDF").click()
    reader = PdfReader(download.value.path())
    statement = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "Commission statement 2026-05" in statement and "30 %" in statement
    assert "3,000.00" in statement


def sign_in_on(page, viewport: dict) -> None:
    """Sign in through the form at this width, checking the form page as well."""
    page.context.clear_cookies()
    page.set_viewport_size(viewport)
    page.goto("/accounts/login/")
    check_page(page, viewport["width"])
    sign_in(page, "founder@cim.test")
    page.wait_for_url(re.compile(r"/cimcloud/portal/$"))


def test_a_partner_walks_the_portal_on_a_laptop_and_a_phone(page, transactional_db):
    tenant, program, enrolment = cim_partner()
    order = sell(
        tenant,
        lead(tenant, enrolment, "Acme Corp", D(2026, 4, 1)),
        [line("CONNECT", "10000.00")],
        D(2026, 5, 12),
    )
    accrue(tenant, order)
    with tenant_scope(tenant):
        batch_build(tenant=tenant, program=program, period=D(2026, 5, 1))
        Enrolment.objects.filter(pk=enrolment.pk).update(directory_consent=True)

    sign_in_on(page, DESKTOP)
    walk(page, phone=False, company="Initech Inc")

    sign_in_on(page, PHONE)
    walk(page, phone=True, company="Umbrella Corp")
    assert not page.get_by_role("navigation", name="Main", exact=True).is_visible()
    for rest_of_the_portal in OTHER_PAGES:
        page.goto(f"/cimcloud/{rest_of_the_portal}")
        check_page(page, PHONE["width"])
    # the firm's public profile, as the directory links it
    page.goto("/cimcloud/directory/")
    page.get_by_role("link", name=enrolment.firm.name).click()
    assert page.get_by_role("heading", name=enrolment.firm.name, level=1).is_visible()
    check_page(page, PHONE["width"])
