"""The App's JWT and the installation-token cache (repos/github_app.py), and the GitHub client's token
provider: a refused installation token is replaced once; a personal token is never retried."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
import time_machine
from django.utils import timezone

from repos.github import GitHubClient, GitHubUnauthorized
from repos.github_app import (
    MSG_BAD_KEY,
    AppNotConfigured,
    InstallationGone,
    app_jwt,
    installation_get,
    installation_token_provider,
    installation_tokens,
)


def test_it_signs_a_short_rs256_jwt_github_accepts(github_app):
    token = app_jwt()
    claims = jwt.decode(token, github_app.public_key_pem, algorithms=["RS256"])
    assert claims["iss"] == "4242" and claims["exp"] - claims["iat"] <= 600
    assert github_app.jwt_error(token) is None
    assert installation_get(installation_id=github_app.add_installation(7, "acme").installation_id).account == "acme"
    with pytest.raises(InstallationGone):
        installation_get(installation_id=8)


def test_it_reads_the_key_from_one_line_text_or_a_file_and_names_a_bad_one(github_app, settings, tmp_path):
    settings.GITHUB_APP_PRIVATE_KEY = github_app.private_key_pem.replace("\n", "\\n")
    assert github_app.jwt_error(app_jwt()) is None
    key_file = tmp_path / "app.pem"
    key_file.write_text(github_app.private_key_pem)
    settings.GITHUB_APP_PRIVATE_KEY, settings.GITHUB_APP_PRIVATE_KEY_FILE = "", str(key_file)
    assert github_app.jwt_error(app_jwt()) is None
    settings.GITHUB_APP_PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----"
    with pytest.raises(AppNotConfigured, match="not a valid RSA private key") as caught:
        app_jwt()
    assert str(caught.value) == MSG_BAD_KEY and "not a key" not in str(caught.value)


def test_it_caches_tokens_until_shortly_before_they_expire(github_app):
    github_app.add_installation(7, "acme")
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        first = installation_tokens.get(7)
        assert installation_tokens.get(7) == first and github_app.tokens_issued == 1
        traveller.shift(timedelta(minutes=54))
        assert installation_tokens.get(7) == first
        traveller.shift(timedelta(minutes=2))  # 4 minutes left
        second = installation_tokens.get(7)
    assert second != first and github_app.tokens_issued == 2
    assert "ghs_" not in repr(installation_tokens)


def test_it_replaces_a_refused_token_once_even_when_many_threads_report_it(github_app):
    github_app.add_installation(7, "acme")
    stale = installation_tokens.get(7)
    fresh = installation_tokens.get(7, refused=stale)
    assert fresh != stale
    # A second thread reporting the same stale token gets the fresh one: no new exchange.
    assert installation_tokens.get(7, refused=stale) == fresh
    assert github_app.tokens_issued == 2


def test_it_retries_a_401_with_a_fresh_installation_token_but_never_a_personal_token(github_app, fake_github):
    fake_github.add_repo("acme/rocket")
    github_app.add_installation(7, "acme", ["acme/rocket"])
    client = GitHubClient(token_provider=installation_token_provider(installation_id=7), base_url=fake_github.url)
    with client:
        client.repository("acme/rocket")
        github_app.expire_tokens()
        assert client.repository("acme/rocket").data["full_name"] == "acme/rocket"
    assert fake_github.request_count(path_contains="/repos/acme/rocket", status=401) == 1
    assert github_app.tokens_issued == 2
    fake_github.requests.clear()
    with GitHubClient(token="ghp_personal", base_url=fake_github.url) as personal:
        fake_github.inject_fault("acme/rocket", "unauthorized")
        with pytest.raises(GitHubUnauthorized):
            personal.repository("acme/rocket")
    assert fake_github.request_count(path_contains="/repos/acme/rocket") == 1
