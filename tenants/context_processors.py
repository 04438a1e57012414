from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from tenants.selectors import user_tenants


def tenant_navigation(request: HttpRequest) -> dict[str, Any]:
    """The current tenant and the user's other tenants, for the header's tenant switcher."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    access = getattr(request, "tenant_access", None)
    return {
        "tenant_access": access,
        "current_tenant": access.tenant if access else None,
        "user_tenants": user_tenants(user=user),
    }
