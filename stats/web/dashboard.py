"""Tenant dashboard and traffic tables (server-rendered; charts are drawn by static/js/charts.js
from `<script type="application/json">` blocks, since the CSP forbids inline scripts)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse

from common.csv import csv_lines
from common.errors import ParameterError
from stats.collection.freshness import tenant_collection_risk
from stats.traffic import coverage, estimate_selectors, selectors, table_selectors
from stats.traffic.periods import (
    INTERVALS,
    PERIOD_LABELS,
    DateRange,
    Interval,
    bucket_days_in_range,
    bucket_last_day,
    bucket_length,
    bucket_starts,
    default_interval,
    parse_range,
    today_utc,
)
from stats.web.onboarding import first_run_checklist
from stats.web.releases import dashboard_release_context
from tenants.access import TenantAccess
from tenants.selectors import github_app_installation_get, github_credential_get

TABLE_PAGE_SIZE = 50
CSV_CHUNK = 2000


def _access(request: HttpRequest) -> TenantAccess:
    return request.tenant_access  # type: ignore[attr-defined]


HUMAN_DATE = "%d %b %Y"  # how the pages write dates ("1 Nov 2026"); the range form accepts it back


def _normalise_dates(params: Mapping[str, str]) -> dict[str, str]:
    """`from`/`to` as the pages write them ("1 Nov 2026") or ISO → ISO; anything else is left for parse_range."""
    normalised = {key: params.get(key, "") for key in params}
    for name in ("from", "to"):
        raw = (normalised.get(name) or "").strip()
        with contextlib.suppress(ValueError):
            normalised[name] = datetime.strptime(raw, HUMAN_DATE).date().isoformat()
    return normalised


def ui_range(request: HttpRequest, *, access: TenantAccess, today: date | None = None) -> tuple[DateRange, str]:
    """The period in the URL (period, from, to, interval); on a bad value the default and the message."""
    first_day = selectors.first_stored_day(access=access) if request.GET.get("period") == "all" else None
    try:
        params = _normalise_dates(request.GET)
        return parse_range(params, today=today, first_day=first_day, allow_period=True), ""
    except ParameterError as error:
        return parse_range({}, today=today, allow_period=True), str(error)


def url_params(request: HttpRequest) -> dict[str, str | list[str]]:
    """The query string as a dict; repeated keys (`repo`) keep all their values."""
    return {key: values if len(values) > 1 else values[0] for key, values in request.GET.lists()}


def query_url(params: Mapping[str, str | list[str]], **changes: str | None) -> str:
    merged = {key: value for key, value in params.items() if value}
    for key, value in changes.items():
        if value:
            merged[key] = value
        else:
            merged.pop(key, None)
    return "?" + urlencode(merged, doseq=True) if merged else "?"


def period_context(request: HttpRequest, period: DateRange) -> dict[str, Any]:
    """Links of the period picker and the interval switch, keeping the rest of the URL state."""
    params = url_params(request)
    params.pop("page", None)
    periods = [
        {
            "key": key,
            "label": label,
            # The chosen interval stays when the period changes (parse_range picks one only when none is given).
            "url": query_url(params, period=key, **{"from": None, "to": None}),
            "current": period.period == key,
        }
        for key, label in PERIOD_LABELS.items()
    ]
    intervals = [
        {
            "key": key,
            "label": key.capitalize(),
            "url": query_url(params, interval=key),
            "current": period.interval == key,
        }
        for key in INTERVALS
    ]
    hidden = [
        (key, value)
        for key, values in request.GET.lists()
        if key not in {"from", "to", "period", "page"}
        for value in values
        if value
    ]
    return {
        "period": period,
        "period_links": periods,
        "interval_links": intervals,
        "period_hidden": hidden,
        "period_label": PERIOD_LABELS.get(period.period, "Custom range"),
    }


def chart_spec(
    points: list[Any],
    series: list[tuple[str, str]],
    interval: Interval,
    *,
    period: DateRange | None = None,
    today: date | None = None,
    scope: str = "repository",
) -> dict[str, Any]:
    """The JSON charts.js draws: labels, one dataset per (attribute, label); None stays null (a gap).

    A series with no value at all is left out (no legend entry without a line). With `period`, the
    points' coverage comes along: `complete` per bucket and a tooltip note for the incomplete ones.
    """
    datasets = [{"label": label, "data": [getattr(point, attr) for point in points]} for attr, label in series]
    shown = [dataset for dataset in datasets if any(value is not None for value in dataset["data"])]
    spec: dict[str, Any] = {
        "labels": [point.date.isoformat() for point in points],
        "unit": interval,
        "datasets": shown or datasets[:1],
    }
    if period is not None and points and getattr(points[0], "complete", None) is not None:
        spec["complete"] = [bool(point.complete) for point in points]
        spec["notes"] = [coverage_note(point, interval, period, today_utc(today), scope) for point in points]
    return spec


def coverage_note(point: Any, interval: Interval, period: DateRange, today: date, scope: str) -> str:
    """What a tooltip says about an incomplete bucket ("3 of 7 days collected", "week in progress")."""
    if point.complete or point.views is None:
        return ""
    length = bucket_length(point.date, interval)
    in_range = bucket_days_in_range(point.date, interval, period.start, period.end)
    if scope == "tenant":
        repositories = point.days_expected // in_range if in_range else 0
        collected = (
            f"{point.days_covered} of {repositories} repositories collected"
            if interval == "day"
            else f"{point.days_covered:,} of {point.days_expected:,} repository-days collected"
        )
    else:
        collected = f"{point.days_covered} of {length} days collected"
    if interval == "day":
        return collected
    if bucket_last_day(point.date, interval) > period.end and period.end >= today:
        return f"{interval} in progress · {collected}"
    if in_range < length:
        return f"only {in_range} of {length} days in the range · {collected}"
    return collected


def spark_partial(period: DateRange, interval: Interval) -> str:
    """Which sparkline buckets the range cuts ("0,1,0,…,1"), so the sparkline can mark them."""
    return ",".join(
        "1" if bucket_days_in_range(bucket, interval, period.start, period.end) < bucket_length(bucket, interval)
        else "0"
        for bucket in bucket_starts(period.start, period.end, interval)
    )


DASHBOARD_TABLE_ROWS = 100


def tenant_dashboard(request: HttpRequest, tenant_slug: str, today: date | None = None) -> HttpResponse:
    access = _access(request)
    today = today_utc(today)
    period, error = ui_range(request, access=access, today=today)
    points = coverage.tenant_traffic_with_coverage(
        access=access, interval=period.interval, start=period.start, end=period.end
    )
    repositories = selectors.tenant_repository_totals(
        access=access,
        start=period.start,
        end=period.end,
        previous=period.previous(),
        spark_interval=default_interval(period.days),
        spark_limit=DASHBOARD_TABLE_ROWS,
    )
    has_repositories = access.repositories().exists()
    has_data = any(point.views is not None for point in points)
    context = {
        **period_context(request, period),
        "error": error,
        "cards": selectors.dashboard_cards(access=access, period=period),
        "chart": chart_spec(
            points, [("views", "Views"), ("clones", "Clones")], period.interval, period=period, today=today,
            scope="tenant",
        ),
        "partial_buckets": sum(1 for point in points if point.views is not None and not point.complete),
        "spark_partial": spark_partial(period, default_interval(period.days)),
        "spark_interval": default_interval(period.days),
        # An empty tenant (nothing followed, or nothing ever collected) gets the first-run checklist.
        "checklist": first_run_checklist(access)
        if not has_repositories or (not has_data and selectors.first_stored_day(access=access) is None)
        else None,
        "has_data": has_data,
        "has_repositories": has_repositories,
        # Per repository and bucket, with GitHub's uniques where they exist and each row's coverage.
        "csv_url": reverse("traffic-tables", kwargs={"tenant_slug": access.tenant.slug})
        + query_url(url_params(request), format="csv", interval=period.interval, period=period.period,
                    **{"from": period.start.isoformat(), "to": period.end.isoformat()}),
        "has_credential": github_app_installation_get(access=access) is not None
        or github_credential_get(access=access) is not None,
        # The busiest repositories only: a page with a thousand rows and sparklines helps nobody
        # (bench/query.py measured the full table at 2.4 x the page's data queries); the traffic
        # tables page lists them all.
        "repositories": repositories[:DASHBOARD_TABLE_ROWS],
        "repositories_total": len(repositories),
        # Estimated over the selected period (the latest snapshot when too few are stored).
        "referrers": estimate_selectors.period_top(access=access, kind="referrers", start=period.start, end=period.end),
        "paths": estimate_selectors.period_top(access=access, kind="paths", start=period.start, end=period.end),
        "can_manage": access.has_role("maintainer"),
        "risk": tenant_collection_risk(access=access, today=today),
        **dashboard_release_context(access=access, period=period),
    }
    return render(request, "stats/dashboard.html", context)


TABLE_HEADER = [
    "repo", "date", "views", "unique_views", "clones", "unique_clones", "days_covered", "days_expected", "complete"
]


def _table_csv(access: TenantAccess, period: DateRange, queryset: Any) -> Iterator[list[object]]:
    chunk: list[dict] = []
    for row in queryset.iterator(chunk_size=CSV_CHUNK):
        chunk.append(row)
        if len(chunk) >= CSV_CHUNK:
            yield from _csv_rows(access, period, chunk)
            chunk = []
    yield from _csv_rows(access, period, chunk)


def _csv_rows(access: TenantAccess, period: DateRange, chunk: list[dict]) -> Iterator[list[object]]:
    for row in table_selectors.traffic_table_rows(
        access=access, interval=period.interval, rows=chunk, start=period.start, end=period.end
    ):
        yield [
            row.repository, row.date, row.views, row.unique_views, row.clones, row.unique_clones,
            row.days_covered, row.days_expected, row.complete,
        ]


def traffic_tables(request: HttpRequest, tenant_slug: str, today: date | None = None) -> HttpResponse:
    """One row per repository and bucket, sorted, searched and paginated in the database."""
    access = _access(request)
    period, error = ui_range(request, access=access, today=today)
    search = request.GET.get("q", "").strip()[:100]
    sort = request.GET.get("sort", "-date")
    if sort not in table_selectors.TABLE_SORTS:
        sort = "-date"
    # ?repo=owner/name (repeatable) narrows the table to the chosen repositories.
    chosen = [repo for repo in access.repositories() if repo.full_name.lower() in
              {name.strip().lower() for name in request.GET.getlist("repo")[:50]}] if request.GET.get("repo") else None
    queryset = table_selectors.traffic_table_queryset(
        access=access, interval=period.interval, start=period.start, end=period.end, search=search, sort=sort,
        repository_ids=[repo.pk for repo in chosen] if chosen is not None else None,
    )
    if request.GET.get("format") == "csv":
        lines = csv_lines(TABLE_HEADER, _table_csv(access, period, queryset))
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        filename = f"{access.tenant.slug}-traffic-{period.interval}-{period.start}-{period.end}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    page = Paginator(queryset, TABLE_PAGE_SIZE).get_page(request.GET.get("page"))
    params = url_params(request)
    columns = [("repo", "Repository"), ("date", "Date"), ("views", "Views"), ("clones", "Clones")]
    sort_links = {
        key: {
            "label": label,
            "url": query_url(params, sort=(key if sort == f"-{key}" else f"-{key}"), page=None),
            "direction": "descending" if sort == f"-{key}" else "ascending" if sort == key else "none",
        }
        for key, label in columns
    }
    context = {
        **period_context(request, period),
        "error": error,
        "rows": table_selectors.traffic_table_rows(
            access=access, interval=period.interval, rows=page.object_list, start=period.start, end=period.end
        ),
        "page": page,
        "search": search,
        "sort": sort,
        "chosen": chosen or [],
        "clear_repos_url": query_url(params, repo=None, page=None),
        "search_hidden": [
            (key, value) for key, values in request.GET.lists() if key not in {"q", "page"} for value in values
        ],
        "sort_links": sort_links,
        "csv_url": query_url(params, format="csv", page=None),
        "prev_url": query_url(params, page=str(page.previous_page_number())) if page.has_previous() else "",
        "next_url": query_url(params, page=str(page.next_page_number())) if page.has_next() else "",
    }
    return render(request, "stats/traffic_tables.html", context)
