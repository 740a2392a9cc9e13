# The two commands of the quick start: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test install install-dev lint bench campaigns

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

## libvirt-python needs libvirt-dev: installed by scripts/deps/libvirt.sh (as root), else skipped
## (the libvirt tests then skip and say why).
install-dev: $(BIN)/python
	scripts/deps/libvirt.sh
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	if pkg-config --exists libvirt; then $(BIN)/pip install --quiet -e '.[libvirt]'; fi

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
	$(BIN)/python scripts/generate_sdk_models.py --check
	$(BIN)/python scripts/check_duplicates.py

bench: install-dev
	$(BIN)/python -m bench

## The hostile-input and crash campaigns at full size: 50,000 generated requests, 100 kills on
## SQLite and 100 on PostgreSQL with 3 processes (CI runs them smaller, within `make test`).
CAMPAIGN_SIZE := CLOUDCA_CAMPAIGN_REQUESTS=50000 CLOUDCA_CAMPAIGN_KILLS=100 CLOUDCA_CAMPAIGN_SECONDS=14400
PG_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
campaigns: install-dev
	env -u CLOUDCA_TEST_DATABASE_URL $(CAMPAIGN_SIZE) $(BIN)/pytest -q -s -p no:cacheprovider tests/campaigns
	CLOUDCA_TEST_DATABASE_URL=$(PG_URL) $(CAMPAIGN_SIZE) $(BIN)/pytest -q -s -p no:cacheprovider tests/campaigns
