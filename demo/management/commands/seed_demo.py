"""Load the four reference tenants with demo staff, partner firms and people (idempotent)."""

import functools
import sys
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from weasyprint import HTML

from commissions.accruals import orders_accrue
from commissions.ledger import policy_in_force
from commissions.models import CommissionLine, LedgerEntry
from commissions.payouts import batch_build
from deals.models import DealRegistration, Order, Product
from deals.services.orders import LineInput, customer_upsert, order_record
from deals.services.registrations import (
    registration_approve,
    registration_submit,
    sales_activity_record,
)
from disputes.models import Dispute
from disputes.services import dispute_file
from partners.models import (
    Activity,
    Application,
    Attestation,
    ContactRole,
    Enrolment,
    PartnerContact,
    PartnerFirm,
    TaxDocument,
)
from partners.services.applications import application_approve, application_submit
from partners.services.enrolments import notice_record
from partners.services.standing import standing_set
from programs.models import Program
from tenants.models import StaffMembership, StaffRole, Tenant
from tenants.scope import tenant_scope
from tenants.tasks import tenant_today
from tiers.services import tiers_evaluate
from tiers.windows import as_of

DEMO_TENANTS = [
    # slug, name, time zone, holiday country, currency, two partner firms (name, country)
    (
        "entimo",
        "Entimo",
        "Europe/Berlin",
        "DE",
        "EUR",
        [("Berliner Datenwerk GmbH", "DE"), ("Nordlicht Consulting AG", "CH")],
    ),
    (
        "simpro",
        "Simpro",
        "Australia/Brisbane",
        "AU",
        "AUD",
        [("Sparkline Field Services Pty Ltd", "AU"), ("Kiwi Trade Tech Ltd", "NZ")],
    ),
    (
        "ipsoft",
        "IPsoft",
        "America/New_York",
        "US",
        "USD",
        [("Cognitive Advisors LLC", "US"), ("Amelia Integrators Ltd", "GB")],
    ),
    (
        "cimcloud",
        "CIMcloud",
        "America/Chicago",
        "US",
        "USD",
        [("Prairie ERP Partners Inc", "US"), ("Summit Commerce Group LLC", "US")],
    ),
]
DEFAULT_PASSWORD = "demo-partner-2026"


def _user(email: str, password: str, *, superuser: bool = False):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=email,
        defaults={"email": email, "is_staff": superuser, "is_superuser": superuser},
    )
    if created or not user.has_usable_password():
        user.set_password(password)
        user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


# Tracks each demo firm applies for, per program (first firm, second firm).
DEMO_TRACKS = {
    "entimo": ([], []),
    "simpro": (["service-providers", "technology"], ["referral"]),
    "ipsoft": (["implementation"], ["alliance"]),
    "cimcloud": ([], []),
}


def _enrol_demo_firms(tenant: Tenant, password: str) -> list[tuple[str, object]]:
    """Enrol the demo firms through the real application flow, and leave one applicant waiting."""
    program = Program.objects.get(tenant=tenant)
    manager = StaffMembership.objects.get(tenant=tenant, role=StaffRole.MANAGER).user
    firms = PartnerFirm.objects.order_by("pk")[:2]
    for tracks, firm in zip(DEMO_TRACKS[tenant.slug], firms, strict=True):
        if Enrolment.objects.filter(firm=firm, program=program).exists():
            continue
        admin = PartnerContact.objects.get(firm=firm, role=ContactRole.PARTNER_ADMIN).user
        application = application_submit(
            tenant=tenant,
            program=program,
            user=admin,
            firm_name=firm.name,
            country=firm.country,
            territories=[firm.country],
            tracks=tracks,
            directory_consent=True,
            accept_agreement=True,
            ip_address="127.0.0.1",
        )
        application_approve(tenant=tenant, application=application, user=manager)
    logins = _enrol_firms_in_every_status(tenant, program, manager, password)
    applicant = _user(f"applicant@{tenant.slug}.demo", password)
    if not Application.objects.filter(applicant=applicant).exists():
        application_submit(
            tenant=tenant,
            program=program,
            user=applicant,
            firm_name=f"Newcomer Solutions ({tenant.name})",
            country="US",
            territories=["US"],
            tracks=DEMO_TRACKS[tenant.slug][1],
            accept_agreement=True,
            ip_address="127.0.0.1",
        )
    return [*logins, (f"{tenant.name} applicant (application under review)", applicant)]


