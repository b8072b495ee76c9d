"""Content-Security-Policy on every page of the portal and the console (issue 16, finding 7).

Each answer carries a policy with a fresh nonce; scripts run only from our origin or with
that nonce, never inline otherwise. The console alone allows 'unsafe-eval' (unfold's
Alpine.js); styles allow 'unsafe-inline' everywhere (see config/settings.py).
"""

import re

import pytest
from django.test import Client

from tenants.scope import tenant_scope

NONCE = re.compile(r"'nonce-([A-Za-z0-9+/=]+)'")
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son(?:click|change|submit|load|input|error)\s*=", re.I)

PORTAL_PAGES = (
    "/",
    "/simpro/portal/",
    "/simpro/portal/deals/",
    "/simpro/portal/deals/new/",
    "/simpro/portal/deals/import/",
    "/simpro/portal/people/",
    "/simpro/portal/activities/",
    "/simpro/directory/",
)
CONSOLE_PAGES = (
    "/admin/",
    "/admin/deals/dealregistration/",
    "/admin/partners/partnerfirm/",
    "/admin/partners/partnerfirm/add/",
    "/admin/deals/import/",
)
ANONYMOUS_PAGES = ("/accounts/login/", "/admin/login/", "/simpro/api/v1/docs/")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


def assert_scripts_carry_the_nonce(response) -> str:
    """The page's nonce; every inline <script> carries it, every src is our own origin."""
    assert response.status_code == 200, (response.wsgi_request.path, response.status_code)
    script_src = policy(response)["script-src"]
    assert "'unsafe-inline'" not in script_src
    nonces = [NONCE.fullmatch(value).group(1) for value in script_src if NONCE.fullmatch(value)]
    assert len(nonces) == 1, script_src
    html = response.content.decode()
    for attributes in SCRIPT_TAG.findall(html):
        src = re.search(r"""\ssrc=["']([^"']+)""", attributes)
        if src:
            assert src.group(1).startswith("/") and not src.group(1).startswith("//"), src
        else:
            assert f'nonce="{nonces[0]}"' in attributes, f"inline <script{attributes}>"
    assert not INLINE_HANDLER.search(html), INLINE_HANDLER.search(html).group(0)
    return nonces[0]


@pytest.mark.parametrize("url", PORTAL_PAGES)
def test_every_portal_page_has_a_nonce_policy_and_no_script_without_it(deals_cast, url):
    response = signed_in(deals_cast.partner_admin_a1.user).get(url)
    assert_scripts_carry_the_nonce(response)
    directives = policy(response)
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("url", CONSOLE_PAGES)
def test_every_console_page_has_a_nonce_policy_and_no_inline_script(deals_cast, url):
    response = signed_in(deals_cast.manager_a).get(url)
    assert_scripts_carry_the_nonce(response)
    assert "'unsafe-eval'" in policy(response)["script-src"]  # Alpine.js, console only


def test_a_console_change_form_with_the_admins_own_scripts(deals_cast):
    with tenant_scope(deals_cast.tenant_a):
        firm = deals_cast.firm_a1
    response = signed_in(deals_cast.manager_a).get(f"/admin/partners/partnerfirm/{firm.pk}/change/")
    assert_scripts_carry_the_nonce(response)
    assert "admin/js/" in response.content.decode()  # Django admin's JS: static files


@pytest.mark.parametrize("url", ANONYMOUS_PAGES)
def test_sign_in_pages_and_the_api_docs_carry_the_policy(cast, url):
    assert_scripts_carry_the_nonce(Client().get(url))


def test_the_api_docs_start_up_script_is_a_file_of_our_origin(cast):
    page = Client().get("/simpro/api/v1/docs/").content.decode()
    assert "<script>" not in page
    script = Client().get("/simpro/api/v1/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


def test_each_answer_has_its_own_nonce(deals_cast):
    client = signed_in(deals_cast.partner_admin_a1.user)
    first = assert_scripts_carry_the_nonce(client.get("/simpro/portal/"))
    second = assert_scripts_carry_the_nonce(client.get("/simpro/portal/"))
    assert first != second


def test_an_outsider_is_refused_and_the_refusal_carries_the_policy_too(deals_cast):
    # the IPsoft partner at Simpro's portal: not their vendor
    response = signed_in(deals_cast.partner_rep_b1.user).get("/simpro/portal/deals/")
    assert response.status_code in (302, 403, 404)
    assert NONCE.search(response["Content-Security-Policy"])
