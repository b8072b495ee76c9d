"""Portal pages: the firm's portal users, its resources and their certifications."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from partners.forms import KindChoiceField
from partners.models import ContactRole, PartnerContact
from partners.selectors.people import (
    certifications_visible_to,
    colleagues_of,
    resources_visible_to,
    resources_with_counts,
)
from partners.selectors.vocabularies import (
    Vocabulary,
    choices_of,
    kind_labels,
    kinds_for_firm,
    label_of,
)
from partners.services.people import (
    certification_submit,
    colleague_invite,
    contact_designate,
    contact_remove,
    resource_create,
)
from partners.uploads import certification_evidence_response
from partners.views.access import partner_admin_required, partner_required
from tenants.errors import ApplicationError
from tenants.pagination import page_of

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


def show_errors(form: forms.Form, exc: ApplicationError | ValidationError) -> None:
    """Put a service's refusal on the form: its message on top, details next to each field."""
    if isinstance(exc, ApplicationError):
        form.add_error(None, exc.message)
        fields = exc.fields
    else:
        fields = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, errors in fields.items():
        form.add_error(field if field in form.fields else None, errors)


def form_submitted(form: forms.Form, action: Callable[[dict], object]) -> object | None:
    """Run `action` on a valid form's data; return its result, or None with errors on the form."""
    if not form.is_valid():
        return None
    try:
        return action(form.cleaned_data)
    except (ApplicationError, ValidationError) as exc:
        show_errors(form, exc)
        return None


def portal_url(request: HttpRequest, name: str, **kwargs) -> str:
    return reverse(name, kwargs={"tenant_slug": request.tenant.slug, **kwargs})


class InviteForm(forms.Form):
    email = forms.EmailField(label="E-mail", help_text="New people get an e-mail to sign in.")
    role = forms.ChoiceField(choices=ContactRole.choices, initial=ContactRole.PARTNER_REP)


