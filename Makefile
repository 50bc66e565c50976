# ReturnBench: `make run` opens the app, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
# Debian packages the tests use: a real PostgreSQL server, an X server and key events for
# end-to-end tests, the xcb libraries a real Qt window needs, poppler for PDFs, and CUPS
# with the cups-pdf printer for real print-queue tests.
DEBIAN_TEST_PACKAGES := postgresql xvfb xdotool imagemagick poppler-utils \
	cups printer-driver-cups-pdf cups-bsd \
	libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-xkb1 \
	libxkbcommon-x11-0 libxcb-cursor0 libegl1 libgl1 libfontconfig1 libdbus-1-3 fonts-dejavu-core
DEBIAN_RUN_PACKAGES := libegl1 libgl1 libfontconfig1 libxkbcommon0 libdbus-1-3 \
	libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-xkb1 \
	libxkbcommon-x11-0 libxcb-cursor0 fonts-dejavu-core

.PHONY: run test lint bench system-deps system-run-deps clean

$(PY):
	@# Debian's python3 needs python3-venv (ensurepip) before it can make a venv.
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
		bash .ci/debian-packages python3-venv python$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv \
		&& $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install -q --upgrade pip

$(RUNTIME_STAMP): requirements.lock | $(PY)
	$(PY) -m pip install -q -r requirements.lock
	touch $@

$(DEV_STAMP): requirements-dev.lock | $(PY)
	$(PY) -m pip install -q -r requirements-dev.lock
	touch $@ $(RUNTIME_STAMP)

system-run-deps:
	@bash .ci/debian-packages $(DEBIAN_RUN_PACKAGES)

system-deps:
	@bash .ci/debian-packages $(DEBIAN_TEST_PACKAGES)

run: system-run-deps $(RUNTIME_STAMP)
	$(PY) main.py

test: system-deps $(DEV_STAMP)
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) -m pytest -q -n 2

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: $(DEV_STAMP)
	@# Every benchmark of the user's paths, each as its own process, then one table
	@# (path, database, returns, p50/p95, the bare baseline's p95 from the same run, the
	@# budget) printed and written to benchmarks/RESULTS.md with the machine it ran on:
	@# start-up, each CLI command, demo data, a scanner's burst in the real window and
	@# each page (F1-F10) from its key to its rows painted at 10k/100k/1M returns on
	@# SQLite and PostgreSQL (databases filled once by gen_scale.py and kept in
	@# $$TMPDIR/returnbench-scale), the queues, decide, labels, camera.
	@# BENCH_ARGS=--quick: 10k and 100k only.
	PYTHONPATH=. $(PY) benchmarks/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV)
