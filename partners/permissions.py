from partners.selectors import contact_in


def partner_contact(request):
    """Return (and remember) the request user's partner contact in the request's tenant."""
    if not hasattr(request, "_partner_contact"):
        request._partner_contact = contact_in(request.user, request.tenant)
    return request._partner_contact


def is_partner_contact(request) -> bool:
    return partner_contact(request) is not None
