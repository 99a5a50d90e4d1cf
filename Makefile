# Quick start: `make plan` (offline plan of the dev stack) and `make test`.
# Both create ./venv (the same virtualenv Pulumi uses, see Pulumi.yaml) on first use.
PYTHON ?= python3
VENV := venv
BIN := $(VENV)/bin
STACK ?= dev
STAMP := $(VENV)/.installed

.PHONY: generate plan diagram docs public-api test test-offline lint typecheck unit engine yaml-host python-host engine-tests rehearse golden \
	bench bench-mesh \
	bench-engine differential clean

DISTRIBUTIONS := . distributions/vnet2vnet-tools distributions/vnet2vnet-rehearse
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml $(addsuffix /pyproject.toml,$(wordlist 2,3,$(DISTRIBUTIONS)))
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required (the pinned rpds-py and hypothesis need it)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	# The project's three distributions (editable, no dependencies: the requirements files pinned them; built by the
	# pinned hatchling): `import vnet2vnet` and the `vnet2vnet` console script work from any directory, as installed.
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation $(addprefix -e ,$(DISTRIBUTIONS))
	@touch $(STAMP)

# SEED=FILE: what already exists (existing VNets and gateways), for stacks that use some (brownfield).
SEED_ARG = $(if $(SEED),--seed $(SEED),$(if $(wildcard examples/$(STACK)/existing.yaml),--seed examples/$(STACK)/existing.yaml,))

plan: $(STAMP)
	$(BIN)/python -m vnet2vnet plan --stack $(STACK) $(SEED_ARG)

diagram: $(STAMP)
	@$(BIN)/python -m vnet2vnet plan --stack $(STACK) --format mermaid $(SEED_ARG)

# Rewrite what derives from the option declarations (vnet2vnet/spec.py): the component args TypedDicts, the
# config reference and component API pages (docs/), the credentials and emulator tables, and the Pulumi.yaml
# descriptions. A test fails when they drift.
generate: $(STAMP)
	$(BIN)/python -m vnet2vnet.option_docs --write

# Rewrite tests/golden/ from the current plans after a deliberate change; review the diff before committing.
golden: $(STAMP)
	$(BIN)/python -m tests.golden

bench: $(STAMP)
	$(BIN)/python bench/plan_overhead.py

bench-mesh: $(STAMP)
	$(BIN)/python bench/mesh_scale.py --rounds 3

bench-engine: engine
	$(BIN)/python bench/real_engine.py

# The real Pulumi CLI: $$VNET2VNET_PULUMI, our cached build, a `pulumi` on PATH, or a build from the Go module proxy
# (tools/pulumi/build.sh; cold about 5 minutes on 2 cores, cached in ~/.cache/vnet2vnet). Last line: its path.
engine: $(STAMP)
	@$(BIN)/python -m vnet2vnet.pulumi_cli

# The whole lifecycle of a stack on the real engine against the Azure emulator: make rehearse STACK=dev
# The program runs as `pulumi up` runs it, through a Python language host (our test host, built here).
rehearse: engine
	VNET2VNET_PYTHON_HOST="$$(bash tools/pulumi/build-test-tool.sh python-host)" \
	$(BIN)/python -m vnet2vnet rehearse --stack $(STACK) $(SEED_ARG)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy
	@# Each program's __main__ is its own module named __main__: one run each, each with its own warm cache.
	$(BIN)/mypy --strict --cache-dir .mypy_cache/deployments deployments/__main__.py
	$(BIN)/mypy --strict --cache-dir .mypy_cache/provider provider/__main__.py

unit: $(STAMP)
	@# The spec-check tests need Azure's REST API spec files (shared/ beside the clone, as CI lays it out).
	@test -n "$$VNET2VNET_SPEC_DIR" || test -d ../shared/azure-rest-api-specs || { \
		echo "error: ../shared/azure-rest-api-specs is missing: put shared/ beside this clone (CI does), or set" \
		"VNET2VNET_SPEC_DIR to the Microsoft.Network 2024-05-01 spec folder" >&2; exit 2; }
	@# One worker per core: the suite is CPU-bound (bench/offline_suite.py measures it).
	@# tests/public_api sets Pulumi's mocks for its own program runs: `make public-api` runs it, each release alone.
	$(BIN)/python -m pytest -n auto --ignore=tests/engine --ignore=tests/site --ignore=tests/public_api

# The real-engine suite (tests/engine): every test runs the real CLI against the Azure emulator. Its tests mostly
# wait on the emulator's scaled clock, so they run four at a time on two cores.
# pulumi import (the adopt tests) needs a language host: the YAML one, built from the Go module proxy.
yaml-host:
	bash tools/pulumi-yaml/build.sh

# Our Python language host for the real CLI (tests and rehearsals only; the proxy refuses Pulumi's own).
python-host:
	bash tools/pulumi/build-test-tool.sh python-host

engine-tests: engine
	VNET2VNET_PULUMI="$$($(BIN)/python -m vnet2vnet.pulumi_cli)" \
	VNET2VNET_YAML_HOST="$$(bash tools/pulumi-yaml/build.sh)" \
	VNET2VNET_PYTHON_HOST="$$(bash tools/pulumi/build-test-tool.sh python-host)" $(BIN)/python -m pytest -n 4 --dist loadgroup tests/engine

# Our validation against the strict emulator's Azure over random configs (bench/differential.py); a sample also runs
# `up` on the real engine. CI: 60 configs from a fixed seed. The closing figure: make differential DIFFERENTIAL_COUNT=1000
DIFFERENTIAL_COUNT ?= 60
DIFFERENTIAL_SEED ?= 2026
differential: engine
	VNET2VNET_PULUMI="$$($(BIN)/python -m vnet2vnet.pulumi_cli)" \
	VNET2VNET_PYTHON_HOST="$$(bash tools/pulumi/build-test-tool.sh python-host)" \
	$(BIN)/python bench/differential.py --count $(DIFFERENTIAL_COUNT) --seed $(DIFFERENTIAL_SEED)

# The documentation site: docs/ -> site/ with MkDocs and the Material theme (requirements-dev.txt), --strict (no
# broken link or anchor), Mermaid copied in from npm (tools/docs/mermaid.sh); then tests/site opens every page in
# Debian's chromium, headless, and checks that it loads and that each diagram was drawn as an SVG.
MERMAID_VERSION := 12.4.0
docs: $(STAMP)
	$(BIN)/python -m vnet2vnet.option_docs --check
	mkdir -p docs/assets/vendor
	cp "$$(bash tools/docs/mermaid.sh $(MERMAID_VERSION))" docs/assets/vendor/mermaid.min.js
	@# Not --quiet: it hides the warnings that --strict turns into a failure, and the build passes.
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict
	$(BIN)/python -m pytest -p no:cacheprovider tests/site

# The component's public-API tests (tests/public_api) against the vnet2vnet distribution installed alone, as a
# consumer installs it (tools/public_api.sh: its wheel and pulumi==VERSION in a fresh venv), at the lowest Pulumi
# release they pass at, with every other dependency at its lowest declared version (floor-constraints.txt), and at
# the newest, pinned in requirements.txt and bumped on purpose.
PULUMI_FLOOR := 3.214.0
PULUMI_NEWEST := 3.272.0
public-api: $(STAMP)
	bash tools/public_api.sh $(PULUMI_FLOOR) tests/public_api/floor-constraints.txt
	bash tools/public_api.sh $(PULUMI_NEWEST)

# The fast loop: everything but the real engine.
test-offline: lint typecheck unit

test: lint typecheck unit public-api docs engine-tests differential

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis site docs/assets/vendor
