# Two commands for a newcomer: `make serve` and `make test`. Both set up what is missing
# (.venv with the pinned requirements and kltutorial, KaTeX from npm) and are idempotent.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export NO_MKDOCS_2_WARNING := 1
export MPLBACKEND := Agg
# Rounding errors printed on the pages (1e-16 and the like) depend on which vector kernels
# PyTorch and MKL pick for the processor: pin both to the AVX2 / compatible code paths, so
# an AVX-512 machine, this one and CI print the same last digits.
export ATEN_CPU_CAPABILITY := avx2
export MKL_CBWR := COMPATIBLE
# The build date goes into sitemap.xml (<lastmod>) and the gzip header of sitemap.xml.gz:
# take the last commit's time instead, so a build on another day is byte-identical too.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null)
ifneq ($(SOURCE_DATE_EPOCH),)
export SOURCE_DATE_EPOCH
endif

.PHONY: serve test setup lint typecheck docs pytest package clean

serve: setup
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000 --livereload

test: setup lint typecheck docs pytest package

setup: $(VENV)/.installed node_modules/.package-lock.json

# Reinstall when the pins or the package metadata change.
$(VENV)/.installed: requirements.txt pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy

# Executes every notebook page and draws every figure; any warning fails.
docs:
	$(BIN)/mkdocs build --strict

# Unit, property, example, notebook and browser tests, and every code block in the
# README and the pages. pytest exits non-zero (5) when it collects no test.
pytest:
	$(BIN)/pytest --codeblocks tests README.md docs
	node --test tests/js/
	@echo "Execution times: the build's notebook pages and figures, then the tests' examples"
	@cat build/execution-times.txt build/example-times.txt

# The sdist and the wheel built from it; the wheel alone (with the pinned torch) in a fresh
# venv runs the README quickstart outside the repository. Nothing is left behind.
package:
	$(BIN)/python tests/wheel_check.py

clean:
	rm -rf site build dist .cache
