"""Builders for tier scenarios: real enrolments, verified records, registrations and orders.

Every date is pinned. Services that stamp the wall clock (agreement acceptance, deal
submission, sales-call validation) run under time_machine at noon UTC of the given day.
"""

import datetime
from decimal import Decimal

import time_machine

from deals.models import Product
from deals.services.orders import LineInput, customer_upsert, order_record
from deals.services.registrations import (
    registration_approve,
    registration_close,
    registration_submit,
    sales_activity_record,
)
from partners.models import (
    Activity,
    Attestation,
    Certification,
    PartnerContact,
    Resource,
    ReviewStatus,
)
from tenants.scope import tenant_scope
from tests.factories import StaffMembershipFactory, UserFactory
from tests.partners.conftest import load_program
from tests.partners.test_enrolments import enrol
from tiers.models import RequirementResult, TierEvaluation
from tiers.services import tiers_evaluate
from tiers.windows import Period

D = datetime.date


def noon(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)


def join(vendor, on, *, tracks=(), email="founder@newfirm.test", loaded=None):
    """(tenant, program, enrolment) through the real application and approval on `on`.

    tests.partners.test_enrolments.enrol only pins the clock for the approval; the
    agreement acceptance is stamped at submission, so the whole flow runs on `on` here.
    """
    loaded = loaded or load_program(vendor)
    with time_machine.travel(noon(on), tick=False):
        return enrol(vendor, on, tracks=tracks, email=email, loaded=loaded)


def manager(tenant):
    return StaffMembershipFactory(tenant=tenant).user


def activity(tenant, enrolment, kind, on, *, status=ReviewStatus.VERIFIED) -> Activity:
    with tenant_scope(tenant):
        return Activity.objects.create(
            tenant=tenant,
            firm=enrolment.firm,
            kind=kind,
            occurred_on=on,
            description=f"{kind} on {on}",
            status=status,
        )


def attest(tenant, enrolment, kind, valid_from, valid_until=None) -> Attestation:
    with tenant_scope(tenant):
        return Attestation.objects.create(
            tenant=tenant,
            firm=enrolment.firm,
            kind=kind,
            statement=f"{kind} holds",
            valid_from=valid_from,
            valid_until=valid_until,
            status=ReviewStatus.VERIFIED,
        )


def certify(tenant, enrolment, kind, earned_on, expires_on=None, *, name=None) -> Certification:
    """One person (a new Resource) holding a verified certification."""
    expires_on = expires_on or earned_on.replace(year=earned_on.year + 1)
    with tenant_scope(tenant):
        count = Resource.objects.filter(firm=enrolment.firm).count()
        person = Resource.objects.create(
            tenant=tenant, firm=enrolment.firm, name=name or f"Person {count + 1}"
        )
        return Certification.objects.create(
            tenant=tenant,
            resource=person,
            firm=enrolment.firm,
            kind=kind,
            earned_on=earned_on,
            expires_on=expires_on,
            status=Certification.Status.VERIFIED,
        )


def designate(tenant, enrolment, designation="partner_manager") -> PartnerContact:
    with tenant_scope(tenant):
        return PartnerContact.objects.create(
            tenant=tenant,
            firm=enrolment.firm,
            user=UserFactory(email=f"{designation}-{enrolment.pk}@partner.test"),
            designation=designation,
        )


def lead(tenant, enrolment, company, on, *, approve=True):
    """A partner-sourced registration submitted (and approved) on `on`."""
    with tenant_scope(tenant), time_machine.travel(noon(on), tick=False):
        registration = registration_submit(
            tenant=tenant,
            firm=enrolment.firm,
            user=None,
            company_name=company,
            country="US",
            program=enrolment.program,
            today=on,
        )
        if approve:
            registration = registration_approve(
                tenant=tenant, registration=registration, user=manager(tenant), today=on
            )
    return registration


def update_registration(tenant, registration, **fields) -> None:
    """Vendor-CRM facts (qualified_on, opportunity_created_on) arrive as plain updates."""
    with tenant_scope(tenant):
        type(registration).objects.filter(pk=registration.pk).update(**fields)


def won(tenant, registration, on) -> None:
    with tenant_scope(tenant):
        registration_close(tenant=tenant, registration=registration, user=None, won=True, on=on)


def call(tenant, registration, kind, on, *, vendor_attended=True):
    with tenant_scope(tenant), time_machine.travel(noon(on), tick=False):
        return sales_activity_record(
            tenant=tenant,
            registration=registration,
            user=None,
            kind=kind,
            occurred_on=on,
            vendor_attended=vendor_attended,
        )


def order(tenant, registration, customer_name, ordered_on, *, completed_on=None):
    """An order from `customer_name` referred by `registration`, completed on `completed_on`."""
    completed_on = completed_on or ordered_on
    with tenant_scope(tenant):
        Product.objects.get_or_create(
            tenant=tenant, code="CORE", defaults={"name": "Core", "category": "subscription"}
        )
        buyer = customer_upsert(tenant=tenant, name=customer_name, external_id=customer_name)
        registration.refresh_from_db()  # an earlier order may have closed it as won
        return order_record(
            tenant=tenant,
            customer=buyer,
            ordered_on=ordered_on,
            lines=[LineInput("CORE", 1, Decimal("1000.00"), Decimal("1000.00"))],
            currency="USD",
            registration=registration,
            order_form_signed_on=completed_on,
            initial_payment_received_on=completed_on,
        )


def evaluate(tenant, program, period: Period, today, **more) -> list[TierEvaluation]:
    with tenant_scope(tenant):
        return tiers_evaluate(tenant=tenant, program=program, period=period, today=today, **more)


def evaluation_of(tenant, enrolment, run_key) -> TierEvaluation:
    with tenant_scope(tenant):
        return TierEvaluation.objects.get(enrolment=enrolment, run_key=run_key)


def results_of(tenant, evaluation) -> dict[str, RequirementResult]:
    """The stored results of an evaluation, by requirement key."""
    with tenant_scope(tenant):
        return {r.requirement: r for r in RequirementResult.objects.filter(evaluation=evaluation)}


def held(tenant, enrolment, on) -> str | None:
    from tiers.selectors import tier_held_on

    with tenant_scope(tenant):
        return tier_held_on(enrolment, on)


def refreshed(tenant, row):
    with tenant_scope(tenant):
        row.refresh_from_db()
    return row
