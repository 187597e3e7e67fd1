# docqa developer commands. `make` alone lists them.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Every recipe runs offline (no model hub) and, unless the environment says otherwise, without
# idle-spinning OpenMP threads (see docs/measurements.md, Search speed).
export HF_HUB_OFFLINE := 1
export OMP_WAIT_POLICY ?= PASSIVE
# The question for `make ask`, passed through the environment so any quoting survives.
export Q

VENV := .venv
BIN := $(VENV)/bin
HOST := 127.0.0.1
PORT := 8000
# Lint only the folders that exist (benchmarks/ may not yet).
LINT_PATHS := $(wildcard docqa tests benchmarks)
# The committed report of the default ranking on the dev set that `make gate` compares with.
BASELINE := docqa/eval/baseline.json

.PHONY: help setup index serve ask test lint eval gate baseline bench

help:
	@echo "Targets:"
	@echo "  make serve          set up, build the index of corpus/, serve on http://$(HOST):$(PORT)"
	@echo "  make test           set up, run the whole test suite"
	@echo "  make setup          create $(VENV) and install docqa (skipped when up to date)"
	@echo "  make index          build or refresh the index (unchanged files are reused)"
	@echo "  make ask Q=\"...\"    answer one question from the index"
	@echo "  make lint           ruff check, ruff format --check, mypy (docqa/)"
	@echo "  make eval           evaluate the dev set against the index; report in var/eval"
	@echo "  make gate           fail when a headline metric falls 0.02 below $(BASELINE)"
	@echo "  make baseline       rewrite $(BASELINE) from the current ranking"
	@echo "  make bench          run benchmarks/search_bench.py"

setup:
	@bash scripts/setup.sh

index: setup
	$(BIN)/docqa ingest

serve: index
	$(BIN)/docqa serve --host $(HOST) --port $(PORT)

# Checked before any prerequisite runs, so a missing question fails at once.
ifneq ($(filter ask,$(MAKECMDGOALS)),)
ifeq ($(strip $(Q)),)
$(error usage: make ask Q="your question")
endif
endif

ask: index
	$(BIN)/docqa ask "$$Q"

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	@rc=0; \
	$(BIN)/ruff check $(LINT_PATHS) || rc=1; \
	$(BIN)/ruff format --check $(LINT_PATHS) || rc=1; \
	$(BIN)/mypy || rc=1; \
	exit $$rc

eval: index
	$(BIN)/docqa eval --out var/eval

# Regressions only: the absolute thresholds are not met yet (see docs/evaluation.md, Gate).
gate: index
	$(BIN)/docqa eval --baseline $(BASELINE) --gate baseline --out var/eval

baseline: index
	$(BIN)/docqa eval --gate none --out var/baseline
	cp var/baseline/report.json $(BASELINE)

bench: index
	$(BIN)/python benchmarks/search_bench.py
