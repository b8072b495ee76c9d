"""The console in a real browser: a manager's and finance's day on the demo vendor."""

import re
from io import StringIO

from django.core.management import call_command

from tenants.models import Tenant
from tenants.scope import tenant_scope
from tiers.models import RequirementResult

DEMO_PASSWORD = "demo-partner-2026"


def sign_in(page, email: str) -> None:
    page.goto("/admin/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Log in")).click()
    page.wait_for_load_state()


def test_managers_day_home_queue_review_decide_evidence_firm(page, transactional_db):
    call_command("seed_demo", stdout=StringIO())
    sign_in(page, "manager@cimcloud.demo")

    page.goto("/admin/")
    queue = page.locator('[data-queue="Registrations to review"]')
    assert queue.inner_text().split()[0] == "2"
    assert "1 with possible conflicts" in queue.inner_text()
    queue.click()
    page.get_by_role("link", name="INITECH, Inc.").click()

    review = page.locator("[data-comparison]")
    assert "Why it matched" in review.inner_text()
    assert "Same company domain initech.example" in review.inner_text()
    assert page.locator("[data-comparison] mark").count() >= 1
    decision = page.get_by_role("form", name="Reject")
    decision.get_by_label("Reason").select_option(index=1)
    decision.get_by_label("Note (the partner reads it)").fill("Another partner has it.")
    decision.get_by_role("button", name="Reject").click()
    page.get_by_text("Rejected; the partner has been e-mailed.").wait_for()
    assert page.get_by_role("form", name="Approve").count() == 0

    with tenant_scope(Tenant.objects.get(slug="cimcloud")):
        counted = RequirementResult.objects.filter(metric="activity_count").exclude(evidence=[])
        evaluation_id = counted.values_list("evaluation_id", flat=True).first()
    page.goto(f"/admin/tiers/tierevaluation/{evaluation_id}/change/")
    counted = page.locator('[data-label="Records counted"] a')
    assert counted.count() >= 1  # counted records are links to them, not ids
    assert "RequirementResult object" not in page.content()

    page.goto("/admin/partners/partnerfirm/")
    page.get_by_role("link", name="Open").first.click()
    assert page.get_by_role("heading", name="Transitions and decisions").is_visible()
    assert page.get_by_role("heading", name="Tier history").is_visible()


def test_finances_day_home_batch_approve_export_pay(page, transactional_db):
    call_command("seed_demo", stdout=StringIO())
    sign_in(page, "finance@cimcloud.demo")

    page.goto("/admin/")
    page.locator('[data-queue="Payout batches to approve"]').click()
    page.locator("#result_list tbody a").first.click()
    page.get_by_role("link", name="Approve").click()
    assert page.get_by_text(re.compile("has not ended yet")).is_visible()
    page.get_by_label(re.compile("Yes, close")).check()
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("Approve: done.").wait_for()
    assert page.get_by_role("link", name="Approve").count() == 0

    # XLSX rather than CSV: the streamed CSV's rows are read after the request's tenant scope
    # has closed (a ScopeError seen under the live server; reported, not the console's to fix)
    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    page.get_by_role("link", name="Record payment").click()
    page.get_by_label("Reference").fill("BANK-RUN-0042")
    page.get_by_role("button", name="Record payment").click()
    page.get_by_text("Payment recorded").wait_for()
    assert page.get_by_role("link", name="Record payment").count() == 0
