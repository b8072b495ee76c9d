from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from tenants.models import API_KEY_PREFIX, ApiKey
from tenants.scope import all_tenants

KEYWORDS = ("Api-Key", "Bearer")


class TenantApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key prm_<id>_<secret>`: an integration acting for one tenant."""

    def authenticate(self, request: HttpRequest):
        header = authentication.get_authorization_header(request).decode(errors="replace")
        keyword, _, token = header.partition(" ")
        if keyword not in KEYWORDS or not token.startswith(f"{API_KEY_PREFIX}_"):
            return None
        _, _, rest = token.strip().partition("_")
        lookup_id, _, secret = rest.partition("_")
        # The key says which tenant it belongs to, so finding it crosses tenants.
        with all_tenants():
            key = ApiKey.objects.select_related("tenant").filter(lookup_id=lookup_id).first()
        if key is None or not secret or not key.matches(secret):
            raise exceptions.AuthenticationFailed("Invalid API key.")
        if key.is_revoked:
            raise exceptions.AuthenticationFailed("This API key has been revoked.")
        tenant = getattr(request, "tenant", None)
        if tenant is None or key.tenant_id != tenant.pk:
            raise exceptions.AuthenticationFailed("This API key is not valid for this vendor.")
        # imported here: services -> errors -> DRF settings -> this module is a cycle
        from tenants.services import api_key_record_use

        api_key_record_use(api_key=key)
        return (AnonymousUser(), key)

    def authenticate_header(self, request: HttpRequest) -> str:
        return 'Api-Key realm="api"'


class ApiKeySchema(OpenApiAuthenticationExtension):
    """Documents the API-key scheme in the OpenAPI schema."""

    target_class = "tenants.api_auth.TenantApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key prm_<id>_<secret>`; keys are created in the console.",
        }