class DesignationForm(forms.Form):
    designation = KindChoiceField("designation", required=False)

    def __init__(self, *args, designations: Vocabulary, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["designation"].offer(designations, blank="—")


class ResourceForm(forms.Form):
    name = forms.CharField(max_length=200)
    job_title = forms.CharField(max_length=200, required=False)
    email = forms.EmailField(label="E-mail", required=False)
    contact = forms.ModelChoiceField(
        PartnerContact.objects.none(), required=False, label="Portal user (optional)"
    )

    def __init__(self, *args, colleagues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = colleagues
        self.fields["contact"].label_from_instance = lambda c: c.user.email


class CertificationForm(forms.Form):
    kind = KindChoiceField("certification kind", label="Certification")
    product = forms.CharField(max_length=60, required=False, help_text="e.g. amelia, 1desk")
    earned_on = forms.DateField(widget=DATE_INPUT, label="Earned on")
    expires_on = forms.DateField(
        widget=DATE_INPUT,
        required=False,
        label="Expires on",
        help_text="Leave empty to follow the program's validity for this certification.",
    )
    evidence = forms.FileField(
        required=False,
        help_text="Optional: the certificate as PDF, PNG or JPEG, at most 5 MB.",
        widget=forms.FileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )

    def __init__(self, *args, kinds: Vocabulary, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].offer(kinds)


def _people_page(request, *, status=200, invite_form=None, resource_form=None) -> HttpResponse:
    contact = request.contact
    colleagues = colleagues_of(tenant=request.tenant, contact=contact)
    context = {
        "contact": contact,
        "firm": contact.firm,
        "is_admin": contact.role == ContactRole.PARTNER_ADMIN,
        # two paged lists on one page, each with its own ?<list>_page=
        "colleagues": page_of(request, colleagues, param="colleagues_page"),
        "designations": [("", "—"), *choices_of(kinds_for_firm(contact.firm, "designations"))],
        "designation_labels": kind_labels(request.tenant, "designations"),
        "resources": page_of(
            request,
            resources_with_counts(tenant=request.tenant, contact=contact),
            param="resources_page",
        ),
        "invite_form": invite_form or InviteForm(auto_id="invite_%s"),
        "resource_form": resource_form
        or ResourceForm(auto_id="resource_%s", colleagues=colleagues),
    }
    return render(request, "partners/people/people.html", context, status=status)


@partner_required
def people(request: HttpRequest) -> HttpResponse:
    """The firm's portal users and the resources (people) the program counts."""
    return _people_page(request)


@require_POST
@partner_admin_required
def people_invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST, auto_id="invite_%s")
    invited = form_submitted(
        form,
        lambda data: colleague_invite(
            request=request, tenant=request.tenant, inviter=request.contact, **data
        ),
    )
    if invited is None:
        return _people_page(request, status=400, invite_form=form)
    messages.success(request, f"{invited.user.email} is now {invited.get_role_display().lower()}.")
    return redirect(portal_url(request, "portal_people"))


def _colleague(request: HttpRequest, contact_id: int) -> PartnerContact:
    return get_object_or_404(
        colleagues_of(tenant=request.tenant, contact=request.contact), pk=contact_id
    )


@require_POST
@partner_admin_required
def people_remove(request: HttpRequest, contact_id: int) -> HttpResponse:
    colleague = _colleague(request, contact_id)
    try:
        contact_remove(tenant=request.tenant, contact=colleague, removed_by=request.contact)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _people_page(request, status=400)
    messages.success(request, f"{colleague.user.email} can no longer use this portal.")
    if colleague.pk == request.contact.pk:
        return redirect("home")  # you removed yourself: this portal is closed to you now
    return redirect(portal_url(request, "portal_people"))


@require_POST
@partner_admin_required
def people_designate(request: HttpRequest, contact_id: int) -> HttpResponse:
    colleague = _colleague(request, contact_id)
    designations = kinds_for_firm(request.contact.firm, "designations")
    form = DesignationForm(request.POST, designations=designations)
    done = form_submitted(
        form,
        lambda data: contact_designate(
            tenant=request.tenant, contact=colleague, designated_by=request.contact, **data
        ),
    )
    if done is None:
        messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
        return _people_page(request, status=400)
    messages.success(request, f"Saved the designation of {colleague.user.email}.")
    return redirect(portal_url(request, "portal_people"))


@require_POST
@partner_required
def resource_add(request: HttpRequest) -> HttpResponse:
    colleagues = colleagues_of(tenant=request.tenant, contact=request.contact)
    form = ResourceForm(request.POST, auto_id="resource_%s", colleagues=colleagues)
    resource = form_submitted(
        form,
        lambda data: resource_create(tenant=request.tenant, firm=request.contact.firm, **data),
    )
    if resource is None:
        return _people_page(request, status=400, resource_form=form)
    messages.success(request, f"Added {resource.name}; now record their certifications.")
    return redirect(portal_url(request, "portal_resource", resource_id=resource.pk))


def _resource_page(request, resource_id: int, *, status=200, form=None) -> HttpResponse:
    resources = resources_visible_to(tenant=request.tenant, contact=request.contact)
    resource = get_object_or_404(resources, pk=resource_id)
    context = {
        "resource": resource,
        "certifications": resource.certifications.order_by("-earned_on"),
        "certification_labels": kind_labels(request.tenant, "certification_kinds"),
        "form": form or CertificationForm(kinds=_certification_kinds(resource)),
    }
    return render(request, "partners/people/resource.html", context, status=status)


def _certification_kinds(resource) -> Vocabulary:
    return kinds_for_firm(resource.firm, "certification_kinds")


@partner_required
def resource_detail(request: HttpRequest, resource_id: int) -> HttpResponse:
    """One resource of the firm, their certifications, and a form to add one."""
    return _resource_page(request, resource_id)


@require_POST
@partner_required
def certification_add(request: HttpRequest, resource_id: int) -> HttpResponse:
    resources = resources_visible_to(tenant=request.tenant, contact=request.contact)
    resource = get_object_or_404(resources, pk=resource_id)
    form = CertificationForm(request.POST, request.FILES, kinds=_certification_kinds(resource))
    certification = form_submitted(
        form,
        lambda data: certification_submit(tenant=request.tenant, resource=resource, **data),
    )
    if certification is None:
        return _resource_page(request, resource_id, status=400, form=form)
    label = label_of(certification.kind, kind_labels(request.tenant, "certification_kinds"))
    until = f"until {certification.expires_on}" if certification.expires_on else "with no expiry"
    messages.success(request, f"Recorded {label} {until}; it counts once the vendor verifies it.")
    return redirect(portal_url(request, "portal_resource", resource_id=resource.pk))


@partner_required
def certification_evidence(request: HttpRequest, certification_id: int) -> FileResponse:
    """Download a certification's evidence (media files are never served publicly)."""
    certifications = certifications_visible_to(tenant=request.tenant, contact=request.contact)
    certification = get_object_or_404(certifications.exclude(evidence=""), pk=certification_id)
    return certification_evidence_response(certification)
