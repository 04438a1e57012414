"""The release downloads API: JSON, CSV, parameters, isolation and its OpenAPI schema."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

from tests.releases_support import asset_with_counts

BASE = "/api/v1/t/acme/repos/acme/rocket/releases/"
START = date(2026, 11, 2)  # a Monday


@pytest.fixture
def stored(world):
    asset_with_counts(world.repo_a, "v1", "rocket.tar.gz", START, [100, 110, None, 130], asset_id=11, release_id=1)
    asset_with_counts(world.repo_a, "v1", "rocket.zip", START, [5, 6], asset_id=12, release_id=1,
                      deleted_on=date(2026, 11, 4))
    asset_with_counts(world.repo_a, "v2", "rocket2.tar.gz", date(2026, 11, 4), [40, 45], asset_id=21, release_id=2)
    asset_with_counts(world.repo_a_hidden, "v9", "HIDDEN.tar.gz", START, [1, 500], asset_id=91, release_id=9)
    asset_with_counts(world.repo_b, "v1", "globex.tar.gz", START, [1, 700], asset_id=92, release_id=10)
    return world


def test_it_answers_buckets_releases_assets_and_totals(stored):
    client = stored.client_for(stored.viewer_a)
    body = client.get(BASE, {"from": "2026-11-02", "to": "2026-11-05"}).json()
    assert body["repo"] == "acme/rocket" and body["interval"] == "day"
    assert (body["from"], body["to"]) == ("2026-11-02", "2026-11-05") and "from_" not in body  # as traffic/
    # 2 Nov first sight; 3 Nov 10 + 1; 4 Nov unobserved by the .tar.gz, v2 first seen; 5 Nov 20 (gap) + 5.
    assert [(p["date"], p["downloads"]) for p in body["results"]] == [
        ("2026-11-02", None), ("2026-11-03", 11), ("2026-11-04", None), ("2026-11-05", 25)]
    assert body["totals"] == {"downloads": 36, "all_time": 130 + 6 + 45}
    v2, v1 = body["releases"]
    assert (v2["tag"], v2["downloads"], v2["all_time"]) == ("v2", 5, 45)
    assert [(a["name"], a["downloads"], a["all_time"], a["deleted_on"]) for a in v1["assets"]] == [
        ("rocket.tar.gz", 30, 130, None), ("rocket.zip", 1, 6, "2026-11-04")]


def test_it_buckets_weeks_and_months(stored):
    client = stored.client_for(stored.owner_a)
    week = client.get(BASE, {"from": "2026-11-02", "to": "2026-11-08", "interval": "week"}).json()
    assert [(p["date"], p["downloads"]) for p in week["results"]] == [("2026-11-02", 36)]
    month = client.get(BASE, {"from": "2026-11-02", "to": "2026-11-30", "interval": "month"}).json()
    assert [(p["date"], p["downloads"]) for p in month["results"]] == [("2026-11-01", 36)]


def test_it_counts_from_the_observation_before_the_range(stored):
    body = stored.client_for(stored.owner_a).get(BASE, {"from": "2026-11-05", "to": "2026-11-05"}).json()
    assert body["totals"]["downloads"] == 25  # 130 - 110 (3 Nov) and 45 - 40


def test_it_exports_one_csv_row_per_asset_and_bucket_with_a_figure(stored):
    response = stored.client_for(stored.owner_a).get(BASE, {"from": "2026-11-02", "to": "2026-11-05",
                                                              "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["repo", "date", "release_tag", "release_name", "asset", "downloads"],
        ["acme/rocket", "2026-11-03", "v1", "Release v1", "rocket.tar.gz", "10"],
        ["acme/rocket", "2026-11-03", "v1", "Release v1", "rocket.zip", "1"],
        ["acme/rocket", "2026-11-05", "v1", "Release v1", "rocket.tar.gz", "20"],
        ["acme/rocket", "2026-11-05", "v2", "Release v2", "rocket2.tar.gz", "5"],
    ]


@pytest.mark.parametrize(("params", "message"), [
    ({"from": "soon"}, "from: "), ({"interval": "year"}, "interval: "),
    ({"from": "2026-11-10", "to": "2026-11-01"}, "from: must not be after to"),
])
def test_it_rejects_bad_parameters_naming_them(stored, params, message):
    response = stored.client_for(stored.owner_a).get(BASE, params)
    assert response.status_code == 400 and response.json()["error"].startswith(message)


def test_it_hides_other_tenants_and_a_limited_viewers_invisible_repositories(stored, client):
    own = stored.client_for(stored.owner_a)
    assert own.get("/api/v1/t/acme/repos/globex/secret-plans/releases/").status_code == 404
    assert own.get("/api/v1/t/globex/repos/globex/secret-plans/releases/").status_code == 404
    limited = stored.client_for(stored.limited_viewer)
    assert limited.get("/api/v1/t/acme/repos/acme/hidden-gem/releases/").json() == {"error": "repository not found"}
    assert limited.get(BASE).status_code == 200
    assert client.get(BASE).status_code == 401


def test_it_documents_the_endpoint_in_the_openapi_schema(tmp_path):
    target = tmp_path / "schema.yaml"
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", str(target)],
        cwd=root, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    get = yaml.safe_load(target.read_text())["paths"]["/api/v1/t/{tenant_slug}/repos/{owner}/{name}/releases/"]["get"]
    assert {"from", "to", "interval", "format"} <= {parameter["name"] for parameter in get["parameters"]}
    assert {"200", "400", "401", "404"} <= set(get["responses"])
    assert "text/csv" in get["responses"]["200"]["content"]
