# circuitforge set-up: `make demo` and `make test` install everything they need.
# Running a target twice does no work twice (stamp files under .venv).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.circuitforge-installed
SYSSTAMP := $(VENV)/.system-packages
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SYSTEM_PACKAGES := ngspice libngspice0-dev
# openEMS (full-wave EM) runs under the system python3 its Debian bindings are built for;
# only the targets that need it (test, bench-rf) install it.
OPENEMS_PACKAGES := openems python3-openems
OPENEMS_STAMP := $(VENV)/.openems-packages

.PHONY: all install openems demo test test-slow bench bench-rf clean

all: install

install: $(STAMP)

openems: $(OPENEMS_STAMP)

# Debian packages (only those missing are installed).
# $(call apt_install,PACKAGES): install those of PACKAGES that are missing
define apt_install
	@missing=""; for p in $(1); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

$(SYSSTAMP):
	$(call apt_install,$(SYSTEM_PACKAGES))
	@mkdir -p $(VENV) && touch $@

$(OPENEMS_STAMP): $(SYSSTAMP)
	$(call apt_install,$(OPENEMS_PACKAGES))
	@touch $@

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first, pinned, so pip takes the local CPU build and never the CUDA one.
$(STAMP): pyproject.toml $(SYSSTAMP) | $(BIN)/python
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test,ray]'
	@touch $@

# the examples (read, check, convert, measure), then a small end-to-end design on built-in defaults
demo: $(STAMP)
	$(BIN)/circuitforge demo
	$(BIN)/circuitforge design -n 3 --budget 100 --out out/design

test: $(STAMP) $(OPENEMS_STAMP)
	$(BIN)/python -m pytest -q

test-slow: $(STAMP) $(OPENEMS_STAMP)
	$(BIN)/python -m pytest -q -m slow

bench: $(STAMP)
	$(BIN)/python benchmarks/parse_corpus.py

# EM surrogate timing/error (with a few openEMS runs) and filter design by RL in the surrogate
bench-rf: $(STAMP) $(OPENEMS_STAMP)
	$(BIN)/python benchmarks/em_surrogate.py --openems-runs 3
	$(BIN)/python benchmarks/filter_design.py --specs 100

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
