"""Customers and their orders (from the vendor's ERP/CRM), order lines and refunds."""

from django.conf import settings
from django.db import models

from deals.models.registrations import DealRegistration, LeadSource
from partners.models import PartnerFirm
from tenants.models import TenantOwned
from tenants.validation import validate_country_code, validate_name


class Customer(TenantOwned):
    name = models.CharField(max_length=200, validators=[validate_name])
    normalized_name = models.CharField(max_length=200, editable=False)
    name_key = models.CharField(max_length=200, blank=True, editable=False, db_default="")
    domain = models.CharField(max_length=253, blank=True)
    normalized_domain = models.CharField(max_length=253, blank=True, editable=False)
    country = models.CharField(max_length=2, blank=True, validators=[validate_country_code])
    external_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["tenant", "name", "id"], name="customer_list_idx"),
            models.Index(fields=["tenant", "normalized_name"], name="customer_name_idx"),
            models.Index(fields=["tenant", "normalized_domain"], name="customer_domain_idx"),
            models.Index(fields=["tenant", "name_key"], name="customer_name_key_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "external_id"],
                condition=~models.Q(external_id=""),
                name="customer_external_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Product(TenantOwned):
    """The vendor's product codes and the commission category each belongs to."""

    code = models.CharField(max_length=60)
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=60, help_text="Matches commission rules' category.")

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="product_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class Order(TenantOwned):
    """A customer's order; completed once the signed form and the initial payment are in."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    external_id = models.CharField(max_length=100, blank=True)
    registration = models.ForeignKey(
        DealRegistration, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    firm = models.ForeignKey(
        PartnerFirm,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        help_text="The referring partner (from the registration when there is one).",
    )
    lead_source = models.CharField(max_length=8, choices=LeadSource.choices, blank=True)
    reseller_of_record = models.BooleanField(default=False)
    reseller_of_record_source = models.CharField(
        max_length=200, blank=True, help_text="Who determined it (CIMcloud: Acumatica)."
    )
    ordered_on = models.DateField()
    currency = models.CharField(max_length=3)
    order_form_signed_on = models.DateField(null=True, blank=True)
    initial_payment_received_on = models.DateField(null=True, blank=True)
    completed_on = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="When both the executed order form and the initial payment were in.",
    )
    is_initial_purchase = models.BooleanField(default=False, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-ordered_on", "-pk"]
        indexes = [
            models.Index(fields=["tenant", "completed_on"], name="order_completed_idx"),
            models.Index(fields=["tenant", "-ordered_on", "-id"], name="order_list_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "external_id"],
                condition=~models.Q(external_id=""),
                name="order_external_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return order_title(self.external_id, self.pk, str(self.customer))


def order_title(external_id: str, pk: int, customer: str) -> str:
    """How an order is named to people: its external id (else its id) and its customer."""
    return f"Order {external_id or pk} of {customer}"


class OrderLine(TenantOwned):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT)
    product_code = models.CharField(max_length=60)
    product_category = models.CharField(max_length=60)
    quantity = models.PositiveIntegerField(default=1)
    list_price_minor = models.BigIntegerField(help_text="Unit list (market) price, minor units.")
    price_minor = models.BigIntegerField(help_text="Unit price charged, minor units.")
    discount_approved = models.BooleanField(default=False)
    monthly_fee_minor = models.BigIntegerField(null=True, blank=True)
    initial_contract_months = models.PositiveIntegerField(null=True, blank=True)
    no_charge = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price_minor__gte=0) & models.Q(list_price_minor__gte=0),
                name="order_line_prices_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_code}"

    @property
    def amount_minor(self) -> int:
        return 0 if self.no_charge else self.price_minor * self.quantity


class Refund(TenantOwned):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    amount_minor = models.BigIntegerField()
    refunded_on = models.DateField()
    reason = models.CharField(max_length=300, blank=True)
    external_id = models.CharField(max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-refunded_on"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="refund_positive"),
        ]
