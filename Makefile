# casesys — see README.md
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DATABASE_URL_TEST ?= postgres://postgres@127.0.0.1:5432/casesys
export REDIS_URL_TEST ?= redis://127.0.0.1:6379/0

.PHONY: run test install lint bench resilience clean

$(BIN)/python:
	@command -v $(PY) >/dev/null 2>&1 || { echo "需要 Python 3.11 / Python 3.11 is required ($(PY) not found)"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# Zero-setup: SQLite under var/ and an embedded broker unless DATABASE_URL / REDIS_URL are set.
run: $(STAMP)
	@mkdir -p var
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py seed_demo
	@echo ""
	@echo "casesys: http://127.0.0.1:8000  (Ctrl-C to stop)"
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/honcho -f deploy/Procfile.dev start

# The suite runs against real PostgreSQL and Redis; it stops (never skips) if either is down.
test: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-$$DATABASE_URL_TEST} REDIS_URL=$${REDIS_URL:-$$REDIS_URL_TEST} \
		$(BIN)/python -m casesys.preflight
	DATABASE_URL=$${DATABASE_URL:-$$DATABASE_URL_TEST} REDIS_URL=$${REDIS_URL:-$$REDIS_URL_TEST} \
		$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check casesys workers integrations tests

clean:
	rm -rf $(VENV) var
