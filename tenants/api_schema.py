"""The OpenAPI document as one vendor's integrators read it: their base URL, plain paths.

Every API path is under /<tenant>/api/v1/; the document states that once, as its server,
instead of repeating a `{tenant_slug}` parameter in every path.
"""

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny


def tenant_description(tenant) -> str:
    return (
        f"Partner relationship management for {tenant.name}. Every path below is relative to "
        f"the base URL `/{tenant.slug}/api/v1/`."
    )


def drop_tenant_slug_parameter(result: dict, generator, request, public) -> dict:
    """Postprocessing hook: the slug is in the server URL, not a parameter of each path."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "parameters" in operation:
                operation["parameters"] = [
                    p for p in operation["parameters"] if p.get("name") != "tenant_slug"
                ]
                if not operation["parameters"]:
                    del operation["parameters"]
    return result


class TenantSchemaView(SpectacularAPIView):
    """The schema with this vendor's base URL as its one server."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        tenant = request.tenant
        self.custom_settings = {
            "SERVERS": [{"url": f"/{tenant.slug}/api/v1", "description": tenant.name}],
            "DESCRIPTION": tenant_description(tenant),
        }
        return super().get(request, *args, **kwargs)


def file_responses(*media_types: str, description: str = "The file, as an attachment.") -> dict:
    """`extend_schema(responses=...)` for a download answered in any of `media_types`."""
    from drf_spectacular.types import OpenApiTypes
    from drf_spectacular.utils import OpenApiResponse

    file = OpenApiResponse(OpenApiTypes.BINARY, description=description)
    return {(200, media_type): file for media_type in media_types}


ERROR_COMPONENT = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "example": "not_found"},
                "message": {"type": "string", "example": "Not found."},
                "fields": {
                    "type": "object",
                    "description": "Each field (or `row N.column`) with its messages.",
                    "additionalProperties": True,
                },
            },
        }
    },
}


def document_error_shape(result: dict, generator, request, public) -> dict:
    """Postprocessing hook: every operation's 4XX and 5XX answers are the one error shape."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_COMPONENT
    error = {
        "description": "The one error shape (tenants/errors.py).",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"].setdefault("4XX", error)
                operation["responses"].setdefault("5XX", error)
    return result
