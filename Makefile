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
# $(call _allow,NAME,chars,what[,message]): stop unless NAME's raw text is one word made only of chars
# (the error says `NAME has a character that is not allowed (what)`, or the message when one is given)
_allow = $(if $(or $(call _drop,$(subst $$,@,$(value $(1))),$(2)),$(filter-out 0 1,$(words $(value $(1))))),\
  $(error $(or $(4),$(1) has a character that is not allowed ($(3)): fix or unset the setting)))\
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
_RUNLESS_GOALS := help test test-fast lint hooks lock contract-check docs recorded equivalence bench serve dashboard demo \
  cutover-status release-check bridge ci-dry-run history-check
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
# existing run's record a second way; scripts/lib/settings.py parse_run_id says the canonical spelling
$(call _allow,RUN_ID,$(_digit) a b c d e f -,a lower-case uuid 8-4-4-4-12; leave it unset for a new one)
$(call _allow,AS_OF,$(_digit) T Z : . + -,an ISO date-time such as 2026-11-23T06:00:00Z)
$(call _allow,DEMO_AS_OF,$(_digit) T Z : . + -,an ISO date-time such as 2026-11-23T06:00:00Z)
$(call _allow,TREND_WEIGHTS,$(_lower) $(_digit) = $(comma) .,source=weight pairs such as github=0.5$(comma)reddit=0.2)
$(call _one_of,HISTORY_WRITES,1 0 true false yes no on off)
$(call _one_of,LEGACY_V1_COPIES,1 0 true false yes no on off)
$(call _one_of,EXTRACT,1 0)
$(call _one_of,OFFLINE,1)
$(call _one_of,DRY_RUN,1 0)
# PORT (make serve): digits, and not empty once given; the server checks the range
override _port_fix := PORT must be a number from 1024 to 65535, e.g. make serve PORT=8080
$(call _allow,PORT,$(_digit),a port number,$(_port_fix))
$(if $(filter undefined,$(origin PORT)),,$(if $(strip $(value PORT)),,$(error $(_port_fix))))
# JOBS (make test, test-fast): pytest-xdist workers, a number or auto (one per core, the default); 0 runs in one process
override _jobs_fix := JOBS must be a number of test workers or auto (one per core), e.g. make test JOBS=2
$(if $(filter-out auto,$(value JOBS)),$(call _allow,JOBS,$(_digit),a number,$(_jobs_fix)))
$(if $(filter undefined,$(origin JOBS)),,$(if $(strip $(value JOBS)),,$(error $(_jobs_fix))))
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
  GATE_REPORT HISTORY_WRITES LEGACY_V1_COPIES PORT BASE PYTHON JOBS,$(if $(filter undefined,$(origin $(v))),,\
  $(eval override $(v) := $(value $(v)))))

