"""API for customers, products, orders, completion and refunds (the vendor's staff and keys)."""

from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.fields import get_attribute
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from deals.matching import normalize_company
from deals.models import Customer, Product
from deals.selectors.orders import (
    customers_of,
    order_external_id_taken,
    order_refunded_minor,
    orders_of,
    products_of,
    registrations_of,
)
from deals.services.orders import (
    LineInput,
    customer_upsert,
    order_record,
    order_record_completion,
    order_total_minor,
    refund_record,
)
from tenants.api_permissions import IsTenantStaff
from tenants.api_rows import Computed
from tenants.errors import ApplicationError, Conflict
from tenants.money import from_minor
from tenants.validation import (
    COUNTRY_FIELD_ERRORS,
    max_length_of,
    normalized_country,
    text_limits_of,
)


class MoneyInput(serializers.DecimalField):
    """A decimal string such as "1234.56"; a JSON float is refused (it may already be off).

    Any number of decimals here: the service refuses more than the order's currency has.
    """

    default_error_messages = {"float": 'Send amounts as decimal strings, e.g. "1234.56".'}

    def __init__(self, **kwargs):
        super().__init__(max_digits=15, decimal_places=None, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, float):
            self.fail("float")
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "format": "decimal", "example": "1234.56"})
class MoneyOutput(serializers.Field):
    """Minor units out as a decimal string in the row's currency: 123456 USD -> "1234.56"."""

    def __init__(self, *, currency: str = "currency", **kwargs):
        self.currency_path = currency.split(".")
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance):
        value = super().get_attribute(instance)
        if value is None:
            return None
        return (value, get_attribute(instance, self.currency_path))

    def to_representation(self, value):
        amount_minor, currency = value
        return money_text(amount_minor, currency)


def money_text(amount_minor: int, currency: str) -> str:
    """Minor units as the API's decimal string: 123456 USD -> "1234.56", 1234 JPY -> "1234"."""
    return str(from_minor(amount_minor, currency))


def money_column(column: str, currency: str = "currency") -> Computed:
    """A `MoneyOutput` of a list read as rows (tenants/api_rows.py): the minor-units
    column as the API's decimal string in the row's currency, null when the column is."""

    def value(row: dict) -> str | None:
        amount = row[column]
        return None if amount is None else money_text(amount, row[currency])

    return Computed((column, currency), value)


