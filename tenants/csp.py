"""The Content-Security-Policy of every page: scripts only from our origin or with the nonce.

django-csp builds the header from settings.CONTENT_SECURITY_POLICY. Two things are ours:
- every response's policy carries a fresh nonce, so a template can always mark its one
  inline script (`nonce="{{ request.csp_nonce }}"`) and the policy reads the same on every
  page (django-csp alone adds a nonce only when a template asked for one);
- the console (Django admin with unfold) also allows 'unsafe-eval' for scripts: unfold
  ships the standard Alpine.js build, which compiles its `x-data`/`@click` attributes with
  `Function()`. Inline scripts stay refused there too; the admin's own JS is static files.
"""

from csp.constants import UNSAFE_EVAL
from csp.middleware import CSPMiddleware, PolicyParts
from django.http import HttpRequest, HttpResponseBase

CONSOLE_PREFIX = "/admin/"


class NonceCSPMiddleware(CSPMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        str(request.csp_nonce)  # made now, so every policy carries one

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(CONSOLE_PREFIX):
            update = dict(parts.update or {})
            update["script-src"] = [*update.get("script-src", []), UNSAFE_EVAL]
            parts.update = update
        return parts
