from partners.permissions import partner_contact


def portal(request) -> dict:
    """The signed-in person's partner contact in this tenant, for the portal navigation."""
    if getattr(request, "tenant", None) is None or not request.user.is_authenticated:
        return {"portal_contact": None}
    return {"portal_contact": partner_contact(request)}
