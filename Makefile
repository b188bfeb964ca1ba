# Technology trend platform — the map of the pipeline. Plain `make` lists the verbs.
#
# Two kinds of target: verbs a person types (.PHONY, each with a `## description`) and real files.
# Every recipe writes a temporary file and renames it into place.

override SHELL := bash
override .SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules --no-print-directory

# ---------------------------------------------------------------- settings
# Every setting is validated here, from its unexpanded text ($(value ...)), before any recipe or $(shell ...)
# sees it: a value such as `$(shell touch x)`, `;rm -rf /`, backticks, a newline or `../..` stops make with the
# setting's name and the fix, and runs nothing. Validation uses make functions only, never a shell.
# (docs/faults.md lists the hostile values the suite tries.)
_lower := a b c d e f g h i j k l m n o p q r s t u v w x y z
_upper := A B C D E F G H I J K L M N O P Q R S T U V W X Y Z
_digit := 0 1 2 3 4 5 6 7 8 9
comma := ,
# $(call _drop,text,chars): text without any of the (space-separated) chars
_drop = $(if $(2),$(call _drop,$(subst $(firstword $(2)),,$(1)),$(wordlist 2,$(words $(2)),$(2))),$(1))
# $(call _allow,NAME,chars,what): stop unless NAME's raw text is one word made only of chars
_allow = $(if $(or $(call _drop,$(subst $$,@,$(value $(1))),$(2)),$(filter-out 0 1,$(words $(value $(1))))),\
  $(error $(1) has a character that is not allowed ($(3)): fix or unset the setting))\
  $(if $(word 1025,$(call _spread,$(value $(1)),$(2))),$(error $(1) is longer than 1024 characters: give a shorter value))
