"""Every URL pattern, from the resolver, against every outsider (issue 16, "Keep it proven").

The walk reads the URL patterns from django.urls.get_resolver() (portal, console, API,
accounts), never a hand list. Each pattern that names an object (an id or a slug) needs a
case: how to find the target object, who owns it, and how to call it. A pattern without
one is either listed in NO_OBJECT with the reason, or the registry test fails, so a new
page cannot ship without its isolation case.

For each case the outsiders — anonymous, the other firm's admin and rep, and the other
vendor's partner, manager, finance and API key — must be refused: 401, 403 or 404, or a
redirect to a sign-in page (the console and portal send the anonymous there). The other
vendor's people try the target both under its vendor's prefix and under their own.
Then the owner must reach it (the positive control), so a refusal above is isolation and
not a broken address. The data is the demo (seed_demo), loaded once per test; a model the
demo has no row of gets one from `build_row` (every required field filled generically).

How to add a case (a new app's patterns):
1. Add `"<url name>": Case("<app_label.Model>", ...)` to CASES (or to the app's own block
   below it). `owner` is the persona who may reach the object (see personas()); `method`
   "post" for a POST-only view; `slug="<kwarg>"` when the pattern takes a slug; `constants`
   for non-object kwargs; `query` for a query string the view needs (a function of the
   object); `shared=True` when every partner of the vendor may see it (programs), so
   the other firm is not an outsider; `public=True` when anyone may (only another
   vendor's address must refuse it).
   Console model admins (change, delete, history, object actions) need no entry: the
   walk finds their model in admin.site's registry and the owner from their roles.
2. If the demo has no row of the model and the generic builder cannot make a sensible one,
   add a function to BUILDERS: `"<app_label.Model>": lambda tenant, firm: <saved row>`.
3. A pattern that names no tenant object goes into NO_OBJECT with the reason.
Run: pytest tests/security/test_isolation_walk.py (SQLite and, in CI, PostgreSQL + RLS).
"""

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import models, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from partners.models import PartnerContact
from tenants.models import ApiKeyScope, StaffMembership, StaffRole, Tenant
from tenants.scope import all_tenants, tenant_scope
from tenants.services import api_key_create
from tests.factories import UserFactory

OWNER_TENANT, OTHER_TENANT = "cimcloud", "simpro"
LOGIN_PAGES = ("/accounts/login/", "/admin/login/")
REFUSED = (401, 403, 404)

# Patterns that name no object of a tenant: nothing to isolate beyond what the scope does
# for every list (and the per-app tests check those lists' contents).
NO_OBJECT = {
    "home": "the landing page",
    "healthz": "liveness, no data",
    "readyz": "readiness, no data",
    "directory": "the public directory of consenting partners",
    "account_*": "allauth's own pages (the key-based ones check their signed key)",
    "admin:app_list": "an app's index, by app label",
    "admin:*_changelist": "lists, scoped to the session's vendor (tests/console/test_walk.py)",
    "admin:*_add": "an empty form",
    "admin:*_autocomplete": "scoped by the model admin's queryset",
    "admin/(?P<url>.*)$": "the console's catch-all 404",
    # no model has a page on the site (get_absolute_url): 404 for every object, owner's too
    "admin:view_on_site": "the admin's 'view on site' redirect, 404 for every model here",
}
NO_OBJECT_ROUTES = re.compile(r"<(?!slug:tenant_slug>)[^>]+>|\(\?P<(?!url>)")


@dataclass(frozen=True)
class Case:
    model: str  # app_label.ModelName of the target
    owner: str = "partner_admin"  # who may reach it: a persona below
    method: str = "get"
    slug: str | None = None  # the kwarg holding a slug instead of an id
    constants: tuple[tuple[str, str], ...] = ()  # non-object kwargs
    query: Callable[[Any], str] | None = None  # the query string the view needs, from obj
    shared: bool = False  # every partner of the vendor may see it: the other firm may too
    public: bool = False  # public by design: only another vendor's address must refuse it


