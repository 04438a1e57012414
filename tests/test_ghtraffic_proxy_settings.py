"""X-Forwarded-Proto is trusted only when the deployment says a proxy sits in front of the app."""

from __future__ import annotations

import pytest

from .test_ghtraffic_settings import settings_in_subprocess

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 60,
    "FIELD_ENCRYPTION_KEY": "Hqt3b1jvUQ_ZZ2lQ3dDDsRw9LDyVrFoxF2yxbm8ty3o=",
}
PROXY_HEADER = "getattr(s, 'SECURE_PROXY_SSL_HEADER', None)"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({}, "None"),
        ({"BEHIND_PROXY": "false"}, "None"),
        ({"BEHIND_PROXY": "true"}, "('HTTP_X_FORWARDED_PROTO', 'https')"),
        ({"TRUSTED_PROXY_COUNT": "1"}, "('HTTP_X_FORWARDED_PROTO', 'https')"),
        ({"TRUSTED_PROXY_COUNT": "1", "BEHIND_PROXY": "false"}, "None"),
    ],
)
def test_it_trusts_the_forwarded_proto_only_behind_a_proxy(extra, expected) -> None:
    result = settings_in_subprocess({**PRODUCTION, **extra}, PROXY_HEADER)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_it_refuses_a_negative_proxy_count() -> None:
    result = settings_in_subprocess({**PRODUCTION, "TRUSTED_PROXY_COUNT": "-1"}, "s.TRUSTED_PROXY_COUNT")
    assert result.returncode != 0 and "TRUSTED_PROXY_COUNT" in result.stderr
