"""The vendor's logo, served to anyone: the portal header and e-mails show it."""

import mimetypes

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.cache import cache_control

LOGO_TYPES = {"image/png", "image/jpeg", "image/webp"}


@cache_control(public=True, max_age=3600)
def vendor_logo(request: HttpRequest) -> FileResponse:
    logo = request.tenant.logo
    content_type, _ = mimetypes.guess_type(logo.name) if logo else (None, None)
    # the model refuses other files; a file put there by hand is still not served as markup
    if content_type not in LOGO_TYPES:
        raise Http404("This vendor has no logo.")
    return FileResponse(logo.open("rb"), content_type=content_type)
