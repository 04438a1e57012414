"""Password-login lock-out (django-axes): counted in the database (every process sees the same
failures), per username + client address and per address across usernames, the client address taken
through TRUSTED_PROXY_COUNT proxies, a 429 answer, and `manage.py axes_reset_*` to unlock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, RequestFactory

from tenants.login_protection import client_address

from .conftest import PASSWORD

LOGIN = "/accounts/login/"
NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def attempt(client: Client, username: str, password: str = "wrong", **extra: str):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


@pytest.fixture
def limits(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 5
    settings.LOGIN_FAILURE_WINDOW = 15 * 60
    return settings


def test_it_locks_a_username_out_from_one_address_after_the_limit(world, limits) -> None:
    client = Client()
    assert attempt(client, "alice").status_code == 200
    assert attempt(client, "alice").status_code == 200
    # The failure that reaches the limit is answered 429 already.
    locked = attempt(client, "alice")
    assert locked.status_code == 429
    assert "Too many failed login attempts" in locked.content.decode()
    # Now even the right password is refused.
    refused = attempt(client, "alice", PASSWORD)
    assert refused.status_code == 429 and "_auth_user_id" not in client.session
    # Another client address is not affected.
    assert attempt(Client(REMOTE_ADDR="10.9.8.7"), "alice", PASSWORD).status_code == 302


def test_it_counts_usernames_case_insensitively(world, limits) -> None:
    client = Client()
    attempt(client, "alice")
    attempt(client, "Alice")
    assert attempt(client, "ALICE").status_code == 429


def test_it_unlocks_once_the_window_has_passed(world, limits) -> None:
    from axes.models import AccessAttempt

    client = Client()
    with time_machine.travel(NOW, tick=False):
        for _ in range(3):
            attempt(client, "alice")
    with time_machine.travel(NOW + timedelta(minutes=14), tick=False):
        for _ in range(5):
            assert attempt(client, "alice").status_code == 429
        # Refused attempts are not recorded: the stored data does not grow while locked out.
        assert sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == 3
    with time_machine.travel(NOW + timedelta(minutes=15, seconds=1), tick=False):
        assert attempt(client, "alice", PASSWORD).status_code == 302


def test_it_shares_the_count_between_processes(world, limits) -> None:
    """Each gunicorn worker had its own cache: clearing it is what another process sees."""
    client = Client()
    attempt(client, "alice")
    cache.clear()
    attempt(client, "alice")
    cache.clear()
    assert attempt(client, "alice").status_code == 429
    cache.clear()
    assert attempt(client, "alice", PASSWORD).status_code == 429


def test_it_resets_the_failure_count_after_a_successful_login(world, limits) -> None:
    client = Client()
    attempt(client, "alice")
    attempt(client, "alice")
    assert attempt(client, "alice", PASSWORD).status_code == 302
    client.logout()
    attempt(client, "alice")
    attempt(client, "alice")
    assert attempt(client, "alice", PASSWORD).status_code == 302


def test_it_slows_password_spraying_across_usernames_from_one_address(world, limits) -> None:
    for name in ("carol", "dave", "erin", "frank"):
        User.objects.create_user(name, f"{name}@acme.test", PASSWORD)
    sprayer = Client(REMOTE_ADDR="203.0.113.66")
    # One wrong guess each against five accounts: no single account reached its limit of 3 ...
    for name in ("carol", "dave", "erin", "frank"):
        assert attempt(sprayer, name).status_code == 200
    # ... but the address reaches its own limit of 5.
    assert attempt(sprayer, "bob").status_code == 429
    assert attempt(sprayer, "victor", PASSWORD).status_code == 429
    # Other addresses log in as usual.
    assert attempt(Client(REMOTE_ADDR="198.51.100.7"), "victor", PASSWORD).status_code == 302


def test_it_keeps_the_address_count_when_someone_logs_in_from_it(world, limits) -> None:
    for name in ("carol", "dave", "erin"):
        User.objects.create_user(name, f"{name}@acme.test", PASSWORD)
    client = Client(REMOTE_ADDR="203.0.113.66")
    for name in ("carol", "dave", "erin", "bob"):
        attempt(client, name)
    # A sprayer's own valid login does not wipe the address's failures against other accounts.
    assert attempt(client, "victor", PASSWORD).status_code == 302
    client.logout()
    assert attempt(client, "alice").status_code == 429


def test_it_takes_the_client_address_from_the_trusted_proxy(world, limits) -> None:
    """Behind one proxy every request comes from the proxy's address: the lock must follow the client
    address the proxy appended to X-Forwarded-For, or anyone could lock any user out."""
    limits.TRUSTED_PROXY_COUNT = 1
    via_proxy = {"REMOTE_ADDR": "10.0.0.1"}
    attacker = Client(**via_proxy)
    for _ in range(3):
        # A forged leftmost entry changes nothing: the proxy appended the real address last.
        attempt(attacker, "alice", HTTP_X_FORWARDED_FOR=f"198.51.100.{_}, 203.0.113.66")
    assert attempt(attacker, "alice", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.66").status_code == 429
    alice = Client(**via_proxy)
    assert attempt(alice, "alice", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "203.0.113.66", "10.0.0.1"),  # no proxy trusted: the header is the client's own claim
        (1, "203.0.113.66", "203.0.113.66"),
        (1, "6.6.6.6, 203.0.113.66", "203.0.113.66"),
        (2, "6.6.6.6, 203.0.113.66, 10.0.0.2", "203.0.113.66"),
        (2, "203.0.113.66", "10.0.0.1"),  # shorter than the proxy chain: not through our proxies
        (1, "6.6.6.6, not-an-address", "10.0.0.1"),
        (1, "", "10.0.0.1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_it_reads_the_client_address(settings, proxies, forwarded_for, expected) -> None:
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)
    assert client_address(request) == expected


def test_it_unlocks_with_the_documented_commands(world, limits) -> None:
    client = Client()
    for _ in range(3):
        attempt(client, "alice")
    assert attempt(client, "alice", PASSWORD).status_code == 429
    call_command("axes_reset_username", "alice")
    assert attempt(client, "alice", PASSWORD).status_code == 302

    sprayer = Client(REMOTE_ADDR="203.0.113.66")
    for name in ("a1", "a2", "a3", "a4", "a5"):
        attempt(sprayer, name)
    assert attempt(sprayer, "victor", PASSWORD).status_code == 429
    call_command("axes_reset_ip", "203.0.113.66")
    assert attempt(sprayer, "victor", PASSWORD).status_code == 302


def test_it_answers_429_on_the_admin_login_too(world, limits) -> None:
    client = Client()
    for _ in range(2):
        client.post("/admin/login/", {"username": "alice", "password": "wrong"})
    assert client.post("/admin/login/", {"username": "alice", "password": "wrong"}).status_code == 429


def test_it_does_not_count_or_block_single_sign_on(world, limits) -> None:
    """An OIDC callback carries no username: neither counted nor refused when the address is locked."""
    from axes.handlers.proxy import AxesProxyHandler
    from axes.models import AccessAttempt
    from django.contrib.auth import authenticate

    sprayer = Client()
    for name in ("a1", "a2", "a3", "a4", "a5"):
        attempt(sprayer, name)
    request = RequestFactory().get("/oidc/callback/", {"code": "x"}, REMOTE_ADDR="127.0.0.1")
    assert not AxesProxyHandler.is_allowed(request, {"username": "victor"})
    assert AxesProxyHandler.is_allowed(request, {"nonce": "n", "code_verifier": "v"})
    # OIDC is off here, so its backend answers None: a failed SSO is not counted either.
    assert authenticate(request, nonce="n", code_verifier="v") is None
    assert not AccessAttempt.objects.filter(username__isnull=True).exists()
