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

# ---------------------------------------------------------------- source: Reddit (issue 4)
# Raw listing pages live in $(DATOS)/raw/reddit/<run date>/ (one file per API response, kept); the staged
# source is represented by its _source_status.json, written last by scripts/extract_reddit.py.
REDDIT_RAW := $(DATOS)/raw/reddit/$(RUN_DATE)
REDDIT_STATUS := $(DATOS)/staging/reddit/_source_status.json
REDDIT_CODE := scripts/extract_reddit.py scripts/common.py contracts/reddit_keywords.json \
  contracts/datasets/reddit_temas.json contracts/datasets/reddit_sentimiento.json

.PHONY: extract-reddit recorded-reddit

extract-reddit: $(VENV_STAMP) ## Reddit through praw (live, needs REDDIT_CLIENT_ID/SECRET): raw listings + staging
	$(PY) scripts/extract_reddit.py

recorded-reddit: $(VENV_STAMP) ## regenerate the bundled Reddit listings in datos/recorded/reddit/2026-11-23/
	$(PY) scripts/gen_recorded_reddit.py

# Staging from raw pages already on disk, never the network (`make demo` copies the recorded pages first).
# The script writes each file atomically and the status file last.
$(REDDIT_STATUS): $(wildcard $(REDDIT_RAW)/*.json.gz) $(REDDIT_CODE) | $(VENV_STAMP)
	$(PY) scripts/extract_reddit.py --offline