BATCH = "commissions.PayoutBatch"
# Portal and API patterns that take an object: the kwarg's model and its owner.
CASES = {
    "portal_fee_invoice": Case("partners.FeeInvoice"),
    # a program's change notice goes to every firm in the program
    "portal_change_notice_read": Case("programs.ProgramChangeNotice", method="post", shared=True),
    "portal_people_remove": Case("partners.PartnerContact", method="post"),
    "portal_people_designate": Case("partners.PartnerContact", method="post"),
    "portal_resource": Case("partners.Resource"),
    "portal_certification_add": Case("partners.Resource", method="post"),
    "portal_certification_evidence": Case("partners.Certification"),
    "portal_support_issue": Case("partners.SupportIssue"),
    "portal_tax_document_download": Case("partners.TaxDocument"),
    "portal_financial_benefit": Case("partners.Enrolment", method="post"),
    "portal_deal": Case("deals.DealRegistration"),
    "portal_deal_extension": Case("deals.DealRegistration", method="post"),
    "portal_deal_activity": Case("deals.DealRegistration", method="post"),
    "portal_deal_answer": Case("deals.DealRegistration", method="post"),
    "portal_statement": Case("commissions.PayoutLine"),
    # a program's application form is open to anyone signed in, at its own vendor's address
    "portal_apply_program": Case(
        "programs.Program", owner="applicant", slug="program_slug", public=True
    ),
    "directory_firm": Case("partners.PartnerFirm", owner="anonymous", public=True),
    "api_firm_detail": Case("partners.PartnerFirm"),
    "api_resource_detail": Case("partners.Resource"),
    "api_certification_detail": Case("partners.Certification"),
    "api_activity_detail": Case("partners.Activity"),
    "api_attestation_detail": Case("partners.Attestation"),
    "api_integration_update_detail": Case("partners.IntegrationUpdate"),
    "api_support_issue_detail": Case("partners.SupportIssue"),
    "api_tax_document_list": Case("partners.PartnerFirm"),
    "api_tax_document_upload": Case("partners.PartnerFirm", method="post"),
    "api_tax_document_download": Case("partners.TaxDocument"),
    "api_payout_profile": Case("partners.PartnerFirm"),
    "api_payout_profile_update": Case("partners.PartnerFirm", method="post"),
    "api_financial_benefit": Case("partners.Enrolment"),
    "api_financial_benefit_elect": Case("partners.Enrolment", method="post"),
    "api_program_detail": Case("programs.Program", slug="program_slug", shared=True),
    "api_program_versions": Case("programs.Program", slug="program_slug", shared=True),
    "api_registration": Case("deals.DealRegistration"),
    "api_registration_extension": Case("deals.DealRegistration", method="post"),
    "api_registration_activities": Case("deals.DealRegistration", method="post"),
    "api_registration_approve": Case("deals.DealRegistration", owner="manager", method="post"),
    "api_registration_reject": Case("deals.DealRegistration", owner="manager", method="post"),
    "api_order_detail": Case("deals.Order", owner="api_key"),
    "api_order_completion": Case("deals.Order", owner="api_key", method="post"),
    "api_order_refund": Case("deals.Order", owner="api_key", method="post"),
    "api_import_job": Case("deals.ImportJob", owner="api_key"),
    "api_tier_history": Case("partners.Enrolment"),
    "api_invoice_record_payment": Case(
        "commissions.PartnerInvoice", owner="finance", method="post"
    ),
    "api_statement_pdf": Case("commissions.PayoutLine"),
    "api_payout_batch": Case(BATCH, owner="api_key"),
    "api_payout_batch_lines": Case(BATCH, owner="api_key"),
    "api_payout_batch_move": Case(
        BATCH, owner="finance", method="post", constants=(("move", "approve"),)
    ),
    "api_payout_batch_export": Case(BATCH, owner="api_key", constants=(("kind", "csv"),)),
    # the console's own pages that are not a model admin's
    "admin:switch_tenant": Case("tenants.Tenant", owner="tenant_admin", method="post"),
    "admin:partners_partnerfirm_360": Case("partners.PartnerFirm", owner="tenant_admin"),
    "admin:auth_user_password_change": Case("auth.User", owner="superuser"),
    "admin:commissions_payoutbatch_statement": Case(
        BATCH, owner="finance", query=lambda batch: f"?line={batch.lines.order_by('pk')[0].pk}"
    ),
}
# disputes: the firm's own disputes, their files, and the records a partner may dispute
CASES |= {
    "portal_dispute": Case("disputes.Dispute"),
    "portal_dispute_attachment": Case("disputes.DisputeAttachment"),
    "portal_dispute_evaluation": Case("tiers.TierEvaluation"),
    "portal_dispute_registration": Case("deals.DealRegistration"),
    "portal_dispute_commission": Case("commissions.CommissionLine"),
    "api_dispute": Case("disputes.Dispute"),
}
# The API's import kinds and the firm-less endpoints take no object: exempt by name.
NO_OBJECT_NAMES = {
    "api_import": "a file kind (the rows go into the caller's vendor)",
    "api_import_jobs": "a file kind (the job and its rows are the caller's vendor's)",
}

