"""API keys carry scopes; only a tenant admin issues them; tax forms are the firm's and finance's.

Issue 16, finding 1: managers downloaded W-9s, every tenant key reached tax forms and
finance exports, and managers could issue keys. Each test goes through the console or the
API as a person or an integration would.
"""

import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from deals.models import Customer
from partners.models import TaxDocument
from tenants.models import ApiKey, ApiKeyScope, StaffRole, api_key_scopes_of_role
from tenants.scope import all_tenants, tenant_scope
from tenants.services import api_key_create, api_key_issue_refusal
from tests.files import sample_pdf
from tests.isolation import assert_hidden_from

API = "/simpro/api/v1/"
KEYS = "/admin/tenants/apikey/"
TOKEN = re.compile(r"prm_[0-9a-f]{16}_[\w-]+")
PDF = sample_pdf()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def key_client(tenant, *scopes: str) -> Client:
    with tenant_scope(tenant):
        _, token = api_key_create(tenant=tenant, name="ERP sync", scopes=scopes)
    return Client(headers={"Authorization": f"Api-Key {token}"})


def refusal(response) -> str:
    assert response.status_code == 403, response.content[:300]
    return response.json()["error"]["message"]


@pytest.fixture
def w9(cast, settings, tmp_path) -> TaxDocument:
    """Sparkline's partner admin has uploaded a W-9 in the portal."""
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("w9.pdf", PDF, content_type="application/pdf")
    response = signed_in(cast.partner_admin_a1.user).post(
        "/simpro/portal/tax/documents/upload/", {"kind": "w9", "file": upload}
    )
    assert response.status_code == 302
    with tenant_scope(cast.tenant_a):
        return TaxDocument.objects.get()


# --- issuing keys in the console ---------------------------------------------------------


def test_a_tenant_admin_issues_a_scoped_key_and_sees_the_token_once(cast):
    admin = signed_in(cast.admin_a)
    assert b'href="/admin/tenants/apikey/add/"' in admin.get(KEYS).content

    response = admin.post(
        f"{KEYS}add/", {"name": "Tax archive", "scopes": ["read", "tax_documents"]}, follow=True
    )

    assert response.status_code == 200
    shown = " ".join(str(m) for m in get_messages(response.wsgi_request))
    [token] = TOKEN.findall(shown)
    with tenant_scope(cast.tenant_a):
        key = ApiKey.objects.get(name="Tax archive")
    assert key.scopes == ["read", "tax_documents"] and key.created_by == cast.admin_a
    listed = admin.get(KEYS).content.decode()
    assert "read, tax documents" in listed  # the console shows what each key may do
    assert token not in listed  # shown once, never again
    api = Client(headers={"Authorization": f"Api-Key {token}"})
    assert api.get(f"{API}partner-firms/").status_code == 200


def test_a_superuser_outside_any_vendor_says_whose_key_it_is(cast):
    response = signed_in(cast.superuser).post(
        f"{KEYS}add/", {"tenant": cast.tenant_b.pk, "name": "B's ERP", "scopes": ["read"]}
    )

    assert response.status_code == 302
    with all_tenants():
        key = ApiKey.objects.get(name="B's ERP")
    assert (key.tenant, key.scopes) == (cast.tenant_b, ["read"])


def test_a_key_needs_a_scope_and_a_refused_form_keeps_what_was_typed(cast):
    response = signed_in(cast.admin_a).post(f"{KEYS}add/", {"name": "ERP order sync"})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert 'value="ERP order sync"' in response.content.decode()
    with all_tenants():
        assert not ApiKey.objects.exists()


@pytest.mark.parametrize("who", ["manager_a", "finance_a"])
def test_managers_and_finance_see_keys_but_cannot_issue_them(cast, who):
    with tenant_scope(cast.tenant_a):
        api_key_create(tenant=cast.tenant_a, name="ERP sync", scopes=["read"])
    staff = signed_in(getattr(cast, who))

    listed = staff.get(KEYS)
    assert listed.status_code == 200 and "ERP sync" in listed.content.decode()
    assert b'href="/admin/tenants/apikey/add/"' not in listed.content
    assert staff.get(f"{KEYS}add/").status_code == 403
    posted = staff.post(f"{KEYS}add/", {"name": "Mine", "scopes": ["read", "tax_documents"]})
    assert posted.status_code == 403
    with tenant_scope(cast.tenant_a):
        assert list(ApiKey.objects.values_list("name", flat=True)) == ["ERP sync"]


def test_a_key_never_carries_more_than_its_issuer_may_do(cast):
    with tenant_scope(cast.tenant_a):
        # finance itself may open tax forms (the README's promise), yet issues no key at all
        assert api_key_issue_refusal(
            tenant=cast.tenant_a, issued_by=cast.finance_a, scopes=["tax_documents"]
        ) == ("Only a tenant administrator can issue API keys.")
        assert (
            api_key_issue_refusal(tenant=cast.tenant_a, issued_by=cast.admin_a, scopes=["read"])
            is None
        )
    with tenant_scope(cast.tenant_b):
        # tenant A's admin is nobody in tenant B's console
        assert api_key_issue_refusal(
            tenant=cast.tenant_b, issued_by=cast.admin_a, scopes=["read"]
        ) == ("Only a tenant administrator can issue API keys.")


