"""CSV imports: customers, orders and refunds (staff) and deal registrations (partners).

Every row is checked first (types, references, what re-importing would change); then the
rows that pass are applied through the deals services in one transaction. Any refused row,
by the checks or by a service, rolls all of it back, and every problem is listed.
Formats: docs/imports.md.
"""

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import BinaryIO

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from deals.imports_csv import MAX_BYTES, FileRefused, Report, Row, RowError, read_rows
from deals.imports_customers import CUSTOMER_COLUMNS, customers_plan
from deals.imports_orders import (
    LINE_COLUMNS,
    ORDER_COLUMNS,
    REFUND_COLUMNS,
    orders_plan,
    refunds_plan,
)
from deals.imports_plan import Change, PlanContext
from deals.imports_registrations import REGISTRATION_COLUMNS, registrations_plan
from partners.models import PartnerFirm
from tenants.errors import ApplicationError
from tenants.models import StaffRole, Tenant
from tenants.scope import ScopeError, scoped_tenant

logger = logging.getLogger(__name__)

__all__ = [
    "IMPORT_ROLES",
    "KINDS",
    "MAX_BYTES",
    "STAFF_KINDS",
    "ImportRefused",
    "ImportResult",
    "csv_import",
]

Progress = Callable[[str, int, int], None]  # (stage, done, total); stage: checking, applying


@dataclass(frozen=True)
class ImportKind:
    label: str
    columns: tuple[str, ...]
    plan: Callable[[list[Row], PlanContext], list[Change]]


KINDS = {
    "customers": ImportKind("Customers", CUSTOMER_COLUMNS, customers_plan),
    "orders": ImportKind("Orders", ORDER_COLUMNS + LINE_COLUMNS, orders_plan),
    "refunds": ImportKind("Refunds", REFUND_COLUMNS, refunds_plan),
    "registrations": ImportKind("Deal registrations", REGISTRATION_COLUMNS, registrations_plan),
}
STAFF_KINDS = ("customers", "orders", "refunds")
# Staff roles that may import each staff kind (API keys may import all of them).
IMPORT_ROLES = {
    "customers": (StaffRole.MANAGER, StaffRole.ADMIN),
    "orders": (StaffRole.MANAGER, StaffRole.ADMIN),
    "refunds": (StaffRole.MANAGER, StaffRole.FINANCE, StaffRole.ADMIN),
}


@dataclass(frozen=True)
class ImportResult:
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


class ImportRefused(ApplicationError):
    """The file was refused; `errors` lists every problem, row by row. Nothing was applied."""

    code = "invalid_file"

    def __init__(self, errors: list[RowError]):
        rows = {error.row for error in errors if error.row}
        if rows:
            message = (
                f"{len(errors)} problem(s) in {len(rows)} row(s); nothing of the file was "
                "imported. Fix the rows listed and import the whole file again."
            )
        else:
            message = f"{errors[0].message} Nothing of the file was imported."
        fields: dict[str, list[str]] = {}
        for error in errors:
            fields.setdefault(error.key, []).append(error.message)
        super().__init__(message, fields=fields)
        self.errors = errors


class _RollBack(Exception):
    pass


def _located(field: str, message: str, columns: tuple[str, ...]) -> tuple[str, str]:
    """(column, message) for a service's field error: the file's column, else the row."""
    if field in columns:
        return field, message
    return "", message if field == NON_FIELD_ERRORS else f"{field}: {message}"


def _refusals(exc: Exception, columns: tuple[str, ...]) -> list[tuple[str, str]]:
    """(column, message) pairs for a service's refusal of one row."""
    if isinstance(exc, IntegrityError):
        return [("", "The record changed while importing; import the file again.")]
    if isinstance(exc, ApplicationError):
        if not exc.fields:
            return [("", exc.message)]
        return [
            _located(field, f"{exc.message} {' '.join(messages)}", columns)
            for field, messages in exc.fields.items()
        ]
    assert isinstance(exc, ValidationError)
    if not hasattr(exc, "error_dict"):
        return [("", " ".join(exc.messages))]
    return [
        _located(field, " ".join(messages), columns) for field, messages in exc.message_dict.items()
    ]


