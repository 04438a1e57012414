"""What one user may see of one tenant. Built once per request by TenantMiddleware.

Every selector that reads tenant data takes a `TenantAccess` (`access=`): it carries the tenant and,
for a repository-limited viewer, the only repositories they may see. A view therefore cannot reach
another tenant's rows, or a hidden repository, by forgetting a filter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from tenants.models import Membership, Role, Tenant
from tenants.scoping import tenant_scope

if TYPE_CHECKING:  # for annotations only: tenants sits below repos and never imports it
    from repos.models import Repository


@dataclass(frozen=True)
class TenantAccess:
    tenant: Tenant
    role: Role
    # None: every repository of the tenant. Otherwise the ids a limited viewer may see.
    repository_ids: frozenset[int] | None = None
    membership: Membership | None = field(default=None, compare=False)

    def has_role(self, role: Role | str) -> bool:
        return self.role.at_least(role)

    @property
    def is_limited(self) -> bool:
        return self.repository_ids is not None

    def repositories(self) -> QuerySet[Repository]:
        """The tenant's repositories this user may see: the root of every tenant-scoped query."""
        queryset = self.tenant.repositories.all()
        if self.repository_ids is not None:
            queryset = queryset.filter(pk__in=self.repository_ids)
        return queryset

    @classmethod
    def full(cls, tenant: Tenant, role: Role = Role.ADMIN) -> TenantAccess:
        """Unrestricted access, for system work (commands, workers, benchmarks)."""
        return cls(tenant=tenant, role=role)


def tenant_access_for(*, user: AbstractBaseUser | AnonymousUser, slug: str) -> TenantAccess | None:
    """The user's access to the tenant with this slug, or None (unknown slug or not a member)."""
    if not user.is_authenticated:
        return None
    membership = (
        Membership.objects.select_related("tenant").filter(user=user, tenant__slug=slug).first()
    )
    if membership is None:
        return None
    role = Role(membership.role)
    repository_ids: frozenset[int] | None = None
    if role == Role.VIEWER:
        # scope: called before the request's tenant scope is active; the membership names the tenant.
        with tenant_scope(membership.tenant):
            limited_to = set(membership.limited_to.values_list("pk", flat=True))
        if membership.repository_limited or limited_to:
            # Limited to these (possibly none left, when their repositories were removed).
            repository_ids = frozenset(limited_to)
    return TenantAccess(tenant=membership.tenant, role=role, repository_ids=repository_ids, membership=membership)
