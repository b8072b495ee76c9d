"""The partner side of the console home: applications, things to verify, onboarding deadlines."""

import datetime

from partners.models import (
    Activity,
    Application,
    ApplicationStatus,
    Certification,
    Enrolment,
    EnrolmentStatus,
    FeeInvoice,
    ReviewStatus,
    TaxDocument,
    TaxDocumentStatus,
)
from partners.models.enrolment import InvoiceStatus
from tenants.dashboard import FINANCE_HOME, MANAGER_HOME, console_today, home_part, queue

ONBOARDING_WARNING_DAYS = 30


@home_part(MANAGER_HOME, position=10)
def applications_waiting(request):
    yield queue(request, Application, "Applications waiting", status=ApplicationStatus.SUBMITTED)


@home_part(MANAGER_HOME, position=50)
def records_to_verify(request):
    yield queue(request, Activity, "Activities to verify", status=ReviewStatus.SUBMITTED)
    yield queue(
        request, Certification, "Certifications to verify", status=Certification.Status.SUBMITTED
    )
    yield queue(request, TaxDocument, "Tax forms to verify", status=TaxDocumentStatus.RECEIVED)


@home_part(MANAGER_HOME, position=70)
def onboarding_deadlines(request):
    today = console_today(request)
    yield queue(
        request,
        Enrolment,
        f"Onboarding deadlines within {ONBOARDING_WARNING_DAYS} days",
        status=EnrolmentStatus.ONBOARDING,
        onboarding_deadline__gte=today,
        onboarding_deadline__lte=today + datetime.timedelta(days=ONBOARDING_WARNING_DAYS),
    )


@home_part(FINANCE_HOME, position=20)
def fee_invoices_unpaid(request):
    yield queue(request, FeeInvoice, "Program-fee invoices unpaid", status=InvoiceStatus.UNPAID)
