"""Health endpoint for load balancers, container orchestrators and monitoring.

`/healthz` checks the database. `/healthz?deep=1` also reports collection freshness: 503 when any
tenant is close to losing data (see stats/freshness.py), so monitoring can alert. It is unauthenticated,
so it gives counts only — no tenant names, no data; `manage.py check_collection` names them.
"""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from stats.collection.freshness import all_tenants_collection_risk
from tenants.scoping import system_scope


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return JsonResponse({"status": "error", "database": f"unreachable: {type(exc).__name__}"}, status=503)
    if request.GET.get("deep") not in {"1", "true"}:
        return JsonResponse({"status": "ok", "database": "ok"})
    with system_scope():  # scope: monitoring counts across every tenant (no names leave this view)
        at_risk = [risk for risk in all_tenants_collection_risk() if risk.at_risk]
    body = {
        "status": "at_risk" if at_risk else "ok",
        "database": "ok",
        "collection": {
            "tenants_at_risk": len(at_risk),
            "repositories_at_risk": sum(len(risk.repositories) for risk in at_risk),
            "tenants_whose_last_run_failed": sum(1 for risk in at_risk if risk.last_run_failed),
            "tenants_over_capacity": sum(1 for risk in at_risk if risk.over_capacity),
        },
    }
    return JsonResponse(body, status=503 if at_risk else 200)
