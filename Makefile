# ghtraffic — `make run` sets everything up and serves the demo with a worker alongside; `make test`
# runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Local runs default to DEBUG; production sets its own environment (see README).
export DEBUG ?= true
PYTEST_ARGS ?=

.PHONY: run test venv assets migrate demo lint check prod-smoke bench-collect bench-query clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

# Copied again whenever the npm packages or the copy script change.
static/vendor/.copied: node_modules/.package-lock.json scripts/copy_assets.mjs
	node scripts/copy_assets.mjs
	@touch $@

assets: static/vendor/.copied

migrate: venv
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

# The web server and a django-q2 worker (qcluster, with its scheduler), together under honcho
# (Procfile.dev). Ctrl-C stops both. honcho's own .env reading is off: settings read .env themselves,
# without overriding what the environment (DEBUG=true here) already says.
run: venv assets demo
	@echo "Serving on http://$(HOST):$(PORT)/ with a worker alongside; Ctrl-C stops both.  (log in as demo / demo-password)"
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" HOST=$(HOST) PORT=$(PORT) $(VENV)/bin/honcho --env /dev/null -f Procfile.dev start

# The whole suite on SQLite; again on PostgreSQL when TEST_DATABASE_URL is set
# (e.g. TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/ghtraffic).
test: venv assets
	@echo "== tests on SQLite"
	TEST_DATABASE_URL= $(PY) -m pytest -n auto --dist loadfile $(PYTEST_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on $$TEST_DATABASE_URL"; \
		$(PY) -m pytest -n auto --dist loadfile $(PYTEST_ARGS); \
	fi

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff format --check . || true

check: venv
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

# Build and start the app as the Docker image does (DEBUG off, npm ci --omit=dev, collectstatic with
# the manifest, migrate, gunicorn) in a temporary directory, and check that it serves.
prod-smoke: venv
	scripts/prod_smoke.sh

bench-collect: venv
	$(PY) bench/collect.py

bench-query: venv
	$(PY) bench/query.py

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles test-artifacts
