"""E-mails: a text part and a branded HTML part, absolute links that open working pages."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from deals.services.registrations import registration_approve, registration_submit
from partners.services.applications import application_approve
from tenants.scope import tenant_scope
from tests.factories import StaffMembershipFactory, UserFactory
from tests.partners.conftest import load_program
from tests.partners.test_applications import submit
from tests.portal.conftest import PIXEL

SITE = "https://prm.example.com"


@pytest.fixture(autouse=True)
def _site(settings, tmp_path):
    settings.PRM_SITE_URL = SITE
    settings.MEDIA_ROOT = tmp_path


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def approved_registration(cast, django_capture_on_commit_callbacks):
    """Sparkline's admin registers Initech; Simpro's manager approves it (and it is mailed)."""
    with tenant_scope(cast.tenant_a):
        registration = registration_submit(
            tenant=cast.tenant_a,
            firm=cast.firm_a1,
            user=cast.partner_admin_a1.user,
            company_name="Initech Pty Ltd",
            country="AU",
        )
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            registration_approve(
                tenant=cast.tenant_a, registration=registration, user=cast.manager_a
            )
    [letter] = mail.outbox
    return registration, letter


def html_of(letter) -> str:
    [(html, kind)] = letter.alternatives
    assert kind == "text/html"
    return html


def test_the_html_part_links_to_a_page_that_opens(deals_cast, django_capture_on_commit_callbacks):
    registration, letter = approved_registration(deals_cast, django_capture_on_commit_callbacks)

    html = html_of(letter)
    links = re.findall(r'href="([^"]+)"', html)
    deal_link = f"{SITE}/simpro/portal/deals/{registration.pk}/"
    assert deal_link in links
    page = signed_in(deals_cast.partner_admin_a1.user).get(deal_link.removeprefix(SITE))
    assert page.status_code == 200
    assert "Initech Pty Ltd" in page.content.decode()
    # the same link is no way into another firm's registration
    outsider = signed_in(deals_cast.partner_rep_a2.user).get(deal_link.removeprefix(SITE))
    assert outsider.status_code == 404


def test_the_text_part_says_the_same_with_absolute_links_only(
    deals_cast, django_capture_on_commit_callbacks
):
    registration, letter = approved_registration(deals_cast, django_capture_on_commit_callbacks)

    assert letter.subject == "Deal registration approved: Initech Pty Ltd"
    assert f"{SITE}/simpro/portal/deals/{registration.pk}/" in letter.body
    assert not re.search(r"(^|\s)/simpro/", letter.body)  # nothing a mail client cannot open
    assert "Initech Pty Ltd" in html_of(letter)


def test_the_html_part_carries_the_vendors_logo_and_accent(
    deals_cast, django_capture_on_commit_callbacks
):
    tenant = deals_cast.tenant_a
    tenant.logo = SimpleUploadedFile("simpro.png", PIXEL, content_type="image/png")
    tenant.accent_colour = "#0f766e"
    tenant.full_clean()
    tenant.save()

    _, letter = approved_registration(deals_cast, django_capture_on_commit_callbacks)

    html = html_of(letter)
    assert f'<img src="{SITE}/simpro/portal/logo/" alt="Simpro"' in html
    assert "border-top:4px solid #0f766e" in html
    logo = Client().get("/simpro/portal/logo/")  # a mail client fetches it signed out
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"
    assert b"".join(logo.streaming_content) == PIXEL
    assert Client().get("/ipsoft/portal/logo/").status_code == 404  # no logo set there


def test_a_vendor_logo_must_be_an_image_file(cast):
    cast.tenant_a.logo = SimpleUploadedFile("logo.svg", b"<svg onload='alert(1)'/>")
    with pytest.raises(Exception, match="File extension"):
        cast.tenant_a.full_clean()


def test_the_welcome_mail_opens_the_new_partners_dashboard(db, django_capture_on_commit_callbacks):
    tenant, program = load_program("simpro")
    applicant = UserFactory(email="founder@bluebird.test")
    application = submit(
        tenant, program, applicant, firm_name="Bluebird & Co", tracks=["service-providers"]
    )
    mail.outbox.clear()
    with tenant_scope(tenant), django_capture_on_commit_callbacks(execute=True):
        application_approve(
            tenant=tenant, application=application, user=StaffMembershipFactory(tenant=tenant).user
        )

    [letter] = mail.outbox
    assert letter.subject == f"Welcome to the {program.name}"
    html = html_of(letter)
    assert "Bluebird &amp; Co" in html  # the HTML part escapes; the text part says it as written
    assert "Bluebird & Co" in letter.body
    [portal] = {link for link in re.findall(r'href="([^"]+)"', html) if link.endswith("/portal/")}
    assert portal == f"{SITE}/simpro/portal/"
    dashboard = signed_in(applicant).get(portal.removeprefix(SITE))
    assert dashboard.status_code == 200
    assert "<h1>Bluebird &amp; Co</h1>" in dashboard.content.decode()
