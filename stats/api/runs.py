"""Runs API: queue a collection (maintainers and admins), list recent runs with status, counts and errors."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.drf import error_responses
from stats.collection import scheduling
from stats.collection import selectors as run_selectors
from stats.collection.freshness import tenant_collection_risk
from stats.collection.workers import worker_seen_recently
from stats.models import CollectionRun
from tenants.access import TenantAccess
from tenants.models import Role
from tenants.permissions import HasTenantAccess, TenantRole

ERRORS = error_responses(400, 401, 403, 404, d404="Unknown tenant or run, or not a member.")


class QueuedSerializer(serializers.Serializer):
    queued = serializers.ListField(child=serializers.IntegerField(), help_text="Ids of the runs queued (0 or 1).")
    message = serializers.CharField(help_text="What was queued, or why nothing was (run active, too soon).")


class RunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    trigger = serializers.ChoiceField(choices=CollectionRun.Trigger.choices)
    status = serializers.CharField(help_text="One of: " + ", ".join(CollectionRun.Status.values) + ".")
    status_label = serializers.CharField()
    active = serializers.BooleanField(help_text="Queued or running.")
    created = serializers.DateTimeField()
    started = serializers.DateTimeField(allow_null=True)
    finished = serializers.DateTimeField(allow_null=True)
    repos_total = serializers.IntegerField()
    repos_ok = serializers.IntegerField()
    repos_failed = serializers.IntegerField()
    days_stored = serializers.IntegerField()
    api_requests = serializers.IntegerField()
    not_modified = serializers.IntegerField(help_text="Requests GitHub answered 304 (free).")
    items_done = serializers.IntegerField(help_text="Repositories finished so far (live progress).")
    items_total = serializers.IntegerField()
    rate_limit_remaining = serializers.IntegerField(allow_null=True)
    rate_limited_until = serializers.DateTimeField(allow_null=True)
    error_summary = serializers.CharField(
        allow_blank=True, help_text="Errors of the run (for a repository-limited viewer: of their repositories only)."
    )
    plan_mode = serializers.CharField(
        allow_blank=True,
        help_text="The planner's mode: full (everything due fits the budget), lossless (at-risk work first), "
        "over_capacity (some at-risk work did not fit: data will be lost); empty for runs before planning.",
    )
    plan_summary = serializers.CharField(
        allow_blank=True,
        help_text="Requests planned and needed, and what was left at risk (empty for limited viewers).",
    )


class RepositoryRiskSerializer(serializers.Serializer):
    full_name = serializers.CharField()
    days_left = serializers.IntegerField(allow_null=True, help_text="Null: never collected successfully.")
    reason = serializers.CharField()


class DataAtRiskSerializer(serializers.Serializer):
    at_risk = serializers.BooleanField()
    last_run_failed = serializers.BooleanField()
    over_capacity = serializers.CharField(
        allow_blank=True,
        help_text="Non-empty when the latest scheduled run could not fit what was at risk into GitHub's budget: "
        "which repositories, and by how many requests it fell short.",
    )
    repositories = RepositoryRiskSerializer(many=True)


class RunListSerializer(serializers.Serializer):
    runs = RunSerializer(many=True)
    data_at_risk = DataAtRiskSerializer(
        help_text="Repositories within 3 days of losing traffic GitHub still holds, never collected, or failing."
    )
    workers_alive = serializers.BooleanField(
        help_text="Whether a worker (`manage.py qcluster`) was seen in the last three minutes. While false, queued "
        "runs wait: start a worker."
    )


def _access(request: Request) -> TenantAccess:
    return request.tenant_access  # type: ignore[attr-defined]


class CollectView(APIView):
    renderer_classes = [JSONRenderer]
    permission_classes = [TenantRole(Role.MAINTAINER)]

    @extend_schema(
        operation_id="collect_now",
        summary="Queue a collection run for this tenant (maintainers and admins)",
        description=(
            "Answers 202 once the run is queued for the workers. Safe to repeat: while a run is active, or "
            "less than COLLECT_MIN_INTERVAL after the last one finished, nothing is queued (`queued` is "
            "empty) and `message` says why."
        ),
        request=None,
        responses={202: QueuedSerializer, 401: ERRORS[401], 403: ERRORS[403], 404: ERRORS[404]},
        tags=["runs"],
    )
    def post(self, request: Request, tenant_slug: str) -> Response:
        run, message = scheduling.collection_request(tenant=_access(request).tenant, trigger=CollectionRun.Trigger.API)
        return Response({"queued": [run.pk] if run else [], "message": message}, status=202)


class RunListView(APIView):
    renderer_classes = [JSONRenderer]
    permission_classes = [HasTenantAccess]

    @extend_schema(
        operation_id="runs_list",
        summary="Recent collection runs, newest first, with status, counts and errors",
        parameters=[
            OpenApiParameter(
                "limit", int, description=f"How many runs (1 to {run_selectors.RUN_LIST_MAX}, default "
                f"{run_selectors.RUN_LIST_DEFAULT})."
            )
        ],
        responses={200: RunListSerializer, **ERRORS},
        tags=["runs"],
    )
    def get(self, request: Request, tenant_slug: str) -> Response:
        raw = request.query_params.get("limit", "")
        limit = run_selectors.RUN_LIST_DEFAULT
        if raw:
            try:
                limit = int(raw)
            except ValueError:
                raise ValidationError({"limit": f"must be an integer, got {raw!r}"}) from None
            if not 1 <= limit <= run_selectors.RUN_LIST_MAX:
                raise ValidationError({"limit": f"must be between 1 and {run_selectors.RUN_LIST_MAX}"})
        access = _access(request)
        runs = run_selectors.runs_recent(access=access, limit=limit)
        counts = run_selectors.runs_counts(access=access, runs=runs)
        errors = run_selectors.runs_error_summaries(access=access, runs=runs)
        data = [run_selectors.run_data(
            run, counts=counts[run.pk], error_summary=errors[run.pk], limited=access.is_limited
        ) for run in runs]
        risk = tenant_collection_risk(access=access)
        at_risk = {
            "at_risk": risk.at_risk,
            "last_run_failed": risk.last_run_failed,
            "over_capacity": risk.over_capacity,
            "repositories": [
                {"full_name": r.repository.full_name, "days_left": r.days_left, "reason": r.reason}
                for r in risk.repositories
            ],
        }
        return Response({"runs": data, "data_at_risk": at_risk, "workers_alive": worker_seen_recently()})
