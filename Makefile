# dispatch112 — computer-aided dispatch for Indonesia's 112 emergency service.
#
#   make run    install what is missing, start PostgreSQL/Redis, migrate, load the
#               demo data, then run web + celery worker + celery beat (Ctrl-C stops)
#   make test   same bootstrap, then the whole pytest suite
#
# Every variable below is only a default: override from the environment or as
# `make VAR=value`.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON       ?= python3
VENV         ?= $(CURDIR)/.venv
DATABASE_URL ?= postgis://postgres@127.0.0.1:5432/dispatch112
REDIS_URL    ?= redis://127.0.0.1:6379/0
DEMO_PASSWORD ?= demo112
WEB_WORKERS  ?= 2
# extra arguments for pytest, e.g. make test PYTEST_ARGS='-k dispatch -x'
PYTEST_ARGS  ?=

export PYTHON VENV DATABASE_URL REDIS_URL DEMO_PASSWORD WEB_WORKERS
# make lock LOCK_DATE=YYYY-MM-DD UPGRADE=1 (scripts/lock.sh)
export LOCK_DATE UPGRADE

# Settings module: local for the running app, test for pytest (default only).
run bootstrap migrate demo shell dbshell: DJANGO_SETTINGS_MODULE ?= dispatch.settings.local
test test-bootstrap: DJANGO_SETTINGS_MODULE ?= dispatch.settings.test
export DJANGO_SETTINGS_MODULE

MANAGE := $(VENV)/bin/python manage.py

.PHONY: help run test bootstrap test-bootstrap migrate demo shell dbshell \
        compose-check lock lock-check clean distclean

help: ## show this help
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
	    awk 'BEGIN { FS = ":.*## " } { printf "  make %-15s %s\n", $$1, $$2 }'

run: bootstrap ## bootstrap, then run web + worker + beat in the foreground
	@bash scripts/run.sh

test: test-bootstrap ## bootstrap (no migrate), then run the whole pytest suite
	@bash scripts/test.sh $(PYTEST_ARGS)

bootstrap: ## apt packages, .venv, PostgreSQL/Redis, database, migrate, collectstatic, load_demo
	@bash scripts/bootstrap.sh run

test-bootstrap:
	@bash scripts/bootstrap.sh test

migrate: ## apply database migrations
	@bash scripts/bootstrap.sh base
	$(MANAGE) migrate --noinput

demo: ## (re)load the demo data (idempotent)
	@bash scripts/bootstrap.sh base
	$(MANAGE) load_demo

shell: ## Django shell
	@bash scripts/bootstrap.sh base
	$(MANAGE) shell

dbshell: ## psql on the application database
	psql "$(subst postgis://,postgresql://,$(DATABASE_URL))"

compose-check: ## validate docker-compose.yml: the scale-out topology's services (no Docker engine needed)
	@$(PYTHON) -c 'import yaml, sys; d = yaml.safe_load(open("docker-compose.yml")); \
	    s = set(d["services"]); need = {"db", "db-replica", "redis", "redis-replica", "sentinel-1", "sentinel-2", "sentinel-3", \
	    "nginx", "migrate", "web", "worker", "worker-timers", "beat", "osrm", "osrm-prepare"}; \
	    sys.exit("missing services: %s" % (need - s)) if need - s else print("docker-compose.yml OK:", ", ".join(sorted(s)))'

lock: ## recompile requirements*.lock (hashes) from pyproject.toml; LOCK_DATE=YYYY-MM-DD / UPGRADE=1 to move pins
	@bash scripts/lock.sh

lock-check: ## do the lock files match pyproject.toml? (.ci/run and the bootstrap check it too)
	@$(PYTHON) scripts/lockcheck.py

clean: ## remove generated files (keeps .venv and the database)
	rm -rf staticfiles/ .pytest_cache/ test-results/ test-artifacts/ celerybeat-schedule*
	rm -f "$${TMPDIR:-/tmp}"/dispatch112-celerybeat-schedule*
	find . -path ./.venv -prune -o -path ./.git -prune -o \
	    \( -name __pycache__ -type d -prune -exec rm -rf {} + \) -o \( -name '*.mo' -type f -delete \)

distclean: clean ## clean, and remove .venv too
	rm -rf "$(VENV)" .venv-lock