def validated(serializer_class: type[serializers.Serializer], data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def one_of(rows: QuerySet, pk: int | None, field: str):
    """The row with `pk` among `rows`, or a field error (a body's id is input, not a URL)."""
    if pk is None:
        return None
    row = rows.filter(pk=pk).first()
    if row is None:
        raise ApplicationError(f"No such {field} here.", fields={field: ["Unknown id."]})
    return row


def acting_user(request):
    return request.user if request.user.is_authenticated else None


class CustomerOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    domain = serializers.CharField()
    country = serializers.CharField()
    external_id = serializers.CharField()


class CustomerUpsertInput(serializers.Serializer):
    name = serializers.CharField(**text_limits_of(Customer, "name"))
    domain = serializers.CharField(
        required=False, default="", allow_blank=True, **text_limits_of(Customer, "domain")
    )
    country = serializers.CharField(
        max_length=max_length_of(Customer, "country"),
        error_messages=COUNTRY_FIELD_ERRORS,
        required=False,
        default="",
        allow_blank=True,
    )
    external_id = serializers.CharField(
        required=False, default="", allow_blank=True, **text_limits_of(Customer, "external_id")
    )

    def validate_name(self, name: str) -> str:
        if not normalize_company(name):
            raise serializers.ValidationError("Give the company's name.")
        return name

    def validate_country(self, value: str) -> str:
        try:
            return normalized_country(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


class ProductOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField()


class ProductCreateInput(serializers.Serializer):
    code = serializers.CharField(max_length=60)
    name = serializers.CharField(max_length=200)
    category = serializers.CharField(max_length=60)


class OrderLineOutput(serializers.Serializer):
    product_code = serializers.CharField()
    product_category = serializers.CharField()
    quantity = serializers.IntegerField()
    list_price = MoneyOutput(source="list_price_minor", currency="order.currency")
    price = MoneyOutput(source="price_minor", currency="order.currency")
    discount_approved = serializers.BooleanField()
    monthly_fee = MoneyOutput(
        source="monthly_fee_minor", currency="order.currency", allow_null=True
    )
    initial_contract_months = serializers.IntegerField(allow_null=True)
    no_charge = serializers.BooleanField()
    amount = MoneyOutput(source="amount_minor", currency="order.currency")


class RefundOutput(serializers.Serializer):
    id = serializers.IntegerField()
    amount = MoneyOutput(source="amount_minor", currency="order.currency")
    refunded_on = serializers.DateField()
    reason = serializers.CharField()
    external_id = serializers.CharField()


class OrderOutput(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    customer = CustomerOutput()
    registration = serializers.IntegerField(source="registration_id", allow_null=True)
    firm = serializers.IntegerField(source="firm_id", allow_null=True)
    lead_source = serializers.CharField()
    reseller_of_record = serializers.BooleanField()
    ordered_on = serializers.DateField()
    currency = serializers.CharField()
    completed_on = serializers.DateField(allow_null=True)
    is_initial_purchase = serializers.BooleanField()
    total = serializers.SerializerMethodField()

    @extend_schema_field({"type": "string", "format": "decimal", "example": "1234.56"})
    def get_total(self, order) -> str:
        return money_text(order_total_minor(order), order.currency)


class OrderDetailOutput(OrderOutput):
    reseller_of_record_source = serializers.CharField()
    order_form_signed_on = serializers.DateField(allow_null=True)
    initial_payment_received_on = serializers.DateField(allow_null=True)
    refunded = serializers.SerializerMethodField()
    lines = OrderLineOutput(many=True)
    refunds = RefundOutput(many=True)

    @extend_schema_field({"type": "string", "format": "decimal", "example": "0.00"})
    def get_refunded(self, order) -> str:
        return money_text(order_refunded_minor(order), order.currency)


class OrderLineInput(serializers.Serializer):
    product_code = serializers.CharField(max_length=60)
    quantity = serializers.IntegerField(min_value=1, default=1)
    list_price = MoneyInput(min_value=Decimal(0))
    price = MoneyInput(min_value=Decimal(0))
    discount_approved = serializers.BooleanField(default=False)
    monthly_fee = MoneyInput(min_value=Decimal(0), required=False, allow_null=True, default=None)
    initial_contract_months = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, default=None
    )
    no_charge = serializers.BooleanField(default=False)


class OrderCreateInput(serializers.Serializer):
    customer = serializers.IntegerField(help_text="A customer id (upsert it first).")
    external_id = serializers.CharField(
        max_length=100, required=False, default="", allow_blank=True
    )
    ordered_on = serializers.DateField()
    currency = serializers.RegexField(
        r"^[A-Za-z]{3}$", required=False, help_text="Defaults to the vendor's currency."
    )
    registration = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="An approved registration's id."
    )
    reseller_of_record = serializers.BooleanField(default=False)
    reseller_of_record_source = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True
    )
    order_form_signed_on = serializers.DateField(required=False, allow_null=True, default=None)
    initial_payment_received_on = serializers.DateField(
        required=False, allow_null=True, default=None
    )
    lines = OrderLineInput(many=True, allow_empty=False)


class CompletionInput(serializers.Serializer):
    order_form_signed_on = serializers.DateField(required=False, allow_null=True, default=None)
    initial_payment_received_on = serializers.DateField(
        required=False, allow_null=True, default=None
    )

    def validate(self, attrs):
        if not (attrs["order_form_signed_on"] or attrs["initial_payment_received_on"]):
            raise serializers.ValidationError(
                "Give the signed form's date, the payment's, or both."
            )
        return attrs


class RefundInput(serializers.Serializer):
    amount = MoneyInput(min_value=Decimal(0))
    refunded_on = serializers.DateField()
    reason = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    external_id = serializers.CharField(
        max_length=100, required=False, default="", allow_blank=True
    )


@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter("search", str)]))
class CustomerListApi(ListAPIView):
    """The vendor's customers; ?search= matches name, domain or the exact external id."""

    permission_classes = [IsTenantStaff]
    serializer_class = CustomerOutput

    def get_queryset(self):
        search = self.request.query_params.get("search", "").strip()
        return customers_of(tenant=self.request.tenant, search=search)


