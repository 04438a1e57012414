"""FIELD_ENCRYPTION_KEY rotation: re-encrypt every stored GitHub token with the newest key.

Rotation in three steps: put the new key first in FIELD_ENCRYPTION_KEY (old keys after it), run
`manage.py reencrypt_tokens`, then drop the old keys. Until the command runs, MultiFernet still
decrypts with the old keys, so nothing breaks in between.
"""

from __future__ import annotations

from cryptography.fernet import InvalidToken
from django.db import transaction

from tenants.crypto import SecretDecryptionError, reencrypt_secret
from tenants.models import GitHubCredential


@transaction.atomic
def github_credentials_reencrypt() -> int:
    """Re-encrypt every stored token with the newest key; returns how many were rewritten.

    All or nothing: if a token matches none of the configured keys, nothing is changed and
    SecretDecryptionError names the tenants concerned (never the ciphertext or the token).
    """
    # Locked so a token replaced concurrently is not overwritten with a re-encrypted old one.
    credentials = list(GitHubCredential.objects.select_for_update().select_related("tenant").order_by("pk"))
    rotated: list[tuple[int, str]] = []
    undecryptable: list[str] = []
    for credential in credentials:
        try:
            rotated.append((credential.pk, reencrypt_secret(credential.token_encrypted)))
        except InvalidToken:
            undecryptable.append(credential.tenant.slug)
    if undecryptable:
        raise SecretDecryptionError(
            "the GitHub token of tenant(s) " + ", ".join(undecryptable) + " cannot be decrypted with any key in "
            "FIELD_ENCRYPTION_KEY; add the old key back (after the new one) or re-enter those tokens"
        )
    for pk, ciphertext in rotated:
        # A queryset update leaves `updated` alone: the token itself did not change.
        GitHubCredential.objects.filter(pk=pk).update(token_encrypted=ciphertext)
    return len(rotated)
