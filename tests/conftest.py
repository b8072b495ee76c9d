"""The fixed cast every test can use: two vendors, their staff, partner firms and outsiders."""

import os
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from partners.models import ContactRole, PartnerContact, PartnerFirm
from tenants.models import StaffRole, Tenant
from tests.factories import (
    PartnerContactFactory,
    PartnerFirmFactory,
    StaffMembershipFactory,
    TenantFactory,
    UserFactory,
)

REQUIRE_SERVICES = os.environ.get("PRM_REQUIRE_SERVICES") == "1"


def services_available() -> tuple[bool, str]:
    """Whether a real PostgreSQL and Redis are configured (and why not)."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return False, "DATABASE_URL does not point at PostgreSQL"
    if not settings.REDIS_URL:
        return False, "REDIS_URL is not set"
    return True, ""


def pytest_collection_modifyitems(config, items):
    available, why = services_available()
    if available or REQUIRE_SERVICES:
        return  # with the flag set, _services_guard turns the missing service into a failure
    for item in items:
        if "services" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=f"needs PostgreSQL + Redis: {why}"))


@pytest.fixture(autouse=True)
def _services_guard(request):
    # In CI (PRM_REQUIRE_SERVICES=1) a services test without services is a failure, not a skip.
    if "services" in request.keywords and REQUIRE_SERVICES:
        available, why = services_available()
        if not available:
            pytest.fail(f"PRM_REQUIRE_SERVICES=1 but {why}")


@dataclass
class Cast:
    tenant_a: Tenant
    tenant_b: Tenant
    manager_a: AbstractBaseUser
    finance_a: AbstractBaseUser
    admin_a: AbstractBaseUser
    manager_b: AbstractBaseUser
    firm_a1: PartnerFirm
    firm_a2: PartnerFirm
    firm_b1: PartnerFirm
    partner_admin_a1: PartnerContact
    partner_rep_a1: PartnerContact
    partner_rep_a2: PartnerContact
    partner_rep_b1: PartnerContact
    superuser: AbstractBaseUser
    stranger: AbstractBaseUser


@pytest.fixture
def cast(db) -> Cast:
    """Tenant A (Simpro) and B (IPsoft); A has two firms so 'other firm, same vendor' exists."""
    tenant_a = TenantFactory(slug="simpro", name="Simpro")
    tenant_b = TenantFactory(slug="ipsoft", name="IPsoft")
    firm_a1 = PartnerFirmFactory(tenant=tenant_a, name="Sparkline Pty Ltd")
    firm_a2 = PartnerFirmFactory(tenant=tenant_a, name="Kiwi Trade Tech")
    firm_b1 = PartnerFirmFactory(tenant=tenant_b, name="Cognitive Advisors")

    def staff(tenant, role, email):
        return StaffMembershipFactory(tenant=tenant, role=role, user=UserFactory(email=email)).user

    def contact(firm, role, email):
        return PartnerContactFactory(firm=firm, role=role, user=UserFactory(email=email))

    return Cast(
        tenant_a=tenant_a,
        tenant_b=tenant_b,
        manager_a=staff(tenant_a, StaffRole.MANAGER, "manager@simpro.test"),
        finance_a=staff(tenant_a, StaffRole.FINANCE, "finance@simpro.test"),
        admin_a=staff(tenant_a, StaffRole.ADMIN, "admin@simpro.test"),
        manager_b=staff(tenant_b, StaffRole.MANAGER, "manager@ipsoft.test"),
        firm_a1=firm_a1,
        firm_a2=firm_a2,
        firm_b1=firm_b1,
        partner_admin_a1=contact(firm_a1, ContactRole.PARTNER_ADMIN, "admin@sparkline.test"),
        partner_rep_a1=contact(firm_a1, ContactRole.PARTNER_REP, "rep@sparkline.test"),
        partner_rep_a2=contact(firm_a2, ContactRole.PARTNER_REP, "rep@kiwi.test"),
        partner_rep_b1=contact(firm_b1, ContactRole.PARTNER_REP, "rep@cognitive.test"),
        superuser=UserFactory(email="root@prm.test", is_superuser=True, is_staff=True),
        stranger=UserFactory(email="stranger@example.test"),
    )


@pytest.fixture(autouse=True)
def eager_tasks():
    """Run Celery tasks in-process, even when the run has a real broker: event reactions and
    fan-outs complete before the test asserts. The real-worker tests turn it off."""
    from config.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = eager


@pytest.fixture(autouse=True)
def _fresh_api_throttles():
    """Every test starts with unspent API rate budgets (ids repeat across tests on SQLite)."""
    from django.core.cache import caches

    caches[settings.API_THROTTLE_CACHE].clear()
