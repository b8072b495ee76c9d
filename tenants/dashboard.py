"""The console's home: each role's work queues, figures and charts.

tenants knows no other app, so the apps contribute their parts from their admin modules
(`@home_part(MANAGER_HOME)`). Every number here is one query (or a fixed few), whatever the
tenant's size: counts are aggregates over the very queryset the linked list shows, so a queue
and its list always agree and a manager never counts rows they could not open.
"""

import datetime
import json
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from tenants.models import StaffRole

MANAGER_HOME = "manager"
FINANCE_HOME = "finance"

_HOMES = {
    MANAGER_HOME: ("Partner management", (StaffRole.MANAGER, StaffRole.ADMIN)),
    FINANCE_HOME: ("Finance", (StaffRole.FINANCE, StaffRole.ADMIN)),
}


@dataclass(frozen=True)
class Queue:
    """Work waiting: how many, and the filtered list that holds it."""

    label: str
    count: int
    url: str
    note: str = ""


@dataclass(frozen=True)
class Figure:
    """A key figure, already formatted for people (money in its currency)."""

    label: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class Chart:
    """A bar chart; `rows` repeats it as a table (label, then one formatted cell per series)."""

    title: str
    labels: list[str]
    series: list[tuple[str, list[float]]]
    rows: list[list[str]]
    columns: list[str] = field(default_factory=list)

    @property
    def data(self) -> str:
        return json.dumps(
            {
                "labels": self.labels,
                "datasets": [
                    # unfold draws 4px bars over each other; a few wide ones read better here
                    {"label": name, "data": values, "maxBarThickness": 36, "grouped": True}
                    for name, values in self.series
                ],
            }
        )


@dataclass(frozen=True)
class Table:
    """A short list a role acts on from the home (e.g. held partners and why)."""

    title: str
    columns: list[str]
    rows: list[tuple[str, list[str]]]  # (link, cells)
    empty: str = "Nothing here."


Part = Queue | Figure | Chart | Table
PartsOf = Callable[[HttpRequest], Iterable[Part | None]]
_parts: dict[str, list[tuple[int, PartsOf]]] = {h: [] for h in _HOMES}


def home_part(*homes: str, position: int):
    """Register a function `(request) -> parts` on the given homes; `position` orders them
    (the apps register in INSTALLED_APPS order, the home reads in the order of a day's work)."""

    def register(function: PartsOf) -> PartsOf:
        for home in homes:
            _parts[home].append((position, function))
            _parts[home].sort(key=lambda entry: entry[0])
        return function

    return register


def console_rows(request: HttpRequest, model: type[Model]) -> QuerySet | None:
    """The rows of `model` this console user's list shows, or None if they may not see it."""
    if not admin.site.is_registered(model):
        return None
    model_admin = admin.site.get_model_admin(model)
    if not model_admin.has_view_permission(request):
        return None
    return model_admin.get_queryset(request)


def _query_value(value) -> str:
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def list_url(model: type[Model], **lookups) -> str:
    """The model's console list, filtered by the same lookups a queue counts."""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    query = urlencode({key: _query_value(value) for key, value in lookups.items()})
    return f"{url}?{query}" if query else url


def queue(request: HttpRequest, model: type[Model], label: str, **lookups) -> Queue | None:
    """One count query over the user's visible rows, linked to the same filtered list."""
    rows = console_rows(request, model)
    if rows is None:
        return None
    return Queue(label, rows.filter(**lookups).count(), list_url(model, **lookups))


def console_today(request: HttpRequest) -> datetime.date:
    """Today in the vendor's time zone (the superuser's all-tenant view: the server's)."""
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return timezone.localdate()
    return timezone.now().astimezone(zoneinfo.ZoneInfo(tenant.time_zone)).date()


def homes_for(request: HttpRequest) -> list[str]:
    if request.user.is_superuser:
        return list(_HOMES)
    membership = getattr(request, "staff_membership", None)
    role = membership.role if membership is not None else None
    return [home for home, (_, roles) in _HOMES.items() if role in roles]


def _home(request: HttpRequest, home: str) -> dict:
    parts = [part for _, parts_of in _parts[home] for part in parts_of(request) if part is not None]
    return {
        "key": home,
        "title": _HOMES[home][0],
        "queues": [p for p in parts if isinstance(p, Queue)],
        "figures": [p for p in parts if isinstance(p, Figure)],
        "charts": [p for p in parts if isinstance(p, Chart)],
        "tables": [p for p in parts if isinstance(p, Table)],
    }


def dashboard_callback(request: HttpRequest, context: dict) -> dict:
    """unfold's DASHBOARD_CALLBACK: the homes of the user's roles (a tenant admin gets both)."""
    context["homes"] = [_home(request, home) for home in homes_for(request)]
    return context
