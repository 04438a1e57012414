"""Account pages (login, no-access, profile with API token) and tenant settings pages (admins)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tenants import selectors, services
from tenants.decorators import tenant_role_required
from tenants.forms import CredentialForm, InviteForm, RepositoryLimitForm, RoleForm, TenantRenameForm
from tenants.login_protection import LOCKED_OUT_MESSAGE
from tenants.models import Role
from tenants.oidc import oidc_enabled

INVITATIONS_SHOWN_SESSION_KEY = "invitations_shown"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """`/` goes to the user's only tenant, or to a picker when there are several (or none)."""
    pending = selectors.invitations_for_user(user=request.user)
    if not request.session.get(INVITATIONS_SHOWN_SESSION_KEY) and pending.exists():
        # Once per session (normally right after login): answer the invitations waiting for you.
        return redirect("invitations")
    tenants = list(selectors.user_tenants(user=request.user))
    if len(tenants) == 1:
        return redirect("tenant-dashboard", tenant_slug=tenants[0].slug)
    return render(request, "tenants/picker.html", {"tenants": tenants})


@login_required
def invitations(request: HttpRequest) -> HttpResponse:
    """The user's pending invitations, each with Accept / Decline."""
    request.session[INVITATIONS_SHOWN_SESSION_KEY] = True
    pending = selectors.invitations_for_user(user=request.user)
    return render(request, "accounts/invitations.html", {"invitations": pending})


@login_required
def invitation_link(request: HttpRequest, token: str) -> HttpResponse:
    """Target of the e-mailed link: shows that invitation if it is still open and addressed to you."""
    request.session[INVITATIONS_SHOWN_SESSION_KEY] = True
    invitation = services.invitation_from_link_token(token)
    addressed_to_you = invitation is not None and invitation.email.lower() == (request.user.email or "").lower()
    if addressed_to_you and selectors.user_tenants(user=request.user).filter(pk=invitation.tenant_id).exists():
        # In the tenant already, e.g. accepted by the first single sign-on login this link led to.
        return redirect("tenant-dashboard", tenant_slug=invitation.tenant.slug)
    pending = selectors.invitations_for_user(user=request.user)
    if invitation is None or not pending.filter(pk=invitation.pk).exists():
        # Same answer for a forged, expired, answered or someone else's invitation.
        return render(request, "accounts/invitation_invalid.html", status=404)
    return render(request, "accounts/invitations.html", {"invitations": [invitation], "from_link": True})


@login_required
@require_POST
def invitation_respond(request: HttpRequest, invitation_id: int, answer: str) -> HttpResponse:
    if answer not in {"accept", "decline"}:
        raise Http404("No such answer")
    invitation = selectors.invitation_for_user_get(user=request.user, invitation_id=invitation_id)
    membership = services.invitation_respond(invitation=invitation, user=request.user, accept=answer == "accept")
    if membership is not None:
        messages.success(request, f"You joined {invitation.tenant.name} as {membership.get_role_display().lower()}.")
        return redirect("tenant-dashboard", tenant_slug=invitation.tenant.slug)
    messages.success(request, f"Invitation to {invitation.tenant.name} declined.")
    return redirect("invitations" if selectors.invitations_for_user(user=request.user).exists() else "home")


@login_required
def switch_tenant(request: HttpRequest) -> HttpResponse:
    """Target of the header's tenant switcher (a GET form, no script needed)."""
    slug = request.GET.get("tenant", "")
    if selectors.user_tenants(user=request.user).filter(slug=slug).exists():
        return redirect("tenant-dashboard", tenant_slug=slug)
    return redirect("home")


class LoginView(auth_views.LoginView):
    """Shows the enabled login methods; a locked-out password login (django-axes) answers 429."""

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
        if getattr(self.request, "axes_locked_out", False):
            form.errors.clear()
            form.add_error(None, LOCKED_OUT_MESSAGE)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_invalid(form)


def no_access(request: HttpRequest) -> HttpResponse:
    """Where an identity without a user or an invitation lands: no data, just what to do next."""
    return render(request, "accounts/no_access.html")


def _profile(request: HttpRequest, **extra: Any) -> HttpResponse:
    context = {
        "tokens": selectors.api_tokens_list(user=request.user),
        "tenants": selectors.user_tenants(user=request.user),
        "invitations": selectors.invitations_for_user(user=request.user),
        **extra,
    }
    return render(request, "accounts/profile.html", context)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return _profile(request)


@login_required
@require_POST
def api_token_create(request: HttpRequest) -> HttpResponse:
    token, key = services.api_token_create(user=request.user)
    # Shown once: the page is rendered directly (not redirected) so the key is not stored anywhere.
    response = _profile(request, new_token=key, new_token_expiry=token.expiry)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def api_token_revoke(request: HttpRequest) -> HttpResponse:
    """Revoke the token named by the `token` field (its id), or every token when it is absent."""
    token_id = request.POST.get("token") or None
    if services.api_token_revoke(user=request.user, token_id=token_id):
        messages.success(request, "API token revoked." if token_id else "All API tokens revoked.")
    else:
        messages.error(request, "No such API token.")
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
            invitation = services.invitation_create(
                tenant=access.tenant,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
                base_url=request.build_absolute_uri("/"),
            )
        except services.TenantRuleError as exc:
            form.add_error("email", str(exc))
        else:
            # The same message whether or not an account with this e-mail exists.
            messages.success(request, f"Invited {invitation.email}; they join once they accept the invitation.")
            return redirect("tenant-members", tenant_slug=tenant_slug)
    return render(
        request,
        "tenants/members.html",
        {
            "access": access,
            "form": form,
            "members": selectors.members_list(access=access),
            "invitations": selectors.invitations_pending(access=access),
            "now": timezone.now(),
            "invitation_max_age_days": settings.INVITATION_MAX_AGE_DAYS,
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
