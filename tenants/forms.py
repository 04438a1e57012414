from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.db.models import QuerySet

from tenants.models import Role
from tenants.validators import validate_github_api_url

if TYPE_CHECKING:  # annotations only: tenants sits below repos and never imports it
    from repos.models import Repository


class TenantRenameForm(forms.Form):
    name = forms.CharField(max_length=200)


class InviteForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class RepositoryLimitForm(forms.Form):
    repositories = forms.ModelMultipleChoiceField(
        queryset=None,  # the tenant's repositories, set per form in __init__
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unchecked to let this viewer see every repository.",
    )

    def __init__(self, *args: object, repositories: QuerySet[Repository], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["repositories"].queryset = repositories  # type: ignore[attr-defined]


class CredentialForm(forms.Form):
    # Write-only: never rendered back (render_value=False).
    token = forms.CharField(widget=forms.PasswordInput(render_value=False), strip=True, label="GitHub token")
    api_url = forms.URLField(
        required=False,
        assume_scheme="https",
        label="API URL (GitHub Enterprise only)",
        validators=[validate_github_api_url],
    )