def test_an_unknown_scope_is_refused_in_the_console(cast):
    response = signed_in(cast.admin_a).post(f"{KEYS}add/", {"name": "X", "scopes": ["root"]})

    assert response.status_code == 200
    assert "Select a valid choice. root is not one of the available choices." in (
        response.content.decode()
    )
    with all_tenants():
        assert not ApiKey.objects.exists()


# --- what a key's scopes open ------------------------------------------------------------


def test_a_read_only_key_reads_but_cannot_write(cast):
    reader = key_client(cast.tenant_a, ApiKeyScope.READ)

    assert reader.get(f"{API}partner-firms/").status_code == 200
    response = reader.post(
        f"{API}customers/create/", {"name": "Acme"}, content_type="application/json"
    )
    assert refusal(response).startswith("This API key lacks the write scope")
    with tenant_scope(cast.tenant_a):
        assert not Customer.objects.exists()


def test_a_write_only_key_cannot_read(cast):
    writer = key_client(cast.tenant_a, ApiKeyScope.WRITE)

    assert "lacks the read scope" in refusal(writer.get(f"{API}partner-firms/"))


@pytest.mark.parametrize(
    "path",
    ["payout-batches/", "payout-batches/1/", "payout-batches/1/export.csv", "partner-invoices/"],
)
def test_finance_data_needs_the_finance_scope(cast, path):
    plain = key_client(cast.tenant_a, ApiKeyScope.READ, ApiKeyScope.WRITE)

    message = refusal(plain.get(f"{API}{path}"))

    assert message.startswith("This API key lacks the finance scope")
    assert "tenant administrator" in message


def test_a_finance_key_lists_batches_and_invoices(cast):
    finance = key_client(cast.tenant_a, ApiKeyScope.READ, ApiKeyScope.FINANCE)

    assert finance.get(f"{API}payout-batches/").json()["results"] == []
    assert finance.get(f"{API}partner-invoices/").status_code == 200
    # past the scope check, an unknown batch is simply not there
    assert finance.get(f"{API}payout-batches/999999/export.csv").status_code == 404


def test_tax_forms_need_the_tax_documents_scope(cast, w9):
    listing = f"{API}partner-firms/{cast.firm_a1.pk}/tax-documents/"
    download = f"{API}tax-documents/{w9.pk}/download/"
    plain = key_client(cast.tenant_a, ApiKeyScope.READ, ApiKeyScope.WRITE, ApiKeyScope.FINANCE)
    tax = key_client(cast.tenant_a, ApiKeyScope.READ, ApiKeyScope.TAX_DOCUMENTS)

    assert "lacks the tax documents scope" in refusal(plain.get(listing))
    assert "lacks the tax documents scope" in refusal(plain.get(download))
    assert [d["id"] for d in tax.get(listing).json()["documents"]] == [w9.pk]
    response = tax.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_a_key_with_every_scope_is_still_no_use_at_another_vendor(cast, w9):
    outsider = key_client(cast.tenant_b, *ApiKeyScope.values)
    token = outsider.defaults["HTTP_AUTHORIZATION"].removeprefix("Api-Key ")

    # through its own vendor's prefix the form is simply not there
    assert_hidden_from(None, f"/ipsoft/api/v1/tax-documents/{w9.pk}/download/", api_key=token)
    # through the form's vendor's prefix the key itself is refused
    assert outsider.get(f"{API}tax-documents/{w9.pk}/download/").status_code == 401


def test_a_key_issued_before_scopes_keeps_read_and_write_only(cast):
    with tenant_scope(cast.tenant_a):
        # what migration 0007 gave every existing key: the field's default
        key, token = api_key_create(tenant=cast.tenant_a, name="Legacy ERP")
        assert ApiKey.objects.get(pk=key.pk).scopes == ["read", "write"]
    legacy = Client(headers={"Authorization": f"Api-Key {token}"})

    assert legacy.get(f"{API}partner-firms/").status_code == 200
    created = legacy.post(
        f"{API}customers/create/",
        {"name": "Acme", "external_id": "CRM-1"},
        content_type="application/json",
    )
    assert created.status_code in (200, 201)
    assert "lacks the finance scope" in refusal(legacy.get(f"{API}payout-batches/"))


# --- tax forms for people ----------------------------------------------------------------


def test_a_manager_gets_no_tax_form_but_finance_does(cast, w9):
    portal = f"/simpro/portal/tax/documents/{w9.pk}/download/"
    api = f"{API}tax-documents/{w9.pk}/download/"

    for url in (portal, api):
        assert_hidden_from(cast.manager_a, url)
        assert_hidden_from(cast.manager_b, url)  # another vendor's staff
        assert_hidden_from(cast.partner_rep_a2.user, url)  # another firm
        response = signed_in(cast.finance_a).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert signed_in(cast.partner_rep_a1.user).get(url).status_code == 200  # the firm


def test_the_console_offers_the_file_to_finance_only(cast, w9):
    url = f"/admin/partners/taxdocument/{w9.pk}/change/"
    link = f"/simpro/portal/tax/documents/{w9.pk}/download/".encode()

    manager_page = signed_in(cast.manager_a).get(url)
    assert manager_page.status_code == 200 and link not in manager_page.content
    assert link in signed_in(cast.finance_a).get(url).content


def test_a_roles_scopes_are_what_the_role_may_do_itself():
    assert api_key_scopes_of_role(StaffRole.MANAGER) == {"read", "write"}
    assert api_key_scopes_of_role(StaffRole.FINANCE) == set(ApiKeyScope.values)
    assert api_key_scopes_of_role(StaffRole.ADMIN) == set(ApiKeyScope.values)
