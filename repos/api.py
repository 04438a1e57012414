"""Repositories API: list, add (maintainer), remove (maintainer)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.drf import error_responses
from repos import services
from repos.github import ErrorCode
from repos.selectors import repository_for, repository_list
from tenants.access import TenantAccess
from tenants.models import Role
from tenants.permissions import TenantRole


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "conflict"


class RepositorySerializer(serializers.Serializer):
    full_name = serializers.CharField()
    github_id = serializers.IntegerField(allow_null=True)
    active = serializers.BooleanField()
    last_collected_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField(allow_blank=True)
    last_error_code = serializers.ChoiceField(
        choices=[("", "none"), *[(code.value, code.value) for code in ErrorCode]],
        allow_blank=True,
        help_text="Why the last collection failed (empty when it succeeded); stable for scripts, unlike the message.",
    )


class RepositoryCreateSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=250, help_text="owner/name")


def _access(request: Request) -> TenantAccess:
    return request.tenant_access  # type: ignore[attr-defined]


ERRORS = error_responses(401, 403, 404, d404="Unknown tenant or repository, or not yours.")


class RepositoryListView(APIView):
    renderer_classes = [JSONRenderer]
    permission_classes = [TenantRole(Role.VIEWER, write=Role.MAINTAINER)]

    @extend_schema(
        operation_id="repositories_list", summary="Repositories of the tenant you can see",
        responses={200: RepositorySerializer(many=True), **ERRORS}, tags=["repositories"],
    )
    def get(self, request: Request, tenant_slug: str) -> Response:
        return Response(RepositorySerializer(repository_list(access=_access(request)), many=True).data)

    @extend_schema(
        operation_id="repositories_add", summary="Follow a repository (maintainer)",
        request=RepositoryCreateSerializer,
        responses={
            201: RepositorySerializer,
            **error_responses(400, 409, d400="Malformed owner/name.", d409="Already followed."),
            **ERRORS,
        },
        tags=["repositories"],
    )
    def post(self, request: Request, tenant_slug: str) -> Response:
        payload = RepositoryCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            repository = services.repository_add(
                tenant=_access(request).tenant, full_name=payload.validated_data["full_name"]
            )
        except services.RepositoryNameInvalid as error:
            raise ValidationError({"full_name": str(error)}) from None
        except services.RepositoryExists as error:
            raise Conflict(str(error)) from None
        return Response(RepositorySerializer(repository).data, status=status.HTTP_201_CREATED)


class RepositoryDetailView(APIView):
    renderer_classes = [JSONRenderer]
    permission_classes = [TenantRole(Role.MAINTAINER)]

    @extend_schema(
        operation_id="repositories_remove", summary="Stop following a repository and delete its history (maintainer)",
        responses={204: None, **ERRORS}, tags=["repositories"],
    )
    def delete(self, request: Request, tenant_slug: str, owner: str, name: str) -> Response:
        repository = repository_for(access=_access(request), owner=owner, name=name)
        if repository is None:
            raise NotFound("repository not found")
        services.repository_remove(repository=repository)
        return Response(status=status.HTTP_204_NO_CONTENT)
