"""Console pages: imports (customers, orders and refunds from CSV files).

The page belongs to no single model, so it is added to the console's own URLs through
the console site's `register_view` rather than hung off another concept's ModelAdmin.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from deals.imports import IMPORT_ROLES, KINDS, STAFF_KINDS, ImportRefused, csv_import
from tenants.api_permissions import is_tenant_staff
from tenants.models import Tenant
from tenants.scope import tenant_scope

SHOWN_ERRORS = 1000  # a page of a whole broken 10 MB file would be unreadable anyway


class ImportForm(forms.Form):
    tenant = forms.ModelChoiceField(
        Tenant.objects.filter(is_active=True),
        label="Vendor",
        help_text="You work across vendors: say whose data this file is.",
    )
    kind = forms.ChoiceField(label="What the file holds")
    file = forms.FileField(
        label="CSV file", help_text="UTF-8 CSV with the header row first, at most 10 MB."
    )

    def __init__(self, *args, kinds: list[str], choose_tenant: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, KINDS[kind].label) for kind in kinds]
        if not choose_tenant:
            del self.fields["tenant"]


def importable_kinds(request: HttpRequest) -> list[str]:
    """The kinds the console user's role may import."""
    return [kind for kind in STAFF_KINDS if is_tenant_staff(request, IMPORT_ROLES[kind])]


def import_view(request: HttpRequest) -> HttpResponse:
    """Upload a CSV; show the counts, or every bad row (and nothing imported)."""
    kinds = importable_kinds(request)
    if not kinds:
        raise PermissionDenied("Your role cannot import data.")
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        kinds=kinds,
        choose_tenant=request.tenant is None,
    )
    result = refused = None
    if request.method == "POST" and form.is_valid():
        tenant = request.tenant or form.cleaned_data["tenant"]
        # A superuser's console spans every vendor; the import runs in the chosen one only.
        with tenant_scope(tenant):
            try:
                result = csv_import(
                    tenant=tenant,
                    kind=form.cleaned_data["kind"],
                    file=form.cleaned_data["file"],
                    user=request.user,
                )
            except ImportRefused as exc:
                refused = exc
            else:
                messages.success(request, f"{KINDS[result.kind].label} imported: {result}.")
    context = {
        **admin.site.each_context(request),
        "title": "Import a CSV file",
        "form": form,
        "result": result,
        "refused": refused,
        "shown_errors": refused.errors[:SHOWN_ERRORS] if refused else [],
        "hidden_errors": max(0, len(refused.errors) - SHOWN_ERRORS) if refused else 0,
        "formats": [(KINDS[kind].label, KINDS[kind].columns) for kind in kinds],
    }
    return TemplateResponse(request, "admin/deals/imports/import.html", context)


admin.site.register_view("deals/import/", import_view, "deals_import")