def _apply(changes: list[Change], report: Report, kind: ImportKind, progress: Progress) -> None:
    pending = [change for change in changes if change.apply is not None]
    for done, change in enumerate(pending, start=1):
        try:
            change.apply()
        except (ApplicationError, ValidationError, IntegrityError) as exc:
            # Each service call is atomic (a savepoint), so the rest can still be tried and
            # every refusal reported; the outer transaction is rolled back afterwards.
            for column, message in _refusals(exc, kind.columns):
                report.add(change.row, column, message)
        progress("applying", done, len(pending))


def _ignore_progress(stage: str, done: int, total: int) -> None:
    pass


def csv_import(
    *,
    tenant: Tenant,
    kind: str,
    file: BinaryIO,
    user: AbstractBaseUser | None = None,
    firm: PartnerFirm | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import a whole CSV file of `kind` (or raise ImportRefused, having applied nothing).

    Run inside tenant_scope(tenant); `firm` is the uploading partner firm (registrations).
    """
    if getattr(scoped_tenant(), "pk", None) != tenant.pk:
        raise ScopeError("Run an import inside tenant_scope(tenant).")
    spec = KINDS[kind]
    progress = progress or _ignore_progress
    report = Report()
    try:
        rows = read_rows(file, columns=spec.columns, report=report)
        checked = 0

        def tick() -> None:
            nonlocal checked
            checked += 1
            progress("checking", checked, len(rows))

        changes = spec.plan(rows, PlanContext(tenant=tenant, user=user, firm=firm, tick=tick))
    except FileRefused as exc:
        raise ImportRefused(exc.errors) from None
    try:
        with transaction.atomic():
            # Applied even when some rows were refused already, then rolled back: what the
            # services would refuse in the other rows goes into this report, not the next one.
            _apply(changes, report, spec, progress)
            if report:
                raise _RollBack
    except _RollBack:
        raise ImportRefused(report.errors) from None
    counts = Counter(change.outcome for change in changes)
    return ImportResult(kind, counts["created"], counts["updated"], counts["unchanged"])


def import_job_queue(*, tenant: Tenant, kind: str, file, user: AbstractBaseUser | None):
    """Keep the file and queue its import for a worker (`import_job_run`); return the job."""
    from deals.models import ImportJob
    from deals.tasks import import_job_run

    job = ImportJob.objects.create(tenant=tenant, kind=kind, file=file, created_by=user)
    transaction.on_commit(lambda: import_job_run.delay(tenant.pk, job.pk))
    return job


def import_job_run(*, tenant: Tenant, job_id: int) -> None:
    """Run a queued import once (a second delivery of the task finds it taken and stops)."""
    from deals.models import ImportJob

    with transaction.atomic():
        claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
            status=ImportJob.Status.RUNNING
        )
    if not claimed:
        return
    job = ImportJob.objects.get(pk=job_id)
    outcome: dict = {"finished_at": timezone.now()}
    try:
        with job.file.open("rb") as handle:
            result = csv_import(tenant=tenant, kind=job.kind, file=handle, user=job.created_by)
    except ImportRefused as exc:
        outcome |= {
            "status": ImportJob.Status.REFUSED,
            "message": exc.message[:500],
            "errors": [asdict(error) for error in exc.errors],
        }
    except Exception:
        logger.exception("import_job.failed", extra={"job": job_id})
        outcome |= {
            "status": ImportJob.Status.FAILED,
            "message": "The import stopped on an unexpected error; nothing was imported.",
        }
    else:
        outcome |= {
            "status": ImportJob.Status.DONE,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        }
    job.file.delete(save=False)  # imported or refused, the upload has served: it goes
    ImportJob.objects.filter(pk=job_id).update(file="", **outcome)
