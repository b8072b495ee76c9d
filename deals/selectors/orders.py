import datetime

from django.db.models import QuerySet

from deals.models import DealRegistration, Order
from partners.terms import add_months


def closed_won_within(registration: DealRegistration, *, months: int) -> Order | None:
    """The first binding order of the registered customer within `months` of the referral."""
    referred_on = registration.submitted_at.date()
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
