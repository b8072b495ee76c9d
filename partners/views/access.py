"""Who may open a portal page: a partner contact of the request's tenant (staff use the console)."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from partners.models import ContactRole
from partners.permissions import partner_contact


def partner_required(view: Callable) -> Callable:
    """Open the page to a signed-in contact of a partner firm here; set request.contact."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        contact = partner_contact(request)
        if contact is None:
            raise Http404("Not a partner contact of this vendor.")
        request.contact = contact
        return view(request, *args, **kwargs)

    return wrapper


def partner_admin_required(view: Callable) -> Callable:
    """Like partner_required, for the firm's partner admins only (others get 403)."""

    @partner_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.contact.role != ContactRole.PARTNER_ADMIN:
            raise PermissionDenied("Only your firm's partner admins can do this.")
        return view(request, *args, **kwargs)

    return wrapper
