"""The vendor's public partner directory: a searchable list and a profile page per partner."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from partners.forms_profile import ProfileForm
from partners.selectors.directory import (
    directory_firms,
    directory_names,
    directory_profile,
    listed_enrolments,
    listing_of,
    profile_of,
)
from partners.services.profile import profile_update
from partners.views.access import partner_admin_required
from partners.views.people import form_submitted, portal_url
from tenants.countries import country_choices
from tenants.pagination import page_of

SEARCH_MAX_LENGTH = 100


def directory(request: HttpRequest) -> HttpResponse:
    """The public directory (no sign-in): consenting active partners, searched and filtered."""
    selected = {
        "q": request.GET.get("q", "").strip()[:SEARCH_MAX_LENGTH],
        "tier": request.GET.get("tier", ""),
        "track": request.GET.get("track", ""),
        "territory": request.GET.get("territory", "").strip()[:2].upper(),
    }
    firms = directory_firms(
        tenant=request.tenant,
        name=selected["q"],
        tier=selected["tier"],
        track=selected["track"],
        territory=selected["territory"],
    )
    page = page_of(request, firms)
    names = directory_names(tenant=request.tenant)
    rows = [{"firm": f, "listings": [listing_of(e, names) for e in f.listed]} for f in page]
    context = {
        "rows": rows,
        "page_obj": page,
        "tier_names": names.tiers,
        "track_names": names.tracks,
        "countries": country_choices(),
        "selected": selected,
    }
    return render(request, "partners/directory.html", context)


def directory_firm(request: HttpRequest, firm_id: int) -> HttpResponse:
    """A listed partner's public profile; 404 for a firm that is not listed here."""
    firm, enrolments = directory_profile(tenant=request.tenant, firm_id=firm_id)
    names = directory_names(tenant=request.tenant)
    context = {
        "firm": firm,
        "profile": profile_of(firm),
        "listings": [listing_of(e, names) for e in enrolments],
    }
    return render(request, "partners/directory_firm.html", context)


@partner_admin_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    """The firm's partner admins edit what the directory says about the firm."""
    contact = request.contact
    profile = profile_of(contact.firm)
    initial = {"description": profile.description, "website": contact.firm.website}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST":
        saved = form_submitted(
            form,
            lambda data: profile_update(tenant=request.tenant, contact=contact, **data),
        )
        if saved is not None:
            messages.success(request, "Your directory profile is saved.")
            return redirect(portal_url(request, "portal_profile"))
    listed = listed_enrolments(tenant=request.tenant).filter(firm=contact.firm).exists()
    context = {"form": form, "firm": contact.firm, "listed": listed}
    return render(
        request, "partners/profile_edit.html", context, status=400 if form.errors else 200
    )
