"""Every list order has an index (PostgreSQL): the first page of each staff and API list
below is read in index order, never sorted, whatever the table holds.

With sorting and sequential scans priced out (`enable_sort`, `enable_seqscan` off), the
planner still sorts when no index yields the list's order, so an empty table is enough
to tell the two apart.
"""

import pytest
from django.db import connection, transaction

from deals.selectors.orders import customers_of, orders_of
from partners.models import Application
from partners.selectors.activities import (
    activities_visible_to,
    attestations_visible_to,
    customer_feedback_visible_to,
    integration_updates_visible_to,
    releases_of,
    support_issues_visible_to,
)
from programs.selectors import programs_of
from tenants.scope import tenant_scope
from tiers.models import TierEvaluation

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's plan is the one that runs"
)

LISTS = {
    "orders": (lambda t: orders_of(tenant=t), "order_list_idx"),
    "customers": (lambda t: customers_of(tenant=t), "customer_list_idx"),
    "tier evaluations": (
        lambda t: TierEvaluation.objects.filter(tenant=t).order_by("-as_of", "-pk"),
        "evaluation_list_idx",
    ),
    "activities": (lambda t: activities_visible_to(tenant=t, contact=None), "activity_list_idx"),
    "attestations": (
        lambda t: attestations_visible_to(tenant=t, contact=None),
        "attestation_list_idx",
    ),
    "integration updates": (
        lambda t: integration_updates_visible_to(tenant=t, contact=None),
        "integration_update_list_idx",
    ),
    "support issues": (
        lambda t: support_issues_visible_to(tenant=t, contact=None),
        "support_issue_list_idx",
    ),
    "customer feedback": (
        lambda t: customer_feedback_visible_to(tenant=t, contact=None),
        "feedback_list_idx",
    ),
    "releases": (lambda t: releases_of(tenant=t), "release_list_idx"),
    "programs": (lambda t: programs_of(tenant=t).order_by("name", "pk"), "program_list_idx"),
    "a person's applications": (
        lambda t: Application.objects.filter(applicant_id=1).order_by("-submitted_at", "-pk"),
        "application_list_idx",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", LISTS)
def test_the_first_page_is_read_in_index_order(cast, name):
    rows, index = LISTS[name]
    with transaction.atomic(), connection.cursor() as cursor, tenant_scope(cast.tenant_a):
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = rows(cast.tenant_a)[:50].explain()
    assert index in plan and "Sort" not in plan, plan