class CustomerUpsertApi(APIView):
    """Create a customer, or bring the one with this external id up to date (200)."""

    permission_classes = [IsTenantStaff]

    @extend_schema(
        request=CustomerUpsertInput, responses={200: CustomerOutput, 201: CustomerOutput}
    )
    def post(self, request):
        data = validated(CustomerUpsertInput, request.data)
        existed = bool(data["external_id"]) and (
            customers_of(tenant=request.tenant).filter(external_id=data["external_id"]).exists()
        )
        customer = customer_upsert(tenant=request.tenant, **data)
        return Response(CustomerOutput(customer).data, status=200 if existed else 201)


class ProductListApi(ListAPIView):
    permission_classes = [IsTenantStaff]
    serializer_class = ProductOutput

    def get_queryset(self):
        return products_of(tenant=self.request.tenant)


class ProductCreateApi(APIView):
    permission_classes = [IsTenantStaff]

    @extend_schema(request=ProductCreateInput, responses={201: ProductOutput})
    def post(self, request):
        data = validated(ProductCreateInput, request.data)
        taken = Conflict(f"Product code {data['code']} already exists.")
        if products_of(tenant=request.tenant).filter(code=data["code"]).exists():
            raise taken
        # No product service exists yet (deals/services/orders.py); this is the API's one write.
        product = Product(tenant=request.tenant, **data)
        product.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                product.save()
        except IntegrityError:  # the same code created a moment ago
            raise taken from None
        return Response(ProductOutput(product).data, status=201)


@extend_schema_view(
    get=extend_schema(
        parameters=[OpenApiParameter("completed", bool), OpenApiParameter("customer", int)]
    )
)
class OrderListApi(ListAPIView):
    """Orders, newest first; ?completed=true|false and ?customer=<id> narrow the list."""

    permission_classes = [IsTenantStaff]
    serializer_class = OrderOutput

    def get_queryset(self):
        params = self.request.query_params
        completed = {"true": True, "false": False}.get(params.get("completed", "").lower())
        customer = params.get("customer", "")
        if customer and not customer.isdigit():
            raise ApplicationError("customer is an id.", fields={"customer": ["Not an id."]})
        return orders_of(
            tenant=self.request.tenant,
            completed=completed,
            customer_id=int(customer) if customer else None,
        )


class OrderCreateApi(APIView):
    permission_classes = [IsTenantStaff]

    @extend_schema(request=OrderCreateInput, responses={201: OrderDetailOutput})
    def post(self, request):
        data = validated(OrderCreateInput, request.data)
        tenant = request.tenant
        if order_external_id_taken(tenant=tenant, external_id=data["external_id"]):
            raise Conflict(f"Order {data['external_id']} is already recorded.")
        order = order_record(
            tenant=tenant,
            customer=one_of(customers_of(tenant=tenant), data.pop("customer"), "customer"),
            registration=one_of(
                registrations_of(tenant=tenant), data.pop("registration"), "registration"
            ),
            currency=data.pop("currency", tenant.currency),
            lines=[LineInput(**line) for line in data.pop("lines")],
            user=acting_user(request),
            **data,
        )
        order = orders_of(tenant=tenant).get(pk=order.pk)
        return Response(OrderDetailOutput(order).data, status=201)


class OrderDetailApi(APIView):
    permission_classes = [IsTenantStaff]

    @extend_schema(responses=OrderDetailOutput)
    def get(self, request, pk: int):
        order = get_object_or_404(orders_of(tenant=request.tenant), pk=pk)
        return Response(OrderDetailOutput(order).data)


class OrderCompletionApi(APIView):
    """Record the signed order form and/or the initial payment; both in completes the order."""

    permission_classes = [IsTenantStaff]

    @extend_schema(request=CompletionInput, responses=OrderDetailOutput)
    def post(self, request, pk: int):
        order = get_object_or_404(orders_of(tenant=request.tenant), pk=pk)
        data = validated(CompletionInput, request.data)
        order_record_completion(
            tenant=request.tenant, order=order, user=acting_user(request), **data
        )
        order = orders_of(tenant=request.tenant).get(pk=pk)
        return Response(OrderDetailOutput(order).data)


class OrderRefundApi(APIView):
    """Record a refund; all refunds together never exceed the order's total."""

    permission_classes = [IsTenantStaff]

    @extend_schema(request=RefundInput, responses={201: RefundOutput})
    def post(self, request, pk: int):
        order = get_object_or_404(orders_of(tenant=request.tenant), pk=pk)
        data = validated(RefundInput, request.data)
        refund = refund_record(
            tenant=request.tenant, order=order, user=acting_user(request), **data
        )
        return Response(RefundOutput(refund).data, status=201)
