# The two commands: `make run` and `make test` (plus `make lint`).
SHELL := /bin/bash
UV := ./scripts/uv
PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in e-mails (the seed's invitations included) point at the server `make run` starts.
PRM_SITE_URL ?= http://$(HOST):$(PORT)
# Test processes (pytest-xdist): one per core by default; TEST_WORKERS=0 runs in this process.
TEST_WORKERS ?= auto

.PHONY: run test lint format setup migrate seed ci

setup:
	@$(UV) sync --frozen --quiet
	@mkdir -p var/staticfiles var/media

run: setup
	@DEBUG=1 $(PY) manage.py migrate --noinput -v0
	@DEBUG=1 PRM_SITE_URL=$(PRM_SITE_URL) $(PY) manage.py seed_demo --url http://$(HOST):$(PORT)/
	@echo "Serving on http://$(HOST):$(PORT)/  (console: /admin/, API docs: /<tenant>/api/v1/docs/)"
	@DEBUG=1 PRM_SITE_URL=$(PRM_SITE_URL) $(PY) manage.py runserver $(HOST):$(PORT)

test: setup
	@$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: setup
	@$(PY) -m ruff check .
	@$(PY) -m ruff format --check .

format: setup
	@$(PY) -m ruff check --fix .
	@$(PY) -m ruff format .
