"""Tax documents and payout profiles: uploads checked by content, downloads only to their owners."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from partners.models import PayoutProfile, TaxDocument, TaxDocumentStatus
from partners.selectors.tax import has_valid_tax_document, tax_status_of
from partners.services.tax import tax_document_review
from tenants.models import ApiKeyScope
from tenants.scope import tenant_scope
from tenants.services import api_key_create
from tests.files import sample_pdf, sample_png
from tests.isolation import assert_hidden_from, assert_visible_to

PDF = sample_pdf()
PNG = sample_png()
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 64  # a Windows executable
UPLOAD = "/simpro/portal/tax/documents/upload/"
PAYOUT = "/simpro/portal/tax/payout/"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def a_file(content: bytes, name: str = "w9.pdf", content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def upload(user, content: bytes, name: str = "w9.pdf", kind: str = "w9", **kw):
    return signed_in(user).post(UPLOAD, {"kind": kind, "file": a_file(content, name, **kw)})


def documents(cast) -> list[TaxDocument]:
    with tenant_scope(cast.tenant_a):
        return list(TaxDocument.objects.order_by("pk"))


@pytest.fixture
def stored_w9(cast, media) -> TaxDocument:
    """Firm A1's partner admin has uploaded a W-9 with a hostile original file name."""
    upload(cast.partner_admin_a1.user, PDF, name='evil"; filename=x.exe ü.pdf')
    return documents(cast)[0]


def download_url(document, tenant="simpro", api=False) -> str:
    if api:
        return f"/{tenant}/api/v1/tax-documents/{document.pk}/download/"
    return f"/{tenant}/portal/tax/documents/{document.pk}/download/"


def test_a_renamed_executable_is_refused_and_nothing_is_stored(cast, media):
    response = upload(cast.partner_admin_a1.user, EXE, name="w9.pdf")

    assert response.status_code == 400
    assert "is not a PDF, PNG or JPEG file" in response.content.decode()
    assert documents(cast) == []
    assert stored_files(media) == []


def test_the_api_refuses_a_renamed_executable_in_the_one_error_format(cast, media):
    url = f"/simpro/api/v1/partner-firms/{cast.firm_a1.pk}/tax-documents/upload/"
    response = signed_in(cast.partner_admin_a1.user).post(url, {"kind": "w9", "file": a_file(EXE)})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert "not a PDF, PNG or JPEG file" in error["fields"]["file"][0]
    assert documents(cast) == [] and stored_files(media) == []


def test_an_oversize_file_is_refused_and_nothing_is_stored(cast, media):
    too_big = PDF + b"0" * (5 * 1024 * 1024)

    response = upload(cast.partner_admin_a1.user, too_big)

    assert response.status_code == 400
    assert "the limit is 5 MB" in response.content.decode()
    assert documents(cast) == [] and stored_files(media) == []


def test_a_good_pdf_is_stored_under_a_generated_name(cast, media):
    response = upload(
        cast.partner_admin_a1.user, PDF, name="../Sparkline W-9.pdf", content_type="image/gif"
    )

    assert response.status_code == 302
    [document] = documents(cast)
    assert re.fullmatch(r"tax-documents/[0-9a-f]{32}\.pdf", document.file.name)
    assert document.original_name == "Sparkline W-9.pdf"
    assert document.content_type == "application/pdf"  # the content said so, not the browser
    assert document.status == TaxDocumentStatus.RECEIVED
    assert document.uploaded_by == cast.partner_admin_a1.user
    assert [p.read_bytes() for p in stored_files(media)] == [PDF]


def test_the_content_decides_the_stored_type_not_the_name(cast, media):
    upload(cast.partner_admin_a1.user, PNG, name="scan.pdf", kind="w8ben")

    [document] = documents(cast)
    assert document.file.name.endswith(".png") and document.content_type == "image/png"


def test_a_partner_rep_cannot_upload_but_sees_the_forms(cast, media, stored_w9):
    rep = cast.partner_rep_a1.user

    assert upload(rep, PDF).status_code == 403
    assert len(documents(cast)) == 1
    page = signed_in(rep).get("/simpro/portal/tax/")
    assert page.status_code == 200
    assert b"Upload a tax form" not in page.content
    assert b"<title>Tax &amp; payouts" in page.content
    admin_page = signed_in(cast.partner_admin_a1.user).get("/simpro/portal/tax/")
    assert b'<label for="id_file">Signed form:</label>' in admin_page.content


@pytest.mark.parametrize("who", ["partner_rep_a2", "partner_rep_b1", "manager_b", "stranger"])
def test_outsiders_get_404_for_a_firms_tax_form(cast, stored_w9, who):
    user = getattr(cast, who)
    user = getattr(user, "user", user)

    assert_hidden_from(user, download_url(stored_w9))
    assert_hidden_from(user, download_url(stored_w9, api=True))
    assert_hidden_from(user, download_url(stored_w9, tenant="ipsoft"))
    assert_visible_to(cast.partner_rep_a1.user, download_url(stored_w9))


