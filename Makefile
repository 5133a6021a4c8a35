# Differentiation in PyTorch: build, test and measure the book.
# `make html` and `make test` are the two commands a fresh machine needs; both create
# the project's virtual environment (.venv) first when it is missing or out of date.

SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON   ?= python3
VENV     ?= .venv
PY       := $(VENV)/bin/python
STAMP    := $(VENV)/.installed
LOCK     := requirements-lock.txt

# Everything about building, serving and reading the book (its environment, the Sphinx
# command line, the output folders) lives in tools/booktools; the targets call it.
BOOK     := PYTHONPATH=tools $(PY) -m booktools
BUILDDIR := docs/_build
HOST     ?= 127.0.0.1
PORT     ?= 8000
SPHINXOPTS ?=
# The test suite runs on every core (pytest-xdist); PYTEST_WORKERS=0 runs it in one.
# Work stealing: a worker that runs out takes tests queued for the other, so both end
# together (with xdist's default "load", one worker once ran 64 s alone at the end).
PYTEST_WORKERS ?= auto
PYTEST := $(PY) -m pytest -n $(PYTEST_WORKERS) --dist worksteal
# The pinned npm tools: axe-core (tools/axe, 3 MB, for the tests and the audit) and
# Lighthouse (tools/audit, 190 MB, for the audit only). npm ci writes
# node_modules/.package-lock.json, so each is installed again when its lock changes.
NPM_CI := npm ci --ignore-scripts --no-audit --no-fund
NEED_NPM := command -v npm >/dev/null || { echo "npm is needed for the pinned axe-core and Lighthouse (tools/axe, tools/audit): install node and npm (Debian: apt-get install -y npm)" >&2; exit 1; }

.PHONY: help venv lock html html-noplot files test test-fast serve lint bench audit repro clean

help: ## List the targets
	@echo "Differentiation in PyTorch -- make targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): $(LOCK) pyproject.toml src/gradbook/__init__.py
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

venv: $(STAMP) ## Create or update .venv from requirements-lock.txt

# The lock is generated from pyproject.toml (booktools.lock). Every pin is kept unless
# UPGRADE names packages to upgrade (UPGRADE="sphinx myst-nb") or says UPGRADE=all.
UPGRADE ?=
lock: $(STAMP) ## Regenerate requirements-lock.txt from pyproject.toml with uv (UPGRADE=name|all)
	$(BOOK) lock $(if $(strip $(UPGRADE)),--upgrade $(UPGRADE))

html: $(STAMP) ## Build the book, executing every tutorial (strict: warnings are errors)
	$(BOOK) html $(SPHINXOPTS)

html-noplot: $(STAMP) ## Build the book fast, without executing the tutorials
	$(BOOK) noplot $(SPHINXOPTS)

files: html ## The book as one EPUB and one PDF, into the built site (_downloads/book/)
	@tools/provision-files.sh
	$(BOOK) files

tools/%/node_modules/.package-lock.json: tools/%/package.json tools/%/package-lock.json
	@$(NEED_NPM)
	cd tools/$* && $(NPM_CI)
	@touch $@

test: files tools/axe/node_modules/.package-lock.json ## Run every test: package, tutorials, the strict build, the built site and files
	@tools/provision-files.sh
	$(PYTEST)

test-fast: $(STAMP) ## Only the tests that need no built book
	$(PYTEST) -m "not build and not browser and not site"

serve: $(STAMP) ## Serve the built book on 127.0.0.1, with its 404 page for a missing address
	$(BOOK) serve --host $(HOST) --port $(PORT)

lint: $(STAMP) ## ruff and mypy --strict on the code, sphinx-lint on the docs
	$(BOOK) lint

bench: $(STAMP) ## Build and tutorial times, memory, then the page audit; writes bench.json
	$(BOOK) bench --output $(BUILDDIR)/bench.json
	$(MAKE) audit

repro: $(STAMP) ## Build twice in two folders and check the outputs are byte-identical
	$(BOOK) repro

clean: ## Remove the built book and generated gallery pages (keeps .venv and .cache)
	rm -rf $(BUILDDIR) docs/auto_examples docs/gen_modules

audit: html tools/axe/node_modules/.package-lock.json tools/audit/node_modules/.package-lock.json ## Page budget per page: bytes, requests, axe-core, Lighthouse mobile; writes audit.json
	@tools/provision-browser.sh
	$(BOOK) audit --output $(BUILDDIR)/audit.json
