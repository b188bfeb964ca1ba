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
RUN_DATE := $(RUN_DATE)# expanded once: a build that crosses midnight keeps one run date
RUN_ID ?=
HISTORY_WRITES ?= 1
LEGACY_V1_COPIES ?= 1
AS_OF ?=
TREND_WEIGHTS ?=
export DATOS RUN_DATE RUN_ID HISTORY_WRITES LEGACY_V1_COPIES AS_OF TREND_WEIGHTS
OFFLINE ?=
# EXTRACT=0: take the staged sources as they are, never re-extract (CI's aggregate job, fed by artifacts);
# a source whose job left nothing is then simply unavailable to the degradation policy.
EXTRACT ?= 1
PUBLISH_DIR ?= frontend/assets/data
OUT ?=
GATE_REPORT ?=
INPUT_DIR ?=
OUTPUT ?=
DRY_RUN ?=

# The demo: the bundled recorded responses of one run date, run in a folder of its own.
DEMO_DATE := 2026-11-23
DEMO_DIR ?= demo
DEMO_AS_OF ?= $(DEMO_DATE)T06:00:00Z
RECORDED := datos/recorded

SOURCES := github stackoverflow reddit
RAW := $(DATOS)/raw
STAGING := $(DATOS)/staging
WORK := $(DATOS)/work
status = $(STAGING)/$(1)/_source_status.json
STATUS_FILES := $(foreach s,$(SOURCES),$(call status,$(s)))
STAGED_STATUS := $(if $(filter 1,$(EXTRACT)),$(STATUS_FILES),$(wildcard $(STATUS_FILES)))
STAGED_CSVS = $(wildcard $(STAGING)/*/*.csv)
TREND_INPUTS := $(STAGING)/github/github_repos_2025.csv $(STAGING)/stackoverflow/so_volumen_preguntas.csv \
  $(STAGING)/reddit/reddit_temas_emergentes.csv
MANIFEST := $(DATOS)/metadata/run_manifest.json

# Settings that change outputs are files under $(WORK)/settings/, rewritten only when their value changes,
# so Make rebuilds exactly what a changed setting affects (and a no-op rerun touches nothing).
SETTINGS := $(WORK)/settings
NO_SETTINGS_GOALS := help test lint lock contract-check docs recorded demo replay compact bench equivalence serve \
  history-check \
  $(if $(INPUT_DIR),trend-score)
ifneq ($(filter-out $(NO_SETTINGS_GOALS),$(or $(MAKECMDGOALS),help)),)
$(foreach v,RUN_DATE HISTORY_WRITES LEGACY_V1_COPIES AS_OF TREND_WEIGHTS,$(shell mkdir -p $(SETTINGS) && \
  { [ -f $(SETTINGS)/$(v) ] && [ "$$(cat $(SETTINGS)/$(v))" = "$($(v))" ]; } || echo "$($(v))" > $(SETTINGS)/$(v)))
endif

# ---------------------------------------------------------------- verbs
.PHONY: help demo weekly preflight extract-github extract-stackoverflow extract-reddit aggregate trend-score gate
.PHONY: publish replay compact serve test lint equivalence bench contract-check lock docs recorded
.PHONY: history-check

help: ## list the verbs (plain `make` does this)
	@echo "Technology trend platform. Verbs:"
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-z0-9-]*:.*## / {printf "  make %-22s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

demo: $(VENV_STAMP) ## the weekly pipeline on bundled recorded data (no secrets, no network), then a summary
	$(MAKE) $(DEMO_DIR)/site/run_manifest.json DATOS=$(DEMO_DIR)/datos PUBLISH_DIR=$(DEMO_DIR)/site \
	  RUN_DATE=$(DEMO_DATE) OFFLINE=1 AS_OF=$(DEMO_AS_OF)
	$(PY) scripts/summary.py --datos $(DEMO_DIR)/datos --site $(DEMO_DIR)/site

weekly: preflight ## the live weekly run: preflight -> extract x3 -> aggregate -> publish
	$(MAKE) publish

preflight: $(VENV_STAMP) ## check that every live secret is set (names only), before any request
	$(PY) scripts/preflight.py

extract-github: $(call status,github) ## GitHub source job: raw responses + staged CSVs (live needs GH_PAT)
extract-stackoverflow: $(call status,stackoverflow) ## Stack Exchange source job (live needs STACKOVERFLOW_KEY)
extract-reddit: $(call status,reddit) ## Reddit source job (live needs REDDIT_CLIENT_ID, REDDIT_CLIENT_SECRET)

aggregate: $(MANIFEST) ## staged sources -> degradation, trend score, quality gate, latest + history + manifest

ifdef INPUT_DIR
trend-score: | $(VENV_STAMP) ## V2 trend score of the run's staged data, or of any V1 folder (INPUT_DIR= OUTPUT=)
	$(if $(OUTPUT),,$(error set OUTPUT=<file.csv> to say where the trend score of $(INPUT_DIR) goes))
	$(PY) scripts/trend_engine.py --input-dir "$(INPUT_DIR)" --output "$(OUTPUT)"
else
trend-score: $(WORK)/trend_score.csv
	$(if $(OUTPUT),$(error OUTPUT= needs INPUT_DIR=<V1 folder>; without them the score goes to $<))
endif

gate: $(WORK)/quality.json ## build and show the run's quality report, the one aggregate commits by (GATE_REPORT=<file> copies it)
	$(PY) scripts/aggregate.py gate --quality $< $(if $(GATE_REPORT),--report "$(GATE_REPORT)")

publish: $(PUBLISH_DIR)/run_manifest.json ## copy what the last allowed run published into frontend/assets/data

replay: $(VENV_STAMP) ## rebuild the latest CSVs a past run published: RUN_ID=<uuid> [OUT=<dir>]
	@test -n "$(RUN_ID)" || { echo "make replay needs RUN_ID=<uuid>: see $(DATOS)/metadata/runs/" >&2; exit 2; }
	$(PY) scripts/replay.py --run-id "$(RUN_ID)" $(if $(OUT),--out "$(OUT)")

history-check: $(VENV_STAMP) ## list history files no committed run owns (stray, leftover) or that fail their SHA-256
	$(PY) scripts/history.py

compact: $(VENV_STAMP) ## monthly: apply each dataset's retention class to its history (DRY_RUN=1 only lists)
	$(PY) scripts/compact.py $(if $(DRY_RUN),--dry-run)

serve: ## serve the dashboard on http://127.0.0.1:8000/frontend/ (the demo's: .../frontend/?data=../demo/site/)
	$(PYTHON) -m http.server --bind 127.0.0.1 8000

test: $(VENV_STAMP) ## run the offline test suite (pytest)
	$(PY) -m pytest

lint: $(VENV_STAMP) ## ruff (Python) and sqlfluff (DuckDB SQL)
	$(VENV)/bin/ruff check scripts tests
	$(VENV)/bin/ruff format --check scripts tests
	$(VENV)/bin/sqlfluff lint sql

equivalence: $(VENV_STAMP) ## V1 oracle vs V2 engine on the baseline cases (or INPUT_DIR=), V1 thresholds enforced
	$(PY) scripts/equivalence.py $(if $(INPUT_DIR),--input-dir "$(INPUT_DIR)")

bench: $(VENV_STAMP) ## benchmarks (not tests): V2 vs the V1 oracle on 1,000,000 repositories; aggregate vs one DuckDB pass; cold and no-op demo
	$(PY) scripts/bench_trend.py
	$(PY) scripts/bench_aggregate.py
	$(PY) scripts/bench_pipeline.py

contract-check: $(VENV_STAMP) ## fail when a contract's version bump is smaller than its change (BASE=<git ref>)
	$(PY) scripts/contract_check.py --base $(BASE)

lock: $(VENV_STAMP) ## rebuild requirements.lock (with hashes) from requirements.in
	$(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-header \
	  --output-file requirements.lock.tmp requirements.in
	mv requirements.lock.tmp requirements.lock

docs: docs/data_contract.md ## regenerate docs/data_contract.md from contracts/

recorded: $(VENV_STAMP) ## regenerate the bundled synthetic responses in datos/recorded/ (deterministic generators)
	$(PY) scripts/gen_recorded_rest.py
	$(PY) scripts/gen_recorded_reddit.py

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

# ---------------------------------------------------------------- extract: raw -> staging, one job per source
# With OFFLINE=1 an extractor reads only raw responses already on disk; the demo seeds them from $(RECORDED).
define source_job
$(RAW)/$(1)/$(RUN_DATE)/.seeded: $(wildcard $(RECORDED)/$(1)/$(RUN_DATE)/*)
	mkdir -p $$(@D)
	cp -p $(RECORDED)/$(1)/$(RUN_DATE)/* $$(@D)/
	touch $$@

$(call status,$(1)): scripts/extract_$(1).py scripts/common.py $(2) $(SETTINGS)/RUN_DATE \
  $(if $(OFFLINE),$(if $(wildcard $(RECORDED)/$(1)/$(RUN_DATE)),$(RAW)/$(1)/$(RUN_DATE)/.seeded)) | $(VENV_STAMP)
	$(PY) scripts/extract_$(1).py $(if $(OFFLINE),--offline)
endef
ifeq ($(EXTRACT),1)
$(eval $(call source_job,github,scripts/http_client.py))
$(eval $(call source_job,stackoverflow,scripts/http_client.py))
$(eval $(call source_job,reddit,contracts/reddit_keywords.json))
endif

# ---------------------------------------------------------------- aggregate: score, gate, dual write
# The decision reads every source's status and checksums. A missing source is a degradation case, not a make
# error; the source folders are prerequisites too, so a deleted staged file also rebuilds it.
$(WORK)/degradation.json: $(STAGED_STATUS) $(STAGED_CSVS) $(wildcard $(STAGING) $(addprefix $(STAGING)/,$(SOURCES))) \
  scripts/degradation.py scripts/policy.py scripts/trend_engine.py scripts/common.py $(SETTINGS)/RUN_DATE \
  $(SETTINGS)/TREND_WEIGHTS \
  | $(VENV_STAMP)
	$(PY) scripts/degradation.py --staging $(STAGING) --output $@

# With a fail decision the engine writes no score (and removes an older one); the aggregate step records the failure.
$(WORK)/trend_score.csv: $(WORK)/degradation.json sql/trend_score.sql scripts/trend_engine.py scripts/policy.py \
  scripts/common.py \
  contracts/tech_names.csv contracts/datasets/trend_score.json $(wildcard $(TREND_INPUTS)) | $(VENV_STAMP)
	$(PY) scripts/trend_engine.py --staging $(STAGING) --degradation $< --output $@

# ---------------------------------------------------------------- aggregate: quality report, then the commit
# Two visible steps (docs/commit.md). The quality report records the SHA-256 of every file it judged; the commit
# step refuses a report that judged other files, stages the whole run in $(WORK)/<run_id>/, validates it there
# and commits it under the data lock with one commit point (metadata/runs/<run_id>.json).
$(WORK)/quality.json: $(WORK)/trend_score.csv $(WORK)/degradation.json $(STAGED_CSVS) scripts/aggregate.py \
  scripts/quality_gate.py scripts/history.py scripts/common.py $(wildcard contracts/datasets/*.json) \
  $(SETTINGS)/RUN_DATE $(SETTINGS)/AS_OF | $(VENV_STAMP)
	$(PY) scripts/aggregate.py quality --output $@

$(MANIFEST): $(WORK)/quality.json scripts/aggregate.py scripts/commit.py scripts/history.py scripts/common.py \
  sql/history_snapshot.sql $(wildcard contracts/datasets/*.json) $(SETTINGS)/HISTORY_WRITES \
  $(SETTINGS)/LEGACY_V1_COPIES | $(VENV_STAMP)
	$(PY) scripts/aggregate.py commit --quality $<

# ---------------------------------------------------------------- publish: the dashboard's data
$(PUBLISH_DIR)/run_manifest.json: $(MANIFEST) scripts/publish.py scripts/commit.py scripts/history.py scripts/common.py
	$(PY) scripts/publish.py --out $(PUBLISH_DIR)
