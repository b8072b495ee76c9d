"""The grouped menu: what each kind of visitor is offered, and tables that scroll in their box."""

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.files import sample_png
from tests.partners.conftest import load_program
from tests.portal.conftest import PIXEL


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def menu_of(response) -> str:
    """The wide menu's markup (the phone menu renders the same include)."""
    body = response.content.decode()
    return re.search(r'<nav class="nav-wide".*?</nav>', body, re.S).group(0)


def test_a_partner_admin_gets_every_group_and_the_api(cast):
    menu = menu_of(signed_in(cast.partner_admin_a1.user).get("/simpro/portal/people/"))

    for group in ("Deals", "Tier &amp; benefits", "Money", "Team", "Resources", "Account"):
        assert f"<summary>{group}</summary>" in menu
    assert 'href="/simpro/api/v1/docs/"' in menu
    assert ">Home<" not in menu and ">Portal<" not in menu  # one way home: the dashboard
    assert 'href="/simpro/portal/">Dashboard</a>' in menu


def test_a_rep_gets_no_api_link(cast):
    response = signed_in(cast.partner_rep_a1.user).get("/simpro/portal/people/")

    assert response.status_code == 200
    assert "/api/v1/docs/" not in response.content.decode()  # in neither the wide nor phone menu
    assert "<summary>Money</summary>" in menu_of(response)


def test_a_visitor_of_the_directory_gets_no_partner_sections(cast):
    menu = menu_of(Client().get("/simpro/directory/"))

    assert "<summary>Deals</summary>" not in menu and "/api/v1/docs/" not in menu
    assert 'href="/simpro/directory/">Partner directory</a>' in menu
    assert ">Sign in</a>" in menu


def test_the_phone_menu_is_one_details_element_with_the_same_links(cast):
    body = signed_in(cast.partner_admin_a1.user).get("/simpro/portal/people/").content.decode()

    phone = re.search(r'<nav class="nav-narrow".*?</nav>', body, re.S).group(0)
    assert '<details class="menu"><summary>Menu</summary>' in phone
    wide = re.search(r'<nav class="nav-wide".*?</nav>', body, re.S).group(0)
    assert phone.count("<a ") == wide.count("<a ")


def test_portal_tables_scroll_inside_their_own_labelled_box(cast):
    load_program("simpro")
    body = signed_in(cast.partner_admin_a1.user).get("/simpro/portal/people/").content.decode()

    tables = body.count("<table")
    assert tables and body.count('<div class="table-scroll" role="region"') == tables


def test_the_portal_wears_the_vendors_logo_and_accent(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cast.tenant_a.logo = SimpleUploadedFile("simpro.png", PIXEL)
    cast.tenant_a.accent_colour = "#0f766e"
    cast.tenant_a.save()

    simpro = signed_in(cast.partner_rep_a1.user).get("/simpro/portal/people/").content.decode()
    ipsoft = signed_in(cast.partner_rep_b1.user).get("/ipsoft/portal/people/").content.decode()

    assert '<img class="vendor-logo" src="/simpro/portal/logo/"' in simpro
    assert ":root { --accent: #0f766e; }" in simpro
    assert "vendor-logo" not in ipsoft and "--accent: #" not in ipsoft  # another vendor's own


def test_a_superuser_sets_logo_and_accent_in_the_console(cast):
    page = signed_in(cast.superuser).get(f"/admin/tenants/tenant/{cast.tenant_a.pk}/change/")

    body = page.content.decode()
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in body
    assert 'name="logo"' in body and 'name="accent_colour"' in body


def test_a_vendors_admin_sets_its_own_logo_and_accent_and_nothing_else(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    console = signed_in(cast.admin_a)
    change = f"/admin/tenants/tenant/{cast.tenant_a.pk}/change/"

    form = console.get(change).content.decode()
    saved = console.post(
        change,
        {
            "logo": SimpleUploadedFile("simpro.png", sample_png(), content_type="image/png"),
            "accent_colour": "#0f766e",
            "name": "Renamed by the vendor",
            "slug": "renamed",
        },
    )

    assert 'name="logo"' in form and 'name="accent_colour"' in form
    assert 'name="slug"' not in form and 'name="name"' not in form  # the operator's fields
    assert saved.status_code == 302
    cast.tenant_a.refresh_from_db()
    assert (cast.tenant_a.name, cast.tenant_a.slug) == ("Simpro", "simpro")
    assert cast.tenant_a.accent_colour == "#0f766e" and cast.tenant_a.logo
    portal = signed_in(cast.partner_rep_a1.user).get("/simpro/portal/").content.decode()
    assert ":root { --accent: #0f766e; }" in portal and 'src="/simpro/portal/logo/"' in portal
    # a bad colour is refused with the reason and changes nothing
    refused = console.post(change, {"accent_colour": "teal"})
    assert "Use a hex colour such as #0f766e." in refused.content.decode()
    cast.tenant_a.refresh_from_db()
    assert cast.tenant_a.accent_colour == "#0f766e"
    # the outsiders: another vendor's brand, and a manager who is no admin
    other = console.get(f"/admin/tenants/tenant/{cast.tenant_b.pk}/change/")
    assert other.status_code in (302, 404)
    assert "IPsoft" not in console.get("/admin/tenants/tenant/").content.decode()
    assert signed_in(cast.manager_a).get(change).status_code == 403
