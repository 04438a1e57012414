"""Referrers, path titles and repository names come from GitHub, i.e. from strangers. They must render
escaped in every HTML page, be neutralised against formula injection in every CSV and come back
byte-for-byte in the JSON API."""

import csv
import io
import json
import time
from datetime import timedelta
from urllib.parse import quote

import pytest
from knox.models import AuthToken

from repos.models import Repository
from stats.models import DailyTraffic, PathSnapshot, ReferrerSnapshot, RepositoryMetrics
from stats.traffic.periods import today_utc

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
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=world.viewer_a)[1]}")
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
    assert labels <= {SCRIPT_REFERRER, LONG_REFERRER, *FORMULAS, "Other referrers"}  # the rest folded


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


# --- Webhook bodies (POST /hooks/collect/) -------------------------------------------------------

HOOK_SECRET = "hostile-webhook-secret"


class _ExplodingStream:
    """A request body that must not be read."""

    def read(self, *args, **kwargs):
        raise AssertionError("the webhook read a body it should have refused by its Content-Length")

    readline = read


@pytest.fixture
def hook(world, settings, monkeypatch, django_capture_on_commit_callbacks):
    from django.test import Client

    from stats.collection import scheduling
    from stats.collection.webhook import signature_for

    settings.WEBHOOK_SECRET = HOOK_SECRET
    queued: list = []
    monkeypatch.setattr(scheduling, "async_task", lambda *args, **kwargs: queued.append(args))
    client = Client()

    def post(raw: bytes, *, content_type: str = "application/json", signed: bool = True, **extra):
        headers = {"X-Hub-Signature-256": signature_for(raw, secret=HOOK_SECRET)} if signed else {}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/hooks/collect/", data=raw, content_type=content_type, headers=headers, **extra)

    post.queued = queued
    return post


def _nothing_queued() -> None:
    from stats.models import CollectionRun

    assert not CollectionRun.objects.exists()


def test_it_refuses_a_huge_declared_body_without_reading_it(hook, settings):
    from django.test import RequestFactory

    from stats.collection.webhook import collect_hook

    request = RequestFactory().post("/hooks/collect/", data=b"{}", content_type="application/json")
    request.META["CONTENT_LENGTH"] = str(50 * 1024 * 1024)
    request.META["wsgi.input"] = _ExplodingStream()
    request._stream = _ExplodingStream()
    response = collect_hook(request)
    assert response.status_code == 413
    assert "too large" in json.loads(response.content)["error"]
    _nothing_queued()


def test_it_refuses_a_huge_body_even_when_correctly_signed(hook):
    from stats.collection.webhook import MAX_BODY_BYTES

    body = json.dumps({"tenant": "acme", "pad": "x" * (MAX_BODY_BYTES + 10)}).encode()
    response = hook(body)
    assert response.status_code == 413
    # Invalid UTF-8 and not JSON at all: still 413, since the size is checked before any parsing.
    assert hook(b"\xff" * (MAX_BODY_BYTES + 1), content_type="text/plain").status_code == 413
    _nothing_queued()


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"],
)
def test_it_refuses_bodies_that_are_not_json(hook, content_type):
    response = hook(b'{"tenant": "acme"}', content_type=content_type)
    assert response.status_code == 415
    assert "application/json" in response.json()["error"]
    _nothing_queued()


def test_it_accepts_json_with_a_charset_or_a_json_suffix(hook):
    now = int(time.time())  # a signed body carries a timestamp and a unique nonce
    acme = json.dumps({"tenant": "acme", "timestamp": now, "nonce": "charset-test-1"}).encode()
    globex = json.dumps({"tenant": "globex", "timestamp": now, "nonce": "charset-test-2"}).encode()
    assert hook(acme, content_type="application/json; charset=utf-8").status_code == 202
    assert hook(globex, content_type="application/vnd.ping+json").status_code == 202


@pytest.mark.parametrize(
    "raw",
    [
        b'{"tenant": "\xff\xfe"}',  # not UTF-8 at all
        b'{"tenant": "\xc0\xaf"}',  # overlong encoding of "/"
        b'{"tenant": "\xed\xa0\x80"}',  # an encoded surrogate
        '{"tenant": "acme"}'.encode("utf-16"),
    ],
)
def test_it_refuses_invalid_utf8(hook, raw):
    response = hook(raw)
    assert response.status_code == 400
    assert "UTF-8" in response.json()["error"]
    _nothing_queued()


@pytest.mark.parametrize(
    "raw",
    [
        # JSON escapes may still spell a lone surrogate, which no database can store or compare.
        b'{"tenant": "\\ud800"}',
        b'{"tenant": "acme\\u0000"}',
        b'{"tenant": "' + b"a" * 5000 + b'"}',
        b'{"tenant": ["acme"]}',
        # Deep nesting fits in the size cap but must not blow the parser's stack.
        b"[" * 8000 + b"]" * 8000,
        b'{"tenant": "acme", "timestamp": "NaN"}',
        b'{"tenant": "acme", "timestamp": 1e999}',
    ],
)
def test_it_answers_hostile_json_with_a_client_error(hook, raw):
    response = hook(raw)
    assert 400 <= response.status_code < 500, response.content
    assert "error" in response.json()
    _nothing_queued()


