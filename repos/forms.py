from __future__ import annotations

import re

from django import forms

from repos.follow_filters import FollowFilterInvalid, patterns_parse
from repos.services import RepositoryNameInvalid, parse_full_name


class RepositoryAddForm(forms.Form):
    full_name = forms.CharField(
        label="Repository", max_length=250,
        widget=forms.TextInput(attrs={"placeholder": "owner/name", "autocomplete": "off", "spellcheck": "false"}),
        help_text="owner/name or a github.com URL",
    )

    def clean_full_name(self) -> str:
        try:
            owner, name = parse_full_name(self.cleaned_data["full_name"])
        except RepositoryNameInvalid as error:
            raise forms.ValidationError(str(error)) from None
        return f"{owner}/{name}"


class RepositoryImportForm(forms.Form):
    org = forms.CharField(
        label="Organization", max_length=39, required=False,
        widget=forms.TextInput(attrs={"placeholder": "all repositories of the token", "autocomplete": "off"}),
        help_text="Leave empty to import every repository the token can access.",
    )

    def clean_org(self) -> str:
        org = self.cleaned_data["org"].strip()
        if org and not re.match(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$", org):
            raise forms.ValidationError("not a GitHub organization name")
        return org


class FollowFilterForm(forms.Form):
    include_forks = forms.BooleanField(label="Follow forks", required=False, initial=True)
    include_archived = forms.BooleanField(label="Follow archived repositories", required=False, initial=True)
    include_private = forms.BooleanField(label="Follow private repositories", required=False, initial=True)
    patterns = forms.CharField(
        label="Name patterns", required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "placeholder": "docs-*\n!sandbox-*"}),
        help_text="One glob per line (* ? [abc]), case-insensitive; a leading ! excludes. Without a slash a pattern "
        "matches the repository name, with one owner/name. Followed: no include pattern given or any include "
        "pattern matches, and no exclude pattern matches.",
    )

    def clean_patterns(self) -> str:
        try:
            patterns_parse(self.cleaned_data["patterns"])
        except FollowFilterInvalid as error:
            raise forms.ValidationError(str(error)) from None
        return self.cleaned_data["patterns"]
