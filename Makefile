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
INPUT_DIR ?=
OUTPUT ?=

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

# ---------------------------------------------------------------- trend engine (issue 5): verbs
.PHONY: trend-score equivalence bench

ifdef INPUT_DIR
trend-score: | $(VENV_STAMP) ## V2 trend score of the run's staged data, or of any V1 folder (INPUT_DIR= OUTPUT=)
	$(if $(OUTPUT),,$(error set OUTPUT=<file.csv> to say where the trend score of $(INPUT_DIR) goes))
	$(PY) scripts/trend_engine.py --input-dir "$(INPUT_DIR)" --output "$(OUTPUT)"
else
trend-score: $(DATOS)/work/trend_score.csv
	$(if $(OUTPUT),$(error OUTPUT= needs INPUT_DIR=<V1 folder>; without them the score goes to $<))
endif

equivalence: | $(VENV_STAMP) ## V1 oracle vs V2 engine on the baseline cases (or INPUT_DIR=), V1 thresholds enforced
	$(PY) scripts/equivalence.py $(if $(INPUT_DIR),--input-dir "$(INPUT_DIR)")

bench: | $(VENV_STAMP) ## time V2 against the V1 oracle on 1,000,000 generated repositories (not a test)
	$(PY) scripts/bench_trend.py

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

# ---------------------------------------------------------------- trend engine (issue 5): degradation and score
# The decision reads every source's status and checksums. A missing source is a degradation case, not a make
# error: prerequisites are the files that exist, plus the folders themselves so a deleted file also rebuilds it.
STAGING := $(DATOS)/staging
TREND_SOURCES := github stackoverflow reddit
STAGED_TREND_INPUTS := $(STAGING)/github/github_repos_2025.csv $(STAGING)/stackoverflow/so_volumen_preguntas.csv \
  $(STAGING)/reddit/reddit_temas_emergentes.csv

$(DATOS)/work/degradation.json: scripts/degradation.py scripts/trend_engine.py scripts/common.py \
  $(wildcard $(STAGING) $(addprefix $(STAGING)/,$(TREND_SOURCES)) \
    $(addsuffix /_source_status.json,$(addprefix $(STAGING)/,$(TREND_SOURCES))) \
    $(foreach s,$(TREND_SOURCES),$(STAGING)/$(s)/*.csv)) | $(VENV_STAMP)
	$(PY) scripts/degradation.py --staging $(STAGING) --output $@.tmp
	mv $@.tmp $@

# The staged inputs sit in one folder per source; the engine reads a flat folder, so the recipe links them into one.
$(DATOS)/work/trend_score.csv: $(DATOS)/work/degradation.json sql/trend_score.sql scripts/trend_engine.py \
  scripts/common.py contracts/tech_names.csv contracts/datasets/trend_score.json $(wildcard $(STAGED_TREND_INPUTS)) \
  | $(VENV_STAMP)
	rm -rf $@.inputs && mkdir -p $@.inputs
	for f in $(wildcard $(STAGED_TREND_INPUTS)); do ln -s "$$(realpath "$$f")" $@.inputs/; done
	$(PY) scripts/trend_engine.py --input-dir $@.inputs --degradation $< --output $@.tmp
	rm -rf $@.inputs
	mv $@.tmp $@
