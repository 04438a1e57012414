"""Bad input never answers 5xx: every URL pattern of the project (HTML and API, resolved from the
URLconf like tests/test_isolation_sweep.py), requested by an admin of the tenant, with hostile values
in the path arguments, in the query parameters the views read, and in form and JSON bodies.

Hostile here: NUL and other control characters (PostgreSQL raises DataError on a NUL), dates at the
ends of Python's range (OverflowError in date arithmetic), numbers too large for any column, JSON
nested thousands deep (RecursionError). Run it on SQLite and on PostgreSQL (TEST_DATABASE_URL).
Each request runs in a rolled-back transaction, so a POST that succeeds cannot change what the next
request sees.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote, urlencode

import pytest
from django.db import transaction
from django.test import Client
from django.urls import get_resolver

from stats.models import Badge, CollectionRun, DailyTraffic, RunItem
from tenants.models import Invitation, Membership
from tenants.services import github_credential_set
from tests.test_isolation_sweep import _fill, _walk

QUERY_PARAMS = ("from", "to", "period", "interval", "q", "page", "sort", "tenant")
# Tried in one parameter at a time (so an earlier valid parameter cannot hide a later one); a NUL is
# refused before any view runs, so one parameter shows that.
SHARP_VALUES = {"from": ("0001-01-01", "9999-12-31"), "to": ("0001-01-01", "9999-12-31")}
SHARP_DEFAULT = ("99999999999999999999",)
# Tried in all parameters at once.
BLUNT_VALUES = ("\x00", "a\x00b", "\x1b[2J", "\u0085", "-1", "\uff11\uff12", "x" * 3000, "2026-02-30", "NaN")
PATH_VALUES = ("rocket\x00", "\u00fc\u202e", "0", "-1", "99999999999999999999", "x" * 300, "..")
DEEP_ARRAY = "[" * 5000 + "]" * 5000
DEEP_OBJECT = '{"a":' * 5000 + "1" + "}" * 5000
BODY_FIELDS = (
    "full_name", "name", "slug", "email", "role", "token", "api_url", "active", "org", "repositories",
    "repository_ids", "tenant", "from", "to", "all_repositories",
)


def _json_bodies() -> Iterator[str]:
    yield DEEP_ARRAY
    yield DEEP_OBJECT
    yield "[" * 65 + "]" * 65
    yield '{"full_name": %s, "name": %s}' % (DEEP_ARRAY, DEEP_OBJECT)  # noqa: UP031 - JSON text
    for value in ("a\x00b", "\x1b", 99999999999999999999, -1, [], None, "x" * 5000, "0001-01-01"):
        yield json.dumps({name: value for name in BODY_FIELDS})
    yield json.dumps({"\x00": 1})


def _form_bodies() -> Iterator[dict[str, str]]:
    for value in ("a\x00b", "99999999999999999999", "-1", "x" * 5000, "9999-12-31"):
        yield {name: value for name in BODY_FIELDS}


@dataclass
class Findings:
    client: Client
    problems: list[str] = field(default_factory=list)
    requests: int = 0

    def send(self, method: str, path: str, **kwargs: object) -> None:
        """One request in a rolled-back transaction; the session cookie is put back (a POST may log out)."""
        self.requests += 1
        cookies = self.client.cookies
        self.client.cookies = type(cookies)(cookies)
        with transaction.atomic():
            response = getattr(self.client, method.lower())(path, **kwargs)
            transaction.set_rollback(True)
        self.client.cookies = cookies
        if response.status_code >= 500:
            shown = {key: str(value)[:60] for key, value in kwargs.items()}
            self.problems.append(f"{method} {path[:120]!r} {shown} → {response.status_code}")


@pytest.fixture
def target(world, fake_github):
    """Tenant A with something behind every URL argument, and a credential so imports reach GitHub (the fake)."""
    fake_github.add_repo("acme/rocket", github_id=world.repo_a.github_id)
    github_credential_set(tenant=world.tenant_a, token="ghp_sweep_token_1234")
    DailyTraffic.objects.create(repository=world.repo_a, date=date(2026, 1, 5), views=3, unique_views=1)
    run = CollectionRun.objects.create(tenant=world.tenant_a, trigger="ui")
    item = RunItem.objects.create(run=run, repository=world.repo_a)
    invitation = Invitation.objects.create(tenant=world.tenant_a, email="new@acme.test")
    membership = Membership.objects.get(tenant=world.tenant_a, user=world.viewer_a)
    # A live public badge under the sweep's token, so hostile metrics reach the badge's own lookup.
    badge = Badge.objects.create(repository=world.repo_a, token="not-a-signed-token", metrics="views-14d,stars")
    return {
        "tenant_slug": world.tenant_a.slug,
        "owner": world.repo_a.owner,
        "name": world.repo_a.name,
        "repo_id": world.repo_a.pk,
        "repository_id": world.repo_a.pk,
        "run_id": run.pk,
        "item_id": item.pk,
        "membership_id": membership.pk,
        "member_id": membership.pk,
        "invitation_id": invitation.pk,
        "answer": "accept",
        "token": "not-a-signed-token",
        "badge_id": badge.pk,
        "metric": "views-14d",
        "credential_id": world.tenant_a.pk,
        "pk": world.repo_a.pk,
        "app_label": "tenants",
        "model_name": "tenant",
        "object_id": world.tenant_a.pk,
        "content_type_id": 1,
        "id": world.owner_a.pk,
        "url": "tenants/tenant/",
    }


def _urls(values: dict[str, object]) -> list[tuple[str, dict[str, object]]]:
    """(path, the values that built it) for every URL pattern; admin pages first-class but not fuzzed deeper."""
    return [(_fill(segments, values)[0], values) for segments, _ in _walk(get_resolver().url_patterns)]


def _path_variants(values: dict[str, object]) -> Iterator[str]:
    """Each URL argument replaced in turn by each hostile value (percent-encoded, as a browser sends it)."""
    for segments, _ in _walk(get_resolver().url_patterns):
        if str(segments[0]).startswith("admin"):
            continue
        _, names = _fill(segments, values)
        for name in sorted(names):
            for hostile in PATH_VALUES:
                yield _fill(segments, {**values, name: quote(hostile, safe="")})[0]


def test_it_never_answers_5xx_to_hostile_input_anywhere(world, target):
    client = Client(raise_request_exception=False)
    client.force_login(world.owner_a)
    findings = Findings(client=client)
    send = findings.send
    paths = sorted({path for path, _ in _urls(target)})
    assert len(paths) >= 40, "the sweep found suspiciously few URLs"
    # The OpenAPI schema reads no parameter and takes half a second to build: once is enough.
    product = [path for path in paths if not path.startswith(("/admin/", "/api/v1/schema/"))]
    send("GET", f"/api/v1/schema/?{urlencode(dict.fromkeys(QUERY_PARAMS, '9999-12-31'))}")
    # Query parameters: the sharp values one parameter at a time, the blunt ones all at once.
    for path in product:
        for name in QUERY_PARAMS:
            for value in SHARP_VALUES.get(name, SHARP_DEFAULT):
                send("GET", f"{path}?{urlencode({name: value})}")
        for value in BLUNT_VALUES:
            send("GET", f"{path}?{urlencode(dict.fromkeys(QUERY_PARAMS, value))}")
    # The admin (staff only: a member is sent to its login) gets the dates and a NUL in every parameter.
    for path in paths:
        if path.startswith("/admin/"):
            send("GET", f"{path}?{urlencode(dict(dict.fromkeys(QUERY_PARAMS, '0001-01-01'), to='9999-12-31'))}")
    # Path arguments.
    for path in _path_variants(target):
        send("GET", path)
        send("POST", path, data={"name": "x"})
    # Bodies: forms and JSON to every product URL, PUT and PATCH to the API.
    for path in product:
        for form in _form_bodies():
            send("POST", path, data=form)
        for body in _json_bodies():
            send("POST", path, data=body, content_type="application/json")
            if path.startswith("/api/"):
                send("PUT", path, data=body, content_type="application/json")
                send("PATCH", path, data=body, content_type="application/json")
    assert findings.requests > 1000
    assert not findings.problems, f"{len(findings.problems)} of {findings.requests} requests answered 5xx:\n" + (
        "\n".join(findings.problems[:80])
    )


# The specific findings, with the answers they must get (not only "no 5xx").
@pytest.mark.parametrize(
    "path",
    ["/t/acme/", "/t/acme/traffic/", "/t/acme/repos/acme/rocket/"],
)
@pytest.mark.parametrize("query", ["to=0001-01-01", "from=9999-12-31", "from=0001-01-01&to=0001-01-01"])
def test_it_shows_out_of_range_dates_as_a_parameter_error_on_pages(world, path, query):
    response = world.client_for(world.viewer_a).get(f"{path}?{query}")
    assert response.status_code in (200, 400)
    assert "must be between 2000-01-01 and 2999-12-31" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/t/acme/traffic/",
        "/api/v1/t/acme/repos/acme/rocket/traffic/",
        "/api/v1/t/acme/repos/acme/rocket/referrers/",
        "/api/v1/t/acme/repos/acme/rocket/paths/",
        "/api/v1/t/acme/repos/acme/rocket/stars/",
    ],
)
@pytest.mark.parametrize(("query", "parameter"), [("to=0001-01-01", "to"), ("from=9999-12-31", "from")])
def test_it_answers_400_naming_the_parameter_for_out_of_range_dates_in_the_api(world, path, query, parameter):
    response = world.client_for(world.viewer_a).get(f"{path}?{query}")
    assert response.status_code == 400
    assert response.json()["error"].startswith(f"{parameter}: must be between")


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/t/acme/traffic/?q=%00", 400),
        ("/switch/?tenant=%00", 400),
        ("/t/acme/?period=%1b", 400),
        ("/api/v1/t/acme/traffic/?sort=a%00", 400),
        ("/api/v1/t/acme/repos/acme/rocket%00/traffic/", 404),
        ("/t/acme/repos/acme/rocket%00/", 404),
    ],
)
def test_it_refuses_control_characters_in_paths_and_queries(world, path, status):
    response = world.client_for(world.owner_a).get(path)
    assert response.status_code == status
    if path.startswith("/api/"):
        assert "error" in response.json()


def test_it_refuses_control_characters_in_form_and_json_bodies(world):
    client = world.client_for(world.owner_a)
    page = client.post("/t/acme/repos/add/", {"full_name": "acme/rock\x00et"})
    assert page.status_code == 400
    api = client.post("/api/v1/t/acme/repos/", {"full_name": "acme/rock\x00et"}, content_type="application/json")
    assert api.status_code == 400
    assert "control characters" in api.json()["error"]
    # Line breaks and tabs stay allowed in forms (text areas).
    renamed = client.post("/t/acme/settings/", {"name": "Acme\r\nRenamed\t"})
    assert renamed.status_code in (200, 302)


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT, '{"full_name": ' + DEEP_ARRAY + "}", "[" * 65 + "]" * 65])
def test_it_answers_400_to_json_nested_too_deep(world, body):
    client = world.client_for(world.owner_a)
    for method, path in (("post", "/api/v1/t/acme/repos/"), ("put", "/api/v1/t/acme/github-credential/")):
        response = getattr(client, method)(path, body, content_type="application/json")
        assert response.status_code == 400, method
        assert "nested deeper than 64 levels" in response.json()["error"]
    shallow = client.post("/api/v1/t/acme/repos/", {"full_name": [[["acme/x"]]]}, content_type="application/json")
    assert shallow.status_code == 400 and "nested" not in shallow.json()["error"]