OUTSIDERS = (
    "anonymous",
    "other_firm_admin",
    "other_firm_rep",
    "other_vendor_partner",
    "other_vendor_manager",
    "other_vendor_finance",
    "other_vendor_api_key",
)


def walk(resolver=None, prefix: str = "", namespace: str | None = None):
    """Yield (route, name, pattern) for every pattern the resolver knows."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            space = entry.namespace
            if space:
                space = f"{namespace}:{space}" if namespace else space
            yield from walk(entry, prefix + str(entry.pattern), space or namespace)
        elif isinstance(entry, URLPattern):
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield prefix + str(entry.pattern), name, entry


def exemption(route: str, name: str | None) -> str | None:
    """The reason a pattern needs no isolation case, or None."""
    for key in (name or "", route):
        for pattern, reason in {**NO_OBJECT, **NO_OBJECT_NAMES}.items():
            if re.fullmatch(re.escape(pattern).replace(r"\*", ".*"), key):
                return reason
    if not NO_OBJECT_ROUTES.search(route):
        return "takes no object"
    return None


def admin_model(route: str, name: str | None):
    """The model admin whose object a console pattern names (change, delete, history, and
    each object action), from the admin site's own registry."""
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        if route.startswith(f"admin/{meta.app_label}/{meta.model_name}/"):
            return model_admin
        if name and name.startswith(f"admin:{meta.app_label}_{meta.model_name}_"):
            return model_admin
    return None


def case_for(route: str, name: str | None) -> Case | None:
    if name in CASES:
        return CASES[name]
    model_admin = admin_model(route, name)
    if model_admin is not None and route.startswith("admin/"):
        return Case(model_admin.model._meta.label, owner=console_owner(model_admin))
    return None


def console_owner(model_admin) -> str:
    roles = (*getattr(model_admin, "view_roles", ()), *getattr(model_admin, "edit_roles", ()))
    if not roles or model_admin.model is Tenant:
        return "superuser"  # Django's own pages and the vendors page
    for role, persona in (
        (StaffRole.ADMIN, "tenant_admin"),
        (StaffRole.MANAGER, "manager"),
        (StaffRole.FINANCE, "finance"),
    ):
        if role in roles:
            return persona
    return "superuser"


def test_every_url_pattern_has_an_isolation_case_or_a_reason():
    patterns = list(walk())
    assert len(patterns) > 300  # the whole resolver, not a hand list
    missing = [
        (route, name)
        for route, name, _ in patterns
        if exemption(route, name) is None and case_for(route, name) is None
    ]
    assert missing == [], "add a case (or a reasoned exemption) for these patterns"


# --- the walk -----------------------------------------------------------------------------


@pytest.fixture
def world(db):
    """The demo, plus the personas it lacks (a tenant admin, an API key holding every scope
    per vendor) and one row of each walked model the demo has none of."""
    call_command("seed_demo", stdout=io.StringIO())
    owner = Tenant.objects.get(slug=OWNER_TENANT)
    other = Tenant.objects.get(slug=OTHER_TENANT)
    boss = UserFactory(email="boss@cimcloud.test")
    with tenant_scope(owner):
        StaffMembership.objects.create(tenant=owner, user=boss, role=StaffRole.ADMIN)
        owner_key = api_key_create(tenant=owner, name="walk", scopes=ApiKeyScope.values)[1]
    with tenant_scope(other):
        other_key = api_key_create(tenant=other, name="walk", scopes=ApiKeyScope.values)[1]
    with all_tenants():
        firm = PartnerContact.objects.get(user__email=f"admin1@partner.{OWNER_TENANT}.demo").firm
    for label in sorted({case.model for case in walked_cases()}):
        if target(label, owner, firm) is None:
            with tenant_scope(owner):
                build_row(label, owner, firm)
    return owner, other, owner_key, other_key


def walked_cases():
    for route, name, _ in walk():
        if exemption(route, name) is None and (case := case_for(route, name)) is not None:
            yield case


