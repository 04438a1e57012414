"""API tokens are stored only as digests (django-rest-knox), expire, are revoked one by one on the
profile page, never appear in the admin, and old plaintext DRF tokens keep working after migrating."""

from __future__ import annotations

import hashlib
import importlib
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from knox.models import AuthToken

NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
REPOS = "/api/v1/t/acme/repos/"


def new_token(client: Client) -> str:
    page = client.post("/accounts/profile/token/").content.decode()
    return re.search(r'<code class="token"[^>]*>([0-9a-f]{64})</code>', page).group(1)


def api(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


def test_it_stores_a_digest_and_never_the_key(world) -> None:
    key = new_token(world.client_for(world.viewer_a))
    [row] = AuthToken.objects.filter(user=world.viewer_a)
    assert row.digest == hashlib.sha512(key.encode()).hexdigest()
    stored = " ".join(str(value) for value in AuthToken.objects.values_list("digest", "token_key").get())
    assert key not in stored
    assert api(key).get(REPOS).status_code == 200


def test_it_refuses_an_expired_token(world, settings) -> None:
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(days=30)}
    with time_machine.travel(NOW, tick=False):
        key = new_token(world.client_for(world.viewer_a))
        assert api(key).get(REPOS).status_code == 200
    with time_machine.travel(NOW + timedelta(days=29), tick=False):
        assert api(key).get(REPOS).status_code == 200
    with time_machine.travel(NOW + timedelta(days=31), tick=False):
        assert api(key).get(REPOS).status_code == 401
        assert "You have no API token" in world.client_for(world.viewer_a).get("/accounts/profile/").content.decode()


def test_it_revokes_one_token_and_keeps_the_others(world) -> None:
    client = world.client_for(world.viewer_a)
    first, second = new_token(client), new_token(client)
    page = client.get("/accounts/profile/").content.decode()
    assert page.count('value="Revoke"') == 0 and page.count(">Revoke token</button>") == 2
    first_id = hashlib.sha512(first.encode()).hexdigest()
    assert client.post("/accounts/profile/token/revoke/", {"token": first_id}).status_code == 302
    assert api(first).get(REPOS).status_code == 401
    assert api(second).get(REPOS).status_code == 200
    # Another user's token id revokes nothing.
    _, bobs = AuthToken.objects.create(user=world.owner_b)
    bobs_id = hashlib.sha512(bobs.encode()).hexdigest()
    client.post("/accounts/profile/token/revoke/", {"token": bobs_id})
    assert api(bobs).get("/api/v1/t/globex/repos/").status_code == 200


def test_it_never_shows_a_token_in_the_admin(world) -> None:
    world.owner_a.is_staff = world.owner_a.is_superuser = True
    world.owner_a.save()
    token, key = AuthToken.objects.create(user=world.viewer_a)
    admin = world.client_for(world.owner_a)
    listing = admin.get("/admin/knox/authtoken/")
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "victor" in body
    # Neither the key nor its first characters (knox's lookup prefix); the digest is the row id (it
    # cannot be turned back into the key, nor used to authenticate).
    assert key not in body and token.token_key not in body
    assert admin.get("/admin/knox/authtoken/add/").status_code == 403


def test_it_prints_a_token_like_drfs_command(world, capsys) -> None:
    call_command("drf_create_token", "victor")
    line = capsys.readouterr().out.strip()
    match = re.fullmatch(r"Generated token ([0-9a-f]{64}) for user victor", line)
    assert match, line
    assert api(match.group(1)).get(REPOS).status_code == 200
    call_command("drf_create_token", "--reset", "victor")
    assert api(match.group(1)).get(REPOS).status_code == 401
    assert AuthToken.objects.filter(user=world.viewer_a).count() == 1
    with pytest.raises(CommandError, match="nobody"):
        call_command("drf_create_token", "nobody")


def test_it_answers_401_for_a_token_that_is_not_utf8(world) -> None:
    response = Client(HTTP_AUTHORIZATION="Token caf\u00e9").get(REPOS)
    assert response.status_code == 401


def test_it_hashes_legacy_plaintext_tokens_so_they_keep_working(world) -> None:
    migration = importlib.import_module("tenants.migrations.0004_api_tokens_hashed")
    legacy_key = "0123456789abcdef0123456789abcdef01234567"  # DRF's format: 40 hex characters
    with connection.cursor() as cursor:
        cursor.execute(
            'CREATE TABLE authtoken_token ("key" varchar(40) PRIMARY KEY, created timestamp, user_id integer)'
        )
        cursor.execute(
            'INSERT INTO authtoken_token ("key", created, user_id) VALUES (%s, %s, %s)',
            [legacy_key, NOW, world.viewer_a.pk],
        )
    migration.hash_legacy_tokens(apps, SimpleNamespace(connection=connection))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0  # no plaintext left
        cursor.execute("DROP TABLE authtoken_token")
    token = AuthToken.objects.get(user=world.viewer_a)
    assert token.expiry is not None
    assert api(legacy_key).get(REPOS).status_code == 200
    assert api(legacy_key[:-1] + "8").get(REPOS).status_code == 401
