# Media Studio: `make demo` renders the main example, `make test` runs everything CI runs.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
COMPONENTS := libs/core libs/pipeline cli services/audio services/image services/video services/composer gateway
# Extras installed in the dev environment (heavy real-model extras with conflicting pins stay out).
EDITABLES := ./libs/core ./libs/pipeline ./cli ./services/audio[music] ./services/image[diffusers] ./services/video[neural] ./services/composer ./gateway
PYTEST_ARGS ?=

.PHONY: install test lint typecheck protolint pytest demo up down clean

$(PY):
	python3 -m venv $(VENV)

$(STAMP): $(PY) constraints.txt requirements-dev.txt package.json scripts/bootstrap-system.sh \
          $(addsuffix /pyproject.toml,$(COMPONENTS)) $(wildcard protos/studio/v1/*.proto) libs/core/setup.py
	bash scripts/bootstrap-system.sh
	$(PIP) install -q --upgrade pip setuptools wheel
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -c constraints.txt -r requirements-dev.txt \
	  $(foreach c,$(EDITABLES),-e "$(c)") --config-settings editable_mode=compat
	npm install --silent --no-audit --no-fund
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

protolint: install
	node_modules/.bin/buf lint

pytest: install
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck protolint pytest

demo: install
	$(BIN)/studio render examples/luna.yaml -o out/demo.mp4

up: install
	bash scripts/stack.sh up

down:
	bash scripts/stack.sh down

clean:
	rm -rf $(VENV) node_modules .run .studio .mypy_cache .ruff_cache .pytest_cache libs/core/studio/v1
