"""manage.py webhook_token: prints a signed token for POST /hooks/collect/."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from stats.collection.webhook import webhook_token_verify


def test_it_prints_a_token_for_all_tenants(world, settings, capsys):
    settings.WEBHOOK_SECRET = "cmd-secret"
    call_command("webhook_token")
    token = capsys.readouterr().out.strip()
    caller = webhook_token_verify(token, secret="cmd-secret")
    assert caller is not None and caller.tenant_slug is None
    assert webhook_token_verify(token, secret="another-secret") is None


def test_it_prints_a_token_limited_to_a_tenant(world, settings, capsys):
    settings.WEBHOOK_SECRET = "cmd-secret"
    call_command("webhook_token", "--tenant", "acme")
    caller = webhook_token_verify(capsys.readouterr().out.strip(), secret="cmd-secret")
    assert caller is not None and caller.tenant_slug == "acme"


def test_it_exits_2_without_a_secret(world, settings, capsys):
    settings.WEBHOOK_SECRET = ""
    with pytest.raises(CommandError) as error:
        call_command("webhook_token")
    assert error.value.returncode == 2
    assert "WEBHOOK_SECRET" in str(error.value)
    assert capsys.readouterr().out == ""


def test_it_exits_2_for_an_unknown_tenant(world, settings):
    settings.WEBHOOK_SECRET = "cmd-secret"
    with pytest.raises(CommandError) as error:
        call_command("webhook_token", "--tenant", "initech")
    assert error.value.returncode == 2
    assert "initech" in str(error.value)
