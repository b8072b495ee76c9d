"""Tenant-aware Celery tasks: they take a tenant id, never an object, and run in its scope."""

import datetime
import functools
import logging
import zoneinfo
from collections.abc import Callable
from typing import Any

from celery import current_app, shared_task
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from tenants import mail_queue  # noqa: F401 (registers deliver_email with the worker)
from tenants.models import IdempotencyRecord, Tenant, TenantOwned
from tenants.scope import all_tenants, no_scope, tenant_scope

logger = logging.getLogger(__name__)


def tenant_task(*task_args: Any, **task_options: Any) -> Callable:
    """Register `func(tenant, ...)` as a task called as `task.delay(tenant_id, ...)`.

    The task loads the tenant itself and runs inside its scope, so nothing from
    the caller's (or an earlier task's) scope can leak in.
    """

    def decorator(func: Callable) -> Callable:
        @shared_task(*task_args, **task_options)
        @functools.wraps(func)
        def run(tenant_id: int, *args: Any, **kwargs: Any) -> Any:
            if not isinstance(tenant_id, int):
                raise TypeError(f"{func.__name__} takes a tenant id, got {tenant_id!r}.")
            with no_scope():
                tenant = Tenant.objects.get(pk=tenant_id)
            with tenant_scope(tenant):
                logger.info("task.start", extra={"task": func.__name__, "tenant": tenant.slug})
                return func(tenant, *args, **kwargs)

        return run

    return decorator


@tenant_task()
def tenant_row_counts(tenant: Tenant) -> dict[str, int]:
    """Return how many rows of each tenant-owned model the tenant has."""
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if issubclass(model, TenantOwned)
    }


def tenant_today(tenant: Tenant) -> datetime.date:
    """Today's date in the tenant's time zone (a day's jobs follow the vendor's calendar)."""
    return timezone.now().astimezone(zoneinfo.ZoneInfo(tenant.time_zone)).date()


@shared_task
def run_for_every_tenant(task_name: str) -> int:
    """Beat's fan-out: enqueue `task_name(tenant_id)` once per active tenant."""
    current_app.loader.import_default_modules()  # every app's tasks.py, in any process
    task = current_app.tasks[task_name]
    with no_scope():
        tenant_ids = list(Tenant.objects.filter(is_active=True).values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        task.delay(tenant_id)
    return len(tenant_ids)


@shared_task
def purge_expired_sessions() -> None:
    """Delete expired sessions (daily housekeeping; safe to run any number of times)."""
    call_command("clearsessions")


@shared_task
def purge_expired_idempotency_records() -> int:
    """Delete Idempotency-Key records past their expiry (housekeeping; safe to run twice)."""
    # every vendor's expired records at once: nothing here reads or returns their content
    with all_tenants():
        deleted, _ = IdempotencyRecord.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
