"""Tenants API: the caller's tenants and a tenant's members. (The GitHub credential endpoint lives in
repos/credential_api.py: linking a GitHub App installation asks GitHub, which tenants must not import.)"""

from __future__ import annotations

from django.db import IntegrityError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.drf import error_responses
from tenants import selectors, services
from tenants.access import TenantAccess
from tenants.models import Role
from tenants.permissions import TenantRole

ERRORS = error_responses(400, 401, 403, 404, d404="Unknown tenant, or not a member.")


def _access(request: Request) -> TenantAccess:
    return request.tenant_access  # type: ignore[attr-defined]


class TenantSerializer(serializers.Serializer):
    slug = serializers.SlugField(max_length=50)
    name = serializers.CharField(max_length=200)
    role = serializers.CharField(read_only=True)


class TenantListView(APIView):
    renderer_classes = [JSONRenderer]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="tenants_list",
        summary="Tenants you are a member of, with your role",
        responses={200: TenantSerializer(many=True), 401: ERRORS[401]},
        tags=["tenants"],
    )
    def get(self, request: Request) -> Response:
        memberships = selectors.user_memberships(user=request.user)
        data = [{"slug": m.tenant.slug, "name": m.tenant.name, "role": m.role} for m in memberships]
        return Response(data)

    @extend_schema(
        operation_id="tenants_create",
        summary="Create a tenant (site staff only); you become its admin",
        request=TenantSerializer,
        responses={201: TenantSerializer, **ERRORS},
        tags=["tenants"],
    )
    def post(self, request: Request) -> Response:
        if not request.user.is_staff:
            raise PermissionDenied("only site staff can create tenants")
        serializer = TenantSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        slug = serializer.validated_data["slug"]
        try:
            # The unique slug decides, also between two simultaneous requests.
            tenant = services.tenant_create(slug=slug, name=serializer.validated_data["name"], admin=request.user)
        except IntegrityError:
            raise ValidationError({"slug": "already taken"}) from None
        return Response({"slug": tenant.slug, "name": tenant.name, "role": Role.ADMIN.value}, status=201)


class MemberSerializer(serializers.Serializer):
    username = serializers.CharField()
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)
    repositories = serializers.ListField(
        child=serializers.CharField(), help_text="owner/name of the repositories a limited viewer may see; empty: all"
    )


class InviteSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices, default=Role.VIEWER)


class InviteResultSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["invited"], help_text="Always `invited`: the answer never tells whether the e-mail has an account."
    )
    expires_at = serializers.DateTimeField(help_text="The invitation lapses unless accepted by then.")


class MemberListView(APIView):
    renderer_classes = [JSONRenderer]
    # Members' e-mails are for admins, as on the members page.
    permission_classes = [TenantRole(Role.ADMIN)]

    @extend_schema(
        operation_id="members_list",
        summary="Members of the tenant (admin)",
        responses={200: MemberSerializer(many=True), **ERRORS},
        tags=["members"],
    )
    def get(self, request: Request, tenant_slug: str) -> Response:
        data = [
            {
                "username": m.user.get_username(),
                "email": m.user.email,
                "role": m.role,
                "repositories": sorted(r.full_name for r in m.limited_to.all()),
            }
            for m in selectors.members_list(access=_access(request))
        ]
        return Response(data)

    @extend_schema(
        operation_id="members_invite",
        summary="Invite an e-mail with a role (admin); the person joins only by accepting",
        description=(
            "Always answers 201 `invited`, whether or not an account with this e-mail exists. An e-mail with a "
            "signed link goes out; an existing user accepts or declines on their pending-invitations page, a new "
            "identity accepts by logging in through OIDC with this verified e-mail. Inviting again renews the "
            "invitation. Invitations expire after INVITATION_MAX_AGE_DAYS."
        ),
        request=InviteSerializer,
        responses={201: InviteResultSerializer, **ERRORS},
        tags=["members"],
    )
    def post(self, request: Request, tenant_slug: str) -> Response:
        serializer = InviteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            invitation = services.invitation_create(
                tenant=_access(request).tenant,
                email=serializer.validated_data["email"],
                role=serializer.validated_data["role"],
                invited_by=request.user,
                base_url=request.build_absolute_uri("/"),
            )
        except services.TenantRuleError as exc:
            raise ValidationError({"email": str(exc)}) from None
        answer = {"email": invitation.email, "role": invitation.role, "status": "invited"}
        body = InviteResultSerializer({**answer, "expires_at": invitation.expires_at}).data
        return Response(body, status=201)
