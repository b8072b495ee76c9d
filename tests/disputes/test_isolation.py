"""Outsiders get 404: the other firm, the other vendor's partner, manager and API key, in the
portal, the console and the API. The owner's pages answer (the positive control)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from disputes.models import Dispute, DisputeAttachment
from tenants.models import ApiKeyScope
from tenants.scope import tenant_scope
from tenants.services import api_key_create
from tests.commissions.conftest import cim_partner
from tests.disputes.conftest import on, partner_user, signed_in, staff
from tests.files import sample_pdf
from tests.isolation import assert_hidden_from, assert_visible_to
from tests.partners.conftest import load_program
from tests.tiers.conftest import D, evaluate
from tests.tiers.test_ipsoft import Q1, ipsoft_partner, qualified_deals, standing_requirements


@pytest.fixture
def filed(db):
    """An IPsoft firm's dispute (with an attachment), a second IPsoft firm, a CIMcloud vendor."""
    loaded = load_program("ipsoft")
    tenant, program, mine = ipsoft_partner("alliance", email="a@mine.test", loaded=loaded)
    _, _, theirs = ipsoft_partner("alliance", email="b@theirs.test", loaded=loaded)
    standing_requirements(tenant, mine)
    qualified_deals(tenant, mine, 2, wins=1)
    evaluation = next(
        e for e in evaluate(tenant, program, Q1, today=D(2025, 4, 2)) if e.enrolment_id == mine.pk
    )
    with tenant_scope(tenant):
        result = evaluation.results.get(requirement="qualified-opps-alliance")
    owner = partner_user(tenant, mine)
    with on(D(2025, 4, 7)):
        response = signed_in(owner).post(
            f"/ipsoft/portal/disputes/file/evaluation/{evaluation.pk}/",
            {
                "reason": "One more qualified",
                "results": [result.pk],
                "attachments": [SimpleUploadedFile("crm.pdf", sample_pdf(), "application/pdf")],
            },
        )
    assert response.status_code == 302
    with tenant_scope(tenant):
        dispute = Dispute.objects.get()
        attachment = DisputeAttachment.objects.get()
    other_tenant, _, cim = cim_partner()
    with tenant_scope(other_tenant):
        _, other_key = api_key_create(tenant=other_tenant, name="x", scopes=ApiKeyScope.values)
    return {
        "dispute": dispute,
        "evaluation": evaluation,
        "attachment": attachment,
        "owner": owner,
        "manager": staff(tenant),
        "other_firm": partner_user(tenant, theirs),
        "other_vendor_partner": partner_user(other_tenant, cim),
        "other_vendor_manager": staff(other_tenant),
        "other_vendor_key": other_key,
    }


def test_outsiders_get_404_everywhere(filed):
    d, evaluation, attachment = filed["dispute"], filed["evaluation"], filed["attachment"]
    portal = [
        f"/ipsoft/portal/disputes/{d.pk}/",
        f"/ipsoft/portal/disputes/file/evaluation/{evaluation.pk}/",
        f"/ipsoft/portal/dispute-attachments/{attachment.pk}/",
    ]
    api = f"/ipsoft/api/v1/disputes/{d.pk}/"
    console = [
        f"/admin/disputes/dispute/{d.pk}/change/",
        f"/admin/disputes/dispute/{d.pk}/uphold/",
        f"/admin/disputes/dispute/{d.pk}/dismiss/",
        f"/admin/disputes/disputeattachment/{attachment.pk}/change/",
    ]
    for outsider in ("other_firm", "other_vendor_partner", "other_vendor_manager"):
        for url in [*portal, api]:
            assert_hidden_from(filed[outsider], url)
    for url in console:
        assert_hidden_from(filed["other_vendor_manager"], url)
    # another vendor's key is no credential here at all: 401, as everywhere in the API
    keyed = Client(headers={"Authorization": f"Api-Key {filed['other_vendor_key']}"})
    assert keyed.get(api).status_code == 401
    assert keyed.get("/cimcloud/api/v1/disputes/").json()["results"] == []
    assert_hidden_from(
        filed["other_firm"],
        "/ipsoft/api/v1/disputes/",
        method="post",
        data={"kind": "evaluation", "subject_id": evaluation.pk, "reason": "Mine now"},
    )
    # the other firm's list is empty, the owner's has the dispute
    with on(D(2025, 4, 8)):
        theirs = signed_in(filed["other_firm"]).get("/ipsoft/api/v1/disputes/").json()
        mine = signed_in(filed["owner"]).get("/ipsoft/api/v1/disputes/").json()
        staff_list = signed_in(filed["manager"]).get("/ipsoft/api/v1/disputes/").json()
        for url in [*portal, api]:
            assert_visible_to(filed["owner"], url)
        for url in console[:1]:
            assert_visible_to(filed["manager"], url)
        download = signed_in(filed["manager"]).get(console[-1])
    assert theirs["results"] == []
    assert [r["id"] for r in mine["results"]] == [d.pk] == [r["id"] for r in staff_list["results"]]
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_a_file_that_is_not_a_pdf_or_image_is_refused_and_nothing_is_filed(filed):
    evaluation = filed["evaluation"]
    with tenant_scope(evaluation.tenant):
        result = evaluation.results.get(requirement="qualified-opps-alliance")
        Dispute.objects.filter(pk=filed["dispute"].pk).update(status="dismissed")
    with on(D(2025, 4, 9)):
        response = signed_in(filed["owner"]).post(
            f"/ipsoft/portal/disputes/file/evaluation/{evaluation.pk}/",
            {
                "reason": "Again",
                "results": [result.pk],
                "attachments": [SimpleUploadedFile("x.pdf", b"<html>hi</html>", "application/pdf")],
            },
        )
    assert response.status_code == 200 and "is not a PDF, PNG or JPEG" in response.content.decode()
    with tenant_scope(evaluation.tenant):
        assert Dispute.objects.count() == 1
