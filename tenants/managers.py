"""The fail-closed manager of tenant-owned models.

A queryset made inside a scope is filtered to that tenant at once. One made outside
any scope (a ModelForm's choices built at import time) stays *pending*: the scope
is applied the moment it is cloned or evaluated inside a scope, and evaluating it
with no scope open raises ScopeError instead of returning every tenant's rows.
"""

from django.db import models
from django.db.models import Q

from tenants.scope import ALL_TENANTS, active_scope, current_scope_or_none


class TenantScopedQuerySet(models.QuerySet):
    _scope_pending = False

    def _apply_pending_scope(self) -> None:
        if not self._scope_pending:
            return
        scope = active_scope()
        self._scope_pending = False
        if scope is not ALL_TENANTS:
            self.query.add_q(Q(tenant_id=scope.pk))

    def _clone(self):
        clone = super()._clone()
        clone._scope_pending = self._scope_pending
        if clone._scope_pending and current_scope_or_none() is not None:
            clone._apply_pending_scope()
        return clone

    def _fetch_all(self):
        self._apply_pending_scope()
        super()._fetch_all()

    def resolve_expression(self, *args, **kwargs):
        self._apply_pending_scope()
        return super().resolve_expression(*args, **kwargs)


def _checked(name: str):
    def method(self, *args, **kwargs):
        self._apply_pending_scope()
        return getattr(models.QuerySet, name)(self, *args, **kwargs)

    method.__name__ = name
    return method


for _name in (
    "count",
    "exists",
    "aggregate",
    "update",
    "delete",
    "iterator",
    "explain",
    "contains",
    "_update",
    "_raw_delete",
):
    setattr(TenantScopedQuerySet, _name, _checked(_name))


class TenantScopedManager(models.Manager.from_queryset(TenantScopedQuerySet)):
    """Filters to the active tenant; raises ScopeError when evaluated outside any scope."""

    def get_queryset(self) -> TenantScopedQuerySet:
        queryset = super().get_queryset()
        scope = current_scope_or_none()
        if scope is None:
            queryset._scope_pending = True
        elif scope is not ALL_TENANTS:
            queryset = queryset.filter(tenant_id=scope.pk)
        return queryset
