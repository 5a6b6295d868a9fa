# KhaiBao: `make run` starts the portal, `make test` runs the tests. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PIP_PROGRESS_BAR := off

.PHONY: run test test-smoke bench setup setup-dev assets messages lint format check clean

## run: set everything up and serve http://$(HOST):$(PORT) (e.g. `make run HOST=0.0.0.0
## PORT=8080`; SMS links follow unless KHAIBAO_PUBLIC_URL is set; Ctrl-C stops all)
run: setup
	DEBUG=$${DEBUG:-1} HOST=$(HOST) PORT=$(PORT) ./scripts/run.sh

## test: run the whole suite (PostgreSQL + Redis when DATABASE_URL / REDIS_URL are set)
test: setup-dev
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest $(PYTEST_ARGS)

## test-smoke: the quick subset (CI runs it on SQLite as well)
test-smoke: setup-dev
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -m smoke $(PYTEST_ARGS)

## bench: benchmarks (never timed tests), one table of figures and targets, written to
## var/bench/<date>.json and .md: QR verifications per second; /api/verify, the
## daily-report submit and the officer's look-up (1 M persons, 10 M check-ins) against a
## bare view, loaded by wrk (Debian's package, installed here when missing)
bench: setup-dev
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } \
		|| { echo "make bench needs wrk: sudo apt-get install wrk" >&2; exit 1; }
	$(BIN)/python scripts/bench.py

setup: $(VENV)/.installed assets messages
setup-dev: $(VENV)/.installed-dev assets messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(VENV)/.installed $@

## assets: Bootstrap and other front-end files from npm, and the portal's own scripts and
## stylesheets minified, into static/vendor/
assets: static/vendor/.built

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The reduced Bootstrap CSS files keep the classes the templates, scripts and Python code
# use, and static/vendor/khaibao/ holds static/js and static/css minified
# (scripts/build_assets.mjs): built again whenever one of them changes.
ASSET_SOURCES := $(shell find templates static/js static/css -type f 2>/dev/null) \
	$(shell find khaibao declarations checkpoints vaccination -name '*.py' \
		-not -path '*/migrations/*' 2>/dev/null)

static/vendor/.built: node_modules/.package-lock.json scripts/build_assets.mjs $(ASSET_SOURCES) \
		| $(VENV)/.installed
	node scripts/build_assets.mjs
	touch $@

## messages: compile translations (locale/*/LC_MESSAGES/django.po → .mo)
PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)
messages: $(MO_FILES)

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po | $(VENV)/.installed
	$(BIN)/python scripts/compile_messages.py $<

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles var
