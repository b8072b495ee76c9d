from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from unfold.admin import ModelAdmin
from unfold.decorators import action

from tenants.admin_base import TenantScopedAdmin
from tenants.models import ApiKey, StaffMembership, StaffRole, Tenant
from tenants.services import api_key_create, api_key_revoke, staff_invite

TENANT_ADMINS = (StaffRole.ADMIN,)


@admin.register(Tenant)
class TenantAdmin(ModelAdmin):
    list_display = ("name", "slug", "time_zone", "country", "currency", "is_active")
    search_fields = ("name", "slug")
    list_filter = ("is_active",)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

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


@admin.register(ApiKey)
class ApiKeyAdmin(TenantScopedAdmin):
    # managers run the integrations (ERP, CRM) day to day, so they hold the keys too
    list_display = ("name", "lookup_id", "created_by", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "lookup_id")
    readonly_fields = ("lookup_id", "created_by", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a key is created or revoked, never edited

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoked keys stay for the audit trail

    def save_model(self, request, obj, form, change):
        key, token = api_key_create(
            tenant=request.tenant or obj.tenant, name=obj.name, created_by=request.user
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
        return super().has_add_permission(request)
