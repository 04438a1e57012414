"""The history import page (tenant admins): upload a github-repo-stats folder (zip or its CSV files) or
saved GitHub API answers for one repository, preview or import, and read what was imported, merged and
skipped. The import itself is stats.imports (the same service as `manage.py import_history`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from repos.services import RepositoryNameInvalid, parse_full_name
from stats.imports import ghrs, github_json
from stats.imports.history import ImportReport, RepositoryHistory, SourceError
from stats.imports.services import history_import
from tenants.access import TenantAccess
from tenants.decorators import tenant_role_required
from tenants.models import Role

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_UPLOAD_FILES = 100  # Django's DATA_UPLOAD_MAX_NUMBER_FILES: more loose files go in a zip

SOURCES = [
    ("ghrs", "github-repo-stats data: a zip of its ghrs-data folder, or the CSV files in it"),
    ("github-json", "GitHub API answers saved as JSON (traffic/views and traffic/clones)"),
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single_clean = super().clean
        if isinstance(data, list | tuple):
            return [single_clean(item, initial) for item in data] or [single_clean(None, initial)]
        return [single_clean(data, initial)]


class HistoryImportForm(forms.Form):
    source = forms.ChoiceField(choices=SOURCES, widget=forms.RadioSelect, initial="ghrs")
    repository = forms.CharField(max_length=200, label="Repository (OWNER/NAME)",
                                 help_text="Followed now if this tenant does not follow it yet.",
                                 widget=forms.TextInput(attrs={"list": "followed-repositories",
                                                               "autocomplete": "off"}))
    files = MultipleFileField(help_text="At most 100 files and 50 MB; more snapshots fit in a zip.")
    fetched_on = forms.DateField(
        # Not required by the form (ghrs folders carry their dates), but required for JSON answers: clean().
        required=False, label="Fetched on (UTC day; required for GitHub JSON answers)",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The day the answers were saved: each covers GitHub's window of that day (answers of other "
                  "days go in another upload).",
    )
    # Its label says when it is required: no "(optional)" beside it.
    fetched_on.conditionally_required = True  # type: ignore[attr-defined]

    def clean_repository(self) -> str:
        try:
            owner, name = parse_full_name(self.cleaned_data["repository"])
        except RepositoryNameInvalid as exc:
            raise forms.ValidationError(str(exc)) from None
        return f"{owner}/{name}"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("source") == "github-json" and cleaned.get("fetched_on") is None:
            # Browsers do not send a file's time: the window an answer covers needs its day.
            self.add_error("fetched_on", "Give the day the answers were fetched: each covers that day's window.")
        return cleaned

    def clean_files(self) -> list[UploadedFile]:
        files = self.cleaned_data["files"]
        if len(files) > MAX_UPLOAD_FILES:
            raise forms.ValidationError("Too many files: put them in one zip.")
        if sum(upload.size or 0 for upload in files) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("Too large: at most 50 MB in all.")
        return files

    def history(self) -> RepositoryHistory:
        """The uploaded source, parsed and validated (SourceError names the file and line)."""
        files: list[UploadedFile] = self.cleaned_data["files"]
        if self.cleaned_data["source"] == "github-json":
            return github_json.parse([
                github_json.SavedAnswer(where=upload.name or "upload", data=upload.read(),
                                        fetched_on=self.cleaned_data["fetched_on"])
                for upload in files
            ])
        if len(files) == 1 and (files[0].name or "").lower().endswith(".zip"):
            name = files[0].name or "upload.zip"
            return ghrs.parse(ghrs.files_from_zip(files[0], name), prefix=f"{name}: ")
        found: dict[str, bytes] = {}
        for upload in files:
            key = ghrs.files_key(upload.name or "")
            if key is None:
                raise SourceError(upload.name or "upload", None, "not a github-repo-stats file (expected "
                                  "views_clones_aggregate.csv, stars.csv, forks.csv or snapshots/…)")
            found[key] = upload.read()
        return ghrs.parse(found, prefix="")


@tenant_role_required(Role.ADMIN)
def history_import_page(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    access: TenantAccess = request.tenant_access  # type: ignore[attr-defined]
    form = HistoryImportForm(request.POST or None, request.FILES or None)
    report: ImportReport | None = None
    preview = "preview" in request.POST
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                history = form.history()
            except SourceError as exc:
                form.add_error("files", str(exc))
            else:
                report = history_import(tenant=access.tenant, full_name=form.cleaned_data["repository"],
                                        history=history, dry_run=preview)
                status = 200
    repository = form.cleaned_data.get("repository", "") if report is not None else ""
    return render(
        request,
        "stats/history_import.html",
        {
            "access": access,
            "form": form,
            "report": report,
            "preview": preview,
            "repository": repository,
            "repo_owner": repository.partition("/")[0],
            "repo_name": repository.partition("/")[2],
            "followed": access.repositories().order_by("owner", "name"),
        },
        status=status,
    )
