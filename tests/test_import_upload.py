"""The history import page: tenant admins upload a ghrs zip/files or GitHub answers, preview or import."""

from __future__ import annotations

import io
import json
import os
import zipfile
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from repos.models import Repository
from stats.models import DailyTraffic, ReferrerSnapshot
from tests.browser_support import ARTIFACTS, CHROMIUM, log_in
from tests.import_support import assert_rollups_exact

URL = "/t/acme/settings/import/"
AGGREGATE = ("time_iso8601,clones_total,clones_unique,views_total,views_unique\n"
             "2025-12-01 00:00:00+00:00,5,2,40,9\n2025-12-02 00:00:00+00:00,1,1,12,4\n")


def ghrs_zip() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ghrs-data/views_clones_aggregate.csv", AGGREGATE)
        archive.writestr("ghrs-data/snapshots/2025-12-02_101010_top_referrers_snapshot.csv",
                         "referrer,views_total,views_unique\ngithub.com,9,3\n")
        archive.writestr("ghrs-data/README.md", "ignored")
    return SimpleUploadedFile("ghrs-data.zip", buffer.getvalue(), content_type="application/zip")


def test_it_imports_a_ghrs_zip_and_reports_what_it_did(world):
    client = world.client_for(world.owner_a)
    assert client.get(URL).status_code == 200
    response = client.post(URL, {"source": "ghrs", "repository": "acme/rocket", "files": ghrs_zip(),
                                 "import": "1"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Imported" in body and "Days of traffic" in body
    days = sorted(DailyTraffic.objects.filter(repository=world.repo_a).values_list("date", "views"))
    assert days == [(date(2025, 12, 1), 40), (date(2025, 12, 2), 12)]
    assert ReferrerSnapshot.objects.filter(repository=world.repo_a, referrer="github.com").exists()
    assert_rollups_exact(world.tenant_a)
    again = client.post(URL, {"source": "ghrs", "repository": "acme/rocket", "files": ghrs_zip(), "import": "1"})
    assert "Nothing new" in again.content.decode()
    assert DailyTraffic.objects.filter(repository=world.repo_a).count() == 2


def test_it_previews_without_saving(world):
    response = world.client_for(world.owner_a).post(
        URL, {"source": "ghrs", "repository": "acme/new-one", "files": ghrs_zip(), "preview": "1"})
    assert response.status_code == 200
    assert "Preview: nothing was saved" in response.content.decode()
    assert not DailyTraffic.objects.exists()
    assert not Repository.objects.filter(name="new-one").exists()


def test_it_imports_loose_csv_files_and_saved_answers(world):
    client = world.client_for(world.owner_a)
    response = client.post(URL, {"source": "ghrs", "repository": "acme/rocket", "import": "1",
                                 "files": [SimpleUploadedFile("views_clones_aggregate.csv", AGGREGATE.encode())]})
    assert response.status_code == 200
    views = {"count": 3, "uniques": 1, "views": [{"timestamp": "2026-02-02T00:00:00Z", "count": 3, "uniques": 1}]}
    clones = {"count": 0, "uniques": 0, "clones": []}
    response = client.post(URL, {
        "source": "github-json", "repository": "acme/rocket", "fetched_on": "2026-02-03", "import": "1",
        "files": [SimpleUploadedFile("views.json", json.dumps(views).encode()),
                  SimpleUploadedFile("clones.json", json.dumps(clones).encode())],
    })
    assert response.status_code == 200
    stored = dict(DailyTraffic.objects.filter(repository=world.repo_a).values_list("date", "views"))
    assert stored[date(2026, 2, 2)] == 3 and stored[date(2026, 2, 3)] == 0 and stored[date(2026, 1, 20)] == 0
    assert len(stored) == 2 + 15


def test_it_answers_400_naming_file_and_line_and_saves_nothing(world):
    bad = AGGREGATE + "2025-12-03 00:00:00+00:00,1,1,lots,1\n"
    response = world.client_for(world.owner_a).post(URL, {
        "source": "ghrs", "repository": "acme/rocket", "import": "1",
        "files": [SimpleUploadedFile("views_clones_aggregate.csv", bad.encode())]})
    assert response.status_code == 400
    assert "views_clones_aggregate.csv:4: views_total: &#x27;lots&#x27; is not a count" in response.content.decode()
    assert not DailyTraffic.objects.exists()
    response = world.client_for(world.owner_a).post(URL, {
        "source": "ghrs", "repository": "acme/rocket", "import": "1",
        "files": [SimpleUploadedFile("ghrs.zip", b"not a zip")]})
    assert response.status_code == 400 and "not a zip file" in response.content.decode()
    response = world.client_for(world.owner_a).post(URL, {"source": "ghrs", "repository": "no", "import": "1"})
    assert response.status_code == 400
    assert not DailyTraffic.objects.exists()


def test_it_lets_only_the_tenants_admins_in(world):
    for user in (world.maintainer, world.viewer_a, world.limited_viewer):
        client = world.client_for(user)
        assert client.get(URL).status_code == 403
        response = client.post(URL, {"source": "ghrs", "repository": "acme/rocket", "files": ghrs_zip(),
                                     "import": "1"})
        assert response.status_code == 403
    # Another tenant's admin: the tenant does not exist for them.
    assert world.client_for(world.owner_b).get(URL).status_code == 404
    response = world.client_for(world.owner_b).post(URL, {"source": "ghrs", "repository": "acme/rocket",
                                                          "files": ghrs_zip(), "import": "1"})
    assert response.status_code == 404
    assert not DailyTraffic.objects.exists()


def test_it_needs_the_csrf_token(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.owner_a)
    response = client.post(URL, {"source": "ghrs", "repository": "acme/rocket", "files": ghrs_zip()})
    assert response.status_code == 403
    assert not DailyTraffic.objects.exists()


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium missing: apt-get install -y chromium")
def test_it_shows_the_report_in_the_browser(world, live_server, page, tmp_path):
    csv_file = tmp_path / "views_clones_aggregate.csv"
    csv_file.write_text(AGGREGATE)
    log_in(page, live_server)
    page.goto(f"{live_server.url}{URL}")
    page.fill("input[name=repository]", "acme/rocket")
    page.set_input_files("input[name=files]", str(csv_file))
    page.click("button[name=import]")
    page.wait_for_load_state("networkidle")
    assert page.locator("#report-title").inner_text() == "Imported"
    row = page.locator("tr", has_text="Days of traffic").inner_text().split()
    assert row[-3:] == ["2", "0", "0"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "history-import-report.png"), full_page=True)
    assert page.console_errors == []


def test_it_needs_the_fetch_day_of_uploaded_answers(world):
    views = {"count": 3, "uniques": 1, "views": [{"timestamp": "2026-02-02T00:00:00Z", "count": 3, "uniques": 1}]}
    response = world.client_for(world.owner_a).post(URL, {
        "source": "github-json", "repository": "acme/rocket", "import": "1",
        "files": [SimpleUploadedFile("views.json", json.dumps(views).encode())]})
    assert response.status_code == 400
    assert "Give the day the answers were fetched" in response.content.decode()
    assert not DailyTraffic.objects.exists()
    # The form says so up front: the label names when the day is needed, with no "(optional)" beside it.
    page = world.client_for(world.owner_a).get(URL).content.decode()
    label = page[page.index('for="id_fetched_on"'):]
    label = label[:label.index("</label>")]
    assert "required for GitHub JSON answers" in label and "(optional)" not in label