def test_it_does_not_let_a_nan_timestamp_through_the_replay_check(hook):
    # json.loads accepts NaN, and every comparison with NaN is false.
    response = hook(b'{"tenant": "acme", "timestamp": NaN}')
    assert response.status_code in (400, 401)
    _nothing_queued()


@pytest.mark.parametrize(
    "raw", [b'{"token": "\\ud800"}', b'{"token": "x\\u0000y"}', b'{"token": 12}', b'{"token": "' + b"a" * 9000 + b'"}']
)
def test_it_refuses_a_hostile_token_in_an_unsigned_body(hook, raw):
    response = hook(raw, signed=False)
    assert response.status_code == 401
    _nothing_queued()


def test_it_refuses_a_hostile_bearer_token(hook):
    response = hook(b"{}", signed=False, HTTP_AUTHORIZATION="Bearer \udcff\x00" + "a" * 5000)
    assert response.status_code == 401
    _nothing_queued()


# --- The same strings arriving from GitHub through a collection ------------------------------------

HUGE = "=cmd|' /C calc'!A0 <script>alert('huge')</script> \"é\" " * 200  # about 10 kB


def test_it_collects_hostile_and_10kb_strings_safely(rocket_only, fake_github):
    world = rocket_only
    from datetime import UTC, datetime

    from stats.collection import services
    from stats.models import CollectionRun
    from tenants.services import github_credential_set

    now = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    github_credential_set(tenant=world.tenant_a, token="ghp_hostileCollectionToken0000000001")
    fake_github.set_now(now)
    fake_github.add_repo("acme/rocket", github_id=1001)
    referrers = [SCRIPT_REFERRER, HUGE, *FORMULAS]
    paths = [(QUOTED_PATH, IMG_TITLE), ("/" + HUGE, HUGE), ("/f", FORMULAS[0])]

    def popular(repo, kind):
        if kind == "referrers":
            return [{"referrer": r, "count": 50 - i, "uniques": 1} for i, r in enumerate(referrers)]
        return [{"path": p, "title": t, "count": 50 - i, "uniques": 1} for i, (p, t) in enumerate(paths)]

    fake_github.popular_body = popular
    run = services.collection_run_start(tenant=world.tenant_a, trigger=CollectionRun.Trigger.COMMAND, now=now)
    run = services.collection_run_execute(run=run, now=now)
    # 10 kB does not fit the columns: cut to their size (PostgreSQL would refuse it), the run succeeds.
    assert run.status == CollectionRun.Status.SUCCEEDED, run.error_summary
    stored = set(ReferrerSnapshot.objects.values_list("referrer", flat=True))
    assert stored == {SCRIPT_REFERRER, HUGE[:500], *FORMULAS}
    titles = set(PathSnapshot.objects.values_list("title", flat=True))
    assert titles == {IMG_TITLE, HUGE[:1000], FORMULAS[0]}

    client = _api(world)
    day = now.date().isoformat()
    api = f"/api/v1/t/acme/repos/acme/rocket/referrers/?from={day}&to={day}"
    assert {row["referrer"] for row in client.get(api).json()} == stored
    cells = _csv_cells(client.get(api + "&format=csv").content)
    _assert_neutralised(cells, "'" + HUGE[:500], SCRIPT_REFERRER)
    page = world.client_for(world.viewer_a).get(f"/t/acme/repos/acme/rocket/?from={day}&to={day}")
    assert page.status_code == 200
    html = page.content.decode()
    _assert_escaped(html)
    assert "<script>alert('huge')" not in html
    assert "&lt;script&gt;alert(&#x27;huge&#x27;)" in html


def test_it_escapes_hostile_repository_names_and_errors_on_run_pages(hostile):
    from stats.models import CollectionRun, RunItem

    repo = Repository.objects.get(name=HOSTILE_REPO_NAME)
    error = f'GitHub answered 418 for /repos/acme/{HOSTILE_REPO_NAME}: <img src=x onerror=alert("e")>'
    run = CollectionRun.objects.create(
        tenant=hostile.tenant_a, trigger=CollectionRun.Trigger.COMMAND, status=CollectionRun.Status.FAILED,
        repos_total=1, repos_failed=1, error_summary=f"acme/{HOSTILE_REPO_NAME}: {error}",
    )
    RunItem.objects.create(run=run, repository=repo, status=RunItem.Status.FAILED, error=error)
    Repository.objects.filter(pk=repo.pk).update(last_error=error)
    client = hostile.client_for(hostile.owner_a)
    for url in ["/t/acme/runs/", f"/t/acme/runs/{run.pk}/", "/t/acme/repos/", "/t/acme/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_escaped(response.content.decode())
    detail = client.get(f"/t/acme/runs/{run.pk}/").content.decode()
    assert "&lt;img src=x onerror=alert(&quot;e&quot;)&gt;" in detail
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=hostile.owner_a)[1]}")
    runs = api.get("/api/v1/t/acme/runs/")
    assert runs.status_code == 200
    assert [row["error_summary"] for row in runs.json()["runs"]] == [run.error_summary]
