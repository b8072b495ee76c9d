"""Checks every API request passes before any view runs, answered in the one error shape."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from tenants.errors import error_response, is_api_path
from tenants.text_input import unsafe_text_errors


def _body_limit(request: HttpRequest) -> int | None:
    """The largest body this request may carry: uploads get room for the file."""
    if request.content_type == "multipart/form-data":
        return settings.API_MAX_UPLOAD_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class ApiRequestGuardMiddleware:
    """Refuse an over-large body (413) and control or bidi characters in query parameters (400).

    The size is judged from Content-Length before the body is read, so a client hears
    413 at once instead of Django's HTML 400 after buffering the upload.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_api_path(request):
            return self.get_response(request)
        limit = _body_limit(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(400, "bad_request", "Content-Length is not a number.")
        if limit is not None and length > limit:
            return error_response(
                413,
                "too_large",
                f"The request body is {length} bytes; this endpoint takes at most {limit}.",
            )
        errors = unsafe_text_errors(request.GET)
        if errors:
            return error_response(400, "invalid", "The input is not valid; see fields.", errors)
        return self.get_response(request)
