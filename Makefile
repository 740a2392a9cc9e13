# The two commands of the quick start: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test install install-dev lint bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,bench]'

## Install what is needed and start the server on the embedded default (SQLite + simulator).
run: install
	@echo "cloudca: the cloudca command is in $(VENV)/bin; in another shell, '. $(VENV)/bin/activate' puts it on the PATH."
	$(BIN)/cloudca serve

## Install what is needed and run the whole test suite (lint, types, tests on SQLite and PostgreSQL).
test: install-dev
	scripts/deps/browser.sh
	VENV=$(VENV) scripts/test

lint: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/python scripts/generate_sync_sdk.py --check

bench: install-dev
	$(BIN)/python -m bench
