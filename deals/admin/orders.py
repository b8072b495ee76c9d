"""Console pages: products, customers and orders (recorded, completed and refunded by services)."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from unfold.decorators import action

from deals.matching import normalize_company
from deals.models import Customer, DealRegistration, Order, OrderLine, Product, Refund
from deals.selectors.orders import (
    customers_of,
    order_external_id_taken,
    order_refunded_minor,
    products_of,
    referable_registrations,
)
from deals.services.orders import (
    LineInput,
    customer_upsert,
    order_record,
    order_record_completion,
    order_total_minor,
    refund_record,
)
from tenants.admin_base import CountryFilter, TenantScopedAdmin, TenantTabularInline
from tenants.countries import country_name
from tenants.errors import ApplicationError
from tenants.money import format_minor

DATE = forms.DateInput(attrs={"type": "date"})


def money_field(**kwargs) -> forms.DecimalField:
    # any decimals: the service refuses more than the order's currency has (JPY: none)
    return forms.DecimalField(max_digits=15, decimal_places=None, **{"min_value": 0, **kwargs})


def show_error(form: forms.Form, exc: ApplicationError | ValidationError) -> None:
    """Put a service's refusal on the page the person is looking at."""
    if isinstance(exc, ApplicationError):
        form.add_error(None, exc.message)
        return
    for field, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
        for error in errors:
            form.add_error(None, error if field == "__all__" else f"{field}: {error}")


class ProductForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        # The tenant is not a form field, so the model's (tenant, code) constraint is not checked.
        tenant_id = self.instance.tenant_id or getattr(data.get("tenant"), "pk", None)
        code = data.get("code")
        duplicate = Product.objects.filter(tenant_id=tenant_id, code=code).exclude(
            pk=self.instance.pk
        )
        if code and duplicate.exists():
            self.add_error("code", f"Product code {code} already exists.")
        return data


@admin.register(Product)
class ProductAdmin(TenantScopedAdmin):
    form = ProductForm
    list_display = ("code", "name", "category")
    list_filter = ("category",)
    search_fields = ("code", "name", "category")


class CustomerForm(forms.ModelForm):
    def clean_name(self):
        if not normalize_company(self.cleaned_data["name"]):
            raise ValidationError("Give the company's name.")
        return self.cleaned_data["name"]

    def clean_country(self):
        country = self.cleaned_data["country"].strip()
        if country and not (len(country) == 2 and country.isalpha()):
            raise ValidationError("Use the two-letter ISO code, e.g. AU.")
        return country


@admin.register(Customer)
class CustomerAdmin(TenantScopedAdmin):
    form = CustomerForm
    list_display = ("name", "domain", "country_name", "external_id", "created_at")
    list_filter = (CountryFilter,)

    search_fields = ("name", "domain", "external_id")
    fields = ("name", "domain", "country", "external_id")

    @admin.display(description="Country", ordering="country")
    def country_name(self, customer) -> str:
        return country_name(customer.country)

    def get_readonly_fields(self, request, obj=None):
        # customer_upsert finds the customer by its external id: once set, it is the key.
        readonly = tuple(super().get_readonly_fields(request, obj))
        return (*readonly, "external_id") if obj is not None else readonly

    def has_change_permission(self, request, obj=None) -> bool:
        # Without an external id customer_upsert cannot find the row again: it would add a twin.
        if obj is not None and not obj.external_id:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # orders keep their customer

    def save_model(self, request, obj, form, change: bool) -> None:
        tenant = request.tenant or obj.tenant
        if change and obj.tenant_id != tenant.pk:
            raise PermissionDenied
        customer = customer_upsert(
            tenant=tenant,
            name=obj.name,
            domain=obj.domain,
            country=obj.country,
            external_id=obj.external_id,
        )
        obj.pk = customer.pk
        obj.refresh_from_db()


def money_column(attribute: str, label: str):
    """A read-only column showing an integer minor-units attribute as an amount."""

    @admin.display(description=label)
    def column(self, row) -> str:
        value = getattr(row, attribute)
        return "—" if value is None else format_minor(value, row.order.currency)

    return column


class ReadOnlyInline(TenantTabularInline):
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        # every money column reads the order's currency
        return super().get_queryset(request).select_related("order")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class LineInline(ReadOnlyInline):
    model = OrderLine
    fields = (
        "product_code",
        "product_category",
        "quantity",
        "list_price",
        "price",
        "discount_approved",
        "monthly_fee",
        "initial_contract_months",
        "no_charge",
        "amount",
    )
    readonly_fields = fields
    list_price = money_column("list_price_minor", "List price")
    price = money_column("price_minor", "Price")
    monthly_fee = money_column("monthly_fee_minor", "Monthly fee")
    amount = money_column("amount_minor", "Amount")


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ("refunded_on", "amount", "reason", "external_id", "recorded_by")
    readonly_fields = fields
    amount = money_column("amount_minor", "Amount")


