"""Traffic API: thin views that validate parameters, call a selector and serialise (JSON or CSV)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.csv import CSVRenderer
from common.drf import error_responses
from common.errors import ParameterError
from repos.models import Repository
from repos.selectors import repository_for
from stats.api import estimates
from stats.api.serializers import (
    MetricsPointSerializer,
    PathEstimatesSerializer,
    PathSerializer,
    ReferrerEstimatesSerializer,
    ReferrerSerializer,
    RepositoryTrafficSerializer,
    TenantTrafficSerializer,
)
from stats.traffic import ci_estimates, coverage, selectors, snapshot_selectors
from stats.traffic.periods import DateRange, parse_range
from tenants.access import TenantAccess
from tenants.permissions import HasTenantAccess

FROM = OpenApiParameter(
    "from", OpenApiTypes.DATE, description="First day (UTC, inclusive). Default: 29 days before `to`."
)
TO = OpenApiParameter("to", OpenApiTypes.DATE, description="Last day (UTC, inclusive). Default: today.")
INTERVAL = OpenApiParameter(
    "interval", OpenApiTypes.STR, enum=["day", "week", "month"],
    description="Bucket size: days, ISO weeks (dated by Monday) or months (dated by the 1st). Default: day.",
)
FORMAT = OpenApiParameter(
    "format", OpenApiTypes.STR, enum=["json", "csv"], description="`csv` (or `Accept: text/csv`) for a CSV file."
)
ERRORS = error_responses(
    400, 401, 404, d400="A parameter is invalid; the message names it.",
    d404="Unknown tenant or repository, or not yours.",
)


class TrafficAPIView(APIView):
    renderer_classes = [JSONRenderer, CSVRenderer]
    permission_classes = [HasTenantAccess]
    csv_header: list[str] = []
    csv_name = "traffic"

    @property
    def access(self) -> TenantAccess:
        return self.request.tenant_access  # type: ignore[attr-defined]

    def date_range(self) -> DateRange:
        try:
            return parse_range(self.request.query_params)
        except ParameterError as error:
            raise ValidationError({error.parameter: error.message}) from None

    def repository(self, owner: str, name: str) -> Repository:
        repository = repository_for(access=self.access, owner=owner, name=name)
        if repository is None:
            raise NotFound("repository not found")
        return repository

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        renderer = getattr(request, "accepted_renderer", None)
        if renderer is not None and renderer.format == "csv" and response.status_code == 200:
            response["Content-Disposition"] = f'attachment; filename="{self.csv_name}.csv"'
        return response

    @property
    def wants_csv(self) -> bool:
        return self.request.accepted_renderer.format == "csv"


COVERAGE_COLUMNS = ["days_covered", "days_expected", "complete"]


class RepositoryTrafficView(TrafficAPIView):
    csv_header = ["repo", "date", "views", "unique_views", "clones", "unique_clones", *COVERAGE_COLUMNS]

    @extend_schema(
        operation_id="repository_traffic",
        summary="Views and clones of one repository per day, week or month",
        parameters=[INTERVAL, FROM, TO, FORMAT],
        responses={200: RepositoryTrafficSerializer, **ERRORS},
        tags=["traffic"],
    )
    def get(self, request: Request, tenant_slug: str, owner: str, name: str) -> Response:
        repository = self.repository(owner, name)
        period = self.date_range()
        points = coverage.repository_traffic_with_coverage(
            access=self.access, repository=repository, interval=period.interval, start=period.start, end=period.end
        )
        self.csv_name = f"{repository.owner}-{repository.name}-traffic-{period.interval}-{period.start}-{period.end}"
        estimates = ci_estimates.clone_estimates(
            access=self.access, repository=repository, interval=period.interval,
            buckets=[point.date for point in points], start=period.start, end=period.end,
        )
        ci_total, human_total = ci_estimates.estimate_totals(estimates)
        if repository.ci_runs_enabled:
            self.csv_header = [*self.csv_header, "ci_clones_estimate", "clones_human_estimate"]
        data = RepositoryTrafficSerializer(
            {
                "repo": repository.full_name,
                "interval": period.interval,
                "start": period.start,
                "end": period.end,
                "results": [{**asdict(point), **asdict(estimate)}
                            for point, estimate in zip(points, estimates, strict=True)],
                "totals": {**asdict(selectors.totals_of(points)), "ci_clones_estimate": ci_total,
                           "clones_human_estimate": human_total},
            }
        ).data
        if self.wants_csv:
            return Response([{"repo": data["repo"], **row} for row in data["results"]])
        return Response(data)


class TenantTrafficView(TrafficAPIView):
    csv_header = ["date", "views", "clones", *COVERAGE_COLUMNS]

    @extend_schema(
        operation_id="tenant_traffic",
        summary="Views and clones of all your repositories per bucket, and per repository",
        description=(
            "Unique counts are not given across repositories: GitHub's uniques cannot be added up (the per-repository "
            "endpoint and the traffic tables' CSV have them). Each bucket says how many repository-days it covers."
        ),
        parameters=[INTERVAL, FROM, TO, FORMAT],
        responses={200: TenantTrafficSerializer, **ERRORS},
        tags=["traffic"],
    )
    def get(self, request: Request, tenant_slug: str) -> Response:
        period = self.date_range()
        points = coverage.tenant_traffic_with_coverage(
            access=self.access, interval=period.interval, start=period.start, end=period.end
        )
        self.csv_name = f"{self.access.tenant.slug}-traffic-{period.interval}-{period.start}-{period.end}"
        results = tenant_points_data(points)
        if self.wants_csv:
            return Response(results)
        totals = selectors.totals_of(points)
        # TenantTrafficSerializer's shape, built directly: at 1,000 repositories DRF's per-field work on
        # the `repos` list cost more than every query of the endpoint (tests hold the two equal).
        return Response({
            "interval": period.interval,
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "results": results,
            "totals": {"views": totals.views, "clones": totals.clones},
            "repos": selectors.tenant_repository_rows(access=self.access, start=period.start, end=period.end),
        })


def tenant_points_data(points: list[selectors.TrafficPoint]) -> list[dict[str, object]]:
    """TenantTrafficPointSerializer's output for each point, without DRF's per-field calls."""
    return [
        {
            "date": point.date.isoformat(),
            "views": point.views,
            "clones": point.clones,
            "days_covered": point.days_covered,
            "days_expected": point.days_expected,
            "complete": point.complete,
        }
        for point in points
    ]


class ReferrersView(TrafficAPIView):
    csv_header = ["date", "referrer", "count", "uniques"]

    @extend_schema(
        operation_id="repository_referrers",
        summary="Stored top-10 referrer snapshots, or (aggregate=period) estimated views per referrer over from..to",
        parameters=[FROM, TO, estimates.AGGREGATE, FORMAT],
        responses={200: PolymorphicProxySerializer(
            component_name="RepositoryReferrers",
            serializers=[ReferrerSerializer(many=True), ReferrerEstimatesSerializer],
            resource_type_field_name=None, many=False,
        ), **ERRORS},
        tags=["traffic"],
    )
    def get(self, request: Request, tenant_slug: str, owner: str, name: str) -> Response:
        repository = self.repository(owner, name)
        period = self.date_range()
        if estimates.aggregate_of(request.query_params) == "period":
            self.csv_name = f"{repository.owner}-{repository.name}-referrers-estimated-{period.start}-{period.end}"
            self.csv_header = estimates.CSV_HEADERS["referrers"]
            return estimates.period_response(access=self.access, kind="referrers", period=period,
                                             repository=repository, wants_csv=self.wants_csv)
        self.csv_name = f"{repository.owner}-{repository.name}-referrers"
        rows = snapshot_selectors.referrer_snapshots(
            access=self.access, repository=repository, start=period.start, end=period.end
        )
        return Response(ReferrerSerializer(rows, many=True).data)


class PathsView(TrafficAPIView):
    csv_header = ["date", "path", "title", "count", "uniques"]

    @extend_schema(
        operation_id="repository_paths",
        summary="Stored top-10 popular content snapshots, or (aggregate=period) estimated views per path over from..to",
        parameters=[FROM, TO, estimates.AGGREGATE, FORMAT],
        responses={200: PolymorphicProxySerializer(
            component_name="RepositoryPaths", serializers=[PathSerializer(many=True), PathEstimatesSerializer],
            resource_type_field_name=None, many=False,
        ), **ERRORS},
        tags=["traffic"],
    )
    def get(self, request: Request, tenant_slug: str, owner: str, name: str) -> Response:
        repository = self.repository(owner, name)
        period = self.date_range()
        if estimates.aggregate_of(request.query_params) == "period":
            self.csv_name = f"{repository.owner}-{repository.name}-paths-estimated-{period.start}-{period.end}"
            self.csv_header = estimates.CSV_HEADERS["paths"]
            return estimates.period_response(access=self.access, kind="paths", period=period,
                                             repository=repository, wants_csv=self.wants_csv)
        self.csv_name = f"{repository.owner}-{repository.name}-paths"
        rows = snapshot_selectors.path_snapshots(
            access=self.access, repository=repository, start=period.start, end=period.end
        )
        return Response(PathSerializer(rows, many=True).data)


class TenantTopView(TrafficAPIView):
    """Estimated views per referrer (path) over from..to across every repository you can see."""

    kind: estimates.Kind = "referrers"

    def get(self, request: Request, tenant_slug: str) -> Response:
        period = self.date_range()
        if estimates.aggregate_of(request.query_params, default="period") != "period":
            raise ValidationError({"aggregate": "only period is available across repositories"})
        self.csv_name = f"{self.access.tenant.slug}-{self.kind}-estimated-{period.start}-{period.end}"
        self.csv_header = estimates.CSV_HEADERS[self.kind]
        return estimates.period_response(access=self.access, kind=self.kind, period=period, repository=None,
                                         wants_csv=self.wants_csv)


TENANT_AGGREGATE = OpenApiParameter(
    "aggregate", OpenApiTypes.STR, enum=["period"], description="`period` (the only one across repositories)."
)
TENANT_TOP_DESCRIPTION = (
    "Estimated (labelled `estimated: true`), added up over your repositories: views per day are derived from "
    "GitHub's consecutive 14-day top-10 snapshots; `views_low`..`views_high` is what the snapshots allow. "
    "Uniques are null: GitHub's 14-day uniques cannot be added up."
)


@extend_schema_view(get=extend_schema(
    operation_id="tenant_referrers", summary="Top referrers over from..to across your repositories (estimated)",
    description=TENANT_TOP_DESCRIPTION, parameters=[FROM, TO, TENANT_AGGREGATE, FORMAT],
    responses={200: ReferrerEstimatesSerializer, **ERRORS}, tags=["traffic"],
))
class TenantReferrersView(TenantTopView):
    kind = "referrers"


@extend_schema_view(get=extend_schema(
    operation_id="tenant_paths", summary="Popular content over from..to across your repositories (estimated)",
    description=TENANT_TOP_DESCRIPTION, parameters=[FROM, TO, TENANT_AGGREGATE, FORMAT],
    responses={200: PathEstimatesSerializer, **ERRORS}, tags=["traffic"],
))
class TenantPathsView(TenantTopView):
    kind = "paths"


class StarsView(TrafficAPIView):
    csv_header = ["date", "stars", "forks", "watchers"]

    @extend_schema(
        operation_id="repository_stars",
        summary="Daily stars, forks and watchers (null on days no collection saw)",
        parameters=[FROM, TO, FORMAT],
        responses={200: MetricsPointSerializer(many=True), **ERRORS},
        tags=["traffic"],
    )
    def get(self, request: Request, tenant_slug: str, owner: str, name: str) -> Response:
        repository = self.repository(owner, name)
        period = self.date_range()
        self.csv_name = f"{repository.owner}-{repository.name}-stars"
        points = snapshot_selectors.repository_metrics_series(
            access=self.access, repository=repository, start=period.start, end=period.end
        )
        return Response(MetricsPointSerializer(points, many=True).data)
