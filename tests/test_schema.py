"""The OpenAPI schema validates (drf-spectacular's validator, warnings are failures) and documents the API."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

TRAFFIC_ENDPOINTS = [
    "/api/v1/t/{tenant_slug}/traffic/",
    "/api/v1/t/{tenant_slug}/repos/{owner}/{name}/traffic/",
    "/api/v1/t/{tenant_slug}/repos/{owner}/{name}/referrers/",
    "/api/v1/t/{tenant_slug}/repos/{owner}/{name}/paths/",
    "/api/v1/t/{tenant_slug}/repos/{owner}/{name}/stars/",
]


def test_it_validates_the_schema_and_documents_traffic_and_repository_endpoints(tmp_path):
    target = tmp_path / "schema.yaml"
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", str(target)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    schema = yaml.safe_load(target.read_text())
    paths = schema["paths"]
    for endpoint in TRAFFIC_ENDPOINTS:
        get = paths[endpoint]["get"]
        names = {parameter["name"] for parameter in get["parameters"]}
        assert {"from", "to", "format"} <= names, endpoint
        assert {"200", "400", "404"} <= set(get["responses"]), endpoint
        assert "text/csv" in get["responses"]["200"]["content"], endpoint
    assert "interval" in {p["name"] for p in paths["/api/v1/t/{tenant_slug}/traffic/"]["get"]["parameters"]}
    repos = paths["/api/v1/t/{tenant_slug}/repos/"]
    assert {"201", "400", "409", "403"} <= set(repos["post"]["responses"])
    assert "204" in paths["/api/v1/t/{tenant_slug}/repos/{owner}/{name}/"]["delete"]["responses"]
    point = schema["components"]["schemas"]["TrafficPoint"]["properties"]
    assert point["views"]["nullable"] is True and point["unique_views"]["nullable"] is True
    traffic = schema["components"]["schemas"]["RepositoryTraffic"]
    assert list(traffic["properties"]) == ["repo", "interval", "from", "to", "results", "totals"]
