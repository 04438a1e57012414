"""`aggregate=period`: top referrers and popular content over any period, estimated (and labelled so).

Shared by the per-repository `…/referrers/` and `…/paths/` endpoints (whose default stays the stored
snapshots) and the tenant-wide `referrers/` and `paths/` endpoints (estimates only).
"""

from __future__ import annotations

from collections.abc import Mapping

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from repos.models import Repository
from stats.api.serializers import PathEstimatesSerializer, ReferrerEstimatesSerializer
from stats.traffic import estimate_selectors
from stats.traffic.estimate_selectors import Kind
from stats.traffic.periods import DateRange
from tenants.access import TenantAccess

AGGREGATES = ("snapshot", "period")
AGGREGATE = OpenApiParameter(
    "aggregate", OpenApiTypes.STR, enum=list(AGGREGATES),
    description=(
        "`snapshot` (default): the stored top-10 snapshots as GitHub sent them. `period`: estimated views per "
        "referrer over from..to, derived from consecutive snapshots, with the bounds the snapshots allow "
        "(`estimated: true`; uniques are null), at most 100 rows, busiest first."
    ),
)
LIMIT_MAX = 100
ESTIMATE_CSV = ["views_estimate", "views_low", "views_high", "exact", "in_top10", "snapshots", "repositories",
                "estimated"]
CSV_HEADERS: dict[Kind, list[str]] = {
    "referrers": ["referrer", *ESTIMATE_CSV],
    "paths": ["path", "title", *ESTIMATE_CSV],
}


def aggregate_of(params: Mapping[str, str], *, default: str = "snapshot") -> str:
    raw = (params.get("aggregate") or "").strip() or default
    if raw not in AGGREGATES:
        raise ValidationError({"aggregate": f"must be one of {', '.join(AGGREGATES)}, got {raw[:20]!r}"})
    return raw


def period_response(
    *, access: TenantAccess, kind: Kind, period: DateRange, repository: Repository | None, wants_csv: bool
) -> Response:
    panel = estimate_selectors.period_top(
        access=access, kind=kind, start=period.start, end=period.end, repository=repository, limit=LIMIT_MAX,
        fallback=False,
    )
    serializer = ReferrerEstimatesSerializer if kind == "referrers" else PathEstimatesSerializer
    data = serializer({
        "repo": repository.full_name if repository is not None else None,
        "start": period.start, "end": period.end, "method": panel.method, "snapshot_days": panel.snapshot_days,
        "entries": panel.entries,
    }).data
    return Response(data["results"] if wants_csv else data)
