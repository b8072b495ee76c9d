from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from partners.permissions import partner_contact
from partners.selectors import firm_contacts


@login_required
def portal_home(request):
    """A partner's start page in one vendor's portal."""
    contact = partner_contact(request)
    if contact is None:
        return render(request, "partners/not_a_partner.html", status=403)
    return render(
        request,
        "partners/portal_home.html",
        {"contact": contact, "firm": contact.firm, "colleagues": firm_contacts(firm=contact.firm)},
    )
