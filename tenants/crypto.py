"""Encryption of stored secrets with Fernet; several keys (newest first) allow rotation."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SecretDecryptionError(Exception):
    """The stored ciphertext matches none of FIELD_ENCRYPTION_KEY's keys."""


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in settings.FIELD_ENCRYPTION_KEYS])


def encrypt_secret(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt_secret(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise SecretDecryptionError(
            "stored GitHub token cannot be decrypted with FIELD_ENCRYPTION_KEY; re-enter the token"
        ) from None


def reencrypt_secret(ciphertext: str) -> str:
    """Re-encrypt with the newest key (for key rotation)."""
    return _fernet().rotate(ciphertext.encode()).decode()