def test_the_tax_page_is_hidden_from_other_tenants_and_non_partners(cast):
    for user in (cast.partner_rep_b1.user, cast.stranger, cast.manager_a):
        assert_hidden_from(user, "/simpro/portal/tax/")
    for url in (UPLOAD, PAYOUT):
        assert_hidden_from(cast.partner_rep_b1.user, url, method="post")
    assert_visible_to(cast.partner_rep_a1.user, "/simpro/portal/tax/")


def test_finance_downloads_with_a_safe_attachment_header(cast, stored_w9):
    response = signed_in(cast.finance_a).get(download_url(stored_w9))

    assert response.status_code == 200
    expected = f'attachment; filename="w9-sparkline-pty-ltd-{stored_w9.pk}.pdf"'
    assert response["Content-Disposition"] == expected
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.parametrize("who", ["admin_a", "superuser"])
def test_tenant_admins_and_superusers_may_view_tax_forms_too(cast, stored_w9, who):
    assert_visible_to(getattr(cast, who), download_url(stored_w9))


def test_a_manager_gets_no_tax_form_in_the_portal_or_the_api(cast, stored_w9):
    # managers chase missing forms by their status; the file is for the firm and finance
    assert_hidden_from(cast.manager_a, download_url(stored_w9))
    assert_hidden_from(cast.manager_a, download_url(stored_w9, api=True))


def test_the_firms_status_follows_its_latest_document(cast, stored_w9):
    firm, tenant = cast.firm_a1, cast.tenant_a
    with tenant_scope(tenant):
        assert tax_status_of(tenant=tenant, firm=cast.firm_a2) == "missing"
        assert tax_status_of(tenant=tenant, firm=firm) == "received"
        assert not has_valid_tax_document(tenant=tenant, firm=firm, on=datetime.date(2026, 1, 1))

        tax_document_review(
            tenant=tenant,
            document=stored_w9,
            status=TaxDocumentStatus.VERIFIED,
            expires_on=datetime.date(2026, 12, 31),
            reviewed_by=cast.finance_a,
        )

        assert tax_status_of(tenant=tenant, firm=firm) == "verified"
        assert has_valid_tax_document(tenant=tenant, firm=firm, on=datetime.date(2026, 12, 31))
        assert not has_valid_tax_document(tenant=tenant, firm=firm, on=datetime.date(2027, 1, 1))
        assert not has_valid_tax_document(
            tenant=tenant, firm=cast.firm_a2, on=datetime.date(2026, 1, 1)
        )


def test_finance_verifies_in_the_console_and_managers_only_look(cast, stored_w9):
    changelist = "/admin/partners/taxdocument/"
    action = {"action": "verify", "_selected_action": [stored_w9.pk]}

    manager = signed_in(cast.manager_a)
    assert (
        manager.get(f"{changelist}?status__exact=received&kind__exact=w9&q=Sparkline").status_code
        == 200
    )
    manager.post(changelist, action)
    assert documents(cast)[0].status == TaxDocumentStatus.RECEIVED

    response = signed_in(cast.finance_a).post(changelist, action)

    assert response.status_code == 302
    [document] = documents(cast)
    assert document.status == TaxDocumentStatus.VERIFIED
    assert document.verified_by == cast.finance_a
    assert signed_in(cast.manager_b).get(f"{changelist}{stored_w9.pk}/change/").status_code == 404


def test_finance_rejects_a_form_on_its_console_page(cast, stored_w9):
    url = f"/admin/partners/taxdocument/{stored_w9.pk}/change/"
    manager_page = signed_in(cast.manager_a).get(url)
    assert manager_page.status_code == 200 and b"Download" not in manager_page.content
    assert b"Download" in signed_in(cast.finance_a).get(url).content
    assert signed_in(cast.manager_a).post(url, {"status": "verified"}).status_code == 403

    response = signed_in(cast.finance_a).post(url, {"status": "rejected", "expires_on": ""})

    assert response.status_code == 302
    assert documents(cast)[0].status == TaxDocumentStatus.REJECTED
    with tenant_scope(cast.tenant_a):
        assert tax_status_of(tenant=cast.tenant_a, firm=cast.firm_a1) == "rejected"


def save_payout(user, **data):
    fields = {"method": "bank_transfer", "account_holder": "Sparkline Pty Ltd"}
    return signed_in(user).post(PAYOUT, {**fields, **data})


def payout_of(cast) -> PayoutProfile | None:
    with tenant_scope(cast.tenant_a):
        return PayoutProfile.objects.filter(firm=cast.firm_a1).first()


def test_a_partner_admin_sets_payout_details_shown_masked(cast):
    response = save_payout(cast.partner_admin_a1.user, account_reference="DE89370400440532013000")

    assert response.status_code == 302
    page = signed_in(cast.partner_admin_a1.user).get("/simpro/portal/tax/").content.decode()
    assert "•••• 3000" in page and "DE89370400440532013000" not in page
    api = signed_in(cast.partner_rep_a1.user).get(
        f"/simpro/api/v1/partner-firms/{cast.firm_a1.pk}/payout-profile/"
    )
    assert api.json()["account_reference"] == "•••• 3000"
    assert save_payout(cast.partner_rep_a1.user, account_reference="X").status_code == 403


