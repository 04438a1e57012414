#!/bin/sh
# Apply migrations before the web process starts (idempotent; safe with several replicas as
# Django's migrate takes its own locks on PostgreSQL). Workers skip it with MIGRATE_ON_START=false.
set -e
if [ "${MIGRATE_ON_START:-true}" = "true" ]; then
  python manage.py migrate --noinput
fi
exec "$@"
