import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from tenants.models import Tenant
from tenants.selectors import staff_memberships_of

logger = logging.getLogger(__name__)


def home(request: HttpRequest):
    """The front door: the portals and consoles this person may enter."""
    from partners.selectors import contacts_of  # the project's home page spans apps
    from partners.selectors.landing import applications_of

    return render(
        request,
        "home.html",
        {
            "memberships": staff_memberships_of(request.user),
            "contacts": contacts_of(request.user),
            "applications": applications_of(request.user),
            "tenants": Tenant.objects.filter(is_active=True),
        },
    )


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: the database answers, and Redis too when it is configured."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any failure means not ready; say which
        logger.warning("readyz.database_failed", extra={"error": str(exc)})
        checks["database"] = "unavailable"
    if settings.REDIS_URL:
        try:
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
            checks["redis"] = "ok"
        except Exception as exc:
            logger.warning("readyz.redis_failed", extra={"error": str(exc)})
            checks["redis"] = "unavailable"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", **checks}, status=200 if ready else 503
    )