class CompletedFilter(admin.SimpleListFilter):
    title = "completed"
    parameter_name = "completed"

    def lookups(self, request, model_admin):
        return (("yes", "Completed"), ("no", "Not completed"))

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(completed_on__isnull=self.value() == "no")
        return queryset


class RecordOrderForm(forms.Form):
    customer = forms.ModelChoiceField(
        Customer.objects.none(), required=False, help_text="Or give a new customer below."
    )
    new_customer_name = forms.CharField(max_length=200, required=False)
    new_customer_domain = forms.CharField(max_length=253, required=False)
    new_customer_country = forms.RegexField(
        r"^[A-Za-z]{2}$", required=False, help_text="Two-letter ISO code, e.g. AU."
    )
    new_customer_external_id = forms.CharField(max_length=100, required=False)
    external_id = forms.CharField(max_length=100, required=False, label="Order external id")
    ordered_on = forms.DateField(widget=DATE)
    currency = forms.RegexField(r"^[A-Za-z]{3}$", max_length=3)
    registration = forms.ModelChoiceField(
        DealRegistration.objects.none(), required=False, label="Referring registration"
    )
    reseller_of_record = forms.BooleanField(required=False)
    reseller_of_record_source = forms.CharField(max_length=200, required=False)
    order_form_signed_on = forms.DateField(required=False, widget=DATE)
    initial_payment_received_on = forms.DateField(required=False, widget=DATE)

    def __init__(self, *args, tenant, **kwargs):
        initial = {"currency": tenant.currency, "ordered_on": timezone.localdate()}
        super().__init__(*args, initial=initial, **kwargs)
        self.tenant = tenant
        self.fields["customer"].queryset = customers_of(tenant=tenant)
        self.fields["registration"].queryset = referable_registrations(tenant=tenant)
        self.fields["registration"].label_from_instance = lambda r: (
            f"{r.company_name} — {r.firm.name} ({r.get_status_display().lower()})"
        )

    def clean(self):
        data = super().clean()
        new_name = data.get("new_customer_name", "").strip()
        if bool(data.get("customer")) == bool(new_name):
            raise ValidationError("Choose an existing customer or name a new one (not both).")
        if new_name and not normalize_company(new_name):
            self.add_error("new_customer_name", "Give the company's name.")
        if order_external_id_taken(tenant=self.tenant, external_id=data.get("external_id", "")):
            self.add_error("external_id", "An order with this external id is already recorded.")
        return data


