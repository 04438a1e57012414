from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
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


class _RepositoryChoices(forms.ModelMultipleChoiceField):
    """Ids are checked as ids before the query: one too large for the column would make the database raise."""

    def clean(self, value: Any) -> Any:
        for pk in value if isinstance(value, list | tuple) else ():
            if not re.fullmatch(r"[0-9]{1,18}", str(pk)):
                raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                      params={"pk": str(pk)[:40]})
        return super().clean(value)


class RepositoryLimitForm(forms.Form):
    repositories = _RepositoryChoices(
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
