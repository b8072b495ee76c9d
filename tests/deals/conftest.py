import datetime

import pytest

from partners.services.applications import application_approve
from tenants.scope import tenant_scope
from tests.partners.conftest import load_program
from tests.partners.test_applications import submit

TODAY = datetime.date(2025, 4, 15)


def enrol_firm(tenant, program, contact, tracks=()):
    """Put the contact's firm through application and approval into `program`."""
    application = submit(tenant, program, contact.user, tracks=list(tracks), today=TODAY)
    with tenant_scope(tenant):
        return application_approve(
            tenant=tenant, application=application, user=contact.user, today=TODAY
        )


@pytest.fixture
def deals_cast(cast):
    """Both Simpro firms and the IPsoft firm enrolled, so all can register deals."""
    _, simpro = load_program("simpro")
    _, ipsoft = load_program("ipsoft")
    for contact in (cast.partner_admin_a1, cast.partner_rep_a2, cast.partner_rep_b1):
        if contact.role != "partner_admin":
            contact.role = "partner_admin"
            with tenant_scope(contact.tenant):
                contact.save()
    enrol_firm(cast.tenant_a, simpro, cast.partner_admin_a1, ["referral"])
    enrol_firm(cast.tenant_a, simpro, cast.partner_rep_a2, ["referral"])
    enrol_firm(cast.tenant_b, ipsoft, cast.partner_rep_b1, ["advisor"])
    return cast