# Extra demo firms that show every enrolment status an operator will meet.
STATUS_FIRMS = [
    ("Dormant Digital Ltd", "not_in_good_standing"),
    ("Paused Partners Inc", "suspended"),
    ("Farewell Consulting LLC", "terminated"),
    ("Lapsed Labs Ltd", "deactivated"),
]


def _enrol_firms_in_every_status(tenant, program, manager, password) -> list[tuple[str, object]]:
    logins = []
    for index, (name, status) in enumerate(STATUS_FIRMS, start=3):
        user = _user(f"admin{index}@partner.{tenant.slug}.demo", password)
        label = status.replace("_", " ")
        logins.append((f"{tenant.name} partner admin — {name} ({label})", user))
        if PartnerFirm.objects.filter(tenant=tenant, name=name).exists():
            continue
        application = application_submit(
            tenant=tenant,
            program=program,
            user=user,
            firm_name=name,
            country="US",
            territories=["US"],
            tracks=DEMO_TRACKS[tenant.slug][1],
            directory_consent=True,
            accept_agreement=True,
            ip_address="127.0.0.1",
        )
        enrolment = application_approve(tenant=tenant, application=application, user=manager)
        if status == "terminated":
            notice_record(
                tenant=tenant,
                enrolment=enrolment,
                kind="termination",
                given_by="partner",
                given_on=timezone.localdate(),
                user=manager,
                reason="Focusing on another vendor",
            )
        elif status == "deactivated":
            Enrolment.objects.filter(pk=enrolment.pk).update(
                status=status,
                ended_on=timezone.localdate(),
                end_reason="Minimum criteria not met in time (demo); fees are not refunded",
            )
        elif status == "not_in_good_standing":
            standing_set(
                tenant=tenant,
                enrolment=enrolment,
                good_standing=False,
                reason="Participation requirements lapsed; partner asked to catch up (demo)",
                user=manager,
            )
        else:
            Enrolment.objects.filter(pk=enrolment.pk).update(status=status)
    return logins


DEMO_PRODUCTS = {
    "cimcloud": [
        ("CC-CONNECT-ERP", "CIMcloud Connect Services - ERP", "connect_services_erp"),
        ("CC-ERP-SYNC", "CIMcloud Monthly Fee - ERP Sync Framework", "erp_sync_monthly_fee"),
        ("CC-PLATFORM", "CIMcloud Platform (with CART)", "platform_cart"),
        ("CC-ADDON", "CIMcloud Add-On Bundle", "add_on_bundle"),
    ],
}
DEFAULT_PRODUCTS = [("SUB-STD", "Standard subscription", "subscription")]
# the demo's won order: every CIMcloud commission schedule, one subscription elsewhere
DEMO_ORDER_LINES = {
    "cimcloud": [
        LineInput(
            "CC-CONNECT-ERP", 1, Decimal("9600.00"), Decimal("9600.00"), initial_contract_months=12
        ),
        LineInput(
            "CC-ERP-SYNC",
            1,
            Decimal("0"),
            Decimal("0"),
            monthly_fee=Decimal("450.00"),
            initial_contract_months=12,
        ),
        LineInput(
            "CC-PLATFORM", 1, Decimal("18000.00"), Decimal("18000.00"), initial_contract_months=12
        ),
        LineInput(
            "CC-ADDON", 2, Decimal("1200.00"), Decimal("1200.00"), initial_contract_months=12
        ),
    ],
}
DEFAULT_ORDER_LINES = [
    LineInput("SUB-STD", 1, Decimal("9600.00"), Decimal("9600.00"), initial_contract_months=12)
]


@functools.cache
def demo_w9() -> bytes:
    """A real one-page PDF (what a partner would upload), marked as a demo placeholder."""
    return HTML(string="<h1>Form W-9</h1><p>Demo placeholder: not a real tax form.</p>").write_pdf()