class LineForm(forms.Form):
    product_code = forms.ChoiceField(label="Product")
    quantity = forms.IntegerField(min_value=1, initial=1)
    list_price = money_field()
    price = money_field()
    discount_approved = forms.BooleanField(required=False)
    monthly_fee = money_field(required=False)
    initial_contract_months = forms.IntegerField(min_value=1, required=False)
    no_charge = forms.BooleanField(required=False)

    def __init__(self, *args, codes: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product_code"].choices = [("", "—"), *codes]


def line_formset(rows: str) -> type[forms.BaseFormSet]:
    """Blank line rows for the page: 5, or ?lines=N (up to 50); a POST says its own count."""
    count = min(int(rows), 50) if rows.isdigit() and int(rows) > 0 else 5
    return forms.formset_factory(LineForm, extra=count - 1, min_num=1, validate_min=True)


def record(*, tenant, data: dict, lines: list[dict], user) -> Order:
    """Record the order, and its new customer only if the order is recorded too."""
    prefix = "new_customer_"
    new_customer = {k.removeprefix(prefix): v for k, v in data.items() if k.startswith(prefix)}
    order = {k: v for k, v in data.items() if k != "customer" and not k.startswith(prefix)}
    with transaction.atomic():
        customer = data["customer"] or customer_upsert(tenant=tenant, **new_customer)
        return order_record(
            tenant=tenant,
            customer=customer,
            lines=[LineInput(**line) for line in lines if line],
            user=user,
            **order,
        )


class CompletionForm(forms.Form):
    order_form_signed_on = forms.DateField(required=False, widget=DATE)
    initial_payment_received_on = forms.DateField(required=False, widget=DATE)

    def clean(self):
        data = super().clean()
        if not (data.get("order_form_signed_on") or data.get("initial_payment_received_on")):
            raise ValidationError("Give the signed form's date, the initial payment's, or both.")
        return data


class RefundForm(forms.Form):
    amount = money_field(min_value=Decimal("0.01"))
    refunded_on = forms.DateField(widget=DATE)
    reason = forms.CharField(max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(Order)
class OrderAdmin(TenantScopedAdmin):
    """Orders are read here and written only by "Record order" and the detail actions."""

    list_display = (
        "__str__",
        "customer",
        "ordered_on",
        "completed_on",
        "total",
        "is_initial_purchase",
        "lead_source",
        "firm",
        "reseller_of_record",
    )
    list_filter = (CompletedFilter, "is_initial_purchase", "lead_source", "reseller_of_record")
    search_fields = ("customer__name", "customer__external_id", "external_id")
    list_select_related = ("customer", "firm")
    fields = (
        "customer",
        "external_id",
        "registration",
        "firm",
        "lead_source",
        "reseller_of_record",
        "reseller_of_record_source",
        "ordered_on",
        "currency",
        "order_form_signed_on",
        "initial_payment_received_on",
        "completed_on",
        "is_initial_purchase",
        "total",
        "refunded",
        "recorded_by",
        "created_at",
    )
    readonly_fields = fields
    inlines = [LineInline, RefundInline]
    actions_list = ["record_order", "import_csv"]
    actions_detail = ["record_completion", "record_refund"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("lines")

    @admin.display(description="Total")
    def total(self, order) -> str:
        return format_minor(order_total_minor(order), order.currency)

    @admin.display(description="Refunded")
    def refunded(self, order) -> str:
        return format_minor(order_refunded_minor(order), order.currency)

    def has_add_permission(self, request, *args) -> bool:
        return False  # "Record order" instead: lines and customer in one step

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # an order changes only through its actions

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_record_permission(self, request, object_id=None) -> bool:
        return super().has_change_permission(request)  # managers and admins, not finance

    def _page(self, request, template: str, **context) -> TemplateResponse:
        context = {**self.admin_site.each_context(request), "opts": self.opts, **context}
        return TemplateResponse(request, f"admin/deals/orders/{template}", context)

    def _order(self, request, object_id) -> Order:
        return get_object_or_404(self.get_queryset(request), pk=object_id)

    def _detail(self, order) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:deals_order_change", args=[order.pk]))

    @action(description="Import CSV", url_path="import-csv", icon="upload_file")
    def import_csv(self, request):
        return HttpResponseRedirect(reverse("admin:deals_import"))

    @action(description="Record order", url_path="record", permissions=["record"], icon="add")
    def record_order(self, request):
        tenant = request.tenant
        if tenant is None:
            messages.error(request, "Switch to a vendor first: an order belongs to one vendor.")
            return HttpResponseRedirect(reverse("admin:deals_order_changelist"))
        data = request.POST if request.method == "POST" else None
        form = RecordOrderForm(data, tenant=tenant)
        codes = [(p.code, str(p)) for p in products_of(tenant=tenant)]
        formset = line_formset(request.GET.get("lines", ""))
        lines = formset(data, prefix="lines", form_kwargs={"codes": codes})
        if data is not None and form.is_valid() and lines.is_valid():
            try:
                order = record(
                    tenant=tenant,
                    data=form.cleaned_data,
                    lines=lines.cleaned_data,
                    user=request.user,
                )
            except (ApplicationError, ValidationError) as exc:
                show_error(form, exc)
            else:
                messages.success(request, f"{order} recorded.")
                return self._detail(order)
        return self._page(request, "record.html", title="Record order", form=form, lines=lines)

    @action(
        description="Record completion",
        url_path="completion",
        permissions=["record"],
        icon="task_alt",
    )
    def record_completion(self, request, object_id):
        order = self._order(request, object_id)
        if order.completed_on:
            messages.info(request, f"{order} was completed on {order.completed_on:%Y-%m-%d}.")
            return self._detail(order)
        initial = {
            "order_form_signed_on": order.order_form_signed_on,
            "initial_payment_received_on": order.initial_payment_received_on,
        }
        form = CompletionForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                order = order_record_completion(
                    tenant=order.tenant, order=order, user=request.user, **form.cleaned_data
                )
            except (ApplicationError, ValidationError) as exc:
                show_error(form, exc)
            else:
                if order.completed_on:
                    messages.success(
                        request, f"{order} completed on {order.completed_on:%Y-%m-%d}."
                    )
                else:
                    messages.warning(request, f"{order} needs both dates to complete.")
                return self._detail(order)
        text = "The order completes when both the signed order form and the initial payment are in."
        return self._page(
            request,
            "action.html",
            title=f"Record completion of {order}",
            text=text,
            form=form,
            button="Record completion",
        )

    @action(description="Record refund", url_path="refund", permissions=["record"], icon="undo")
    def record_refund(self, request, object_id):
        order = self._order(request, object_id)
        form = RefundForm(request.POST or None, initial={"refunded_on": timezone.localdate()})
        if request.method == "POST" and form.is_valid():
            try:
                refund_record(
                    tenant=order.tenant, order=order, user=request.user, **form.cleaned_data
                )
            except (ApplicationError, ValidationError) as exc:
                show_error(form, exc)
            else:
                messages.success(request, f"Refund of {form.cleaned_data['amount']} recorded.")
                return self._detail(order)
        total, refunded = order_total_minor(order), order_refunded_minor(order)
        text = (
            f"Order total {format_minor(total, order.currency)}; refunded so far "
            f"{format_minor(refunded, order.currency)}. Refunds never exceed the total."
        )
        return self._page(
            request,
            "action.html",
            title=f"Record a refund on {order}",
            text=text,
            form=form,
            button="Record refund",
        )
