"""The one portal page a newcomer can use: apply to the vendor's program."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from partners.forms import ApplicationForm
from partners.models import Application, ApplicationStatus, ContactRequest
from partners.services.applications import application_submit
from programs.models import Benefit, Tier
from programs.selectors import programs_of, version_in_force
from tenants.client_ip import client_ip
from tenants.errors import ApplicationError


@login_required
def apply(request, program_slug: str | None = None):
    """Show the program (the agreement) and take an application for it."""
    programs = list(programs_of(tenant=request.tenant))
    if program_slug is None and len(programs) > 1:
        return render(request, "partners/apply_choose.html", {"programs": programs})
    program = next((p for p in programs if program_slug in (None, p.slug)), None)
    version = version_in_force(program, timezone.localdate()) if program else None
    if version is None:
        raise Http404("No program open for applications here.")
    pending = Application.objects.filter(
        program=program, applicant=request.user, status=ApplicationStatus.SUBMITTED
    ).first()
    if pending is not None:
        return render(request, "partners/application_pending.html", {"application": pending})

    form = ApplicationForm(request.POST or None, version=version)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = application_submit(
                tenant=request.tenant,
                program=program,
                user=request.user,
                firm_name=data["firm_name"],
                website=data["website"],
                country=data["country"],
                territories=data["territories"],
                tracks=data.get("tracks", []),
                directory_consent=data["directory_consent"],
                accept_agreement=data["accept_agreement"],
                message=data["message"],
                ip_address=client_ip(request),
                user_agent=request.headers.get("User-Agent", ""),
            )
        except ApplicationError as exc:
            for field, errors in exc.fields.items():
                form.add_error(field if field in form.fields else None, errors or exc.message)
            if not exc.fields:
                form.add_error(None, exc.message)
        else:
            if isinstance(result, ContactRequest):
                messages.success(request, "Thank you: the vendor's partner team will contact you.")
                return redirect("home")
            if result.status == ApplicationStatus.APPROVED:
                messages.success(request, f"Welcome to the {program.name}: you are enrolled.")
            else:
                messages.success(request, "Application submitted: you will hear from us by e-mail.")
            return redirect("portal_home", tenant_slug=request.tenant.slug)
    return render(
        request,
        "partners/apply.html",
        {
            "form": form,
            "program": program,
            "version": version,
            "tiers": Tier.objects.filter(version=version).order_by("rank"),
            "benefits": Benefit.objects.filter(version=version).order_by("position"),
        },
    )
