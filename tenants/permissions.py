"""DRF permissions for tenant API views (`/api/v1/t/<tenant_slug>/…`).

TenantMiddleware has already answered 404 to non-members and 401 to anonymous callers, and set
`request.tenant_access`. These classes check the role on top of that::

    from tenants.permissions import HasTenantAccess, TenantRole
    from tenants.models import Role

    class RepositoryList(APIView):
        permission_classes = [HasTenantAccess]           # any member (viewer and up)

    class CollectNow(APIView):
        permission_classes = [TenantRole(Role.MAINTAINER)]   # maintainer or admin

    # or per method: viewers may GET, admins may POST/PUT/PATCH/DELETE
    permission_classes = [TenantRole(Role.VIEWER, write=Role.ADMIN)]

An insufficient role answers 403 `{"error": "this action needs the … role in this tenant"}` (through
the project's DRF exception handler).
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from tenants.decorators import insufficient_role_message
from tenants.models import Role


class HasTenantRole(BasePermission):
    """Base class: the caller's role in the URL's tenant must be at least `required_role`
    (`write_role` for unsafe methods when set)."""

    required_role: Role = Role.VIEWER
    write_role: Role | None = None
    message = "not found"

    def _needed(self, request: Request) -> Role:
        if self.write_role is not None and request.method not in SAFE_METHODS:
            return self.write_role
        return self.required_role

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        access = getattr(request, "tenant_access", None)
        if access is None:
            return False
        needed = self._needed(request)
        if not access.has_role(needed):
            self.message = insufficient_role_message(needed)
            return False
        return True


class HasTenantAccess(HasTenantRole):
    """Any member of the URL's tenant (viewer and up)."""


def TenantRole(role: Role | str, *, write: Role | str | None = None) -> type[HasTenantRole]:
    """A permission class requiring `role` (and `write` for unsafe methods, when given)."""
    required = Role(role)
    write_role = Role(write) if write is not None else None
    name = f"TenantRole_{required.value}" + (f"_write_{write_role.value}" if write_role else "")
    return type(name, (HasTenantRole,), {"required_role": required, "write_role": write_role})
