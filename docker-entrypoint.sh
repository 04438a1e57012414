#!/bin/sh
# Apply migrations before the web process starts (idempotent). Django's migrate takes no lock of
# its own: with several replicas, run it once (a release step, or MIGRATE_ON_START=true on one
# replica only) and start the others and the workers with MIGRATE_ON_START=false.
set -e
if [ "${MIGRATE_ON_START:-true}" = "true" ]; then
  python manage.py migrate --noinput
fi
exec "$@"
