#!/usr/bin/env bash
# Production smoke test: build and start the app the way the Docker image does, from the project's
# files only (no .env, no local database, no dev npm packages), and check that it serves.
#
#   1. assets as the image's first stage: package.json + package-lock.json + scripts/, `npm ci --omit=dev`
#   2. the app's files (tracked and untracked, minus .gitignore'd ones, as `COPY . .` minus .dockerignore)
#   3. `collectstatic --noinput` with DEBUG off and the Dockerfile's throwaway keys (manifest storage)
#   4. docker-entrypoint.sh (migrate on a temporary SQLite database), then gunicorn on a free
#      127.0.0.1 port, DEBUG off
#   5. /healthz through scripts/healthcheck.py, /accounts/login/ and every stylesheet and script it
#      links, and the hashed chart.js bundle: all 200
#
# Python packages come from the project's virtualenv (VENV, default .venv): `pip install` needs no
# proving here. Everything runs in a temporary directory that is removed at the end; the repository's
# own node_modules (with the dev packages the tests use) and static/vendor are left alone.
# Exits non-zero, with the server log, on the first failure.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="$(cd "${VENV:-$repo/.venv}" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/ghtraffic-prod-smoke.XXXXXX")"
server_pid=""

fail() {
  echo "prod-smoke: FAILED: $*" >&2
  if [ -f "$work/server.log" ]; then
    echo "---- server log (last 60 lines)" >&2
    tail -n 60 "$work/server.log" >&2
  fi
  exit 1
}

cleanup() {
  local status=$?
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== prod-smoke: assets (npm ci --omit=dev) in $work/assets"
mkdir -p "$work/assets" "$work/app"
cp "$repo/package.json" "$repo/package-lock.json" "$work/assets/"
cp -R "$repo/scripts" "$work/assets/scripts"
(cd "$work/assets" && npm ci --omit=dev --no-audit --no-fund --loglevel=error) >"$work/npm.log" 2>&1 \
  || { cat "$work/npm.log" >&2; fail "npm ci --omit=dev"; }
[ -f "$work/assets/static/vendor/chart.umd.js" ] || fail "npm ci did not produce static/vendor/chart.umd.js"

echo "== prod-smoke: app files"
# The files a clean clone has, plus new ones not yet committed (the image copies the build context).
(cd "$repo" && git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' file; do [ -e "$file" ] && printf '%s\0' "$file"; done \
  | xargs -0 cp --parents -t "$work/app") || fail "could not copy the project's files"
[ -f "$work/app/manage.py" ] || fail "could not copy the project's files"
[ ! -e "$work/app/.env" ] || fail ".env must not be part of the build"
mkdir -p "$work/app/static"
cp -R "$work/assets/static/vendor" "$work/app/static/vendor"

# The production environment: DEBUG off, throwaway keys, a throwaway database. Nothing from a
# developer's shell (DEBUG=true from `make`, REDIS_URL, …) leaks in.
port="$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
prod_env=(
  env -i
  "PATH=$venv/bin:/usr/local/bin:/usr/bin:/bin"
  "HOME=$work"
  "LANG=C.UTF-8"
  "PYTHONDONTWRITEBYTECODE=1"
  "PYTHONUNBUFFERED=1"
  "DEBUG=false"
  "SECRET_KEY=prod-smoke-throwaway-secret-key-0123456789abcdef"
  "FIELD_ENCRYPTION_KEY=Hqt3b1jvUQ_ZZ2lQ3dDDsRw9LDyVrFoxF2yxbm8ty3o="
  "DATABASE_URL=sqlite:///$work/prod.sqlite3"
  "ALLOWED_HOSTS=127.0.0.1"
  "COLLECT_SCHEDULE=off"
  "PORT=$port"
)

echo "== prod-smoke: collectstatic --noinput (DEBUG off, manifest storage)"
(cd "$work/app" && "${prod_env[@]}" python manage.py collectstatic --noinput -v 0) \
  || fail "collectstatic with DEBUG off"
[ -f "$work/app/staticfiles/staticfiles.json" ] || fail "collectstatic wrote no manifest (staticfiles.json)"

echo "== prod-smoke: docker-entrypoint.sh (migrate) + gunicorn on 127.0.0.1:$port"
(cd "$work/app" && exec "${prod_env[@]}" sh docker-entrypoint.sh \
  gunicorn ghtraffic.wsgi:application --bind "127.0.0.1:$port" --workers 2 --access-logfile -) \
  >"$work/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 150); do
  kill -0 "$server_pid" 2>/dev/null || fail "gunicorn exited while starting"
  if (cd "$work/app" && "${prod_env[@]}" python scripts/healthcheck.py >/dev/null 2>&1); then
    break
  fi
  sleep 0.2
done
(cd "$work/app" && "${prod_env[@]}" python scripts/healthcheck.py) || fail "/healthz (scripts/healthcheck.py)"
echo "   /healthz 200"

# What a TLS-terminating proxy sends: without it, SECURE_SSL_REDIRECT answers 301 to https.
fetch() {
  local path="$1" out="$2" code
  code="$(curl -sS -o "$out" -w '%{http_code}' -H 'X-Forwarded-Proto: https' "http://127.0.0.1:$port$path")" \
    || fail "GET $path: curl failed"
  [ "$code" = "200" ] || fail "GET $path answered $code, expected 200"
  [ -s "$out" ] || fail "GET $path answered an empty body"
  echo "   $path 200"
}

fetch /accounts/login/ "$work/login.html"
grep -q 'name="password"' "$work/login.html" || fail "/accounts/login/ has no password form"
assets="$(grep -oE '(href|src)="/static/[^"]+"' "$work/login.html" | sed -E 's/^(href|src)="//; s/"$//' | sort -u)"
stylesheets="$(grep -oE '<link rel="stylesheet" href="/static/[^"]+"' "$work/login.html" || true)"
[ -n "$stylesheets" ] || fail "/accounts/login/ links no stylesheet under /static/"
for url in $assets; do
  # Manifest storage serves content-hashed names (app.<12 hex>.css), cacheable forever.
  echo "$url" | grep -qE '\.[0-9a-f]{12}\.[a-z0-9]+$' || fail "$url is not a hashed (manifest) name"
  fetch "$url" "$work/asset"
done
chart="$(cd "$work/app" && "$venv/bin/python" -c 'import json; print(json.load(open("staticfiles/staticfiles.json"))["paths"]["vendor/chart.umd.js"])')" \
  || fail "vendor/chart.umd.js is not in the manifest"
fetch "/static/$chart" "$work/asset"

echo "== prod-smoke: stopping gunicorn"
kill -TERM "$server_pid"
for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
if kill -0 "$server_pid" 2>/dev/null; then fail "gunicorn did not stop on SIGTERM"; fi
wait "$server_pid" || true
server_pid=""
echo "== prod-smoke: OK"
