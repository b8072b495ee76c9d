"""Portal: a partner's deal registrations."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from deals.forms import ExtensionForm, RegistrationForm, SalesActivityForm
from deals.models import LeadSource, RegistrationStatus
from deals.selectors.registrations import registrations_for_partner
from deals.services.registrations import (
    registration_request_extension,
    registration_submit,
    sales_activity_record,
    vendor_lead_answer,
)
from partners.views.access import partner_required
from tenants.errors import ApplicationError
from tenants.pagination import page_of


def _show_errors(form, exc: ApplicationError) -> None:
    for field, errors in exc.fields.items():
        form.add_error(field if field in form.fields else None, errors or exc.message)
    if not exc.fields:
        form.add_error(None, exc.message)


@partner_required
def registration_list(request):
    registrations = registrations_for_partner(contact=request.contact)
    return render(
        request,
        "deals/registrations.html",
        {
            "offered": page_of(
                request,
                registrations.filter(status=RegistrationStatus.OFFERED),
                param="offered_page",
            ),
            "page_obj": page_of(request, registrations.exclude(status=RegistrationStatus.OFFERED)),
        },
    )


@partner_required
def registration_new(request):
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            registration = registration_submit(
                tenant=request.tenant,
                firm=request.contact.firm,
                user=request.user,
                **form.cleaned_data,
            )
        except ApplicationError as exc:
            _show_errors(form, exc)
        else:
            messages.success(
                request,
                f"{registration.company_name} registered: "
                f"{registration.get_status_display().lower()}.",
            )
            return redirect("portal_deal", tenant_slug=request.tenant.slug, pk=registration.pk)
    return render(request, "deals/registration_form.html", {"form": form})


@partner_required
def registration_detail(request, pk: int):
    registration = get_object_or_404(registrations_for_partner(contact=request.contact), pk=pk)
    return render(
        request,
        "deals/registration_detail.html",
        {
            "registration": registration,
            # the partner sees the history of their own registration, never conflict details
            "transitions": registration.transitions.all(),
            "activities": registration.activities.all(),
            "extension_form": ExtensionForm(),
            "activity_form": SalesActivityForm(),
            "is_vendor_lead": registration.lead_source == LeadSource.VENDOR,
        },
    )


def _act(request, pk: int, action) -> object:
    registration = get_object_or_404(registrations_for_partner(contact=request.contact), pk=pk)
    try:
        action(registration)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("portal_deal", tenant_slug=request.tenant.slug, pk=registration.pk)


@require_POST
@partner_required
def registration_extension(request, pk: int):
    form = ExtensionForm(request.POST)
    reason = form.data.get("reason", "")

    def request_it(registration):
        registration_request_extension(
            tenant=request.tenant, registration=registration, user=request.user, reason=reason
        )
        messages.success(request, "Extension requested; the vendor will decide.")

    return _act(request, pk, request_it)


@require_POST
@partner_required
def registration_activity(request, pk: int):
    form = SalesActivityForm(request.POST)

    def record(registration):
        if not form.is_valid():
            raise ApplicationError(
                "; ".join(f"{form.fields[f].label}: {' '.join(e)}" for f, e in form.errors.items())
            )
        sales_activity_record(
            tenant=request.tenant, registration=registration, user=request.user, **form.cleaned_data
        )
        messages.success(request, "Call recorded.")

    return _act(request, pk, record)


@require_POST
@partner_required
def vendor_lead_reply(request, pk: int):
    accept = request.POST.get("answer") == "accept"

    def answer(registration):
        vendor_lead_answer(
            tenant=request.tenant, registration=registration, user=request.user, accept=accept
        )
        messages.success(request, "Lead accepted." if accept else "Lead declined.")

    return _act(request, pk, answer)
