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

DOCS     := docs
BUILDDIR ?= $(DOCS)/_build
HTMLDIR  := $(BUILDDIR)/html
HOST     ?= 127.0.0.1
PORT     ?= 8000
SPHINXOPTS ?=

# Reproducible builds: a fixed date, hash seed and non-interactive Matplotlib backend.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 1700000000)
export SOURCE_DATE_EPOCH
export PYTHONHASHSEED := 0
export MPLBACKEND := Agg
export PYTHONDONTWRITEBYTECODE := 1

# -W: any Sphinx warning fails the build; --keep-going: report all of them first;
# -T: print the full traceback (e.g. of a failing notebook cell) to the console;
# -j auto: read and write pages on every core (the MyST notebook pages then execute side
# by side; sphinx-gallery runs the tutorials before, in one process).
# Each output folder keeps its own doctrees: sharing them would make the next build of
# the other folder re-read everything.
SPHINXBUILD = $(PY) -m sphinx -b html -W --keep-going -T -j auto $(SPHINXOPTS)

.PHONY: help venv html html-noplot test test-fast serve lint bench audit repro clean

help: ## List the targets
	@echo "Differentiation in PyTorch -- make targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): $(LOCK) pyproject.toml src/gradbook/__init__.py
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

venv: $(STAMP) ## Create or update .venv from requirements-lock.txt

html: $(STAMP) ## Build the book, executing every tutorial (strict: warnings are errors)
	$(SPHINXBUILD) -d $(BUILDDIR)/doctrees $(DOCS) $(HTMLDIR)
	@echo "The book is in $(HTMLDIR)/index.html ('make serve' to read it)."

html-noplot: $(STAMP) ## Build the book fast, without executing the tutorials
	$(SPHINXBUILD) -d $(BUILDDIR)/doctrees-noplot -D plot_gallery=0 $(DOCS) $(BUILDDIR)/html-noplot
	@echo "Unexecuted preview in $(BUILDDIR)/html-noplot/index.html"

test: html ## Run every test: package, tutorials, the strict build and the built site
	@tools/provision-browser.sh
	$(PY) -m pytest

test-fast: $(STAMP) ## Only the tests that need no built book
	$(PY) -m pytest -m "not build and not browser and not site"

serve: ## Serve the built book on 127.0.0.1
	@test -f $(HTMLDIR)/index.html || { echo "No book in $(HTMLDIR): run 'make html' first."; exit 1; }
	@echo "Serving the book at http://$(HOST):$(PORT)/ (Ctrl-C stops)"
	$(PY) -m http.server --bind $(HOST) --directory $(HTMLDIR) $(PORT)

lint: $(STAMP) ## ruff on the code, sphinx-lint on the docs
	$(PY) -m ruff check src tests gallery tools docs
	$(PY) -m ruff format --check src tests gallery tools docs
	$(PY) -m sphinxlint --enable all --disable line-too-long \
		--ignore $(BUILDDIR) --ignore $(DOCS)/auto_examples --ignore $(DOCS)/gen_modules docs gallery src

bench: $(STAMP) ## Build and tutorial times, memory, then the page audit; writes bench.json
	$(PY) tools/bench.py --output $(BUILDDIR)/bench.json
	$(MAKE) audit

repro: $(STAMP) ## Build twice in two folders and check the outputs are byte-identical
	$(PY) tools/repro.py

clean: ## Remove the built book and generated gallery pages (keeps .venv)
	rm -rf $(BUILDDIR) $(DOCS)/auto_examples $(DOCS)/gen_modules

audit: html ## Page budget per page: bytes, requests, axe-core, Lighthouse mobile; writes audit.json
	@test -d tools/audit/node_modules || (cd tools/audit && npm ci --ignore-scripts --no-audit --no-fund)
	$(PY) tools/audit/measure.py --output $(BUILDDIR)/audit.json