def _demo_deals(tenant: Tenant) -> None:
    """A few registrations (one conflicting), a customer and a completed order per vendor."""
    if DealRegistration.objects.filter(tenant=tenant).exists():
        return
    for code, name, category in DEMO_PRODUCTS.get(tenant.slug, DEFAULT_PRODUCTS):
        Product.objects.get_or_create(
            tenant=tenant, code=code, defaults={"name": name, "category": category}
        )
    manager = StaffMembership.objects.get(tenant=tenant, role=StaffRole.MANAGER).user
    first, second = PartnerFirm.objects.order_by("pk")[:2]
    rep1 = PartnerContact.objects.filter(firm=first).order_by("pk").first().user
    rep2 = PartnerContact.objects.filter(firm=second).order_by("pk").first().user
    won = registration_submit(
        tenant=tenant,
        firm=first,
        user=rep1,
        company_name="Globex Corp",
        domain="globex.example",
        country="US",
        estimated_value=Decimal("48000"),
    )
    won = registration_approve(tenant=tenant, registration=won, user=manager)
    registration_submit(
        tenant=tenant,
        firm=first,
        user=rep1,
        company_name="Initech LLC",
        domain="www.initech.example",
        country="US",
        estimated_value=Decimal("12500"),
    )
    # the second firm registers the same prospect: the reviewer sees the conflict
    registration_submit(
        tenant=tenant,
        firm=second,
        user=rep2,
        company_name="INITECH, Inc.",
        domain="sales.initech.example",
        country="US",
    )
    customer = customer_upsert(
        tenant=tenant,
        name="Globex Corp",
        domain="globex.example",
        country="US",
        external_id="CUST-GLOBEX",
    )
    today = timezone.localdate()
    order_record(
        tenant=tenant,
        customer=customer,
        ordered_on=today,
        currency=tenant.currency,
        registration=won,
        reseller_of_record=True,
        reseller_of_record_source="demo",
        order_form_signed_on=today,
        initial_payment_received_on=today,
        external_id="ORD-1001",
        lines=DEMO_ORDER_LINES.get(tenant.slug, DEFAULT_ORDER_LINES),
    )


def _demo_tiers(tenant: Tenant) -> None:
    """CIMcloud's first firm earns Tier 2 with real records; then every program is evaluated."""
    today = tenant_today(tenant)  # the vendor's calendar day, as the daily jobs see it
    if tenant.slug == "cimcloud":
        firm = PartnerFirm.objects.order_by("pk").first()
        manager = StaffMembership.objects.get(tenant=tenant, role=StaffRole.MANAGER).user
        if not Activity.objects.filter(firm=firm).exists():
            for kind, text in (
                ("orientation", "Registered Partner Orientation call"),
                ("annual_training", "Annual update session"),
                ("co_branded_webinar", "Webinar: CIMcloud for Acumatica users"),
            ):
                Activity.objects.create(
                    tenant=tenant,
                    firm=firm,
                    kind=kind,
                    occurred_on=today,
                    description=text,
                    status="verified",
                    verified_by=manager,
                )
            Attestation.objects.create(
                tenant=tenant,
                firm=firm,
                kind="website_lists_vendor",
                valid_from=today,
                statement="CIMcloud listed as our eCommerce provider",
                status="verified",
                verified_by=manager,
            )
            registration = DealRegistration.objects.filter(firm=firm, status="won").first()
            if registration is not None:
                sales_activity_record(
                    tenant=tenant,
                    registration=registration,
                    user=manager,
                    kind="demo_call",
                    occurred_on=today,
                )
    for program in Program.objects.filter(tenant=tenant):
        tiers_evaluate(
            tenant=tenant,
            program=program,
            period=as_of(today),
            run_key=f"day-{today:%Y-%m-%d}",
            today=today,
        )