# Rows the generic builder cannot make sensibly: "<app_label.Model>": (tenant, firm) -> row.
BUILDERS: dict[str, Callable[[Tenant, Any], Any]] = {
    "auth.Group": lambda tenant, firm: _model("auth.Group").objects.create(name="walk"),
    "programs.ProgramChangeNotice": lambda tenant, firm: _change_notice(firm),
    "deals.ImportJob": lambda tenant, firm: _model("deals.ImportJob").objects.create(
        tenant=tenant, kind="customers", status="done", created=1
    ),
}


def _change_notice(firm):
    """A notice the firm's people have to read: of its program, effective after it joined."""
    enrolment = firm.enrolments.exclude(approved_at=None).order_by("pk").first()
    version = enrolment.program.versions.order_by("-pk").first()
    return _model("programs.ProgramChangeNotice").objects.create(
        tenant=firm.tenant,
        program=enrolment.program,
        version=version,
        previous_version=version,
        effective_from=timezone.localdate() + timedelta(days=30),
        notice_days=30,
        given_at=timezone.now(),
    )


def _model(label: str):
    from django.apps import apps

    return apps.get_model(label)


def build_row(label: str, tenant: Tenant, firm):
    """Save one row of the model for `tenant` (and `firm`), every required field filled:
    relations with the tenant's (firm's) first row, built in turn when there is none."""
    if label in BUILDERS:
        return BUILDERS[label](tenant, firm)
    model = _model(label)
    values = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.null or field.has_default():
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        if field.is_relation:
            related = field.related_model._meta.label
            values[field.name] = target(related, tenant, firm) or build_row(related, tenant, firm)
        elif field.blank and not field.choices and not isinstance(field, models.FileField):
            continue
        else:
            values[field.name] = _value(field, label)
    return model._base_manager.create(**values)


def _value(field, label: str):
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.FileField):
        return ContentFile(b"%PDF-1.4 walk", name="walk.pdf")
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return timezone.localdate()
    if isinstance(field, models.IntegerField | models.DecimalField):
        return 1
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.EmailField):
        return "walk@example.com"
    if isinstance(field, models.URLField):
        return "https://example.com/walk"
    if isinstance(field, models.CharField) and field.max_length and field.max_length <= 8:
        return "EUR"[: field.max_length] if field.name == "currency" else "walk"[: field.max_length]
    return f"walk-{label}-{field.name}"[: getattr(field, "max_length", None) or 200]


def login(email: str) -> Client:
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(email=email))
    return client


def personas(owner_key: str, other_key: str) -> dict[str, Client]:
    mine, theirs = OWNER_TENANT, OTHER_TENANT
    return {
        "partner_admin": login(f"admin1@partner.{mine}.demo"),
        "applicant": login(f"applicant@{mine}.demo"),
        "tenant_admin": login("boss@cimcloud.test"),
        "manager": login(f"manager@{mine}.demo"),
        "finance": login(f"finance@{mine}.demo"),
        "superuser": login("admin@prm.demo"),
        "api_key": Client(headers={"Authorization": f"Api-Key {owner_key}"}),
        "anonymous": Client(),
        "other_firm_admin": login(f"admin2@partner.{mine}.demo"),
        "other_firm_rep": login(f"rep2@partner.{mine}.demo"),
        "other_vendor_partner": login(f"admin1@partner.{theirs}.demo"),
        "other_vendor_manager": login(f"manager@{theirs}.demo"),
        "other_vendor_finance": login(f"finance@{theirs}.demo"),
        "other_vendor_api_key": Client(headers={"Authorization": f"Api-Key {other_key}"}),
    }


FIRM_PATHS = ("firm", "enrolment__firm", "resource__firm", "registration__firm", "batch__firm")


def target(label: str, tenant: Tenant, firm):
    """The first object of the model that belongs to `tenant` (and to `firm`, where the
    model knows a firm), or None when the demo has none."""
    from django.apps import apps

    model = apps.get_model(label)
    if model is Tenant:
        return tenant
    if label == "auth.User":
        with all_tenants():
            return firm.contacts.order_by("pk").first().user
    if label == "partners.PartnerFirm":
        return firm
    if not any(field.name == "tenant" for field in model._meta.get_fields()):
        return model._base_manager.order_by("pk").first()  # Django's own: the superuser's
    with tenant_scope(tenant):
        rows = model._base_manager.filter(tenant=tenant).order_by("pk")
        for path in FIRM_PATHS:
            first = rows.filter(**{path: firm}).first() if leads_to_firm(model, path) else None
            if first is not None:
                return first
        return rows.first()


