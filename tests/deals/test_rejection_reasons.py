"""Registration rejections use the vendor's list of reasons (rejection_reasons)."""

import datetime

from django.core import mail
from django.test import Client

from deals.models import DealRegistration, RegistrationStatus
from deals.services.registrations import (
    ALREADY_PROTECTED,
    registration_approve,
    registration_submit,
)
from tenants.scope import tenant_scope
from tests.isolation import assert_hidden_from

D = datetime.date
REGISTRATIONS = "/admin/deals/dealregistration/"
API = "/simpro/api/v1/deal-registrations/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def register(contact, name="Acme Inc.", domain="acme.com"):
    with tenant_scope(contact.tenant):
        return registration_submit(
            tenant=contact.tenant,
            firm=contact.firm,
            user=contact.user,
            company_name=name,
            domain=domain,
            country="AU",
        )


def status_of(tenant, registration) -> str:
    with tenant_scope(tenant):
        return DealRegistration.objects.get(pk=registration.pk).status


def test_manager_rejects_with_a_reason_from_the_list_and_the_partner_reads_it(
    deals_cast, django_capture_on_commit_callbacks
):
    c = deals_cast
    registration = register(c.partner_admin_a1)
    manager = signed_in(c.manager_a)
    # the reject form offers the program's reasons (Simpro: the format's default list)
    form = manager.get(f"{REGISTRATIONS}{registration.pk}/reject/").content.decode()
    assert '<option value="not-qualified">Not a qualified opportunity</option>' in form
    assert "Outside the program&#x27;s territory" in form
    # when the manager rejects: not qualified, with a note
    with django_capture_on_commit_callbacks(execute=True):
        done = manager.post(
            f"{REGISTRATIONS}{registration.pk}/reject/",
            {"reason": "not-qualified", "note": "No budget before 2026."},
        )
    assert done.status_code == 302
    with tenant_scope(c.tenant_a):
        registration.refresh_from_db()
    assert (
        registration.status,
        registration.rejection_reason,
        registration.rejection_reason_label,
        registration.decision_reason,
    ) == ("rejected", "not-qualified", "Not a qualified opportunity", "No budget before 2026.")
    # then the partner reads the label and the note in the portal, the API and the e-mail
    page = signed_in(c.partner_admin_a1.user).get(f"/simpro/portal/deals/{registration.pk}/")
    body = page.content.decode()
    assert "<strong>Reason:</strong> Not a qualified opportunity" in body
    assert "No budget before 2026." in body and "not-qualified" not in body
    seen = signed_in(c.partner_admin_a1.user).get(f"{API}{registration.pk}/").json()
    assert (seen["rejection_reason"], seen["rejection_reason_label"], seen["decision_reason"]) == (
        "not-qualified",
        "Not a qualified opportunity",
        "No budget before 2026.",
    )
    letter = mail.outbox[-1]
    assert letter.to == ["admin@sparkline.test"]
    assert "Reason: Not a qualified opportunity" in letter.body
    assert "Note: No budget before 2026." in letter.body
    # and another firm of the same vendor sees none of it
    assert_hidden_from(c.partner_rep_a2.user, f"/simpro/portal/deals/{registration.pk}/")
    assert_hidden_from(c.partner_rep_a2.user, f"{API}{registration.pk}/")


def test_api_rejection_takes_a_listed_reason_key(deals_cast):
    c = deals_cast
    registration = register(c.partner_admin_a1)
    manager = signed_in(c.manager_a)
    url = f"{API}{registration.pk}/reject/"
    # an unknown key: 400, nothing changes
    unknown = manager.post(
        url, {"reason": "too-small", "note": "x"}, content_type="application/json"
    )
    assert unknown.status_code == 400
    assert unknown.json()["error"]["fields"] == {"reason": ["Unknown reason 'too-small'."]}
    assert status_of(c.tenant_a, registration) == RegistrationStatus.SUBMITTED
    # "Other" needs a note
    bare = manager.post(url, {"reason": "other"}, content_type="application/json")
    assert bare.status_code == 400 and "needs a note" in bare.json()["error"]["message"]
    assert status_of(c.tenant_a, registration) == RegistrationStatus.SUBMITTED
    # a partner cannot reject, another vendor's manager cannot even see it
    assert signed_in(c.partner_admin_a1.user).post(url, {"reason": "other"}).status_code == 404
    assert_hidden_from(c.manager_b, url, method="post", data={"reason": "other"})
    # a listed key with a note: rejected
    done = manager.post(
        url,
        {"reason": "other", "note": "Duplicate of your March lead."},
        content_type="application/json",
    )
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["rejection_reason_label"]) == ("rejected", "Other")


def test_automatic_rejection_uses_the_reason_the_list_gives_that_rule(deals_cast):
    c = deals_cast
    held = register(c.partner_admin_a1, "Acme Inc.", "acme.com")
    with tenant_scope(c.tenant_a):
        registration_approve(
            tenant=c.tenant_a, registration=held, user=c.manager_a, today=D(2025, 4, 15)
        )
    # when another firm registers the same company domain
    blocked = register(c.partner_rep_a2, "Acme Incorporated", "acme.com")
    # then it is rejected with the list's "already registered" reason and the explanation
    assert blocked.status == RegistrationStatus.REJECTED
    assert (blocked.rejection_reason, blocked.rejection_reason_label, blocked.decision_reason) == (
        "already-registered",
        "Already registered by another partner",
        ALREADY_PROTECTED,
    )
    page = signed_in(c.partner_rep_a2.user).get(f"/simpro/portal/deals/{blocked.pk}/")
    assert "Already registered by another partner" in page.content.decode()
    assert "Sparkline" not in page.content.decode()  # who holds it stays confidential
