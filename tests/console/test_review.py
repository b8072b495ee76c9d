"""The registration review page: candidates side by side, and the decision on the page."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from deals.models import DealRegistration, RegistrationStatus
from tenants.scope import tenant_scope
from tests.console.conftest import console_client


def conflicted(tenant) -> DealRegistration:
    with tenant_scope(tenant):
        return DealRegistration.objects.filter(matches__isnull=False).select_related("firm").get()


def review_page(client, registration) -> str:
    url = reverse("admin:deals_dealregistration_change", args=[registration.pk])
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_candidates_stand_beside_the_registration_field_by_field(demo):
    registration = conflicted(demo)
    with tenant_scope(demo):
        match = registration.matches.select_related("other_registration__firm").get()
    html = review_page(console_client("manager@cimcloud.demo"), registration)
    table = html[
        html.index("data-comparison") : html.index("</table>", html.index("data-comparison"))
    ]
    assert "This registration" in table and "Candidate 1" in table
    assert escape(match.explanation) in table  # why it matched
    assert "<mark" in table  # the matching field is marked
    other = match.other_registration or match.customer
    assert (other.firm.name if hasattr(other, "firm") else other.name) in table
    assert "United States" in table  # countries by name
    assert 'aria-label="Approve"' in html and 'aria-label="Reject"' in html


@pytest.mark.django_db(transaction=True)
def test_the_reviewer_rejects_from_the_review_page(demo):
    registration = conflicted(demo)
    client = console_client("manager@cimcloud.demo")
    page = client.get(reverse("admin:deals_dealregistration_change", args=[registration.pk]))
    reasons = [v for v, _ in page.context["review"]["reject_form"].fields["reason"].choices if v]
    response = client.post(
        reverse("admin:deals_dealregistration_reject", args=[registration.pk]),
        {"reason": reasons[0], "note": "Another partner already works this prospect."},
        follow=True,
    )
    assert "Rejected; the partner has been e-mailed." in response.content.decode()
    with tenant_scope(demo):
        registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REJECTED
    html = review_page(client, registration)
    assert 'aria-label="Approve"' not in html and 'aria-label="Reject"' not in html


def test_finance_reads_the_review_but_cannot_decide(demo):
    html = review_page(console_client("finance@cimcloud.demo"), conflicted(demo))
    assert "data-comparison" in html
    assert 'aria-label="Approve"' not in html
