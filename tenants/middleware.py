"""The one place tenant URLs are resolved: every URL with a `tenant_slug` argument passes here.

A user who is not a member of the tenant (or an unknown slug) gets 404, never 403, so tenant names
do not leak. Anonymous users are sent to the login page (UI) or answered 401 (API).
Views then read `request.tenant_access` (a TenantAccess) and never look up tenants themselves.
It also activates the tenant's django-scopes scope for the whole request (see tenants/scoping.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import Resolver404, ResolverMatch, resolve
from rest_framework.exceptions import AuthenticationFailed

from common.errors import error_response
from tenants.access import tenant_access_for
from tenants.authentication import ApiTokenAuthentication
from tenants.models import Tenant
from tenants.scoping import no_tenant_scope, system_scope, tenant_scope

TENANT_URL_KWARG = "tenant_slug"
ADMIN_NAMESPACE = "admin"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _api_user(request: HttpRequest) -> Any:
    """The user DRF will see: the middleware runs before DRF authenticates the view.

    Same order as REST_FRAMEWORK's authentication classes (token first), so a request carrying both
    a session and a token gets the tenant access of the very user the API view acts as.
    """
    try:
        result = ApiTokenAuthentication().authenticate(request)  # type: ignore[arg-type]
    except AuthenticationFailed:
        return AnonymousUser()
    return result[0] if result else request.user


def _resolve(request: HttpRequest) -> ResolverMatch | None:
    try:
        return resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return None


def _scoped_stream(content: Iterable[bytes], tenant: Tenant) -> Iterator[bytes]:
    """Produce each chunk inside the tenant's scope (and only then: the caller's context stays clean)."""
    chunks = iter(content)
    while True:
        with tenant_scope(tenant):
            chunk = next(chunks, None)
        if chunk is None:
            return
        yield chunk


class TenantMiddleware:
    """Resolves the tenant and keeps its django-scopes scope active for the whole request.

    The scope wraps `get_response`, so lazy template rendering and DRF rendering run in it; a streamed
    body is produced in it too. Outside tenant URLs the scope is empty (a query on a
    tenant-scoped model raises ScopeError); the Django admin (site staff) runs with scopes disabled.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        match = _resolve(request)
        if match is not None and match.namespace == ADMIN_NAMESPACE:
            with system_scope():  # site staff: cross-tenant on purpose
                return self.get_response(request)
        slug = match.kwargs.get(TENANT_URL_KWARG) if match is not None else None
        if slug is None:
            with no_tenant_scope():
                return self.get_response(request)
        with no_tenant_scope():
            refusal = self._resolve_access(request, slug)
        if refusal is not None:
            return refusal
        tenant = request.tenant_access.tenant  # type: ignore[attr-defined]
        with tenant_scope(tenant):
            response = self.get_response(request)
        if isinstance(response, StreamingHttpResponse) and not response.is_async:
            # A streamed body (CSV export) is produced after this returns: keep the scope for it too.
            response.streaming_content = _scoped_stream(response.streaming_content, tenant)
        return response

    def _resolve_access(self, request: HttpRequest, slug: str) -> HttpResponse | None:
        """Set `request.tenant_access`, or answer 401 / login redirect / 404."""
        user = _api_user(request) if _is_api(request) else request.user
        if not user.is_authenticated:
            if _is_api(request):
                return error_response("authentication required", status=401)
            return redirect_to_login(request.get_full_path())
        access = tenant_access_for(user=user, slug=slug)
        if access is None:
            if _is_api(request):
                return error_response("not found", status=404)
            raise Http404("No such tenant")
        request.tenant_access = access  # type: ignore[attr-defined]
        return None
