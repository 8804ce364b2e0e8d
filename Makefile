# casesys — see README.md
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DATABASE_URL_TEST ?= postgres://postgres@127.0.0.1:5432/casesys
export REDIS_URL_TEST ?= redis://127.0.0.1:6379/0

.PHONY: run test test-future install lint bench resilience clean

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

# The suite (less browser and fault-injection tests) with every Python process's clock a year
# ahead (tests/clockshift/sitecustomize.py): no test may depend on today's date.
test-future: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-$$DATABASE_URL_TEST} REDIS_URL=$${REDIS_URL:-$$REDIS_URL_TEST} \
		$(BIN)/python -m casesys.preflight
	DATABASE_URL=$${DATABASE_URL:-$$DATABASE_URL_TEST} REDIS_URL=$${REDIS_URL:-$$REDIS_URL_TEST} \
		CASESYS_TEST_CLOCK_SHIFT_DAYS=$${CASESYS_TEST_CLOCK_SHIFT_DAYS:-365} PYTHONPATH=tests/clockshift \
		$(BIN)/pytest --ignore=tests/browser -m "not resilience" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check casesys workers integrations tests

# Benchmark (issue 8, docs/benchmark.md): loads BENCH_N (default 1,000,000) fictional cases into
# the database casesys_bench (created if missing, reused when already loaded), measures every
# figure beside its floor, prints a table and writes bench/results.json. Needs PostgreSQL and
# Redis (BENCH_DATABASE_URL, BENCH_REDIS_URL); all traffic stays on 127.0.0.1.
bench: $(STAMP)
	BENCH_N=$${BENCH_N:-1000000} $(BIN)/python bench/run.py $(BENCH_ARGS)

# Fault injection (issue 8, docs/operations.md): each test starts its own PostgreSQL cluster,
# redis-server, gunicorn and Celery workers on free ports and stops them. Full length here;
# `make test` runs the same tests in their short version.
resilience: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-$$DATABASE_URL_TEST} REDIS_URL=$${REDIS_URL:-$$REDIS_URL_TEST} \
		$(BIN)/python -m casesys.preflight
	DATABASE_URL=$${DATABASE_URL:-$$DATABASE_URL_TEST} REDIS_URL=$${REDIS_URL:-$$REDIS_URL_TEST} \
		CASESYS_RESILIENCE_FULL=1 $(BIN)/pytest -m resilience $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var
