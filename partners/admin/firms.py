from django import forms
from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from unfold.decorators import action

from partners.models import ContactRole, PartnerContact, PartnerFirm
from partners.services.contacts import contact_invite
from tenants.admin_base import CountryFilter, TenantScopedAdmin, TenantTabularInline
from tenants.countries import country_name


class ContactInline(TenantTabularInline):
    model = PartnerContact
    fields = ("user", "role", "is_active")
    readonly_fields = ("user",)
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # people are added by e-mail invitation (Partner contacts → Add)


def _overview_url(firm_id) -> str:
    # the page reads every app, so commissions (which may) registers it on the console
    return reverse("admin:partners_partnerfirm_360", args=[firm_id])


@admin.register(PartnerFirm)
class PartnerFirmAdmin(TenantScopedAdmin):
    list_display = ("name", "country_name", "website", "created_at", "overview")
    search_fields = ("name", "website")
    list_filter = (CountryFilter,)

    inlines = [ContactInline]
    actions_detail = ["open_overview"]

    @admin.display(description="360° view")
    def overview(self, firm):
        return format_html('<a href="{}">Open</a>', _overview_url(firm.pk))

    @action(description="360° view", url_path="overview", icon="360")
    def open_overview(self, request, object_id):
        return HttpResponseRedirect(_overview_url(object_id))

    @admin.display(description="Country", ordering="country")
    def country_name(self, firm) -> str:
        return country_name(firm.country)


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
