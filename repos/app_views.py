"""GitHub App pages: connect (to GitHub's install page), the App's setup URL (back from GitHub),
unlink, and re-reading the installation's repositories."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from repos.follow_filters import skipped_summary
from repos.github_app import app_configured, installation_tokens
from repos.install_state import InstallStateInvalid, install_state_consume, install_state_create
from repos.installations import (
    InstallationLinkError,
    InstallationSyncError,
    LinkResult,
    SyncResult,
    installation_link,
    installation_repositories_sync,
)
from tenants.app_installations import github_app_installation_unlink
from tenants.decorators import tenant_role_required
from tenants.models import Role
from tenants.scoping import tenant_scope
from tenants.selectors import github_app_installation_get


def _sync_summary(result: SyncResult) -> str:
    parts = [f"now following {len(result.followed)} more"] if result.followed else []
    if result.deactivated:
        parts.append(f"{len(result.deactivated)} deactivated")
    if result.renamed:
        parts.append(f"{len(result.renamed)} renamed")
    if result.skipped:
        parts.append(f"{skipped_summary(result.skipped)} (follow filter)")
    if result.offered:
        parts.append(f"{result.offered} offered on the repositories page")
    return ", ".join(parts) or "repositories already in step"


@require_POST
@tenant_role_required(Role.ADMIN)
def github_app_connect(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    """Send the admin to GitHub's install page with a state that brings them back to this tenant."""
    if not (app_configured() and settings.GITHUB_APP_SLUG):
        messages.error(request, "No GitHub App is configured on this server (GITHUB_APP_ID, GITHUB_APP_SLUG).")
        return redirect("tenant-credential", tenant_slug=tenant_slug)
    state = install_state_create(
        session=request.session, tenant=request.tenant_access.tenant,  # type: ignore[attr-defined]
        user=request.user, follow_all=request.POST.get("follow_all") == "1",
    )
    slug = quote(settings.GITHUB_APP_SLUG, safe="")
    return redirect(f"{settings.GITHUB_WEB_URL}/apps/{slug}/installations/new?{urlencode({'state': state})}")


@login_required
def github_app_setup(request: HttpRequest) -> HttpResponse:
    """The App's setup URL: GitHub sends the admin back with `installation_id` and our `state`."""
    try:
        claim = install_state_consume(session=request.session, state=request.GET.get("state", ""), user=request.user)
    except InstallStateInvalid as exc:
        messages.error(request, f"Nothing was linked: {exc}.")
        return redirect("home")
    back = redirect("tenant-credential", tenant_slug=claim.tenant.slug)
    if request.GET.get("setup_action") == "request":
        messages.info(request, "GitHub asked an organisation owner to approve the installation. Once approved, "
                               "connect the GitHub App again to link it.")
        return back
    installation_id = request.GET.get("installation_id", "")
    if not installation_id.isdigit() or len(installation_id) > 18:
        messages.error(request, "Nothing was linked: GitHub sent no installation id.")
        return back
    try:
        # scope: not a /t/<slug>/ URL; the signed state names the tenant this admin links for.
        with tenant_scope(claim.tenant):
            result: LinkResult = installation_link(
                tenant=claim.tenant, installation_id=int(installation_id), follow_all=claim.follow_all,
                linked_by=request.user,
            )
    except InstallationLinkError as exc:
        messages.error(request, f"Nothing was linked: {exc}.")
        return back
    summary = _sync_summary(result.sync) if result.sync else f"repositories not read yet ({result.sync_error})"
    messages.success(request, f"GitHub App installation on {result.installation.account} linked; {summary}.")
    return back


@require_POST
@tenant_role_required(Role.ADMIN)
def github_app_unlink(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    installation = github_app_installation_get(access=request.tenant_access)  # type: ignore[attr-defined]
    if installation is not None:
        installation_tokens.forget(installation.installation_id)
        github_app_installation_unlink(installation=installation)
        messages.success(request, "GitHub App installation unlinked; followed repositories and their history stay. "
                                  "Uninstall the App on GitHub too if it is no longer needed.")
    return redirect("tenant-credential", tenant_slug=tenant_slug)


@require_POST
@tenant_role_required(Role.MAINTAINER)
def github_app_sync(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    try:
        result = installation_repositories_sync(tenant=request.tenant_access.tenant)  # type: ignore[attr-defined]
    except InstallationSyncError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Read the GitHub App's repositories: {_sync_summary(result)}.")
    return redirect("repo-list", tenant_slug=tenant_slug)