def test_partners_cannot_set_the_withholding_rate(cast):
    save_payout(cast.partner_admin_a1.user, account_reference="DE89370400440532013000")

    form = save_payout(cast.partner_admin_a1.user, account_reference="", withholding_rate="0")
    api = signed_in(cast.partner_admin_a1.user).post(
        f"/simpro/api/v1/partner-firms/{cast.firm_a1.pk}/payout-profile/update/",
        {"method": "check", "account_holder": "S", "withholding_rate": "0"},
        content_type="application/json",
    )

    assert form.status_code == 400
    assert "set by the vendor&#x27;s finance team" in form.content.decode()
    assert api.status_code == 400
    assert "finance team" in api.json()["error"]["fields"]["withholding_rate"][0]
    assert payout_of(cast).method == "bank_transfer"


def test_finance_sets_withholding_in_the_console_and_sees_the_reference_masked(cast):
    save_payout(cast.partner_admin_a1.user, account_reference="DE89370400440532013000")
    url = f"/admin/partners/payoutprofile/{payout_of(cast).pk}/change/"

    finance_page = signed_in(cast.finance_a).get(url).content.decode()
    assert "DE89370400440532013000" not in finance_page and "•••• 3000" in finance_page
    manager_page = signed_in(cast.manager_a).get(url)
    assert b"DE89370400440532013000" not in manager_page.content
    assert "•••• 3000" in manager_page.content.decode()
    assert signed_in(cast.manager_a).post(url, {"withholding_rate": "0.3"}).status_code == 403
    refused = signed_in(cast.finance_a).post(url, {"withholding_rate": "1.5"})
    assert "between 0 and 1" in refused.content.decode()

    assert signed_in(cast.finance_a).post(url, {"withholding_rate": "0.24"}).status_code == 302
    assert payout_of(cast).withholding_rate == Decimal("0.24")


def test_tax_document_api_visibility(cast, stored_w9):
    list_a1 = f"/simpro/api/v1/partner-firms/{cast.firm_a1.pk}/tax-documents/"
    body = signed_in(cast.partner_rep_a1.user).get(list_a1).json()
    assert body["status"] == "received" and body["has_valid_tax_document"] is False
    assert [d["id"] for d in body["documents"]] == [stored_w9.pk]
    assert "file" not in body["documents"][0]  # the storage path never leaves the server
    assert signed_in(cast.finance_a).get(list_a1).status_code == 200
    for user in (cast.partner_rep_a2.user, cast.manager_b, cast.partner_rep_b1.user):
        assert_hidden_from(user, list_a1)

    every_scope = ApiKeyScope.values
    with tenant_scope(cast.tenant_a):
        _, token_a = api_key_create(
            tenant=cast.tenant_a, name="AP sync", created_by=cast.admin_a, scopes=every_scope
        )
    with tenant_scope(cast.tenant_b):
        _, token_b = api_key_create(tenant=cast.tenant_b, name="B", scopes=every_scope)
    key = {"Authorization": f"Api-Key {token_a}"}
    assert Client().get(list_a1, headers=key).status_code == 200
    assert Client().get(download_url(stored_w9, api=True), headers=key).status_code == 200
    assert_hidden_from(
        None, f"/ipsoft/api/v1/tax-documents/{stored_w9.pk}/download/", api_key=token_b
    )


def test_only_the_firms_partner_admin_uploads_through_the_api(cast, media):
    url = f"/simpro/api/v1/partner-firms/{cast.firm_a1.pk}/tax-documents/upload/"

    def post(user):
        return signed_in(user).post(url, {"kind": "w8bene", "file": a_file(PDF)})

    assert post(cast.partner_rep_a1.user).status_code == 403
    assert post(cast.finance_a).status_code == 403
    assert_hidden_from(cast.partner_rep_a2.user, url, method="post")
    created = post(cast.partner_admin_a1.user)
    assert created.status_code == 201
    assert created.json()["kind"] == "w8bene" and len(documents(cast)) == 1


def test_the_tax_page_pages_the_firms_forms(cast, media):
    for _ in range(27):
        assert upload(cast.partner_admin_a1.user, PDF).status_code == 302
    partner = signed_in(cast.partner_admin_a1.user)
    first = partner.get("/simpro/portal/tax/").content.decode()
    assert first.count("portal/tax/documents/") >= 25 and "Page 1 of 2" in first
    assert 'href="?documents_page=2" rel="next"' in first
    second = partner.get("/simpro/portal/tax/?documents_page=2").content.decode()
    assert "Page 2 of 2" in second
    newest_first = [d.pk for d in reversed(documents(cast))]
    assert f"/documents/{newest_first[0]}/download/" in first
    assert f"/documents/{newest_first[-1]}/download/" in second
    assert f"/documents/{newest_first[-1]}/download/" not in first
    # the other firm of the same vendor sees none of them
    theirs = signed_in(cast.partner_rep_a2.user).get("/simpro/portal/tax/").content.decode()
    assert "portal/tax/documents/" not in theirs and "Page 1 of" not in theirs