# $(call _spread,text,chars): every char of text followed by a space ($(words) is then its length)
_spread = $(if $(2),$(call _spread,$(subst $(firstword $(2)),$(firstword $(2)) ,$(1)),$(wordlist 2,$(words $(2)),$(2))),$(1))
_pathchars := $(_lower) $(_upper) $(_digit) . _ - / +
_path_ok = $(call _allow,$(1),$(_pathchars),a path of letters$(comma) digits and . _ - / +)\
  $(if $(filter ..,$(subst /, ,$(value $(1)))),$(error $(1)=$(value $(1)) climbs out with '..': give a path without '..'))\
  $(if $(filter / //,$(value $(1))),$(error $(1)=/ would be the whole file system: give a folder of its own))
_one_of = $(if $(filter-out $(2),$(value $(1))),$(error $(1) must be one of: $(or $(2),(empty))),)\
  $(if $(filter-out 0 1,$(words $(value $(1)))),$(error $(1) must be one word: one of $(2)))

ifeq ($(origin RUN_DATE),undefined)
RUN_DATE := $(shell date -u +%F)# expanded once: a build that crosses midnight keeps one run date
endif
# verbs that are not a run: they get no run id, so the scripts and makes they start each make their own
_RUNLESS_GOALS := help test lint lock contract-check docs recorded equivalence bench serve
ifeq ($(strip $(value RUN_ID)),)
# one run id per make invocation, exported so every step (and sub-make) of this run shares it
RUN_ID := $(if $(filter-out $(_RUNLESS_GOALS),$(or $(MAKECMDGOALS),help)),$(shell cat /proc/sys/kernel/random/uuid))
RUN_ID_GIVEN :=
else
RUN_ID_GIVEN := 1
endif
$(call _allow,RUN_DATE,$(_digit) -,YYYY-MM-DD)
$(if $(filter 3,$(words $(subst -, ,$(value RUN_DATE)))),,$(error RUN_DATE=$(value RUN_DATE) is not a date: use YYYY-MM-DD))
# a run id is refused unless canonical (lower-case 8-4-4-4-12): {uuid}, urn:uuid: or upper case could name an
# existing run's record a second way; scripts/common.py parse_run_id says the canonical spelling
$(call _allow,RUN_ID,$(_digit) a b c d e f -,a lower-case uuid 8-4-4-4-12; leave it unset for a new one)
$(call _allow,AS_OF,$(_digit) T Z : . + -,an ISO date-time such as 2026-11-23T06:00:00Z)
$(call _allow,DEMO_AS_OF,$(_digit) T Z : . + -,an ISO date-time such as 2026-11-23T06:00:00Z)
$(call _allow,TREND_WEIGHTS,$(_lower) $(_digit) = $(comma) .,source=weight pairs such as github=0.5$(comma)reddit=0.2)
$(call _one_of,HISTORY_WRITES,1 0 true false yes no on off)
$(call _one_of,LEGACY_V1_COPIES,1 0 true false yes no on off)
$(call _one_of,EXTRACT,1 0)
$(call _one_of,OFFLINE,1)
$(call _one_of,DRY_RUN,1)
$(call _allow,PORT,$(_digit),a port number)
$(call _allow,BASE,$(_lower) $(_upper) $(_digit) . _ - / ~ ^,a git ref)
$(call _allow,PYTHON,$(_pathchars),a python executable)
$(foreach v,DATOS PUBLISH_DIR DEMO_DIR OUT INPUT_DIR OUTPUT GATE_REPORT,$(call _path_ok,$(v)))
# the data folder: required, and never the repository itself (or a folder holding it)
$(if $(strip $(value DATOS)),,$(if $(filter undefined,$(origin DATOS)),,$(error DATOS is empty: give the data folder, e.g. DATOS=datos)))
$(if $(filter $(abspath $(or $(value DATOS),datos)) $(abspath $(or $(value DATOS),datos))/%,$(CURDIR) $(CURDIR)/),\
  $(error DATOS=$(value DATOS) is the repository (or holds it): give a data folder inside it, e.g. DATOS=datos))
$(if $(filter undefined,$(origin DEMO_DIR)),,$(if $(strip $(value DEMO_DIR)),,$(error DEMO_DIR is empty: give a folder, e.g. DEMO_DIR=demo)))
$(if $(filter undefined,$(origin PUBLISH_DIR)),,$(if $(strip $(value PUBLISH_DIR)),,$(error PUBLISH_DIR is empty)))
$(foreach v,RUN_DATE RUN_ID AS_OF DEMO_AS_OF TREND_WEIGHTS DATOS PUBLISH_DIR DEMO_DIR OUT INPUT_DIR OUTPUT \
  GATE_REPORT HISTORY_WRITES LEGACY_V1_COPIES PORT BASE PYTHON,$(if $(filter undefined,$(origin $(v))),,\
  $(eval override $(v) := $(value $(v)))))

PYTHON ?= python3
override VENV := .venv
override PY := $(VENV)/bin/python
override VENV_STAMP := $(VENV)/.installed
BASE ?= HEAD

# Run settings, exported to every script (scripts/common.py settings()).
DATOS ?= datos
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
override DEMO_DATE := 2026-11-23
DEMO_DIR ?= demo
DEMO_AS_OF ?= $(DEMO_DATE)T06:00:00Z
override RECORDED := datos/recorded

override SOURCES := github stackoverflow reddit
override RAW := $(DATOS)/raw
override STAGING := $(DATOS)/staging
override WORK := $(DATOS)/work
override status = $(STAGING)/$(1)/_source_status.json
override STATUS_FILES := $(foreach s,$(SOURCES),$(call status,$(s)))
override STAGED_STATUS := $(if $(filter 1,$(EXTRACT)),$(STATUS_FILES),$(wildcard $(STATUS_FILES)))
override STAGED_CSVS = $(wildcard $(STAGING)/*/*.csv)
override TREND_INPUTS := $(STAGING)/github/github_repos_2025.csv $(STAGING)/stackoverflow/so_volumen_preguntas.csv \
  $(STAGING)/reddit/reddit_temas_emergentes.csv
override MANIFEST := $(DATOS)/metadata/run_manifest.json

# Settings that change outputs are files under $(WORK)/settings/, rewritten only when their value changes,
# so Make rebuilds exactly what a changed setting affects (and a no-op rerun touches nothing).
override SETTINGS := $(WORK)/settings
override NO_SETTINGS_GOALS := help test lint lock contract-check docs recorded demo replay compact bench equivalence serve gate \
  $(if $(INPUT_DIR),trend-score)
ifneq ($(filter-out $(NO_SETTINGS_GOALS),$(or $(MAKECMDGOALS),help)),)
$(foreach v,RUN_DATE HISTORY_WRITES LEGACY_V1_COPIES AS_OF TREND_WEIGHTS,$(shell mkdir -p $(SETTINGS) && \
  { [ -f $(SETTINGS)/$(v) ] && [ "$$(cat $(SETTINGS)/$(v))" = "$($(v))" ]; } || echo "$($(v))" > $(SETTINGS)/$(v)))
endif

# ---------------------------------------------------------------- verbs
.PHONY: help demo weekly preflight extract-github extract-stackoverflow extract-reddit aggregate trend-score gate
.PHONY: publish replay compact serve test lint equivalence bench contract-check lock docs recorded

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

gate: $(VENV_STAMP) ## run the quality gate alone on the staged data (GATE_REPORT=<file> also saves the JSON report)
	$(PY) scripts/quality_gate.py $(if $(GATE_REPORT),--report $(GATE_REPORT))

publish: $(PUBLISH_DIR)/run_manifest.json ## copy what the last allowed run published into frontend/assets/data

replay: $(VENV_STAMP) ## rebuild the latest CSVs a past run published: RUN_ID=<uuid> [OUT=<dir>]
	@test -n "$(RUN_ID_GIVEN)" || { echo "make replay needs RUN_ID=<uuid>: see $(DATOS)/metadata/runs/" >&2; exit 2; }
	$(PY) scripts/replay.py --run-id "$(RUN_ID)" $(if $(OUT),--out "$(OUT)")

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

bench: $(VENV_STAMP) ## benchmarks (not tests): V2 vs the V1 oracle on 1,000,000 repositories; cold and no-op demo
	$(PY) scripts/bench_trend.py
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
  scripts/degradation.py scripts/trend_engine.py scripts/common.py $(SETTINGS)/RUN_DATE $(SETTINGS)/TREND_WEIGHTS \
  | $(VENV_STAMP)
	$(PY) scripts/degradation.py --staging $(STAGING) --output $@

# With a fail decision the engine writes no score (and removes an older one); the aggregate step records the failure.
$(WORK)/trend_score.csv: $(WORK)/degradation.json sql/trend_score.sql scripts/trend_engine.py scripts/common.py \
  contracts/tech_names.csv contracts/datasets/trend_score.json $(wildcard $(TREND_INPUTS)) | $(VENV_STAMP)
	$(PY) scripts/trend_engine.py --staging $(STAGING) --degradation $< --output $@

$(MANIFEST): $(WORK)/trend_score.csv $(WORK)/degradation.json $(STAGED_CSVS) scripts/aggregate.py \
  scripts/quality_gate.py scripts/common.py sql/history_snapshot.sql $(wildcard contracts/datasets/*.json) \
  $(SETTINGS)/HISTORY_WRITES $(SETTINGS)/LEGACY_V1_COPIES $(SETTINGS)/AS_OF
	$(PY) scripts/aggregate.py

# ---------------------------------------------------------------- publish: the dashboard's data
$(PUBLISH_DIR)/run_manifest.json: $(MANIFEST) scripts/publish.py sql/trend_history.sql scripts/common.py
	$(PY) scripts/publish.py --out $(PUBLISH_DIR)
