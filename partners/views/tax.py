"""Portal pages: the firm's tax forms, payout details and financial-benefit elections."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from partners.models import ContactRole, PayoutProfile, TaxDocument, TaxDocumentKind
from partners.permissions import partner_contact
from partners.selectors.tax import (
    TAX_DOCUMENT_STAFF_ROLES,
    BenefitChoice,
    election_choices_for,
    enrolments_visible_to,
    payout_profile_of,
    tax_documents_of,
    tax_documents_visible_to,
    tax_status_label,
    tax_status_of,
)
from partners.services.tax import (
    WITHHOLDING_IS_FINANCES,
    enrolment_elect_financial_benefit,
    payout_profile_update,
    tax_document_upload,
)
from partners.uploads import EXTENSION_OF, attachment_response
from partners.views.access import partner_admin_required, partner_required
from tenants.api_permissions import is_tenant_staff
from tenants.errors import ApplicationError
from tenants.pagination import page_of

ADMINS_ONLY = "Only your firm's partner admins can do this."


class TaxDocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(label="Form", choices=TaxDocumentKind.choices)
    file = forms.FileField(
        label="Signed form",
        help_text="A PDF, PNG or JPEG file of at most 5 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )


class PayoutProfileForm(forms.Form):
    method = forms.ChoiceField(label="Payout method", choices=PayoutProfile.Method.choices)
    account_holder = forms.CharField(label="Account holder", max_length=200)
    account_reference = forms.CharField(
        label="Account reference",
        max_length=100,
        required=False,
        help_text="IBAN, US account number or PayPal e-mail.",
    )
    routing_number = forms.CharField(
        label="Routing number",
        max_length=9,
        required=False,
        help_text="US bank accounts only: the 9-digit ABA routing number.",
    )
    bic = forms.CharField(
        label="BIC (SWIFT code)", max_length=11, required=False, help_text="Optional, with an IBAN."
    )
    account_type = forms.ChoiceField(
        label="Account type",
        choices=PayoutProfile.AccountType.choices,
        required=False,
        help_text="US bank accounts only.",
    )

    def clean(self):
        # Silently dropping a posted rate would let a partner believe it was saved.
        if "withholding_rate" in self.data:
            raise ValidationError(WITHHOLDING_IS_FINANCES)
        return super().clean()


class EveryValueRadioSelect(forms.RadioSelect):
    """Radio buttons that hand over every posted value, so two choices can be refused."""

    def value_from_datadict(self, data, files, name):
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name)


class ElectionField(forms.Field):
    default_error_messages = {"required": "Choose a financial benefit."}

    def to_python(self, value) -> list[str]:
        if value in self.empty_values:
            return []
        return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


class ElectionForm(forms.Form):
    def __init__(self, *args, choices: list[BenefitChoice], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["financial_benefit"] = ElectionField(
            label="Financial benefit (one only)",
            widget=EveryValueRadioSelect(choices=[(c.key, c.label) for c in choices]),
        )


def _refuse(form: forms.Form, exc: ApplicationError | ValidationError) -> None:
    """Show a service's refusal on the form, next to the field it names where there is one."""
    if isinstance(exc, ApplicationError):
        fields = {f: m for f, m in exc.fields.items() if f in form.fields}
        errors = fields or {None: [exc.message]}
    else:
        errors = getattr(exc, "message_dict", {None: exc.messages})
    for field, field_messages in errors.items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)


def _percent(rate) -> str:
    return f"{rate * 100:.2f}".rstrip("0").rstrip(".")


def _election_form(enrolment, choices, data=None) -> ElectionForm:
    initial = {"financial_benefit": enrolment.financial_benefit or None}
    auto_id = f"id_election_{enrolment.pk}_%s"
    return ElectionForm(data, choices=choices, initial=initial, auto_id=auto_id)


