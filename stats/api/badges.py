"""Badges API (maintainers): list a repository's badges with their public URLs, create one, revoke one."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.drf import error_responses
from repos.models import Repository
from repos.selectors import repository_for
from stats.badges import services
from stats.badges.selectors import badges_of
from stats.models import Badge
from tenants.access import TenantAccess
from tenants.models import Role
from tenants.permissions import TenantRole

ERRORS = error_responses(401, 403, 404, d404="Unknown tenant, repository or badge, or not yours.")


class BadgeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    metrics = serializers.ListField(child=serializers.ChoiceField(choices=Badge.Metric.choices),
                                    source="metric_list")
    created_at = serializers.DateTimeField()
    urls = serializers.SerializerMethodField(help_text="Per metric: the public `svg` and shields.io `json` URLs.")

    def get_urls(self, badge: Badge) -> dict[str, dict[str, str]]:
        request = self.context["request"]
        base = request.build_absolute_uri(f"/badge/{badge.token}/")
        return {metric: {"svg": f"{base}{metric}.svg", "json": f"{base}{metric}.json"} for metric in badge.metric_list}


class BadgeCreateSerializer(serializers.Serializer):
    metrics = serializers.ListField(child=serializers.CharField(max_length=40), max_length=10,
                                    help_text="Any of: " + ", ".join(Badge.Metric.values) + ".")


def _repository(request: Request, owner: str, name: str) -> Repository:
    access: TenantAccess = request.tenant_access  # type: ignore[attr-defined]
    repository = repository_for(access=access, owner=owner, name=name)
    if repository is None:
        raise NotFound("repository not found")
    return repository


class BadgeListView(APIView):
    renderer_classes = [JSONRenderer]
    permission_classes = [TenantRole(Role.MAINTAINER)]

    @extend_schema(
        operation_id="badges_list", summary="A repository's active public badges (maintainer)",
        responses={200: BadgeSerializer(many=True), **ERRORS}, tags=["badges"],
    )
    def get(self, request: Request, tenant_slug: str, owner: str, name: str) -> Response:
        badges = badges_of(repository=_repository(request, owner, name))
        return Response(BadgeSerializer(badges, many=True, context={"request": request}).data)

    @extend_schema(
        operation_id="badges_create", summary="Create a public badge for chosen metrics (maintainer)",
        request=BadgeCreateSerializer,
        responses={201: BadgeSerializer, **error_responses(400, d400="No or unknown metric."), **ERRORS},
        tags=["badges"],
    )
    def post(self, request: Request, tenant_slug: str, owner: str, name: str) -> Response:
        repository = _repository(request, owner, name)
        payload = BadgeCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            badge = services.badge_create(
                repository=repository, metrics=payload.validated_data["metrics"], created_by=request.user
            )
        except services.BadgeMetricsInvalid as error:
            raise ValidationError({"metrics": str(error)}) from None
        data: Any = BadgeSerializer(badge, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)


class BadgeDetailView(APIView):
    renderer_classes = [JSONRenderer]
    permission_classes = [TenantRole(Role.MAINTAINER)]

    @extend_schema(
        operation_id="badges_revoke", summary="Revoke a badge: its URLs answer 404 from now on (maintainer)",
        responses={204: None, **ERRORS}, tags=["badges"],
    )
    def delete(self, request: Request, tenant_slug: str, owner: str, name: str, badge_id: str) -> Response:
        # A str in the URL, so a malformed id gets this API's JSON 404, not Django's HTML one.
        repository = _repository(request, owner, name)
        pk = int(badge_id) if badge_id.isascii() and badge_id.isdigit() and len(badge_id) < 19 else None
        badge = Badge.objects.filter(pk=pk, repository=repository, revoked_at__isnull=True).first() if pk else None
        if badge is None:
            raise NotFound("badge not found")
        services.badge_revoke(badge=badge)
        return Response(status=status.HTTP_204_NO_CONTENT)
