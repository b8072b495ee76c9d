"""One family of domain errors and the one API exception handler that renders every error.

The API's error body is always
    {"error": {"code": "...", "message": "...", "fields": {...}}}
whether the error came from a service (ApplicationError), validation, authentication,
permissions or a missing object.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ApplicationError(Exception):
    """A domain rule said no; `message` tells a person what to do about it."""

    code = "invalid"
    http_status = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class NotAllowed(ApplicationError):
    code = "not_allowed"
    http_status = status.HTTP_403_FORBIDDEN


class Conflict(ApplicationError):
    code = "conflict"
    http_status = status.HTTP_409_CONFLICT


def _error_body(code: str, message: str, fields: Any = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


def error_response(
    status_code: int, code: str, message: str, fields: Any = None, **headers: str
) -> JsonResponse:
    """The one error shape for code that answers before (or outside) a DRF view."""
    response = JsonResponse(_error_body(code, message, fields), status=status_code)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def is_api_path(request: HttpRequest) -> bool:
    """Whether the request is for the API (/<tenant>/api/...), which answers errors in JSON."""
    parts = request.path_info.split("/", 3)
    return len(parts) > 2 and parts[2] == "api"


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """Render any error raised in an API view in the one error format."""
    if isinstance(exc, ApplicationError):
        return Response(_error_body(exc.code, exc.message, exc.fields), status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {}
        message = "; ".join(exc.messages) if not fields else "The input is not valid."
        return Response(_error_body("invalid", message, fields), status=400)
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = _flatten(exc.detail)
        if isinstance(detail, dict):
            message = "The input is not valid; see fields."
            fields = detail
        else:
            message = "; ".join(detail) if isinstance(detail, list) else str(detail)
            fields = {}
        response.data = _error_body("invalid", message, fields)
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        response.data = _error_body(code, str(exc.detail))
    return response