def _page(request: HttpRequest, *, status: int = 200, **bound_forms) -> HttpResponse:
    tenant, firm = request.tenant, request.contact.firm
    profile = payout_profile_of(tenant=tenant, firm=firm)
    if profile is not None:
        initial = {
            "method": profile.method,
            "account_holder": profile.account_holder,
            "routing_number": profile.routing_number,
            "bic": profile.bic,
            "account_type": profile.account_type,
        }
    else:
        initial = {}
    elections = []
    for enrolment in enrolments_visible_to(tenant=tenant, contact=request.contact):
        if not enrolment.is_live:
            continue
        choices = election_choices_for(enrolment)
        form = bound_forms.get(f"election_{enrolment.pk}")
        labels = {c.key: c.label for c in choices}
        elections.append(
            {
                "enrolment": enrolment,
                "choices": choices,
                "current": labels.get(enrolment.financial_benefit, enrolment.financial_benefit),
                "form": form or _election_form(enrolment, choices),
            }
        )
    status_key = tax_status_of(tenant=tenant, firm=firm)
    context = {
        "firm": firm,
        "is_partner_admin": request.contact.role == ContactRole.PARTNER_ADMIN,
        "documents": page_of(
            request, tax_documents_of(tenant=tenant, firm=firm), param="documents_page"
        ),
        "tax_status": status_key,
        "tax_status_label": tax_status_label(status_key),
        "upload_form": bound_forms.get("upload_form") or TaxDocumentUploadForm(),
        "profile": profile,
        "withholding_percent": _percent(profile.withholding_rate) if profile else "",
        "payout_form": bound_forms.get("payout_form") or PayoutProfileForm(initial=initial),
        "elections": elections,
    }
    return render(request, "partners/tax/home.html", context, status=status)


@partner_required
def tax_home(request: HttpRequest) -> HttpResponse:
    """The firm's tax forms, payout details and elections (forms for partner admins)."""
    return _page(request)


@partner_admin_required
@require_POST
def tax_document_upload_view(request: HttpRequest) -> HttpResponse:
    form = TaxDocumentUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            tax_document_upload(
                tenant=request.tenant,
                firm=request.contact.firm,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                uploaded_by=request.user,
            )
        except (ApplicationError, ValidationError) as exc:
            _refuse(form, exc)
        else:
            messages.success(request, "Thank you: the form is received; finance will verify it.")
            return redirect("portal_tax", tenant_slug=request.tenant.slug)
    return _page(request, status=400, upload_form=form)


@partner_admin_required
@require_POST
def payout_profile_edit(request: HttpRequest) -> HttpResponse:
    form = PayoutProfileForm(request.POST)
    if form.is_valid():
        try:
            payout_profile_update(
                tenant=request.tenant, firm=request.contact.firm, **form.cleaned_data
            )
        except (ApplicationError, ValidationError) as exc:
            _refuse(form, exc)
        else:
            messages.success(request, "Payout details saved.")
            return redirect("portal_tax", tenant_slug=request.tenant.slug)
    return _page(request, status=400, payout_form=form)


@partner_required
@require_POST
def financial_benefit_elect(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    enrolments = enrolments_visible_to(tenant=request.tenant, contact=request.contact)
    enrolment = get_object_or_404(enrolments, pk=enrolment_id)
    # another firm's enrolment is a 404 above; one's own is refused to reps here
    if request.contact.role != ContactRole.PARTNER_ADMIN:
        raise PermissionDenied(ADMINS_ONLY)
    form = _election_form(enrolment, election_choices_for(enrolment), data=request.POST)
    if form.is_valid():
        try:
            enrolment_elect_financial_benefit(
                tenant=request.tenant,
                enrolment=enrolment,
                benefits=form.cleaned_data["financial_benefit"],
                elected_by=request.user,
            )
        except (ApplicationError, ValidationError) as exc:
            _refuse(form, exc)
        else:
            messages.success(request, f"Financial benefit for {enrolment.program} saved.")
            return redirect("portal_tax", tenant_slug=request.tenant.slug)
    return _page(request, status=400, **{f"election_{enrolment.pk}": form})


def download_name(document: TaxDocument) -> str:
    """A plain-ASCII file name for the download; the uploader's name is never echoed."""
    firm = slugify(document.firm.name)[:60] or "firm"
    extension = EXTENSION_OF.get(document.content_type, "bin")
    return f"{document.kind}-{firm}-{document.pk}.{extension}"


def tax_document_response(document: TaxDocument) -> FileResponse:
    """Send the stored form as an attachment the browser will not sniff or render."""
    return attachment_response(
        document.file, filename=download_name(document), content_type=document.content_type
    )


@login_required
def tax_document_download(request: HttpRequest, document_id: int) -> HttpResponse:
    """The form for its firm's contacts and the vendor's finance and tenant admins; else 404."""
    documents = tax_documents_visible_to(
        tenant=request.tenant,
        contact=partner_contact(request),
        as_staff=is_tenant_staff(request, TAX_DOCUMENT_STAFF_ROLES),
    )
    return tax_document_response(get_object_or_404(documents, pk=document_id))
