"""The one place tenant URLs are resolved: every URL with a `tenant_slug` argument passes here.

A user who is not a member of the tenant (or an unknown slug) gets 404, never 403, so tenant names
do not leak. Anonymous users are sent to the login page (UI) or answered 401 (API).
Views then read `request.tenant_access` (a TenantAccess) and never look up tenants themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from rest_framework.exceptions import AuthenticationFailed

from common.errors import error_response
from tenants.access import tenant_access_for
from tenants.authentication import ApiTokenAuthentication

TENANT_URL_KWARG = "tenant_slug"


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


class TenantMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: dict[str, Any]
    ) -> HttpResponse | None:
        slug = view_kwargs.get(TENANT_URL_KWARG)
        if slug is None:
            return None
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
