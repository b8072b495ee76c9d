"""Request rates per API key and per signed-in user, counted in the shared cache.

A fixed window per scope and caller: one atomic increment per request (Redis INCR in
production), so concurrent requests on several web processes are all counted, which
DRF's read-modify-write history list would not guarantee. Rates come from
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] and are read per request, so a test (or a
deployment's environment) can change them.
"""

import time

from django.conf import settings
from django.core.cache import caches
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from tenants.models import ApiKey

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'1000/min' -> (1000, 60)."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period.strip()[:1]]


class WindowRateThrottle(BaseThrottle):
    """Allow `rate` requests per window for whoever `ident` names (None: not this throttle's)."""

    scope = ""
    timer = staticmethod(time.time)

    def ident(self, request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        ident = self.ident(request)
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        if ident is None or not rate:
            return True
        limit, seconds = parse_rate(rate)
        now = self.timer()
        window = int(now // seconds)
        self.retry_after = (window + 1) * seconds - now
        cache = caches[settings.API_THROTTLE_CACHE]
        key = f"api-throttle:{self.scope}:{ident}:{seconds}:{window}"
        cache.add(key, 0, timeout=seconds + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr: this request opens the window
            cache.set(key, 1, timeout=seconds + 1)
            count = 1
        return count <= limit

    def wait(self) -> float | None:
        return getattr(self, "retry_after", None)


class ApiKeyRateThrottle(WindowRateThrottle):
    """Each API key of each vendor has its own budget."""

    scope = "api_key"

    def ident(self, request) -> str | None:
        if isinstance(request.auth, ApiKey):
            return f"{request.auth.tenant_id}:{request.auth.pk}"
        return None


class UserRateThrottle(WindowRateThrottle):
    """Each signed-in person (partner or staff) has their own budget, per vendor."""

    scope = "user"

    def ident(self, request) -> str | None:
        if isinstance(request.auth, ApiKey) or not request.user.is_authenticated:
            return None
        tenant = getattr(request, "tenant", None)
        return f"{tenant.pk if tenant else '-'}:{request.user.pk}"
