"""Django's error views, answering in the API's one JSON error shape under /<tenant>/api/.

DRF's exception handler covers errors raised inside an API view; these cover the rest: an
unknown URL, an unknown vendor, a body refused before parsing, and a crash that escaped
the view. Pages elsewhere keep Django's HTML answers.
"""

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from tenants.errors import error_response, is_api_path


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_path(request):
        return error_response(404, "not_found", "Not found.")
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_path(request):
        return error_response(400, "bad_request", "The request could not be read.")
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_path(request):
        return error_response(403, "permission_denied", "You may not do this.")
    return defaults.permission_denied(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api_path(request):
        # the request id in the logs ties this answer to the traceback
        request_id = getattr(request, "request_id", "")
        message = "Something went wrong on our side; it has been logged."
        if request_id:
            message += f" Quote request id {request_id}."
        return error_response(500, "server_error", message)
    return defaults.server_error(request)
