"""Referrers, path titles and repository names come from GitHub, i.e. from strangers. They must render
escaped in every HTML page, be neutralised against formula injection in every CSV and come back
byte-for-byte in the JSON API."""

import csv
import io
import json
from datetime import timedelta
from urllib.parse import quote

import pytest
from rest_framework.authtoken.models import Token

from repos.models import Repository
from stats.models import DailyTraffic, PathSnapshot, ReferrerSnapshot, RepositoryMetrics
from stats.periods import today_utc

SCRIPT_REFERRER = '<script>alert("referrer")</script>.example'
IMG_TITLE = "<img src=x onerror=alert('title')> \"quoted\" \u2018smart\u2019 Ünïcødé ✓ 日本語 🚀"
QUOTED_PATH = "/blob/main/\"><svg onload=alert(1)>.md"
FORMULAS = ['=HYPERLINK("http://evil.test","click")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)"]
# The longest strings the columns hold (referrer 500, path/title 1000 characters), multi-byte included.
LONG_REFERRER = ("<b>é" * 125)[:500]
LONG_TITLE = ("<i>\"ü'" * 170)[:1000]
# GitHub allows [A-Za-z0-9._-] in names, but the name arrives from an API we do not control.
HOSTILE_REPO_NAME = "<script>alert('repo')"
FORMULA_REPO_NAME = "=1+2"
DANGEROUS_MARKUP = ["<script>alert", "<img src=x", "<svg onload", "<b>é", "<i>\""]


@pytest.fixture
def hostile(world):
    today = today_utc()
    day = today - timedelta(days=1)
    repo = world.repo_a
    for repository in [
        repo,
        Repository.objects.create(tenant=world.tenant_a, owner="acme", name=HOSTILE_REPO_NAME),
        Repository.objects.create(tenant=world.tenant_a, owner="@evil", name=FORMULA_REPO_NAME),
    ]:
        DailyTraffic.objects.create(repository=repository, date=day, views=7, unique_views=3, clones=2, unique_clones=1)
        RepositoryMetrics.objects.create(repository=repository, date=day, stars=1, forks=0, watchers=1)
    referrers = [SCRIPT_REFERRER, LONG_REFERRER, *FORMULAS]
    # The hostile ones lead, so every chart and top list includes them.
    for rank, referrer in enumerate(referrers):
        ReferrerSnapshot.objects.create(repository=repo, date=day, referrer=referrer, count=100 - rank, uniques=1)
    paths = [(QUOTED_PATH, IMG_TITLE), ("/long", LONG_TITLE)] + [(f"/f{i}", title) for i, title in enumerate(FORMULAS)]
    for count, (path, title) in enumerate(paths, start=10):
        PathSnapshot.objects.create(repository=repo, date=day, path=path, title=title, count=count, uniques=1)
    return world


def _api(world):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world.viewer_a).key}")
    return client


def _assert_escaped(html: str) -> None:
    for markup in DANGEROUS_MARKUP:
        assert markup not in html, f"unescaped {markup!r} in page"


def _pages(world):
    name = quote(HOSTILE_REPO_NAME, safe="")
    return {
        "dashboard": "/t/acme/",
        "repository page": "/t/acme/repos/acme/rocket/",
        "hostile repository page": f"/t/acme/repos/acme/{name}/",
        "repositories": "/t/acme/repos/",
        "traffic tables": "/t/acme/traffic/",
    }


def test_it_escapes_hostile_strings_in_every_page(hostile):
    client = hostile.client_for(hostile.viewer_a)
    pages = {label: client.get(url) for label, url in _pages(hostile).items()}
    for label, response in pages.items():
        assert response.status_code == 200, label
        _assert_escaped(response.content.decode())
    dashboard = pages["dashboard"].content.decode()
    repo_page = pages["repository page"].content.decode()
    # Rendered (escaped), not dropped.
    assert "&lt;script&gt;alert(&quot;referrer&quot;)&lt;/script&gt;.example" in repo_page
    assert "&lt;img src=x onerror=alert(&#x27;title&#x27;)&gt;" in repo_page
    assert "Ünïcødé ✓ 日本語 🚀" in repo_page
    assert "&lt;script&gt;alert(&#x27;repo&#x27;)" in dashboard
    assert "&lt;script&gt;alert(&#x27;repo&#x27;)" in pages["hostile repository page"].content.decode()
    for formula in ["=HYPERLINK(&quot;http://evil.test&quot;,&quot;click&quot;)", "@SUM(A1:A9)"]:
        assert formula in repo_page


