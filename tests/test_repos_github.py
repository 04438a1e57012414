"""The GitHub client against the fake over loopback: headers, retries, timeouts, rate limits, errors."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from repos import github
from repos.github import (
    MSG_NO_ACCESS,
    MSG_NOT_FOUND,
    MSG_UNAUTHORIZED,
    GitHubAccessError,
    GitHubBadResponse,
    GitHubClient,
    GitHubError,
    GitHubNotFound,
    GitHubRateLimited,
    GitHubUnauthorized,
    GitHubUnavailable,
)
from tests.collection_support import TOKEN

REPO = "acme/rocket"


@pytest.fixture
def gh(fake_github):
    fake_github.add_repo(REPO)
    fake_github.set_today(date(2026, 3, 4))
    return fake_github


@pytest.fixture
def slept(monkeypatch):
    calls: list[float] = []
    monkeypatch.setattr(github, "pause", calls.append)
    return calls


def client(gh, **kwargs) -> GitHubClient:
    return GitHubClient(token=TOKEN, base_url=gh.url, backoff_factor=0, **kwargs)


def test_it_sends_token_accept_and_api_version_headers(gh):
    client(gh).traffic(REPO, "views")
    headers = gh.requests[-1].headers
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["Accept"] == "application/vnd.github+json"
    assert headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert gh.requests[-1].query == "per=day"


def test_it_uses_settings_for_base_url_and_timeout(gh, settings):
    settings.GITHUB_TIMEOUT_SECONDS = 7.5
    made = GitHubClient(token=TOKEN)
    assert made.base_url == gh.url and made.timeout == 7.5
    assert made.repository(REPO).data["full_name"] == REPO


def test_it_retries_server_errors_then_succeeds(gh):
    gh.inject_fault(REPO, "error500", times=2)
    api = client(gh)
    assert api.traffic(REPO, "views").status == 200
    assert gh.request_count(path_contains="/traffic/views") == 3
    assert api.attempts() == 3  # retries are counted as the requests they are


def test_it_gives_up_after_its_retries(gh):
    gh.inject_fault(REPO, "error500")
    with pytest.raises(GitHubUnavailable, match="500"):
        client(gh, retries=2).traffic(REPO, "views")
    assert gh.request_count(path_contains="/traffic/views") == 3


def test_it_times_out_instead_of_hanging(gh, caplog):
    gh.inject_fault(REPO, "timeout", seconds=2)
    api = client(gh, timeout=0.2, retries=1)
    with pytest.raises(GitHubUnavailable, match="unreachable"):
        api.traffic(REPO, "views")
    # The client gave up on its own read timeout (the fake holds the answer for 2 s), then retried once.
    assert "Read timed out. (read timeout=0.2)" in caplog.text
    assert api.attempts() == 2


@pytest.mark.parametrize(
    ("fault", "error", "message"),
    [
        ("no_push_access", GitHubAccessError, MSG_NO_ACCESS),
        ("not_accessible", GitHubAccessError, MSG_NO_ACCESS),
        ("not_found", GitHubNotFound, MSG_NOT_FOUND),
        ("unauthorized", GitHubUnauthorized, MSG_UNAUTHORIZED),
    ],
)
def test_it_classifies_errors_with_actionable_messages(gh, fault, error, message):
    gh.inject_fault(REPO, fault)
    with pytest.raises(error) as caught:
        client(gh).traffic(REPO, "views")
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("no_push_access",
         "token lacks access: needs push access (classic `repo` scope) or fine-grained 'Administration: read'"),
        ("not_found", "not found or not visible to this token"),
        ("unauthorized", "token invalid or expired"),
    ],
)
def test_it_names_exact_messages_for_access_errors(gh, fault, message):
    # Literal texts: users act on them, so a change must be deliberate.
    gh.inject_fault(REPO, fault)
    with pytest.raises(GitHubError) as caught:
        client(gh).traffic(REPO, "views", per="day")
    assert str(caught.value) == message


def test_it_reports_malformed_and_truncated_bodies(gh):
    gh.inject_fault(REPO, "malformed", times=1)
    with pytest.raises(GitHubBadResponse, match="invalid JSON"):
        client(gh).traffic(REPO, "views")
    gh.inject_fault(REPO, "truncated", times=1)
    with pytest.raises(GitHubUnavailable):
        client(gh).traffic(REPO, "views")


def test_it_never_puts_the_token_in_an_error(gh):
    messages = []
    for fault in ("no_push_access", "not_found", "unauthorized", "malformed", "truncated", "error500", "timeout"):
        gh.clear_faults()
        gh.inject_fault(REPO, fault, seconds=1)
        with pytest.raises(GitHubError) as caught:
            client(gh, timeout=0.2, retries=0).traffic(REPO, "views")
        messages.append(str(caught.value) + repr(caught.value))
    gh.clear_faults()
    gh.set_rate_limit(remaining=0, reset_in=3600)
    with pytest.raises(GitHubRateLimited) as caught:
        client(gh).traffic(REPO, "views")
    messages.append(str(caught.value))
    assert all(TOKEN not in message for message in messages)


def test_it_answers_304_to_a_matching_etag(gh):
    api = client(gh)
    first = api.traffic(REPO, "views")
    again = api.traffic(REPO, "views", etag=first.etag)
    assert again.not_modified and again.data is None
    assert gh.requests[-1].headers["If-None-Match"] == first.etag


def test_it_sleeps_through_a_short_rate_limit_wait(gh, slept):
    gh.set_rate_limit(remaining=0, reset_in=5)

    def pause(seconds: float) -> None:
        slept.append(seconds)
        gh.reset_rate_limit()

    api = GitHubClient(token=TOKEN, base_url=gh.url, backoff_factor=0, max_rate_limit_wait=60, sleep=pause)
    assert api.traffic(REPO, "views").status == 200
    assert len(slept) == 1 and 0 < slept[0] <= 6


def test_it_stops_on_a_long_rate_limit_wait_and_remembers_it(gh, slept, time_machine):
    # The fake names its reset from the clock; pinned, the moment is exact.
    time_machine.move_to(datetime(2026, 3, 4, 12, 0, tzinfo=UTC), tick=False)
    gh.set_rate_limit(remaining=0, reset_in=3600)
    api = client(gh, max_rate_limit_wait=60)
    with pytest.raises(GitHubRateLimited) as caught:
        api.traffic(REPO, "views")
    assert str(caught.value).startswith("rate limited until ")
    assert caught.value.until == datetime(2026, 3, 4, 13, 0, tzinfo=UTC)
    before = len(gh.requests)
    with pytest.raises(GitHubRateLimited):
        api.traffic(REPO, "clones")  # the shared budget knows: no request is spent
    assert len(gh.requests) == before and slept == []


def test_it_honours_retry_after_of_a_secondary_limit(gh, slept):
    gh.inject_fault(REPO, "secondary_rate_limit", times=1, seconds=3)
    assert client(gh).traffic(REPO, "views").status == 200
    assert slept == [3.0]
    gh.inject_fault(REPO, "secondary_rate_limit", times=1, seconds=600)
    with pytest.raises(GitHubRateLimited):
        client(gh, max_rate_limit_wait=60).traffic(REPO, "views")


def test_it_stops_waiting_when_the_budget_is_known_spent(gh, slept):
    api = client(gh, max_rate_limit_wait=60)
    gh.set_rate_limit(remaining=1, reset_in=3600)
    api.repository(REPO)  # leaves remaining=0 in the headers
    assert api.budget.remaining == 0
    with pytest.raises(GitHubRateLimited):
        api.repository(REPO)


def test_it_lists_repositories_across_pages(gh):
    for n in range(230):
        gh.add_repo(f"big/repo-{n:03d}", github_id=50_000 + n)
    found = client(gh).list_repositories()
    assert len(found) == 231
    assert gh.request_count(path_contains="/user/repos") == 3
    org = client(gh).list_repositories(org="big")
    assert len(org) == 230 and org[0].full_name == "big/repo-000" and org[0].github_id == 50_000
    with pytest.raises(GitHubNotFound):
        client(gh).list_repositories(org="nobody")


def test_it_refuses_a_next_page_link_to_another_host(gh):
    for n in range(130):  # two pages of 100
        gh.add_repo(f"big/repo-{n:03d}", github_id=60_000 + n)
    gh.link_base = "http://elsewhere.invalid:9"
    with pytest.raises(GitHubBadResponse) as caught:
        client(gh).list_repositories(org="big")
    assert str(caught.value) == (
        "GitHub's next-page link points to another host (http://elsewhere.invalid:9); refusing to send the token there"
    )
    assert gh.request_count(path_contains="/repos") == 1


def test_it_follows_a_rename(gh):
    gh.rename_repo(REPO, "acme/booster")
    response = client(gh).repository(REPO)
    assert response.redirected and response.data["full_name"] == "acme/booster"
    assert client(gh).traffic(REPO, "views").status == 200
