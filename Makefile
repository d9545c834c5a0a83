# Two commands set everything up on a fresh machine with only python3:
#   make render   the main job: render examples/platform.yaml into build/terraform
#   make test     install the dev dependencies and run every test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CONFIG ?= examples/platform.yaml
OUT ?= build/terraform

.PHONY: render validate test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

render: $(VENV)/.installed
	$(BIN)/mlinfra render $(CONFIG) -o $(OUT)

validate: $(VENV)/.installed
	$(BIN)/mlinfra validate $(CONFIG)

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/cli_speed.py

clean:
	rm -rf build $(VENV)
