# Quick start: `make plan` (offline plan of the dev stack) and `make test`.
# Both create ./venv (the same virtualenv Pulumi uses, see Pulumi.yaml) on first use.
PYTHON ?= python3
VENV := venv
BIN := $(VENV)/bin
STACK ?= dev
STAMP := $(VENV)/.installed

.PHONY: plan diagram test lint typecheck unit bench bench-mesh clean

$(STAMP): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python >= 3.10 is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

plan: $(STAMP)
	$(BIN)/python -m vnet2vnet plan --stack $(STACK)

diagram: $(STAMP)
	@$(BIN)/python -m vnet2vnet plan --stack $(STACK) --format mermaid

bench: $(STAMP)
	$(BIN)/python bench/plan_overhead.py

bench-mesh: $(STAMP)
	$(BIN)/python bench/mesh_scale.py --rounds 3

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy --strict deployments/__main__.py
	$(BIN)/mypy --strict provider/__main__.py

unit: $(STAMP)
	$(BIN)/python -m pytest

test: lint typecheck unit

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
