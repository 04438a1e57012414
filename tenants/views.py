"""Account pages (login, no-access, profile with API token) and tenant settings pages (admins)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tenants import selectors, services
from tenants.decorators import tenant_role_required
from tenants.forms import CredentialForm, InviteForm, RepositoryLimitForm, RoleForm, TenantRenameForm
from tenants.models import Invitation, Role
from tenants.oidc import oidc_enabled


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """`/` goes to the user's only tenant, or to a picker when there are several (or none)."""
    tenants = list(selectors.user_tenants(user=request.user))
    if len(tenants) == 1:
        return redirect("tenant-dashboard", tenant_slug=tenants[0].slug)
    return render(request, "tenants/picker.html", {"tenants": tenants})


@login_required
def switch_tenant(request: HttpRequest) -> HttpResponse:
    """Target of the header's tenant switcher (a GET form, no script needed)."""
    slug = request.GET.get("tenant", "")
    if selectors.user_tenants(user=request.user).filter(slug=slug).exists():
        return redirect("tenant-dashboard", tenant_slug=slug)
    return redirect("home")


class LoginView(auth_views.LoginView):
    """Shows the enabled login methods; password attempts are throttled (429 when over the limit)."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["oidc_enabled"] = oidc_enabled()
        context["password_enabled"] = settings.PASSWORD_LOGIN_ENABLED
        context["oidc_failed"] = self.request.GET.get("error") == "oidc"
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.PASSWORD_LOGIN_ENABLED:
            messages.error(request, "Password login is disabled on this installation.")
            return self.render_to_response(self.get_context_data(), status=403)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        if getattr(self.request, "login_throttled", False):
            form.errors.clear()
            form.add_error(None, "Too many failed login attempts. Try again later.")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_invalid(form)


def no_access(request: HttpRequest) -> HttpResponse:
    """Where an identity without a user or an invitation lands: no data, just what to do next."""
    return render(request, "accounts/no_access.html")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    from rest_framework.authtoken.models import Token

    has_token = Token.objects.filter(user=request.user).exists()
    return render(
        request,
        "accounts/profile.html",
        {"has_token": has_token, "tenants": selectors.user_tenants(user=request.user)},
    )


@login_required
@require_POST
def api_token_create(request: HttpRequest) -> HttpResponse:
    token = services.api_token_create(user=request.user)
    # Shown once: the page is rendered directly (not redirected) so the key is not stored anywhere.
    response = render(
        request,
        "accounts/profile.html",
        {"has_token": True, "new_token": token.key, "tenants": selectors.user_tenants(user=request.user)},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def api_token_revoke(request: HttpRequest) -> HttpResponse:
    services.api_token_revoke(user=request.user)
    messages.success(request, "API token revoked.")
    return redirect("profile")


@tenant_role_required(Role.ADMIN)
def tenant_settings(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    access = request.tenant_access  # type: ignore[attr-defined]
    form = TenantRenameForm(request.POST or None, initial={"name": access.tenant.name})
    if request.method == "POST" and form.is_valid():
        services.tenant_rename(tenant=access.tenant, name=form.cleaned_data["name"])
        messages.success(request, "Tenant renamed.")
        return redirect("tenant-settings", tenant_slug=tenant_slug)
    return render(request, "tenants/settings.html", {"form": form, "access": access})


@tenant_role_required(Role.ADMIN)
def members(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    access = request.tenant_access  # type: ignore[attr-defined]
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.invitation_create(
                tenant=access.tenant,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
            )
        except services.TenantRuleError as exc:
            form.add_error("email", str(exc))
        else:
            if isinstance(result, Invitation):
                messages.success(request, f"Invited {result.email}; they join at their first login.")
            else:
                messages.success(request, f"{result.user} is now a member.")
            return redirect("tenant-members", tenant_slug=tenant_slug)
    return render(
        request,
        "tenants/members.html",
        {
            "access": access,
            "form": form,
            "members": selectors.members_list(access=access),
            "invitations": selectors.invitations_pending(access=access),
            "roles": Role.choices,
        },
        status=400 if request.method == "POST" else 200,
    )


@tenant_role_required(Role.ADMIN)
@require_POST
def member_role(request: HttpRequest, tenant_slug: str, membership_id: int) -> HttpResponse:
    access = request.tenant_access  # type: ignore[attr-defined]
    membership = selectors.member_get(access=access, membership_id=membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a valid role.")
    else:
        try:
            services.membership_role_change(membership=membership, role=form.cleaned_data["role"])
            messages.success(request, f"{membership.user} is now {form.cleaned_data['role']}.")
        except services.TenantRuleError as exc:
            messages.error(request, str(exc))
    return redirect("tenant-members", tenant_slug=tenant_slug)


@tenant_role_required(Role.ADMIN)
@require_POST
def member_remove(request: HttpRequest, tenant_slug: str, membership_id: int) -> HttpResponse:
    access = request.tenant_access  # type: ignore[attr-defined]
    membership = selectors.member_get(access=access, membership_id=membership_id)
    try:
        services.membership_remove(membership=membership)
        messages.success(request, f"Removed {membership.user}.")
    except services.TenantRuleError as exc:
        messages.error(request, str(exc))
    return redirect("tenant-members", tenant_slug=tenant_slug)


@tenant_role_required(Role.ADMIN)
def member_repositories(request: HttpRequest, tenant_slug: str, membership_id: int) -> HttpResponse:
    access = request.tenant_access  # type: ignore[attr-defined]
    membership = selectors.member_get(access=access, membership_id=membership_id)
    form = RepositoryLimitForm(
        request.POST or None,
        repositories=access.repositories().order_by("owner", "name"),
        initial={"repositories": list(membership.limited_to.all())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_limit_set(membership=membership, repositories=form.cleaned_data["repositories"])
        except services.TenantRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Repository access of {membership.user} saved.")
            return redirect("tenant-members", tenant_slug=tenant_slug)
    return render(request, "tenants/member_repositories.html", {"access": access, "form": form, "member": membership})


@tenant_role_required(Role.ADMIN)
@require_POST
def invitation_revoke(request: HttpRequest, tenant_slug: str, invitation_id: int) -> HttpResponse:
    access = request.tenant_access  # type: ignore[attr-defined]
    invitation = selectors.invitation_get(access=access, invitation_id=invitation_id)
    services.invitation_revoke(invitation=invitation)
    messages.success(request, f"Invitation of {invitation.email} revoked.")
    return redirect("tenant-members", tenant_slug=tenant_slug)


@tenant_role_required(Role.ADMIN)
def credential(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    access = request.tenant_access  # type: ignore[attr-defined]
    current = selectors.github_credential_get(access=access)
    form = CredentialForm(request.POST or None, initial={"api_url": current.api_url if current else ""})
    if request.method == "POST" and form.is_valid():
        services.github_credential_set(
            tenant=access.tenant, token=form.cleaned_data["token"], api_url=form.cleaned_data["api_url"]
        )
        messages.success(request, "GitHub credential saved.")
        return redirect("tenant-credential", tenant_slug=tenant_slug)
    app_available = bool(
        settings.GITHUB_APP_ID and settings.GITHUB_APP_SLUG
        and (settings.GITHUB_APP_PRIVATE_KEY or settings.GITHUB_APP_PRIVATE_KEY_FILE)
    )
    context = {
        "access": access, "form": form, "credential": current, "app_available": app_available,
        "installation": selectors.github_app_installation_get(access=access),
    }
    return render(request, "tenants/credential.html", context)