def leads_to_firm(model, path: str) -> bool:
    """Whether `path` (firm, enrolment__firm, ...) is a chain of foreign keys on `model`."""
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if not field.is_relation or field.related_model is None:
            return False
        model = field.related_model
    return True


def url_for(route: str, case: Case, obj, tenant_slug: str) -> str:
    """The pattern's path for `obj`: its id (or slug) in the first object kwarg."""
    path = route.replace("<slug:tenant_slug>", tenant_slug)
    for kwarg, value in case.constants:
        path = re.sub(rf"<(?:\w+:)?{kwarg}>", value, path)
    if route.startswith("admin/r/"):
        content_type = ContentType.objects.get_for_model(obj)
        path = re.sub(r"<path:content_type_id>", str(content_type.pk), path)
    value = obj.slug if case.slug else str(obj.pk)
    path = re.sub(r"<(?:\w+:)?\w+>", value, path, count=1)
    path = re.sub(r"\(\?P<\w+>[^)]*\)", value, path)
    with all_tenants():
        query = case.query(obj) if case.query else ""
    return "/" + path.lstrip("^").rstrip("$") + query


def call(client: Client, method: str, url: str):
    return getattr(client, method)(url, follow=True)


def refused(response) -> bool:
    if response.status_code in REFUSED:
        return True
    final = response.request["PATH_INFO"]
    return response.status_code == 200 and final.startswith(LOGIN_PAGES) and response.redirect_chain


def reached(response) -> bool:
    # A write walked with an empty body answers 400/409/422 once it has found the object.
    return response.status_code < 500 and response.status_code not in REFUSED


@pytest.mark.django_db
def test_every_object_pattern_refuses_every_outsider_and_serves_its_owner(world):
    owner, _other, owner_key, other_key = world
    with all_tenants():
        firm = PartnerContact.objects.get(user__email=f"admin1@partner.{OWNER_TENANT}.demo").firm
    clients = personas(owner_key, other_key)
    leaks, unreached, no_data, wrong_method, walked = [], [], [], set(), 0
    for route, name, _ in walk():
        if exemption(route, name) is not None:
            continue
        case = case_for(route, name)
        obj = target(case.model, owner, firm)
        if obj is None:
            no_data.append((name or route, case.model))
            continue
        walked += 1
        url = url_for(route, case, obj, OWNER_TENANT)
        for persona in OUTSIDERS:
            if case.shared and persona.startswith("other_firm"):
                continue  # the vendor's every partner may see it
            urls = [] if case.public else [url]
            if persona.startswith(("other_vendor", "anonymous")) and "<slug:tenant_slug>" in route:
                urls.append(url_for(route, case, obj, OTHER_TENANT))
            for address in urls:
                response = rolled_back(clients[persona], case.method, address)
                if response.status_code == 405:
                    wrong_method.add((name, case.method))
                elif not refused(response):
                    leaks.append((persona, case.method, address, response.status_code))
        owner_client = clients[case.owner]
        response = rolled_back(owner_client, case.method, url)
        if response.status_code == 405:
            wrong_method.add((name, case.method))
        elif not (reached(response) or forbidden_by_rule(owner_client, route, obj, response)):
            unreached.append((case.owner, case.method, url, response.status_code))
    assert no_data == [], f"the demo lacks a target for these patterns: {no_data}"
    assert wrong_method == set(), f"the case's method is not the view's: {wrong_method}"
    assert leaks == [], f"outsiders reached these: {leaks}"
    assert unreached == [], f"the owner could not reach these (a broken address?): {unreached}"
    assert walked > 150


def rolled_back(client: Client, method: str, url: str):
    """Call `url`, keeping nothing it writes (each persona meets the same data)."""
    with transaction.atomic():
        response = call(client, method, url)
        transaction.set_rollback(True)
    return response


def forbidden_by_rule(client: Client, route: str, obj, response) -> bool:
    """A console object page the owner may not use on this object (a delete the history
    forbids, an action its state does not allow: no button either) answers 403; the owner
    still reaches the object's change page, so the address named the right object."""
    if response.status_code != 403 or not route.startswith("admin/"):
        return False
    meta = type(obj)._meta
    change = f"/admin/{meta.app_label}/{meta.model_name}/{obj.pk}/change/"
    return rolled_back(client, "get", change).status_code == 200
