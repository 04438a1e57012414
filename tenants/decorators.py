"""Role requirements for tenant views (function views). The tenant itself is resolved by TenantMiddleware.

Usage::

    from common.errors import error_response
from tenants.decorators import tenant_role_required
    from tenants.models import Role

    @tenant_role_required(Role.MAINTAINER)
    def repository_add(request: HttpRequest, tenant_slug: str) -> HttpResponse:
        access = request.tenant_access  # TenantAccess, role already checked
        ...

A non-member never reaches the decorator (the middleware answers 404 / redirects anonymous users to
login). A member whose role is too low gets 403: an HTML error page for UI URLs, `{"error": …}` JSON
for `/api/` URLs. A view decorated for a URL without `tenant_slug` is a programming error → 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from common.errors import error_response
from tenants.models import Role

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])


def insufficient_role_message(role: Role | str) -> str:
    return f"this action needs the {Role(role).label.lower()} role in this tenant"


def tenant_role_required(role: Role | str) -> Callable[[ViewFunc], ViewFunc]:
    """Let the view run only when the user's role in the URL's tenant is at least `role`."""
    required = Role(role)

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            access = getattr(request, "tenant_access", None)
            if access is None:
                # Only URLs with <tenant_slug> get a TenantAccess; anything else must not pass.
                raise Http404("No such tenant")
            if not access.has_role(required):
                if request.path.startswith("/api/"):
                    return error_response(insufficient_role_message(required), status=403)
                raise PermissionDenied(insufficient_role_message(required))
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