PYTHON ?= python3
override VENV := .venv
override PY := $(VENV)/bin/python
override VENV_STAMP := $(VENV)/.installed
# every script imports the shared modules in scripts/lib/ (and dev tools the steps) from scripts/
override LIB := $(wildcard scripts/lib/*.py)
override PYTHONPATH := $(CURDIR)/scripts
export PYTHONPATH
BASE ?= HEAD
JOBS ?= auto

# Run settings, exported to every script (scripts/lib/settings.py).
DATOS ?= datos
HISTORY_WRITES ?= 1
LEGACY_V1_COPIES ?= 1
AS_OF ?=
TREND_WEIGHTS ?=
# Rollback switches (more at the end of this file) and their verbs' settings, validated before anything uses them:
# the raw text ($(value)) is checked, so a value never runs as make or shell code.
TREND_ENGINE ?= v2
QUALITY_GATE ?= enforce
BRIDGE_EXPORT ?= 1
N ?= 4
TAG ?=
RELEASE_TAGS := v2.0.0-rc1 v2.0.0-rc2 v2.0.0-rc3 v2.0.0-rc4 v2.0.0
one_of = $(and $(filter 1,$(words $(1))),$(filter $(2),$(1)))
digits = $(if $(strip $(1)),$(if $(subst 0,,$(subst 1,,$(subst 2,,$(subst 3,,$(subst 4,,$(subst 5,,$(subst 6,,$(subst 7,,$(subst 8,,$(subst 9,,$(1))))))))))),,$(1)))
override TREND_ENGINE := $(or $(strip $(value TREND_ENGINE)),v2)
override QUALITY_GATE := $(or $(strip $(value QUALITY_GATE)),enforce)
override BRIDGE_EXPORT := $(or $(strip $(value BRIDGE_EXPORT)),1)
override N := $(strip $(value N))
override TAG := $(strip $(value TAG))
$(if $(call one_of,$(TREND_ENGINE),v1 v2),,$(error TREND_ENGINE must be v2 (the DuckDB SQL, default) or v1 (the V1 engine)))
$(if $(call one_of,$(QUALITY_GATE),enforce warn-only),,$(error QUALITY_GATE must be enforce (default) or warn-only))
$(if $(call one_of,$(BRIDGE_EXPORT),0 1),,$(error BRIDGE_EXPORT must be 1 (default) or 0 (no bridge JSON: the rollback switch)))
export DATOS RUN_DATE RUN_ID HISTORY_WRITES LEGACY_V1_COPIES AS_OF TREND_WEIGHTS TREND_ENGINE QUALITY_GATE BRIDGE_EXPORT
OFFLINE ?=
# EXTRACT=0: take the staged sources as they are, never re-extract (CI's aggregate job, fed by artifacts);
# a source whose job left nothing is then simply unavailable to the degradation policy.
EXTRACT ?= 1
# AGGREGATE=0: take the committed run in $(DATOS) as it is, never re-aggregate (CI's publish job, fed by the
# aggregate job's artifact): `make publish AGGREGATE=0` only publishes it.
AGGREGATE ?= 1
PUBLISH_DIR ?= frontend/assets/data
OUT ?=
GATE_REPORT ?=
INPUT_DIR ?=
OUTPUT ?=
DRY_RUN ?=

# The demo: the bundled recorded responses of six weekly run dates, replayed in order in a folder of its own.
override DEMO_WEEKS := 2026-10-19 2026-10-26 2026-11-02 2026-11-09 2026-11-16 2026-11-23
override DEMO_DATE := $(lastword $(DEMO_WEEKS))
DEMO_DIR ?= demo
DEMO_AS_OF ?=# empty: each recorded week runs as of its own morning, <date>T06:00:00Z
override RECORDED := datos/recorded

# What the GitHub job runs besides its script (the framework activity and correlation steps, issue 12).
override GITHUB_JOB_CODE := scripts/github_activity.py scripts/history.py sql/github_commits_frameworks.sql \
  sql/github_correlacion.sql contracts/datasets/github_commits.json contracts/datasets/github_correlacion.json

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
override NO_SETTINGS_GOALS := help test test-fast lint hooks lock contract-check docs recorded demo replay compact bench equivalence \
  serve dashboard cutover-status release-check bridge ci-dry-run history-check $(if $(INPUT_DIR),trend-score)
ifneq ($(filter-out $(NO_SETTINGS_GOALS),$(or $(MAKECMDGOALS),help)),)
override RECORDED_SETTINGS := RUN_DATE HISTORY_WRITES LEGACY_V1_COPIES AS_OF TREND_WEIGHTS TREND_ENGINE QUALITY_GATE \
  BRIDGE_EXPORT
$(foreach v,$(RECORDED_SETTINGS),$(shell mkdir -p $(SETTINGS) && \
  { [ -f $(SETTINGS)/$(v) ] && [ "$$(cat $(SETTINGS)/$(v))" = "$($(v))" ]; } || echo "$($(v))" > $(SETTINGS)/$(v)))
endif

# ---------------------------------------------------------------- verbs
.PHONY: help demo weekly preflight extract-github extract-stackoverflow extract-reddit aggregate trend-score gate
.PHONY: publish replay compact test test-fast lint hooks equivalence bench contract-check lock docs recorded
.PHONY: dashboard serve
.PHONY: bridge
.PHONY: history-check

help: ## list the verbs (plain `make` does this)
	@echo "Technology trend platform. Verbs:"
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-z0-9-]*:.*## / {printf "  make %-22s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "Rollback switches (docs/runbook.md):"
	@awk '/^#: / {sub(/^#: /, "  "); print}' $(MAKEFILE_LIST)

demo: $(VENV_STAMP) $(DEMO_DIR)/weeks/$(DEMO_DATE).done ## the six bundled recorded weeks through the whole pipeline into demo/ (no secrets, no network), then a summary
	$(call demo_run,$(DEMO_DATE))
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

publish: $(PUBLISH_DIR)/run_manifest.json ## copy exactly what the last committed run published into PUBLISH_DIR (frontend/assets/data), checksums checked

replay: $(VENV_STAMP) ## rebuild, byte for byte, the latest files (CSVs, bridge JSON) a past run published: RUN_ID=<uuid> [OUT=<dir>]
	@test -n "$(RUN_ID_GIVEN)" || { echo "make replay needs RUN_ID=<uuid>: see $(DATOS)/metadata/runs/" >&2; exit 2; }
	$(PY) scripts/replay.py --run-id "$(RUN_ID)" $(if $(OUT),--out "$(OUT)")

history-check: $(VENV_STAMP) ## list history files no committed run owns (stray, leftover) or that fail their SHA-256
	$(PY) scripts/history.py

compact: $(VENV_STAMP) ## monthly: merge old daily history into verified monthly files, apply retention (DRY_RUN=1 lists)
	$(PY) scripts/compact.py $(if $(filter-out 0,$(DRY_RUN)),--dry-run)

test: $(VENV_STAMP) ## the whole offline test suite, in parallel (JOBS=auto: one pytest-xdist worker per core)
	$(PY) -m pytest -n $(JOBS)

test-fast: $(VENV_STAMP) ## the fast tier: the tests not marked slow or browser (no make, no subprocess per case), in parallel
	$(PY) -m pytest -n $(JOBS) -m "not slow and not browser"

lint: $(VENV_STAMP) ## ruff (Python), sqlfluff (DuckDB SQL), node --check (dashboard JS), zizmor + check-jsonschema (workflows, offline)
	$(VENV)/bin/ruff check scripts tests
	$(VENV)/bin/ruff format --check scripts tests
	$(VENV)/bin/sqlfluff lint sql
	node --check frontend/app.js && node --check frontend/data.js
	$(VENV)/bin/zizmor --offline --no-progress .github/workflows
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

hooks: ## install the git pre-commit hooks (.pre-commit-config.yaml: the `make lint` linters); needs pre-commit
	@command -v pre-commit >/dev/null || { echo "make hooks: pre-commit is not installed (it is not in the lock):" \
	  "install it for your user with 'pipx install pre-commit' (or 'python3 -m pip install --user pre-commit')," \
	  "then run make hooks again" >&2; exit 1; }
	pre-commit install

equivalence: $(VENV_STAMP) ## V1 oracle vs V2 engine on the baseline cases (or INPUT_DIR=), V1 thresholds enforced
	$(PY) scripts/equivalence.py $(if $(INPUT_DIR),--input-dir "$(INPUT_DIR)")

bench: $(VENV_STAMP) ## benchmarks (not tests): trend engine, aggregate, demo, bridge, compaction, each as a ratio to a bare DuckDB pass
	$(PY) scripts/dev/bench.py

contract-check: $(VENV_STAMP) ## fail when a contract's version bump is smaller than its change (BASE=<git ref>)
	$(PY) scripts/dev/contract_check.py --base $(BASE)

lock: $(VENV_STAMP) ## rebuild requirements.lock (with hashes) from requirements.in
	$(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-header \
	  --output-file requirements.lock.tmp requirements.in
	mv requirements.lock.tmp requirements.lock

docs: docs/data_contract.md docs/settings.md ## regenerate docs/data_contract.md (from contracts/) and docs/settings.md (from scripts/lib/settings.py)

recorded: $(VENV_STAMP) ## regenerate the bundled synthetic responses of the six recorded weeks in datos/recorded/ (deterministic)
	$(PY) scripts/dev/gen_recorded_rest.py
	$(PY) scripts/dev/gen_recorded_reddit.py

# ---------------------------------------------------------------- environment
# The virtual environment is a file target: any verb that needs Python builds or refreshes it.
$(VENV_STAMP): requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "error: this project needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) -V 2>&1 || echo missing): use PYTHON=python3.11" >&2; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	touch $@

# ---------------------------------------------------------------- docs
docs/data_contract.md: scripts/dev/contract_doc.py $(LIB) $(wildcard contracts/*.json contracts/datasets/*.json) | $(VENV_STAMP)
	$(PY) scripts/dev/contract_doc.py > $@.tmp
	mv $@.tmp $@

docs/settings.md: scripts/dev/settings_doc.py $(LIB) | $(VENV_STAMP)
	$(PY) scripts/dev/settings_doc.py > $@.tmp
	mv $@.tmp $@

# ---------------------------------------------------------------- extract: raw -> staging, one job per source
# With OFFLINE=1 an extractor reads only raw responses already on disk; the demo seeds them from $(RECORDED).
define source_job
$(RAW)/$(1)/$(RUN_DATE)/.seeded: $(wildcard $(RECORDED)/$(1)/$(RUN_DATE)/*)
	mkdir -p $$(@D)
	cp -p $(RECORDED)/$(1)/$(RUN_DATE)/* $$(@D)/
	touch $$@

$(call status,$(1)): scripts/extract_$(1).py $(LIB) $(2) $(SETTINGS)/RUN_DATE \
  $(if $(OFFLINE),$(if $(wildcard $(RECORDED)/$(1)/$(RUN_DATE)),$(RAW)/$(1)/$(RUN_DATE)/.seeded)) | $(VENV_STAMP)
	$(PY) scripts/extract_$(1).py $(if $(OFFLINE),--offline)
endef
ifeq ($(EXTRACT),1)
$(eval $(call source_job,github,scripts/http_client.py $(GITHUB_JOB_CODE)))
$(eval $(call source_job,stackoverflow,scripts/http_client.py))
$(eval $(call source_job,reddit,scripts/reddit_client.py scripts/http_client.py contracts/reddit_keywords.json))
endif

# ---------------------------------------------------------------- aggregate: score, gate, dual write
# The decision reads every source's status and checksums. A missing source is a degradation case, not a make
# error; the source folders are prerequisites too, so a deleted staged file also rebuilds it.
$(WORK)/degradation.json: $(STAGED_STATUS) $(STAGED_CSVS) $(wildcard $(STAGING) $(addprefix $(STAGING)/,$(SOURCES))) \
  scripts/degradation.py scripts/policy.py scripts/trend_engine.py $(LIB) $(SETTINGS)/RUN_DATE \
  $(SETTINGS)/TREND_WEIGHTS \
  | $(VENV_STAMP)
	$(PY) scripts/degradation.py --staging $(STAGING) --output $@

# With a fail decision the engine writes no score (and removes an older one); the aggregate step records the failure.
$(WORK)/trend_score.csv: $(WORK)/degradation.json sql/trend_score.sql scripts/trend_engine.py scripts/policy.py \
  $(LIB) \
  contracts/tech_names.csv contracts/datasets/trend_score.json $(wildcard $(TREND_INPUTS)) | $(VENV_STAMP)
	$(PY) scripts/trend_engine.py --staging $(STAGING) --degradation $< --output $@

# ---------------------------------------------------------------- aggregate: quality report, then the commit
# AGGREGATE=0 (CI's publish job): take the committed run as it is, never rebuild it.
ifneq ($(AGGREGATE),0)
# Two visible steps (docs/commit.md). The quality report records the SHA-256 of every file it judged; the commit
# step refuses a report that judged other files, stages the whole run in $(WORK)/<run_id>/, validates it there
# and commits it under the data lock with one commit point (metadata/runs/<run_id>.json).
$(WORK)/quality.json: $(WORK)/trend_score.csv $(WORK)/degradation.json $(STAGED_CSVS) scripts/aggregate.py \
  scripts/aggregate_stage.py $(wildcard scripts/quality_*.py) scripts/staged.py scripts/history.py $(LIB) \
  $(wildcard contracts/datasets/*.json) $(SETTINGS)/RUN_DATE $(SETTINGS)/AS_OF | $(VENV_STAMP)
	$(PY) scripts/aggregate.py quality --output $@

$(MANIFEST): $(WORK)/quality.json scripts/aggregate.py scripts/aggregate_stage.py scripts/commit.py scripts/history.py \
  $(LIB) sql/history_snapshot.sql scripts/ci_runtime.py $(wildcard scripts/bridge*.py sql/bridge_*.sql) \
  $(wildcard contracts/datasets/*.json) $(SETTINGS)/HISTORY_WRITES $(SETTINGS)/LEGACY_V1_COPIES \
  $(SETTINGS)/BRIDGE_EXPORT | $(VENV_STAMP)
	$(PY) scripts/aggregate.py commit --quality $<
endif

# ---------------------------------------------------------------- publish: the dashboard's data
$(PUBLISH_DIR)/run_manifest.json: $(MANIFEST) scripts/publish.py scripts/commit.py scripts/history.py $(LIB)
	$(PY) scripts/publish.py --out $(PUBLISH_DIR)

# ---------------------------------------------------------------- rollback switches and the cutover verdict
# One setting per step of the migration plan (`make help` prints these lines; docs/runbook.md says when to use each):
#: HISTORY_WRITES=0         no history partitions (latest and manifests still work)
#: TREND_ENGINE=v1          score and publish with the V1 engine (scripts/v1_oracle.py), not sql/trend_score.sql
#: QUALITY_GATE=warn-only   the gate reports every finding but none blocks; flagged in the run record
#: BRIDGE_EXPORT=0          no bridge JSON files (the dashboard reads the CSVs)
#: LEGACY_V1_COPIES=0       no V1 compatibility copies in the data folder (DATOS)
#: dashboard CSV-only flag  the web dashboard's own setting (frontend/), see docs/runbook.md
#: make weekly              the sequential run (one machine, no parallel source jobs) instead of the workflow

.PHONY: cutover-status release-check

# the switches are recorded settings: changing one rebuilds exactly what it affects (no re-extraction)
$(WORK)/trend_score.csv: $(SETTINGS)/TREND_ENGINE scripts/v1_oracle.py
$(WORK)/quality.json: $(SETTINGS)/QUALITY_GATE scripts/trend_engine.py

cutover-status: $(VENV_STAMP) ## the cutover verdict from the run records: N weekly runs clean, bridge, equivalence, SLOs [N=4]
	$(if $(and $(call digits,$(N)),$(filter-out 0,$(N))),,$(error N must be a whole number of weeks >= 1, e.g. N=4))
	$(PY) scripts/cutover_status.py --weeks $(N)

release-check: $(VENV_STAMP) ## do a release checkpoint's criteria hold? TAG=v2.0.0-rc1 ... v2.0.0 (docs/releases.md)
	$(if $(call one_of,$(TAG),$(RELEASE_TAGS)),,$(error TAG must be one of $(RELEASE_TAGS)))
	$(PY) scripts/release_check.py --tag $(TAG)

# ---------------------------------------------------------------- web dashboard (frontend/): build and serve
# The chart library comes from npm (frontend/package-lock.json, `npm ci`) and is vendored into the build output,
# so the built app in build/dashboard/ works offline. `make serve` serves that build plus one data folder, nothing else.
PORT ?= 8000
DASHBOARD_BUILD := build/dashboard
DASHBOARD_SRC := $(addprefix frontend/,index.html app.js data.js style.css config.json)
NODE_STAMP := frontend/node_modules/.package-lock.json
CHART_JS := frontend/node_modules/chart.js/dist/chart.umd.min.js
# PORT is validated with the other settings at the top (digits); it reaches the server through the environment only.

dashboard: $(DASHBOARD_BUILD)/.built ## build the web dashboard into build/dashboard/ (npm ci for the chart library)

serve: export PORT := $(PORT)
serve: export PUBLISH_DIR := $(PUBLISH_DIR)
serve: export DEMO_DIR := $(DEMO_DIR)
serve: $(DASHBOARD_BUILD)/.built | $(VENV_STAMP) ## serve the dashboard on http://127.0.0.1:$PORT/ (data: PUBLISH_DIR, else the demo's)
	$(PY) scripts/serve_dashboard.py --app $(DASHBOARD_BUILD)

$(NODE_STAMP): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

$(DASHBOARD_BUILD)/.built: $(DASHBOARD_SRC) $(NODE_STAMP)
	rm -rf $(DASHBOARD_BUILD).tmp
	mkdir -p $(DASHBOARD_BUILD).tmp/vendor
	cp $(DASHBOARD_SRC) $(DASHBOARD_BUILD).tmp/
	cp $(CHART_JS) $(DASHBOARD_BUILD).tmp/vendor/
	cp frontend/node_modules/chart.js/LICENSE.md $(DASHBOARD_BUILD).tmp/vendor/chart.js-LICENSE.md
	touch $(DASHBOARD_BUILD).tmp/.built
	rm -rf $(DASHBOARD_BUILD)
	mv $(DASHBOARD_BUILD).tmp $(DASHBOARD_BUILD)

# ---------------------------------------------------------------- bridge: the dashboard's JSON files (docs/bridge.md)
# Built from the committed history ($(DATOS)/metadata/runs + history/), never from the latest CSVs. The settings
# reach the script through the environment, never through the shell command line.
BRIDGE_MODE ?= full
BRIDGE_OUT ?= $(DATOS)/metadata/remote_assets
export BRIDGE_MODE BRIDGE_OUT

bridge: $(VENV_STAMP) ## the 13 bridge JSON files + public run_manifest.json of the last committed run (BRIDGE_MODE=full|compact, BRIDGE_OUT=<dir>)
	$(PY) scripts/bridge.py --out "$$BRIDGE_OUT" --mode "$$BRIDGE_MODE"

# ---------------------------------------------------------------- ci: the weekly workflow, played locally
# .github/workflows/etl_semanal.yml runs these same scripts; docs/ci.md says what each job does.
.PHONY: ci-dry-run

ci-dry-run: $(VENV_STAMP) ## the workflow's five jobs played locally: zip artifacts, fault scenarios, one line each
	$(PY) scripts/dev/ci_dry_run.py

# ---------------------------------------------------------------- datasets: the GitHub vs Reddit intersection
# Built from the two sources' staged files by SQL, like the trend score; header only when either is unavailable.
$(WORK)/interseccion_github_reddit.csv: $(WORK)/degradation.json sql/interseccion_github_reddit.sql \
  scripts/intersection.py $(LIB) contracts/datasets/interseccion.json \
  $(wildcard $(STAGING)/github/*.csv $(STAGING)/reddit/*.csv) | $(VENV_STAMP)
	$(PY) scripts/intersection.py --output $@

$(WORK)/quality.json: $(WORK)/interseccion_github_reddit.csv

# ---------------------------------------------------------------- demo: the recorded weeks, in order
# One stamp per week: it depends on that week's recorded responses, the pipeline's code and the week before, never
# on the settings files (the weeks share one data folder, so each week's run rewrites them).
DEMO_CODE := $(wildcard scripts/*.py scripts/lib/*.py sql/*.sql contracts/*.json contracts/*.csv contracts/datasets/*.json)

# The last week is also brought up to date on every `make demo` (the `demo` recipe), by its own settings files: a
# changed switch (TREND_ENGINE, QUALITY_GATE, ...) reruns just the steps it affects in that week, and nothing
# when no setting changed; the earlier weeks stay as they were recorded.
demo_run = $(MAKE) $(DEMO_DIR)/site/run_manifest.json DATOS=$(DEMO_DIR)/datos PUBLISH_DIR=$(DEMO_DIR)/site \
  RUN_DATE=$(1) RUN_ID= OFFLINE=1 AS_OF=$(or $(DEMO_AS_OF),$(1)T06:00:00Z)

define demo_week
$(DEMO_DIR)/weeks/$(1).done: $(wildcard $(RECORDED)/*/$(1)/*) $(DEMO_CODE) $(2) | $(VENV_STAMP)
	$$(call demo_run,$(1))
	mkdir -p $$(@D)
	touch $$@.tmp
	mv $$@.tmp $$@
endef
# each week paired with the one before it ("-" for the first): 2026-10-26:2026-10-19 ...
DEMO_PAIRS := $(firstword $(DEMO_WEEKS)):- \
  $(filter-out :%,$(join $(wordlist 2,99,$(DEMO_WEEKS)),$(addprefix :,$(DEMO_WEEKS))))
$(foreach p,$(DEMO_PAIRS),$(eval $(call demo_week,$(word 1,$(subst :, ,$(p))),\
  $(patsubst %,$(DEMO_DIR)/weeks/%.done,$(filter-out -,$(word 2,$(subst :, ,$(p))))))))
