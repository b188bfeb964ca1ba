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
DATOS ?= datos
RUN_DATE ?= $(shell date -u +%F)
export DATOS RUN_DATE

# ---------------------------------------------------------------- verbs
.PHONY: help test lint lock contract-check docs

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

# ---------------------------------------------------------------- quality gate (issue 7)
# The aggregate step calls scripts/quality_gate.py as a library; this verb runs it alone for developers.
# GATE_REPORT=<file> also writes the JSON report.
GATE_REPORT ?=
.PHONY: gate

gate: $(VENV_STAMP) ## run the quality gate alone on the staged data (GATE_REPORT=<file> also saves the JSON report)
	$(PY) scripts/quality_gate.py $(if $(GATE_REPORT),--report $(GATE_REPORT))
