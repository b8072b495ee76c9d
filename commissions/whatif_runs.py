"""A what-if run outside the request: the console asks, a worker computes, the cache keeps it.

A replay at 10,000 partners takes from seconds (a draft that changes only rates) to minutes
(one that changes tiers), longer than a request may last. The page enqueues the run and
shows it when it is ready; its pages and CSV read the same computed result for an hour.
Nothing of it is stored in the database.
"""

import datetime
import logging
import uuid
from dataclasses import dataclass

from django.core.cache import cache

from commissions.whatif import WhatIf, what_if
from programs.models import ProgramVersion
from tenants.models import Tenant
from tenants.tasks import tenant_task

logger = logging.getLogger(__name__)

KEPT_SECONDS = 60 * 60  # how long a run's result can be paged through and downloaded
RUNNING, FAILED = "running", "failed"


@dataclass(frozen=True)
class WhatIfRun:
    """A run as its page reads it: still running, failed, or its result."""

    version_id: int
    start: datetime.date
    end: datetime.date
    status: str  # RUNNING, FAILED or "done"
    result: WhatIf | None = None


def _key(run_id: str) -> str:
    return f"whatif:{run_id}"


def whatif_start(
    *, tenant: Tenant, version: ProgramVersion, start: datetime.date, end: datetime.date
) -> str:
    """Enqueue a what-if of `version` from `start` to `end`; return the run's id."""
    run_id = uuid.uuid4().hex
    cache.set(_key(run_id), WhatIfRun(version.pk, start, end, RUNNING), KEPT_SECONDS)
    # nothing is written here, so nothing to wait for: the worker reads committed data
    whatif_compute.delay(tenant.pk, run_id, version.pk, start.isoformat(), end.isoformat())
    return run_id


def whatif_run(run_id: str, versions) -> WhatIfRun | None:
    """The run, if it is still kept and its version is one of `versions` (the caller's
    tenant-scoped queryset: another vendor's run is not found)."""
    run = cache.get(_key(run_id)) if run_id.isalnum() else None
    if run is None or not versions.filter(pk=run.version_id).exists():
        return None
    return run


@tenant_task()
def whatif_compute(
    tenant: Tenant, run_id: str, version_id: int, start: str, end: str
) -> dict[str, int]:
    """Compute the run and keep its result; safe to run twice (the same result again)."""
    version = ProgramVersion.objects.select_related("program").get(pk=version_id)
    first, last = datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)
    try:
        result = what_if(version, first, last)
    except Exception:
        cache.set(_key(run_id), WhatIfRun(version_id, first, last, FAILED), KEPT_SECONDS)
        logger.exception("whatif.failed", extra={"tenant": tenant.slug, "run": run_id})
        raise
    cache.set(_key(run_id), WhatIfRun(version_id, first, last, "done", result), KEPT_SECONDS)
    return {"partners": len(result.partners), "difference_minor": result.difference_minor}
