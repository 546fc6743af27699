# Handoff developer commands. `make run` and `make test` are all a fresh machine needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
HANDOFF := $(VENV)/bin/handoff
PYTHON  ?= python3
export HANDOFF_ENV_FILE ?= $(CURDIR)/deploy/local/dev.env

.PHONY: help venv stack prepare run test lint stop logs schemas clean bench chaos

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

venv: $(VENV)/.installed ## Create the virtualenv with Handoff and its test tools

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q -e ".[test]"
	@touch $@

stack: venv ## Start local Kafka and PostgreSQL (skipped when HANDOFF_* point elsewhere)
	@PYTHON=$(CURDIR)/$(PY) deploy/local/stack.sh up

prepare: stack
	@$(HANDOFF) migrate
	@$(HANDOFF) topics

run: prepare ## Start the whole stack and both services, print the URLs
	@$(HANDOFF) agreement bootstrap deploy/agreements/example.yaml
	@$(HANDOFF) seed deploy/local/demo-reps.yaml
	@deploy/local/services.sh start
	@echo; $(HANDOFF) urls; echo; echo "logs: .run/logs/   stop: make stop"

.PHONY: demo
demo: venv ## Seed a synthetic week through the running services (after make run); prints the dashboard URL
	@$(HANDOFF) demo $(DEMO_ARGS)

test: lint prepare ## Lint, then start the stack and run the whole test suite against it
	@$(PY) -m pytest $(PYTEST_ARGS)

lint: venv ## ruff (style, import order), import-linter (the package map's rules), mypy (types)
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/lint-imports --no-cache
	@$(VENV)/bin/mypy

stop: ## Stop the services and the local stack
	@deploy/local/services.sh stop
	@deploy/local/stack.sh down

logs: ## Follow the services' logs
	@tail -F .run/logs/scorer.log .run/logs/router.log

bench: prepare ## Run the benchmarks (not part of CI; BENCH_ARGS="scorer --quick" for one, smaller)
	@$(PY) -m bench $(BENCH_ARGS)

chaos: prepare ## Kill and restart services, Kafka and PostgreSQL under load; check nothing is lost (CHAOS_ARGS)
	@$(PY) -m chaos $(CHAOS_ARGS)

schemas: venv ## Regenerate schemas/json and schemas/asyncapi.yaml from the models
	@$(HANDOFF) schemas
