from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone

from partners.permissions import partner_contact
from partners.selectors import firm_contacts
from partners.selectors.enrolments import portal_overview
from partners.selectors.program_notices import change_notices_unread


@login_required
def portal_home(request):
    """A partner's start page: enrolments, term, tier, benefits and deadlines."""
    contact = partner_contact(request)
    if contact is None:
        if request.staff_membership is not None:
            return render(request, "partners/not_a_partner.html", status=403)
        # Newcomers only reach the application until they are a partner.
        return redirect("portal_apply", tenant_slug=request.tenant.slug)
    return render(
        request,
        "partners/portal_home.html",
        {
            "contact": contact,
            "firm": contact.firm,
            "colleagues": firm_contacts(firm=contact.firm),
            "overviews": portal_overview(firm=contact.firm, today=timezone.localdate()),
            "change_notices": change_notices_unread(contact=contact),
        },
    )
