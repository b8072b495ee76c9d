"""The tenant scope: which tenant's rows the code running now may reach.

Fail closed: a tenant-owned model queried outside any scope raises ScopeError
rather than returning every tenant's rows. Scopes are opened by TenantMiddleware (per
request), tenant_task (per Celery task), management commands that work for one tenant,
and all_tenants() (superusers, loaders, cross-tenant identity look-ups) — say why at
each all_tenants().
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Final, TypeVar

if TYPE_CHECKING:
    from tenants.models import Tenant


class ScopeError(RuntimeError):
    """A tenant-owned model was queried without an active tenant scope."""


class _AllTenants:
    def __repr__(self) -> str:
        return "<all tenants>"


ALL_TENANTS: Final = _AllTenants()
T = TypeVar("T")

_active: ContextVar["Tenant | _AllTenants | None"] = ContextVar("prm_tenant_scope", default=None)


@contextmanager
def tenant_scope(tenant: "Tenant") -> Iterator["Tenant"]:
    """Run the block with only `tenant`'s rows reachable."""
    if tenant is None or tenant.pk is None:
        raise ScopeError("tenant_scope() needs a saved tenant.")
    token = _active.set(tenant)
    try:
        yield tenant
    finally:
        _active.reset(token)


@contextmanager
def all_tenants() -> Iterator[None]:
    """Run the block with every tenant's rows reachable (say why at each use)."""
    token = _active.set(ALL_TENANTS)
    try:
        yield
    finally:
        _active.reset(token)


@contextmanager
def no_scope() -> Iterator[None]:
    """Run the block with no scope at all, so tenant-owned queries raise."""
    token = _active.set(None)
    try:
        yield
    finally:
        _active.reset(token)


def active_scope() -> "Tenant | _AllTenants":
    """Return the active tenant (or ALL_TENANTS); raise ScopeError when none is open."""
    scope = _active.get()
    if scope is None:
        raise ScopeError(
            "Tenant-owned data queried outside a tenant scope; wrap the code in "
            "tenant_scope(tenant) (or all_tenants() where crossing tenants is intended)."
        )
    return scope


def current_scope_or_none() -> "Tenant | _AllTenants | None":
    """Return the active scope without raising (None when no scope is open)."""
    return _active.get()


def scoped_tenant() -> "Tenant | None":
    """Return the active tenant, or None when no single tenant is in scope."""
    scope = _active.get()
    return None if scope is None or scope is ALL_TENANTS else scope


def on_commit_in_scope(func) -> None:
    """transaction.on_commit, with the caller's scope reopened when `func` runs."""
    from django.db import transaction

    scope = _active.get()

    def run() -> None:
        token = _active.set(scope)
        try:
            func()
        finally:
            _active.reset(token)

    transaction.on_commit(run)


_END: Final = object()


def streamed_in_scope(chunks: Iterable[T]) -> Iterator[T]:
    """`chunks`, each produced in the caller's scope, however late it is consumed.

    A streaming response is read by the server after the view (and TenantMiddleware's
    scope) returned; its queries still run for the tenant that asked, and on PostgreSQL
    row-level security sees that tenant's rows rather than none.
    """
    scope = active_scope()
    iterator = iter(chunks)

    def stream() -> Iterator[T]:
        while True:
            token = _active.set(scope)
            try:
                chunk = next(iterator, _END)
            finally:
                _active.reset(token)
            if chunk is _END:
                return
            yield chunk

    return stream()
