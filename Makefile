# Two commands on a fresh clone: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in emails lead to ETOILE_SITE_URL, never to the Host a request names: the address
# these targets serve, unless the environment names another.
SITE_URL = $${ETOILE_SITE_URL:-http://$(if $(filter 0.0.0.0 :: [::],$(HOST)),127.0.0.1,$(HOST)):$(PORT)}
PIP := $(BIN)/pip --disable-pip-version-check --quiet
# axe-core and the vnu HTML validator for tests/test_page_quality.py. Without npm the
# test target still runs; those checks then skip with a reason (and fail under CI).
NODE_TOOLS := $(if $(shell command -v npm),node_modules/.installed)

.DEFAULT_GOAL := help
.PHONY: help run test test-suite serve check-bind bench lighthouse admin seed migrate lint format install install-dev clean

help:
	@echo "make run     install, migrate, seed and serve http://$(HOST):$(PORT) with a job worker (SQLite by default)"
	@echo "make test    lint, check migrations and run the whole test suite"
	@echo "make test-suite  the same without lint"
	@echo "make serve   production-like: gunicorn + whitenoise and a job worker, DEBUG off"
	@echo "make bench   load test on PostgreSQL with wrk (docs/PERFORMANCE.md)"
	@echo "make lighthouse  Lighthouse on home, episode, profile and sign in (mobile)"
	@echo "make admin   create a superuser for /admin/"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamps: installing again only when pyproject.toml changes keeps `make run` fast.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	$(BIN)/python -c "import django, PIL"
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PIP) install -e '.[dev]'
	$(BIN)/python -c "import pytest_django, playwright"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(MANAGE) migrate --no-input
	$(MANAGE) createcachetable

seed: migrate
	$(MANAGE) seed_etoile

# The web server and a worker for background jobs (emails, imports, image sizes), under one
# honcho (Procfile): Ctrl-C stops both. The worker runs the jobs queued in the database.
run: seed
	ETOILE_SITE_URL="$(SITE_URL)" ETOILE_BIND="$(HOST):$(PORT)" $(BIN)/honcho start web worker

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Two pytest-xdist workers, one a core, each with its own test database, live server, browser
# and folders. --dist worksteal gives each worker half the tests in order, so neighbours (and
# module fixtures) stay together, and a worker that runs out takes the last half of what the
# other has left. --dist load handed out chunks it never took back: replaying a CI run's own
# durations, one worker stood idle its last 63 s of 1,330; with worksteal both end together.
# (Not --dist loadgroup: pytest-xdist 3.8 names groups in item._nodeid, which pytest 9 no
# longer reads, so every test is its own group.) PYTEST_WORKERS=0 runs in one process.
# The 25 slowest tests are listed at the end.
# `make test-suite` is `make test` without the lint step: .ci/run lints once, on its SQLite
# pass, and runs only this on PostgreSQL, where the same files would be linted again.
PYTEST_WORKERS ?= 2
test: lint test-suite

# Bytecode is written even where the environment says not to (PYTHONDONTWRITEBYTECODE): each
# worker, and each interpreter a test starts (settings cases, gunicorns, job workers), would
# otherwise compile, and pytest rewrite, every module again: 20 s a worker on a busy machine,
# and the PostgreSQL pass reads what the SQLite pass wrote.
test-suite: export PYTHONDONTWRITEBYTECODE :=
test-suite: install-dev $(NODE_TOOLS)
	$(MANAGE) makemigrations --check --dry-run
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal \
		--durations=25 $(PYTEST_ARGS)

# Production-like on this machine: DEBUG off, static files through whitenoise, plain http.
# DJANGO_HTTPS=1 DJANGO_BEHIND_PROXY=1 make serve: as behind a TLS proxy (docs/SECURITY.md).
# gunicorn.conf.py: gunicorn trusts no forwarding header; Django reads X-Forwarded-Proto only
# with DJANGO_BEHIND_PROXY.
SERVE_ENV = DJANGO_DEBUG=0 DJANGO_HTTPS=$${DJANGO_HTTPS:-0} \
	DJANGO_BEHIND_PROXY=$${DJANGO_BEHIND_PROXY:-0} DJANGO_SERVE_MEDIA=1 \
	DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$(cat .django-secret-key)}" \
	DJANGO_ALLOWED_HOSTS="$${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}" \
	ETOILE_SITE_URL="$(SITE_URL)"

# Behind a proxy the site believes X-Forwarded-For: a client reaching gunicorn on another
# interface, past the proxy, would write that header itself and name any address to the rate
# limits (docs/DEPLOY.md). So serving behind the proxy refuses to listen on every interface.
check-bind:
	@if [ "$${DJANGO_BEHIND_PROXY:-0}" = 1 ] && [ -n "$(filter 0.0.0.0 :: [::],$(HOST))" ]; then \
		echo "With DJANGO_BEHIND_PROXY=1 bind HOST to the proxy's side only (127.0.0.1), not $(HOST)."; \
		exit 2; fi

serve: check-bind seed
	$(SERVE_ENV) $(MANAGE) collectstatic --no-input --verbosity 0
	$(SERVE_ENV) ETOILE_BIND="$(HOST):$(PORT)" $(BIN)/honcho start serve worker

# PostgreSQL (BENCH_POSTGRES) and wrk needed; see docs/PERFORMANCE.md.
bench: install-dev
	$(BIN)/python bench/run.py

# Lighthouse (installed by npm into .lighthouse/) and Debian's chromium; docs/PERFORMANCE.md.
lighthouse: seed
	$(BIN)/python bench/lighthouse.py

# With DJANGO_SUPERUSER_EMAIL and DJANGO_SUPERUSER_PASSWORD set (DJANGO_SUPERUSER_HANDLE
# optional) nothing is asked: Django's `createsuperuser --noinput` reads them.
admin: migrate
	$(MANAGE) createsuperuser$(if $(and $(DJANGO_SUPERUSER_EMAIL),$(DJANGO_SUPERUSER_PASSWORD)), --noinput)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
