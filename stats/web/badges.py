"""Badges: the public images (`/badge/<token>/<metric>.svg|.json`, no login) and their management on
the repository page (maintainers: create, revoke)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from repos.models import Repository
from repos.selectors import repository_get_or_404, today_utc
from stats.badges import services
from stats.badges.render import badge_endpoint_json, badge_etag, badge_svg
from stats.badges.selectors import LABELS, badge_by_token, badge_value, badges_of
from stats.models import Badge
from tenants.access import TenantAccess
from tenants.decorators import tenant_role_required
from tenants.models import Role
from tenants.scoping import system_scope, tenant_scope

# Browsers and CDNs may keep a badge this long: a revocation or a new value shows within the hour.
CACHE_SECONDS = 3600
FORMATS = {"svg": "image/svg+xml; charset=utf-8", "json": "application/json"}
# An SVG opened directly is a document: no script, no fetch, nothing but itself.
BADGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def _not_found() -> HttpResponse:
    # The same answer for an unknown or revoked token and a metric not enabled: nothing to learn.
    response = HttpResponse("not found\n", status=404, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = BADGE_CSP
    return response


def _etag_matches(request: HttpRequest, etag: str) -> bool:
    header = request.META.get("HTTP_IF_NONE_MATCH", "")
    candidates = {candidate.strip().removeprefix("W/") for candidate in header.split(",")}
    return etag in candidates or "*" in candidates


def _badge(request: HttpRequest, token: str, metric: str, fmt: str) -> HttpResponse:
    with system_scope():  # scope: a public badge is found by its token alone, whichever tenant owns it
        badge = badge_by_token(token=token)
    if badge is None or metric not in badge.metric_list:
        return _not_found()
    with tenant_scope(badge.repository.tenant_id):  # scope: the badge's tenant, for its one repository's rows
        value = badge_value(badge=badge, metric=metric, today=today_utc())
    etag = badge_etag(value, fmt=fmt)
    if _etag_matches(request, etag):
        response = HttpResponse(status=304)
    elif fmt == "svg":
        response = HttpResponse(badge_svg(value), content_type=FORMATS[fmt])
    else:
        response = HttpResponse(badge_endpoint_json(value, cache_seconds=CACHE_SECONDS), content_type=FORMATS[fmt])
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}, s-maxage={CACHE_SECONDS}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = BADGE_CSP
    # Embedded anywhere (READMEs, other sites): the image is public by design.
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@require_safe
def badge_image(request: HttpRequest, token: str, metric: str) -> HttpResponse:
    return _badge(request, token, metric, "svg")


@require_safe
def badge_endpoint(request: HttpRequest, token: str, metric: str) -> HttpResponse:
    return _badge(request, token, metric, "json")


# --- management on the repository page (maintainers) ---------------------------------------------
def _access(request: HttpRequest) -> TenantAccess:
    return request.tenant_access  # type: ignore[attr-defined]


def _detail_url(tenant_slug: str, repository: Repository) -> str:
    kwargs = {"tenant_slug": tenant_slug, "owner": repository.owner, "name": repository.name}
    url = reverse("repo-detail", kwargs=kwargs)
    return f"{url}#badges"


def badge_snippets(request: HttpRequest, badge: Badge) -> list[dict[str, str]]:
    """Per enabled metric: the image and endpoint URLs, and Markdown / HTML / shields.io snippets."""
    snippets = []
    for metric in badge.metric_list:
        svg = request.build_absolute_uri(reverse("badge-svg", kwargs={"token": badge.token, "metric": metric}))
        endpoint = request.build_absolute_uri(reverse("badge-json", kwargs={"token": badge.token, "metric": metric}))
        label = LABELS[metric]
        shields = f"https://img.shields.io/endpoint?url={quote(endpoint, safe='')}"
        snippets.append({
            "metric": metric, "label": label, "svg": svg,
            "markdown": f"![{label}]({svg})",
            "html": f'<img src="{svg}" alt="{label}">',
            "shields": f"![{label}]({shields})",
        })
    return snippets


def badge_panel_context(request: HttpRequest, repository: Repository) -> dict[str, Any]:
    """What templates/stats/_badges.html needs (maintainers only: the tokens are the badges' secrets)."""
    if not _access(request).has_role(Role.MAINTAINER):
        return {"badges_panel": None}
    return {"badges_panel": {
        "badges": [{"badge": badge, "snippets": badge_snippets(request, badge)} for badge in badges_of(
            repository=repository)],
        "metrics": Badge.Metric.choices,
    }}


@require_POST
@tenant_role_required(Role.MAINTAINER)
def badge_create(request: HttpRequest, tenant_slug: str, owner: str, name: str) -> HttpResponse:
    repository = repository_get_or_404(access=_access(request), owner=owner, name=name)
    try:
        services.badge_create(repository=repository, metrics=request.POST.getlist("metrics"), created_by=request.user)
    except services.BadgeMetricsInvalid as error:
        messages.error(request, f"Badge not created: {error}.")
    else:
        messages.success(request, "Badge created: its URLs are public, anyone with them sees the chosen numbers.")
    return redirect(_detail_url(tenant_slug, repository))


@require_POST
@tenant_role_required(Role.MAINTAINER)
def badge_revoke(request: HttpRequest, tenant_slug: str, owner: str, name: str, badge_id: int) -> HttpResponse:
    repository = repository_get_or_404(access=_access(request), owner=owner, name=name)
    badge = Badge.objects.filter(pk=badge_id, repository=repository, revoked_at__isnull=True).first()
    if badge is None:
        raise Http404("No such badge")
    services.badge_revoke(badge=badge)
    messages.success(request, f"Badge revoked: its URLs answer 404 now (caches may show it up to {CACHE_SECONDS // 60} "
                              "more minutes).")
    return redirect(_detail_url(tenant_slug, repository))
