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
RUN_DATE := $(RUN_DATE)# expanded once: a build that crosses midnight keeps one run date
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

# ---------------------------------------------------------------- REST sources: GitHub and Stack Exchange (issue 3)
# Raw responses live in $(DATOS)/raw/<source>/$(RUN_DATE)/ (one .json.gz per API response; kept, never refetched).
# The verbs run live (fetch what raw lacks, then transform); the file rules only re-run the pure transform
# (--offline) when raw or the code changed. The scripts write every output to a temp file and rename it.
RAW_GITHUB := $(DATOS)/raw/github/$(RUN_DATE)
RAW_STACKOVERFLOW := $(DATOS)/raw/stackoverflow/$(RUN_DATE)
GITHUB_STATUS := $(DATOS)/staging/github/_source_status.json
STACKOVERFLOW_STATUS := $(DATOS)/staging/stackoverflow/_source_status.json
.SECONDARY: $(RAW_GITHUB) $(RAW_STACKOVERFLOW)
.PHONY: extract-github extract-stackoverflow recorded

extract-github: $(VENV_STAMP) ## GitHub source job, live (needs GH_PAT): raw responses + staged CSVs
	@test -n "$${GH_PAT:-}" || { echo "error: GH_PAT is not set: export it, or run \`make demo\` for the bundled recorded data" >&2; exit 2; }
	$(PY) scripts/extract_github.py

extract-stackoverflow: $(VENV_STAMP) ## Stack Exchange source job, live (needs STACKOVERFLOW_KEY): raw + staged CSVs
	@test -n "$${STACKOVERFLOW_KEY:-}" || { echo "error: STACKOVERFLOW_KEY is not set: export it, or run \`make demo\` for the bundled recorded data" >&2; exit 2; }
	$(PY) scripts/extract_stackoverflow.py

recorded: $(VENV_STAMP) ## regenerate the bundled synthetic GitHub/Stack Exchange responses (datos/recorded/, deterministic)
	$(PY) scripts/gen_recorded_rest.py

$(GITHUB_STATUS): $(RAW_GITHUB) scripts/extract_github.py scripts/http_client.py scripts/common.py \
  contracts/datasets/github_repos.json contracts/datasets/github_lenguajes.json | $(VENV_STAMP)
	$(PY) scripts/extract_github.py --offline

$(STACKOVERFLOW_STATUS): $(RAW_STACKOVERFLOW) scripts/extract_stackoverflow.py scripts/http_client.py scripts/common.py \
  $(wildcard contracts/datasets/so_*.json) | $(VENV_STAMP)
	$(PY) scripts/extract_stackoverflow.py --offline

$(RAW_GITHUB) $(RAW_STACKOVERFLOW):
	@echo "error: $@ does not exist: run \`make extract-$(notdir $(patsubst %/,%,$(dir $@)))\` (live) or \`make demo\`" >&2; exit 2
