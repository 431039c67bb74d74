# Media Studio: `make demo` renders the main example, `make test` runs everything CI runs.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
COMPONENTS := libs/core libs/pipeline cli services/audio services/image services/video services/composer gateway
# uv resolves the locks and installs them. It lives in .tools (ignored by git), at this exact version.
UV_VERSION := 0.13.9
UV := .tools/uv/bin/uv
export UV
# uv uses the machine's Python 3.11 and never downloads one.
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
PYTEST_ARGS ?=
LOCK_ARGS ?=

# The web studio (web/): its own npm lock; built into web/dist, which the gateway serves at /.
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts \
               web/tsconfig.json web/package.json web/package-lock.json $(wildcard templates/*.json) \
               libs/pipeline/studio/pipeline/screenplay.schema.json
WEB_DEPS := web/node_modules/.installed
WEB_DIST := web/dist/index.html

.PHONY: install lock lockcheck test lint typecheck protolint webcheck web-api pytest demo up down clean

$(UV):
	python3 -m venv .tools/uv
	.tools/uv/bin/python -m pip install -q uv==$(UV_VERSION)

# Installs exactly uv.lock: uv sync adds what is missing and removes what the lock does not name.
$(STAMP): $(UV) uv.lock pyproject.toml package.json package-lock.json scripts/bootstrap-system.sh \
          $(addsuffix /pyproject.toml,$(COMPONENTS)) $(wildcard protos/studio/v1/*.proto) libs/core/setup.py
	bash scripts/bootstrap-system.sh
	@bash scripts/lock.sh check
	$(UV) sync --frozen --quiet --python 3.11 --reinstall-package studio-core
	npm ci --silent --no-audit --no-fund
	touch $(STAMP)

$(WEB_DEPS): $(STAMP) web/package.json web/package-lock.json
	npm ci --prefix web --silent --no-audit --no-fund
	touch $@

$(WEB_DIST): $(WEB_DEPS) $(WEB_SOURCES)
	npm run --prefix web --silent build

install: $(STAMP) $(WEB_DIST)

# Regenerate the web studio's typed client from the gateway's OpenAPI document (commit the result).
web-api: install
	bash scripts/web-api.sh generate

# Re-resolve every lock from the pyproject.toml files; `make lock LOCK_ARGS=--upgrade` moves
# every dependency to its newest allowed release (then run the whole suite).
lock: $(UV)
	bash scripts/lock.sh lock $(LOCK_ARGS)

lockcheck: $(UV)
	@bash scripts/lock.sh check

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

protolint: install
	node_modules/.bin/buf lint

# The typed client matches the gateway's API, the app type-checks, and its component tests pass.
webcheck: install
	bash scripts/web-api.sh check
	npm run --prefix web --silent typecheck
	npm run --prefix web --silent test

pytest: install
	$(BIN)/pytest $(PYTEST_ARGS)

test: lockcheck lint typecheck protolint webcheck pytest

demo: install
	$(BIN)/studio render examples/luna.yaml -o out/demo.mp4

up: install
	bash scripts/stack.sh up

down:
	bash scripts/stack.sh down

clean:
	rm -rf $(VENV) .tools node_modules web/node_modules web/dist .run .studio .mypy_cache .ruff_cache .pytest_cache libs/core/studio/v1
