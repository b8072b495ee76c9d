from django import forms
from django.contrib import admin

from partners.models import ContactRole, PartnerContact, PartnerFirm
from partners.services.contacts import contact_invite
from tenants.admin_base import TenantScopedAdmin, TenantTabularInline


class ContactInline(TenantTabularInline):
    model = PartnerContact
    fields = ("user", "role", "is_active")
    readonly_fields = ("user",)
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # people are added by e-mail invitation (Partner contacts → Add)


@admin.register(PartnerFirm)
class PartnerFirmAdmin(TenantScopedAdmin):
    list_display = ("name", "country", "website", "created_at")
    search_fields = ("name", "website")
    list_filter = ("country",)
    inlines = [ContactInline]


class ContactInviteForm(forms.ModelForm):
    email = forms.EmailField(help_text="New people get an e-mail to set their password.")

    class Meta:
        model = PartnerContact
        fields = ("firm", "role")

    def clean(self):
        cleaned = super().clean()
        firm, email = cleaned.get("firm"), cleaned.get("email")
        if firm and email:
            taken = PartnerContact.objects.filter(
                tenant_id=firm.tenant_id, user__email__iexact=email
            ).exclude(firm=firm)
            if taken.exists():
                self.add_error("email", "This person already works with another partner firm.")
        return cleaned


@admin.register(PartnerContact)
class PartnerContactAdmin(TenantScopedAdmin):
    list_display = ("user", "firm", "role", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("user__email", "firm__name")
    list_select_related = ("user", "firm")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ContactInviteForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        return ("firm", "email", "role") if obj is None else ("user", "firm", "role", "is_active")

    def get_readonly_fields(self, request, obj=None):
        return ("user", "firm") if obj is not None else ()

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        contact = contact_invite(
            request=request,
            tenant=obj.firm.tenant,
            firm=obj.firm,
            email=form.cleaned_data["email"],
            role=form.cleaned_data.get("role") or ContactRole.PARTNER_REP,
        )
        obj.pk, obj.user, obj.tenant = contact.pk, contact.user, contact.tenant
