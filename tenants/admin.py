from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import AbstractBaseUser
from django.http import Http404, HttpRequest
from unfold.admin import ModelAdmin
from unfold.decorators import action
from unfold.widgets import UnfoldAdminCheckboxSelectMultipleWidget

from tenants.admin_base import TenantScopedAdmin
from tenants.models import ApiKey, ApiKeyScope, StaffMembership, StaffRole, Tenant
from tenants.services import (
    api_key_issue,
    api_key_issue_refusal,
    api_key_revoke,
    staff_invite,
)

TENANT_ADMINS = (StaffRole.ADMIN,)


@admin.register(Tenant)
class TenantAdmin(ModelAdmin):
    list_display = ("name", "slug", "time_zone", "country", "currency", "is_active")
    search_fields = ("name", "slug")
    list_filter = ("is_active",)

    # A vendor's own admins set its brand (logo, accent); everything else is the operator's.
    brand_fields = ("logo", "accent_colour")

    def _brands_own(self, request: HttpRequest, obj=None) -> bool:
        membership = getattr(request, "staff_membership", None)
        own = membership is not None and membership.role in TENANT_ADMINS
        return own and (obj is None or obj.pk == request.tenant.pk)

    def get_queryset(self, request: HttpRequest):
        tenants = super().get_queryset(request)
        if request.user.is_superuser:
            return tenants
        return tenants.filter(pk=request.tenant.pk) if request.tenant else tenants.none()

    def get_object(self, request: HttpRequest, object_id: str, from_field=None):
        # Another vendor is simply not there: 404, not the admin's "perhaps it was deleted?"
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("No such record.")
        return obj

    def get_fields(self, request: HttpRequest, obj=None):
        if request.user.is_superuser:
            return super().get_fields(request, obj)
        return ("name", *self.brand_fields)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return () if request.user.is_superuser else ("name",)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or self._brands_own(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser or self._brands_own(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser or self._brands_own(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # a tenant owns a ledger; deactivate it instead


class StaffInviteForm(forms.ModelForm):
    email = forms.EmailField(help_text="We e-mail a sign-in link to people who are new here.")

    class Meta:
        model = StaffMembership
        fields = ("role",)


@admin.register(StaffMembership)
class StaffMembershipAdmin(TenantScopedAdmin):
    view_roles = TENANT_ADMINS
    edit_roles = TENANT_ADMINS
    list_display = ("user", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = StaffInviteForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        return ("email", "role") if obj is None else ("user", "role")

    def get_readonly_fields(self, request, obj=None):
        return ("user",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        tenant = request.tenant or obj.tenant
        membership = staff_invite(
            request=request, tenant=tenant, email=form.cleaned_data["email"], role=obj.role
        )
        obj.pk, obj.user, obj.tenant = membership.pk, membership.user, membership.tenant


class ApiKeyIssueForm(forms.ModelForm):
    """Name the key and tick what it may do; refused when the issuer may not do it."""

    scopes = forms.MultipleChoiceField(
        label="Scopes",
        choices=ApiKeyScope.choices,
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
        help_text="Tick only what the integration needs. Read and write cover the API's "
        "ordinary endpoints by method; finance adds payout batches, their exports, "
        "statements and invoices; tax documents adds partners' tax forms. A key cannot "
        "do more than you can.",
    )
    issuer: AbstractBaseUser | None = None  # set per request by ApiKeyAdmin.get_form

    class Meta:
        model = ApiKey
        fields = ("name", "scopes")

    def clean(self):
        cleaned = super().clean()
        scopes = cleaned.get("scopes")
        tenant = self.instance.tenant if self.instance.tenant_id else None
        if scopes and tenant is not None and self.issuer is not None:
            refusal = api_key_issue_refusal(tenant=tenant, issued_by=self.issuer, scopes=scopes)
            if refusal is not None:
                self.add_error("scopes", refusal)
        return cleaned


@admin.register(ApiKey)
class ApiKeyAdmin(TenantScopedAdmin):
    # every staff member sees which keys exist; only a tenant administrator issues or revokes
    edit_roles = TENANT_ADMINS
    form = ApiKeyIssueForm
    list_display = (
        "name",
        "lookup_id",
        "scope_names",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("name", "lookup_id")
    readonly_fields = (
        "lookup_id",
        "scope_names",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    actions = ["revoke"]

    @admin.display(description="Scopes")
    def scope_names(self, obj: ApiKey) -> str:
        return obj.scope_names

    def get_fields(self, request, obj=None):
        if obj is None:
            # a superuser who has not switched to a vendor says whose key it is
            chooses_tenant = request.tenant is None
            return ("tenant", "name", "scopes") if chooses_tenant else ("name", "scopes")
        return ("name", *self.readonly_fields)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        return type(form_class.__name__, (form_class,), {"issuer": request.user})

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a key is created or revoked, never edited

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoked keys stay for the audit trail

    def save_model(self, request, obj, form, change):
        key, token = api_key_issue(
            tenant=request.tenant or obj.tenant,
            name=obj.name,
            scopes=form.cleaned_data["scopes"],
            issued_by=request.user,
        )
        obj.pk, obj.lookup_id, obj.tenant = key.pk, key.lookup_id, key.tenant
        messages.warning(
            request,
            f"Copy this key now; it is shown only once and stored only as a hash: {token}",
        )

    @action(description="Revoke selected keys", permissions=["revoke"])
    def revoke(self, request, queryset):
        for key in queryset:
            api_key_revoke(tenant=key.tenant, api_key=key)
        messages.success(request, f"Revoked {queryset.count()} key(s).")

    def has_revoke_permission(self, request) -> bool:
        return self.may_edit(request)
