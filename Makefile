# Relais — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed
# axe-core (accessibility checks of the browser tests), from npm, never committed.
AXE := .cache/npm/node_modules/axe-core/axe.min.js
# Leaflet (the map page, /annuaire/carte), from npm, never committed; served from .cache/npm.
# Without npm the map page still shows its list.
LEAFLET := .cache/npm/node_modules/leaflet/dist/leaflet.js

.PHONY: run test test-postgresql test-sqlite bench bench-quick bench-readme lint install services axe leaflet screenshots

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

$(AXE):
	npm install --silent --no-audit --no-fund --prefix .cache/npm axe-core@4

axe: $(AXE)

$(LEAFLET):
	-npm install --silent --no-audit --no-fund --prefix .cache/npm leaflet@1.9

leaflet: $(LEAFLET)

run: $(STAMP) $(LEAFLET)
	mkdir -p -m 700 var
	$(BIN)/relais db upgrade
	@if [ "$${RELAIS_ENV:-development}" = "development" ]; then $(BIN)/relais seed-demo; fi
	$(BIN)/relais run --port $(PORT)

test: test-postgresql test-sqlite

# The suite runs in TEST_PROCESSES processes (pytest-xdist). Each has a database and a Redis
# database of its own and free ports of its own; most of a test's time is spent waiting on
# servers, workers and the browser, so more processes than cores pays. TEST_PROCESSES=0 runs
# everything in one process.
TEST_PROCESSES ?= 4

# PostgreSQL and Redis must be running (.ci/run starts them when they are not).
# The browser tests (Debian's /usr/bin/chromium, axe-core) run in this pass.
test-postgresql: $(STAMP) $(AXE) $(LEAFLET)
	$(BIN)/python -m pytest --db postgresql -n $(TEST_PROCESSES)

# The embedded backend: everything that does not need PostgreSQL-only features.
test-sqlite: $(STAMP)
	$(BIN)/python -m pytest --db sqlite -n $(TEST_PROCESSES) -m "not postgres_only and not slow and not browser"

# Refresh docs/screenshots/ from the browser scenarios.
screenshots: $(STAMP) $(AXE)
	RELAIS_UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest tests/web -m browser --db postgresql -q

# Every benchmark at full size (goal ≤ 15 min once the large databases are built: they are kept
# between runs, bench/runner.py), appended to bench/history.jsonl and shown in the README.
bench: $(STAMP)
	$(BIN)/python -m bench
	$(BIN)/python -m bench.readme

# Reduced sizes (goal ≤ 3 min), for everyday use; recorded in the history, never in the README.
bench-quick: $(STAMP)
	$(BIN)/python -m bench --quick

# The README's benchmark table, from the last full run in bench/history.jsonl.
bench-readme: $(STAMP)
	$(BIN)/python -m bench.readme

lint: $(STAMP)
	$(BIN)/ruff check shared services tests bench scripts
	$(BIN)/ruff format --check shared services tests bench scripts
	$(BIN)/mypy
	$(BIN)/bandit -q -c pyproject.toml -r shared services
	$(BIN)/pip-audit --skip-editable --progress-spinner off
