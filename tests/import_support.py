"""Helpers for the history import tests: run the command, read the stored state, check the rollups."""

from __future__ import annotations

import contextlib
import io
from unittest import mock

from django.core.management import ManagementUtility, call_command

from stats.collection.rollups import rollups_rebuild
from stats.models import (
    DailyTraffic,
    PathSnapshot,
    ReferrerSnapshot,
    RepositoryMetrics,
    RepositoryMonthlyRollup,
    TenantDailyRollup,
    WeeklyTraffic,
)
from tenants.models import Tenant


def run_import(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_history", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def run_cli(*args: str) -> tuple[int, str, str]:
    """As from a shell: argument errors and CommandError become exit statuses with one line on stderr.
    (run_from_argv closes every connection when done: kept open here, the test's transaction lives on it.)"""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            mock.patch("django.core.management.base.connections.close_all"):
        try:
            ManagementUtility(["manage.py", "import_history", *args]).execute()
        except SystemExit as exc:
            return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def stored_state() -> dict[str, list[tuple]]:
    """Every stored traffic row, comparable before and after an import."""
    return {
        "daily": sorted(DailyTraffic.objects.values_list("repository_id", "date", "views", "unique_views", "clones",
                                                          "unique_clones")),
        "weekly": sorted(WeeklyTraffic.objects.values_list("repository_id", "week_start", "views")),
        "referrers": sorted(ReferrerSnapshot.objects.values_list("repository_id", "date", "referrer", "count",
                                                                 "uniques")),
        "paths": sorted(PathSnapshot.objects.values_list("repository_id", "date", "path", "count", "uniques")),
        "metrics": sorted(RepositoryMetrics.objects.values_list("repository_id", "date", "stars", "forks",
                                                                "watchers")),
        "tenant_rollups": sorted(TenantDailyRollup.objects.values_list(
            "tenant_id", "date", "views", "clones", "peak_unique_views", "peak_unique_clones", "repos_covered")),
        "month_rollups": sorted(RepositoryMonthlyRollup.objects.values_list("repository_id", "month", "views",
                                                                            "clones", "days")),
    }


def assert_rollups_exact(*tenants: Tenant) -> None:
    """The rollups the import kept equal those recomputed from the daily rows."""
    kept = stored_state()
    rollups_rebuild(tenant_ids=[tenant.pk for tenant in tenants])
    rebuilt = stored_state()
    assert kept["tenant_rollups"] == rebuilt["tenant_rollups"]
    assert kept["month_rollups"] == rebuilt["month_rollups"]
