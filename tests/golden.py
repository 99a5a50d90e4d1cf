"""The golden plans: what the program decides for the shipped stacks (URNs, types, parents, dependencies,
providers, inputs and options), frozen so that a change to any of them is a deliberate one. A changed URN is a
replacement for every user of that stack.

Update after a deliberate change, and review the diff: `make golden` (`python -m tests.golden`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tests.support import PROJECT_DIR, plan_stack
from vnet2vnet.render import plan_document
from vnet2vnet.report import plan_schedule

GOLDEN_DIR = PROJECT_DIR / "tests" / "golden"
GOLDEN_STACKS = ("dev", "prod", "mesh")
FROZEN_FIELDS = ("urn", "type", "parent", "dependencies", "provider", "inputs", "options")


def golden_path(stack: str) -> Path:
    return GOLDEN_DIR / f"{stack}_plan.json"


def golden_document(stack: str, **overrides: Any) -> dict[str, Any]:
    """The frozen part of `plan --json` for a stack, as plain JSON values."""
    plan = plan_stack(stack, **overrides)
    document = plan_document(plan, [], plan_schedule(plan), [])
    resources = sorted(
        ({field: resource[field] for field in FROZEN_FIELDS} for resource in document["resources"]),
        key=lambda resource: resource["urn"],
    )
    frozen: dict[str, Any] = json.loads(json.dumps({"outputs": document["outputs"], "resources": resources}))
    return frozen


def main() -> int:
    GOLDEN_DIR.mkdir(exist_ok=True)
    for stack in GOLDEN_STACKS:
        golden_path(stack).write_text(json.dumps(golden_document(stack), indent=1, sort_keys=True) + "\n")
        print(f"wrote {golden_path(stack).relative_to(PROJECT_DIR)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