def _demo_commissions(tenant: Tenant) -> None:
    """The first firm's W-9 is on file; demo orders accrue; this month's batch is a draft."""
    firm = PartnerFirm.objects.order_by("pk").first()
    if not TaxDocument.objects.filter(firm=firm).exists():
        document = TaxDocument(
            tenant=tenant,
            firm=firm,
            kind="w9",
            original_name="w9.pdf",
            content_type="application/pdf",
            size=len(demo_w9()),
            status="verified",
        )
        document.file.save(f"demo-w9-{firm.pk}.pdf", ContentFile(demo_w9()), save=False)
        document.save()
    # where a program offers one financial benefit out of several (Simpro: referral fees
    # or a discount), the first firm elected the first one listed
    for enrolment in Enrolment.objects.filter(firm=firm, financial_benefit=""):
        choices = policy_in_force(
            enrolment.program, tenant_today(tenant)
        ).exclusive_financial_benefits
        if choices:
            Enrolment.objects.filter(pk=enrolment.pk).update(financial_benefit=choices[0])
    orders = Order.objects.filter(completed_on__isnull=False).values_list("pk", flat=True)
    orders_accrue(tenant=tenant, order_ids=list(orders))
    today = tenant_today(tenant)
    for program in Program.objects.filter(tenant=tenant):
        if LedgerEntry.objects.filter(program=program).exists():
            batch_build(tenant=tenant, program=program, period=today)


def _demo_disputes(tenant: Tenant) -> None:
    """The first firm disputes its first commission line: an open dispute on its clock."""
    if Dispute.objects.exists():
        return
    line = CommissionLine.objects.select_related("firm").order_by("pk").first()
    if line is None:
        return
    partner = PartnerContact.objects.filter(firm=line.firm, role=ContactRole.PARTNER_ADMIN)
    dispute_file(
        tenant=tenant,
        firm=line.firm,
        user=partner.order_by("pk").first().user,
        subject=line,
        reason="The order included a second seat that is missing from the basis.",
    )


class Command(BaseCommand):
    help = "Create (or refresh) the demo tenants, staff and partner firms; safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help="Password given to newly created demo users.",
        )
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000/", help="Where the demo is served (printed)."
        )

    def handle(self, *args, password: str, url: str, **options):
        with transaction.atomic():
            logins = self._seed(password)
        # After the commit, so the welcome e-mails and logs of its reactions print first
        # and a newcomer's last screen says how to sign in.
        sys.stdout.flush()
        sys.stderr.flush()
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Sign in at {url}"))
        self.stdout.write(f"Password for every demo user created here: {password}")
        for label, user in logins:
            self.stdout.write(f"  {user.email:<38} {label}")

    def _seed(self, password: str) -> list[tuple[str, object]]:
        logins = [("superuser (all tenants)", _user("admin@prm.demo", password, superuser=True))]
        for slug, name, time_zone, country, currency, firms in DEMO_TENANTS:
            tenant, _ = Tenant.objects.update_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "time_zone": time_zone,
                    "country": country,
                    "currency": currency,
                },
            )
            with tenant_scope(tenant):
                for role in (StaffRole.MANAGER, StaffRole.FINANCE):
                    user = _user(f"{role}@{slug}.demo", password)
                    StaffMembership.objects.update_or_create(
                        tenant=tenant, user=user, defaults={"role": role}
                    )
                    logins.append((f"{name} {role}", user))
                for index, (firm_name, country) in enumerate(firms, start=1):
                    firm, _ = PartnerFirm.objects.get_or_create(
                        tenant=tenant, name=firm_name, defaults={"country": country}
                    )
                    for role, local in (
                        (ContactRole.PARTNER_ADMIN, "admin"),
                        (ContactRole.PARTNER_REP, "rep"),
                    ):
                        user = _user(f"{local}{index}@partner.{slug}.demo", password)
                        PartnerContact.objects.update_or_create(
                            tenant=tenant, user=user, defaults={"firm": firm, "role": role}
                        )
                        logins.append((f"{name} partner {local} — {firm_name}", user))
        # Programs: the four definition files, v1 published at each file's effective date.
        call_command("load_programs", publish=True, stdout=self.stdout, stderr=self.stderr)
        for slug, *_ in DEMO_TENANTS:
            tenant = Tenant.objects.get(slug=slug)
            with tenant_scope(tenant):
                logins += _enrol_demo_firms(tenant, password)
                _demo_deals(tenant)
                _demo_tiers(tenant)
                _demo_commissions(tenant)
                _demo_disputes(tenant)
        return logins
