import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError

from tenants.crypto import SecretDecryptionError, decrypt_secret
from tenants.key_rotation import github_credentials_reencrypt
from tenants.models import GitHubCredential
from tenants.services import github_credential_set

OLD_KEY = "Hqt3b1jvUQ_ZZ2lQ3dDDsRw9LDyVrFoxF2yxbm8ty3o="
NEW_KEY = "pR4E1z9mq8V2k7Xn0b6cT3yU5wA1sD9fG8hJ2kL4mN0="
TOKEN_A = "ghp_rotationTokenOfAcme000000000001"
TOKEN_B = "ghp_rotationTokenOfGlobex0000000002"


@pytest.fixture
def stored_with_old_key(world, settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    github_credential_set(tenant=world.tenant_a, token=TOKEN_A)
    github_credential_set(tenant=world.tenant_b, token=TOKEN_B)
    return world


def _ciphertexts() -> dict[str, str]:
    return {c.tenant.slug: c.token_encrypted for c in GitHubCredential.objects.select_related("tenant")}


def test_it_reencrypts_every_token_with_the_newest_key(stored_with_old_key, settings, capsys):
    before = _ciphertexts()
    updated_before = {c.pk: c.updated for c in GitHubCredential.objects.all()}
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]

    call_command("reencrypt_tokens")

    assert "re-encrypted 2 GitHub token(s)" in capsys.readouterr().out
    after = _ciphertexts()
    assert after["acme"] != before["acme"] and after["globex"] != before["globex"]
    # Only the new key is needed from now on; the old one alone no longer opens the tokens.
    Fernet(NEW_KEY.encode()).decrypt(after["acme"].encode())
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    assert decrypt_secret(after["acme"]) == TOKEN_A
    assert decrypt_secret(after["globex"]) == TOKEN_B
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    with pytest.raises(SecretDecryptionError):
        decrypt_secret(after["acme"])
    # Rotation is not a token change: the credential's "updated" stays.
    assert {c.pk: c.updated for c in GitHubCredential.objects.all()} == updated_before


def test_it_is_idempotent(stored_with_old_key, settings):
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    assert github_credentials_reencrypt() == 2
    assert github_credentials_reencrypt() == 2
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    assert decrypt_secret(_ciphertexts()["globex"]) == TOKEN_B


def test_it_counts_zero_without_credentials(db, capsys):
    call_command("reencrypt_tokens")
    assert "re-encrypted 0 GitHub token(s)" in capsys.readouterr().out


def test_it_changes_nothing_and_exits_2_when_a_token_matches_no_key(stored_with_old_key, settings):
    before = _ciphertexts()
    # The operator dropped the old key too early.
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(CommandError) as error:
        call_command("reencrypt_tokens")
    assert error.value.returncode == 2
    message = str(error.value)
    assert "acme" in message and "globex" in message
    assert TOKEN_A not in message and before["acme"] not in message
    assert _ciphertexts() == before

