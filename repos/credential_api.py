"""The tenant's GitHub credential API `/api/v1/t/<slug>/github-credential/`: a personal token
(write-only) or a GitHub App installation. It lives in repos, not tenants, because linking an
installation asks GitHub whether it exists (repos.github_app): tenants sits below repos and must not
import it, and a callback registered at run time would hide that dependency."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.drf import error_responses
from repos.installations import InstallationLinkError, installation_link
from tenants.access import TenantAccess
from tenants.models import Role
from tenants.permissions import TenantRole
from tenants.selectors import github_app_installation_get, github_credential_get
from tenants.services import github_credential_set
from tenants.validators import validate_github_api_url

ERRORS = error_responses(400, 401, 403, 404, d404="Unknown tenant, or not a member.")


class CredentialStatusSerializer(serializers.Serializer):
    configured = serializers.BooleanField()
    kind = serializers.ChoiceField(choices=["token", "app"], allow_null=True)
    last4 = serializers.CharField(
        required=False, allow_null=True, help_text="kind=token: the token's last 4 characters"
    )
    installation_id = serializers.IntegerField(required=False, help_text="kind=app")
    account = serializers.CharField(required=False, help_text="kind=app: the organisation or user")
    follow_all = serializers.BooleanField(required=False, help_text="kind=app: every repository is followed")


class CredentialWriteSerializer(serializers.Serializer):
    token = serializers.CharField(
        write_only=True, trim_whitespace=True, required=False, help_text="A personal token (or give installation_id)"
    )
    api_url = serializers.URLField(required=False, allow_blank=True, default="", validators=[validate_github_api_url])
    installation_id = serializers.IntegerField(
        required=False, min_value=1, max_value=2**62, help_text="Link this GitHub App installation instead of a token"
    )
    follow_all = serializers.BooleanField(
        required=False, default=False, help_text="With installation_id: follow every repository of the installation"
    )

    def validate(self, attrs: dict) -> dict:
        has_token, has_installation = "token" in attrs, "installation_id" in attrs
        if has_token and has_installation:
            raise ValidationError("give either a token or an installation_id, not both")
        if not has_token and not has_installation:
            raise ValidationError({"token": "required (or installation_id, to link a GitHub App installation)"})
        return attrs


def _access(request: Request) -> TenantAccess:
    return request.tenant_access  # type: ignore[attr-defined]


class GitHubCredentialView(APIView):
    renderer_classes = [JSONRenderer]
    permission_classes = [TenantRole(Role.VIEWER, write=Role.ADMIN)]

    @extend_schema(
        operation_id="github_credential_status",
        summary="Which GitHub credential is configured: a token (its last 4 characters) or a GitHub App installation",
        responses={200: CredentialStatusSerializer, **ERRORS},
        tags=["tenants"],
    )
    def get(self, request: Request, tenant_slug: str) -> Response:
        installation = github_app_installation_get(access=_access(request))
        if installation is not None:
            return Response({
                "configured": True, "kind": "app", "installation_id": installation.installation_id,
                "account": installation.account, "follow_all": installation.follow_all,
            })
        credential = github_credential_get(access=_access(request))
        if credential is not None:
            return Response({"configured": True, "kind": "token", "last4": credential.token_last4})
        return Response({"configured": False, "kind": None, "last4": None})

    @extend_schema(
        operation_id="github_credential_set",
        summary="Set the tenant's GitHub token, or link a GitHub App installation (admin; either replaces the other)",
        request=CredentialWriteSerializer,
        responses={204: None, **ERRORS},
        tags=["tenants"],
    )
    def put(self, request: Request, tenant_slug: str) -> Response:
        serializer = CredentialWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        tenant = _access(request).tenant
        if "installation_id" in data:
            try:
                installation_link(
                    tenant=tenant, installation_id=data["installation_id"], follow_all=data["follow_all"],
                    linked_by=request.user,
                )
            except InstallationLinkError as exc:
                raise ValidationError({"installation_id": str(exc)}) from None
        else:
            github_credential_set(tenant=tenant, token=data["token"], api_url=data["api_url"])
        return Response(status=status.HTTP_204_NO_CONTENT)
