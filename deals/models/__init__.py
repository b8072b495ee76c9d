"""Deal registrations (leads) and what comes of them: customers, orders, refunds."""

from deals.models.imports import ImportJob
from deals.models.orders import Customer, Order, OrderLine, Product, Refund
from deals.models.registrations import (
    DealRegistration,
    LeadSource,
    RegistrationMatch,
    RegistrationStatus,
    RegistrationTransition,
    SalesActivity,
)

__all__ = [
    "Customer",
    "DealRegistration",
    "ImportJob",
    "LeadSource",
    "Order",
    "OrderLine",
    "Product",
    "Refund",
    "RegistrationMatch",
    "RegistrationStatus",
    "RegistrationTransition",
    "SalesActivity",
]
