"""`{% credential_warnings %}`: the banner of credential warnings, for tenant admins only (stats.notify.warnings)."""

from __future__ import annotations

from typing import Any

from django import template

from stats.notify.warnings import tenant_warnings
from tenants.models import Role

register = template.Library()


@register.inclusion_tag("notify/_warnings_banner.html", takes_context=True)
def credential_warnings(context: template.Context) -> dict[str, Any]:
    access = getattr(context.get("request"), "tenant_access", None)
    if access is None or not access.has_role(Role.ADMIN):
        return {"warnings": []}
    warnings = tenant_warnings(tenant=access.tenant)
    level = "error" if any(warning.level == "error" for warning in warnings) else "warning"
    return {"warnings": warnings, "level": level, "tenant": access.tenant}
