from django.urls import path

from tenants import views
from tenants.oidc import TenantLogoutView

urlpatterns = [
    path("", views.home, name="home"),
    path("switch/", views.switch_tenant, name="tenant-switch"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", TenantLogoutView.as_view(), name="logout"),
    path("accounts/no-access/", views.no_access, name="no-access"),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/invitations/", views.invitations, name="invitations"),
    path("accounts/invitations/link/<str:token>/", views.invitation_link, name="invitation-link"),
    path(
        "accounts/invitations/<int:invitation_id>/<str:answer>/",
        views.invitation_respond,
        name="invitation-respond",
    ),
    path("accounts/profile/token/", views.api_token_create, name="api-token-create"),
    path("accounts/profile/token/revoke/", views.api_token_revoke, name="api-token-revoke"),
    path("t/<slug:tenant_slug>/settings/", views.tenant_settings, name="tenant-settings"),
    path("t/<slug:tenant_slug>/settings/members/", views.members, name="tenant-members"),
    path(
        "t/<slug:tenant_slug>/settings/members/<int:membership_id>/role/", views.member_role, name="tenant-member-role"
    ),
    path(
        "t/<slug:tenant_slug>/settings/members/<int:membership_id>/remove/",
        views.member_remove,
        name="tenant-member-remove",
    ),
    path(
        "t/<slug:tenant_slug>/settings/members/<int:membership_id>/repositories/",
        views.member_repositories,
        name="tenant-member-repositories",
    ),
    path(
        "t/<slug:tenant_slug>/settings/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="tenant-invitation-revoke",
    ),
    path("t/<slug:tenant_slug>/settings/credential/", views.credential, name="tenant-credential"),
]
