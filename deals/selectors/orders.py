import datetime
import zoneinfo

from django.db.models import Q, QuerySet, Sum

from deals.models import Customer, DealRegistration, Order, Product, RegistrationStatus
from partners.terms import add_months
from tenants.models import Tenant

REFERABLE_STATUSES = (RegistrationStatus.APPROVED, RegistrationStatus.WON)


def closed_won_within(registration: DealRegistration, *, months: int) -> Order | None:
    """The first binding order of the registered customer within `months` of the referral."""
    zone = zoneinfo.ZoneInfo(registration.tenant.time_zone)
    referred_on = registration.submitted_at.astimezone(zone).date()
    return (
        Order.objects.filter(
            registration=registration,
            ordered_on__gte=referred_on,
            ordered_on__lte=add_months(referred_on, months),
        )
        .order_by("ordered_on")
        .first()
    )


def completed_orders(*, since: datetime.date, until: datetime.date) -> QuerySet[Order]:
    return Order.objects.filter(completed_on__gte=since, completed_on__lte=until)


def customers_of(*, tenant: Tenant, search: str = "") -> QuerySet[Customer]:
    """The tenant's customers; `search` matches name or domain (contains) or the external id."""
    customers = Customer.objects.filter(tenant=tenant)
    if search:
        customers = customers.filter(
            Q(name__icontains=search) | Q(domain__icontains=search) | Q(external_id=search)
        )
    return customers


def products_of(*, tenant: Tenant) -> QuerySet[Product]:
    return Product.objects.filter(tenant=tenant)


def referable_registrations(*, tenant: Tenant) -> QuerySet[DealRegistration]:
    """Registrations an order may name as its referral: approved or already won."""
    return (
        DealRegistration.objects.filter(tenant=tenant, status__in=REFERABLE_STATUSES)
        .select_related("firm")
        .order_by("company_name")
    )


def orders_of(
    *, tenant: Tenant, completed: bool | None = None, customer_id: int | None = None
) -> QuerySet[Order]:
    """The tenant's orders with customer, firm and lines loaded (lines give the total)."""
    orders = (
        Order.objects.filter(tenant=tenant)
        .select_related("customer", "firm", "registration")
        .prefetch_related("lines", "refunds")
        .order_by("-ordered_on", "-pk")
    )
    if completed is not None:
        orders = orders.filter(completed_on__isnull=not completed)
    if customer_id is not None:
        orders = orders.filter(customer_id=customer_id)
    return orders


def order_refunded_minor(order: Order) -> int:
    """What has been refunded on `order` so far, in minor units."""
    if "refunds" in getattr(order, "_prefetched_objects_cache", {}):
        return sum(refund.amount_minor for refund in order.refunds.all())
    return order.refunds.aggregate(total=Sum("amount_minor"))["total"] or 0


def registrations_of(*, tenant: Tenant) -> QuerySet[DealRegistration]:
    return DealRegistration.objects.filter(tenant=tenant)


def order_external_id_taken(*, tenant: Tenant, external_id: str) -> bool:
    """Whether an order with this (non-empty) external id is already recorded."""
    return (
        bool(external_id) and Order.objects.filter(tenant=tenant, external_id=external_id).exists()
    )
