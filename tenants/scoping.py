"""Tenant scoping that fails loudly (django-scopes).

Every tenant-owned model's default manager is `tenant_scoped(...)`: a query on it returns only the
active tenant's rows, and raises `ScopeError` when no tenant scope is active. Who activates a scope:

- web requests: `tenants.middleware.TenantMiddleware` — `tenant_scope(access.tenant)` around the whole
  request under /t/<slug>/ and /api/v1/t/<slug>/ (template and DRF rendering included), an empty scope
  (no tenant: scoped queries raise) everywhere else, and `system_scope()` for the Django admin;
- everything else enters one explicitly. `grep -rn "system_scope\\|tenant_scope(" --include=*.py` lists
  each place: management commands, django-q2 tasks, the webhook, /healthz, login (OIDC / invitations).

`system_scope()` is cross-tenant system work on purpose; use `tenant_scope(tenant)` when the code acts
for one tenant only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django_scopes import ScopedManager, ScopeError, scope, scopes_disabled
from django_scopes.manager import DisabledQuerySet
from django_scopes.state import state as scope_state

if TYPE_CHECKING:
    from tenants.models import Tenant

__all__ = ["ScopeError", "no_tenant_scope", "system_scope", "tenant_scope", "tenant_scoped"]

TENANT_DIMENSION = "tenant"


class _StrictDisabledQuerySet(DisabledQuerySet):
    """django-scopes' unscoped queryset, with the reads it leaves open closed too (`exists()`,
    `exclude()`…): without a scope only `create()`, `bulk_create()`, `using()` and `none()` work."""

    exists = contains = exclude = in_bulk = explain = distinct = bulk_update = DisabledQuerySet.error
    select_related = prefetch_related = defer = extra = alias = DisabledQuerySet.error


def tenant_scoped(tenant_path: str) -> Any:
    """A default manager filtered by the active tenant through `tenant_path` (e.g. "repository__tenant")."""
    scoped_manager_class = type(ScopedManager(**{TENANT_DIMENSION: tenant_path}))

    class TenantScopedManager(scoped_manager_class):  # type: ignore[misc, valid-type]
        def get_queryset(self) -> Any:
            queryset = super().get_queryset()
            if isinstance(queryset, DisabledQuerySet):
                queryset.__class__ = _StrictDisabledQuerySet
            return queryset

    return TenantScopedManager()


@contextmanager
def system_scope() -> Iterator[None]:
    """Scopes off: cross-tenant system work on purpose (commands, workers, webhook, health, login, admin).

    Also a decorator: `@system_scope()`.
    """
    with scopes_disabled():
        yield


@contextmanager
def tenant_scope(tenant: Tenant | int) -> Iterator[None]:
    """Scoped queries see only this tenant's rows (a Tenant or its primary key)."""
    with scope(**{TENANT_DIMENSION: tenant}):
        yield


@contextmanager
def no_tenant_scope() -> Iterator[None]:
    """Scopes on with no tenant: any query on a tenant-scoped model raises ScopeError.

    Used for requests outside tenant URLs, so a query there fails even if something upstream
    (a test fixture, a caller) had disabled scopes or entered a tenant's scope.
    """
    # `scope()` would keep an outer tenant; set django-scopes' state outright instead.
    token = scope_state.set({"_enabled": True})
    try:
        yield
    finally:
        scope_state.reset(token)