def test_it_keeps_chart_data_inside_its_json_block(hostile):
    # json_script escapes < > &: a "</script>" in a referrer cannot close the data block.
    html = hostile.client_for(hostile.viewer_a).get("/t/acme/repos/acme/rocket/?period=30d").content.decode()
    start = html.index('id="referrer-chart-data"')
    block = html[html.index(">", start) + 1 : html.index("</script>", start)]
    labels = {dataset["label"] for dataset in json.loads(block)["datasets"]}
    # Parsed back to the exact text, and only the stored referrers are there.
    assert SCRIPT_REFERRER in labels
    assert labels <= {SCRIPT_REFERRER, LONG_REFERRER, *FORMULAS}


def _csv_cells(content: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(content.decode())) for cell in row]


def _assert_neutralised(cells: list[str], *expected: str) -> None:
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), f"formula cell {cell!r}"
    for text in expected:
        assert text in cells, f"{text!r} missing from CSV"


def test_it_neutralises_formulas_in_the_api_csv(hostile):
    client = _api(hostile)
    api = "/api/v1/t/acme/repos/acme/rocket"
    referrers = client.get(f"{api}/referrers/?format=csv")
    assert referrers.status_code == 200
    _assert_neutralised(_csv_cells(referrers.content), *("'" + f for f in FORMULAS), SCRIPT_REFERRER, LONG_REFERRER)
    paths = client.get(f"{api}/paths/?format=csv")
    assert paths.status_code == 200
    _assert_neutralised(_csv_cells(paths.content), *("'" + f for f in FORMULAS), IMG_TITLE, QUOTED_PATH, LONG_TITLE)
    traffic = client.get(f"/api/v1/t/acme/repos/@evil/{quote(FORMULA_REPO_NAME)}/traffic/?format=csv")
    assert traffic.status_code == 200
    _assert_neutralised(_csv_cells(traffic.content), "'@evil/=1+2")


def test_it_neutralises_formulas_in_the_traffic_table_csv(hostile):
    response = hostile.client_for(hostile.viewer_a).get("/t/acme/traffic/?format=csv")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    _assert_neutralised(_csv_cells(content), "'@evil/=1+2", f"acme/{HOSTILE_REPO_NAME}")


def test_it_round_trips_hostile_strings_in_the_json_api(hostile):
    client = _api(hostile)
    api = "/api/v1/t/acme"
    referrers = client.get(f"{api}/repos/acme/rocket/referrers/").json()
    assert {row["referrer"] for row in referrers} == {SCRIPT_REFERRER, LONG_REFERRER, *FORMULAS}
    paths = client.get(f"{api}/repos/acme/rocket/paths/").json()
    assert {(row["path"], row["title"]) for row in paths} >= {(QUOTED_PATH, IMG_TITLE), ("/long", LONG_TITLE)}
    assert {row["title"] for row in paths} >= set(FORMULAS)
    names = {row["full_name"] for row in client.get(f"{api}/repos/").json()}
    assert {f"acme/{HOSTILE_REPO_NAME}", f"@evil/{FORMULA_REPO_NAME}"} <= names
    totals = client.get(f"{api}/traffic/").json()
    assert f"acme/{HOSTILE_REPO_NAME}" in {row["full_name"] for row in totals["repos"]}
    detail = client.get(f"{api}/repos/acme/{quote(HOSTILE_REPO_NAME, safe='')}/traffic/")
    assert detail.status_code == 200
    assert detail.json()["repo"] == f"acme/{HOSTILE_REPO_NAME}"
