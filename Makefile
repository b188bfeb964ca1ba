# Technology trend platform — the map of the pipeline. Plain `make` lists the verbs.
#
# Two kinds of target: verbs a person types (.PHONY, each with a `## description`) and real files.
# Every recipe writes a temporary file and renames it into place.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules --no-print-directory

# ---------------------------------------------------------------- settings
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.installed
BASE ?= HEAD
# Run settings, exported to every script (scripts/common.py settings()).
DATOS ?= datos
RUN_DATE ?= $(shell date -u +%F)
RUN_ID ?=
OUT ?=
HISTORY_WRITES ?= 1
LEGACY_V1_COPIES ?= 1
export DATOS RUN_DATE RUN_ID HISTORY_WRITES LEGACY_V1_COPIES

# ---------------------------------------------------------------- verbs
.PHONY: help test lint lock contract-check docs aggregate replay

help: ## list the verbs (plain `make` does this)
	@echo "Technology trend platform. Verbs:"
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-z0-9-]*:.*## / {printf "  make %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

test: $(VENV_STAMP) ## run the offline test suite (pytest)
	$(PY) -m pytest

lint: $(VENV_STAMP) ## ruff (Python) and sqlfluff (DuckDB SQL)
	$(VENV)/bin/ruff check scripts tests
	$(VENV)/bin/ruff format --check scripts tests
	if compgen -G 'sql/*.sql' >/dev/null; then $(VENV)/bin/sqlfluff lint sql; fi

lock: $(VENV_STAMP) ## rebuild requirements.lock (with hashes) from requirements.in
	$(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-header \
	  --output-file requirements.lock.tmp requirements.in
	mv requirements.lock.tmp requirements.lock

contract-check: $(VENV_STAMP) ## fail when a contract's version bump is smaller than its change (BASE=<git ref>, default HEAD)
	$(PY) scripts/contract_check.py --base $(BASE)

docs: docs/data_contract.md ## regenerate docs/data_contract.md from contracts/

aggregate: $(VENV_STAMP) ## staged sources -> quality gate -> latest CSVs + Parquet history + run manifest
	$(PY) scripts/aggregate.py

replay: $(VENV_STAMP) ## rebuild the latest CSVs a past run published: RUN_ID=<uuid> [OUT=<dir>]
	@test -n "$(RUN_ID)" || { echo "make replay needs RUN_ID=<uuid>: see $(DATOS)/metadata/runs/" >&2; exit 2; }
	$(PY) scripts/replay.py --run-id "$(RUN_ID)" $(if $(OUT),--out "$(OUT)")

# ---------------------------------------------------------------- environment
# The virtual environment is a file target: any verb that needs Python builds or refreshes it.
$(VENV_STAMP): requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	touch $@

# ---------------------------------------------------------------- docs
docs/data_contract.md: scripts/contract_doc.py scripts/common.py $(wildcard contracts/*.json contracts/datasets/*.json) | $(VENV_STAMP)
	$(PY) scripts/contract_doc.py > $@.tmp
	mv $@.tmp $@
