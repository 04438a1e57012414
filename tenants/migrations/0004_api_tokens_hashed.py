"""Move DRF authtoken keys (stored in plaintext) to django-rest-knox (stored as SHA-512 digests).

Existing keys keep working: knox finds a token by its first 15 characters and compares the SHA-512
digest of the whole key. The plaintext rows are deleted. Migrated tokens expire API_TOKEN_TTL_DAYS from
now, like new ones. Without an authtoken table (new installs) there is nothing to do.
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone

LEGACY_TABLE = "authtoken_token"
KNOX_TOKEN_KEY_LENGTH = 15  # knox.settings.CONSTANTS.TOKEN_KEY_LENGTH


def hash_legacy_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if LEGACY_TABLE not in connection.introspection.table_names():
        return
    AuthToken = apps.get_model("knox", "AuthToken")
    ttl_days = getattr(settings, "API_TOKEN_TTL_DAYS", 365)
    expiry = timezone.now() + timedelta(days=ttl_days) if ttl_days > 0 else None
    table = connection.ops.quote_name(LEGACY_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {connection.ops.quote_name('key')}, user_id FROM {table}")
        rows = cursor.fetchall()
    for key, user_id in rows:
        key = str(key).strip()
        AuthToken.objects.get_or_create(
            digest=hashlib.sha512(key.encode("utf-8")).hexdigest(),
            defaults={"token_key": key[:KNOX_TOKEN_KEY_LENGTH], "user_id": user_id, "expiry": expiry},
        )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0003_invitation_consent_and_expiry"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [migrations.RunPython(hash_legacy_tokens, migrations.RunPython.noop)]
