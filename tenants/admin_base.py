"""The base of every tenant-owned model's admin: rows, choices and saves stay in one tenant."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.template.response import TemplateResponse
from unfold.admin import ModelAdmin, StackedInline, TabularInline

from tenants.countries import country_choices, country_name  # noqa: F401  (the console's)
from tenants.models import StaffRole, Tenant

ALL_STAFF = tuple(StaffRole.values)
MANAGERS = (StaffRole.MANAGER, StaffRole.ADMIN)


def _role_allows(request: HttpRequest, roles: tuple[str, ...]) -> bool:
    if request.user.is_active and request.user.is_superuser:
        return True
    membership = getattr(request, "staff_membership", None)
    return membership is not None and membership.role in roles


def _bind_tenant(form_class: type, tenant: Tenant | None) -> type:
    """Return `form_class` whose new instances belong to `tenant` before validation runs."""
    if tenant is None:
        return form_class

    class TenantBoundForm(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if self.instance.tenant_id is None:
                self.instance.tenant = tenant

        def _get_validation_exclusions(self):
            # The tenant is not a form field, but unique constraints on (tenant, ...) must
            # still be checked, or a duplicate becomes a database error instead of a message.
            excluded = super()._get_validation_exclusions()
            excluded.discard("tenant")
            return excluded

    TenantBoundForm.__name__ = form_class.__name__
    return TenantBoundForm


class RolePermissions:
    """Console access by staff role instead of Django's per-model permissions."""

    view_roles: tuple[str, ...] = ALL_STAFF
    edit_roles: tuple[str, ...] = MANAGERS

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _role_allows(request, self.view_roles + self.edit_roles)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return _role_allows(request, self.view_roles + self.edit_roles)

    def may_edit(self, request: HttpRequest) -> bool:
        return _role_allows(request, self.edit_roles)

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return self.may_edit(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.may_edit(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.may_edit(request)


class TenantScopedAdmin(RolePermissions, ModelAdmin):
    """Querysets come from the scoped manager; the tenant field is the console's, not the user's."""

    # A filtered list counts its own rows only, not the whole table a second time.
    show_full_result_count = False

    def get_list_filter(self, request: HttpRequest):
        filters = tuple(super().get_list_filter(request))
        return filters if request.tenant is not None else ("tenant", *filters)

    def get_list_display(self, request: HttpRequest):
        columns = tuple(super().get_list_display(request))
        return columns if request.tenant is not None else (*columns, "tenant")

    def get_exclude(self, request: HttpRequest, obj=None):
        excluded = tuple(super().get_exclude(request, obj) or ())
        return (*excluded, "tenant") if request.tenant is not None else excluded

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        # A row never changes tenant: its children and history would be left behind.
        if obj is not None and request.tenant is None:
            return (*readonly, "tenant")
        return readonly

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        return _bind_tenant(super().get_form(request, obj, change, **kwargs), request.tenant)

    def get_object(self, request: HttpRequest, object_id: str, from_field=None):
        # Another tenant's row is simply not there: 404, not the admin's friendly redirect.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("No such record.")
        return obj

    def formfield_for_dbfield(self, db_field, request: HttpRequest, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs.setdefault("assume_scheme", "https")  # what people type is a bare domain
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.related_model is Tenant and request.tenant is not None:
            kwargs["queryset"] = Tenant.objects.filter(pk=request.tenant.pk)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if request.tenant is not None:
            if change and obj.tenant_id != request.tenant.pk:
                raise PermissionDenied
            obj.tenant = request.tenant
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        # Inline rows belong to the parent's tenant, whoever is editing.
        for inline_form in formset.forms:
            if hasattr(inline_form.instance, "tenant_id"):
                inline_form.instance.tenant_id = form.instance.tenant_id
        super().save_formset(request, form, formset, change)


class TenantInlineMixin(RolePermissions):
    def __init__(self, parent_model, admin_site):
        super().__init__(parent_model, admin_site)
        if self.model.__str__ is models.Model.__str__:
            # "RequirementResult object (71)" over each row says nothing; its cells do
            self.hide_title = True

    def get_formset(self, request: HttpRequest, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = _bind_tenant(formset.form, request.tenant)
        return formset

    def get_exclude(self, request: HttpRequest, obj=None):
        excluded = tuple(InlineModelAdmin.get_exclude(self, request, obj) or ())
        return (*excluded, "tenant")


class TenantTabularInline(TenantInlineMixin, TabularInline):
    pass


class TenantStackedInline(TenantInlineMixin, StackedInline):
    pass


class HistoryInline(TenantTabularInline):
    """Rows shown as history under their parent: nothing to add, change or delete here."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def legal_on(admin_obj, request: HttpRequest, object_id, legal: Callable[[Any], bool]) -> bool:
    """Whether a detail action is legal on the row now (`legal(row)`), so its button shows
    only then. No id (a list action) or no visible row (another tenant's: the view answers
    404 itself) leaves the decision to the view."""
    if object_id is None:
        return True
    try:
        row = admin_obj.get_queryset(request).filter(pk=object_id).first()
    except (ValueError, ValidationError):  # not an id at all (".../2/xlsx/change/")
        return True
    return row is None or legal(row)


def form_page(
    admin_obj,
    request: HttpRequest,
    title: str,
    form,
    button: str,
    template: str = "admin/partners/reason.html",
    obligations: list[str] = (),
    selected: QuerySet | None = None,
    action: str = "",
    text: str = "",
) -> TemplateResponse:
    """The console's one page for an action that takes a form (a reason, a date, ...);
    `obligations` are the program's obligations for this step, shown above the form. For a
    bulk action, `selected` rows and the `action` name are carried into the second POST,
    which says `apply` (like Django's delete confirmation)."""
    return TemplateResponse(
        request,
        template,
        {
            **admin_obj.admin_site.each_context(request),
            "opts": admin_obj.opts,
            "title": title,
            "form": form,
            "button": button,
            "obligations": obligations,
            "selected": selected,
            "action": action,
            "text": text,
        },
    )


def bulk_form(request: HttpRequest, form_class, **kwargs):
    """The bulk action's form: unbound on the list's POST, bound on the confirm page's."""
    return form_class(request.POST if "apply" in request.POST else None, **kwargs)


def confirm_page(
    admin_obj, request: HttpRequest, title: str, text: str, button: str, obligations=(), form=None
) -> TemplateResponse:
    """`form_page` for an action that asks only "are you sure?" (and says what happens)."""
    return form_page(
        admin_obj, request, title, form or forms.Form(), button, obligations=obligations, text=text
    )


class CountryFilter(admin.SimpleListFilter):
    """Filter by country, offered by name, among the countries the rows have (one query)."""

    title = "country"
    parameter_name = "country"

    def lookups(self, request, model_admin):
        codes = (
            model_admin.get_queryset(request)
            .order_by()
            .exclude(country="")
            .values_list("country", flat=True)
            .distinct()
        )
        return sorted(((code, country_name(code)) for code in codes), key=lambda c: c[1])

    def queryset(self, request, queryset):
        return queryset.filter(country=self.value()) if self.value() else queryset
