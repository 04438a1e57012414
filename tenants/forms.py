from __future__ import annotations

from django import forms
from django.db.models import QuerySet

from repos.models import Repository
from tenants.models import Role
from tenants.validators import validate_github_api_url


class TenantRenameForm(forms.Form):
    name = forms.CharField(max_length=200)


class InviteForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class RepositoryLimitForm(forms.Form):
    repositories = forms.ModelMultipleChoiceField(
        queryset=Repository.objects.none(),
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
