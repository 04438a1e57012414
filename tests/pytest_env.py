"""Loaded with `-p tests.pytest_env` (see pyproject.toml) before Django reads its settings."""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "Hqt3b1jvUQ_ZZ2lQ3dDDsRw9LDyVrFoxF2yxbm8ty3o=")
# Configured, like production: an unset secret turns the webhook off (503); tests of that set it empty.
os.environ.setdefault("WEBHOOK_SECRET", "test-webhook-secret")
os.environ.setdefault("GITHUB_APP_WEBHOOK_SECRET", "test-app-webhook-secret")
if os.environ.get("TEST_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["TEST_DATABASE_URL"]
else:
    # Tests never touch the developer's db.sqlite3: pytest-django makes a throwaway database.
    os.environ["DATABASE_URL"] = "sqlite:///test-ghtraffic.sqlite3"
