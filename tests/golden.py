"""The golden plans: what the program decides for the shipped stacks (URNs, types, parents, dependencies,
providers, inputs and options), frozen so that a change to any of them is a deliberate one. A changed URN is a
replacement for every user of that stack. What the offline engine invents (auto-name suffixes, public IPs) is
frozen as a placeholder, so that a change to the mocks is not mistaken for a change of the program.

Update after a deliberate change, and review the diff: `make golden` (`python -m tests.golden`).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from tests.support import PROJECT_DIR, plan_stack
from vnet2vnet.emulator.azure import PUBLIC_IP_PATTERN
from vnet2vnet.render import plan_document
from vnet2vnet.report import plan_schedule

# What the offline engine invents rather than the program decides: azure-native's random auto-name suffixes
# (8 hex characters after a logical name) and the public IPs the emulated Azure gives. Frozen as placeholders.
AUTONAME_SUFFIX = "<8 random characters>"
PUBLIC_IP = "<public IP>"
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
    text = json.dumps({"outputs": document["outputs"], "resources": resources})
    names = sorted({resource["urn"].rsplit("::", 1)[-1] for resource in resources}, key=len, reverse=True)
    autonamed = re.compile("(" + "|".join(re.escape(name) for name in names) + ")[0-9a-f]{8}(?![0-9a-zA-Z])")
    text = autonamed.sub(lambda match: match[1] + AUTONAME_SUFFIX, text)
    text = PUBLIC_IP_PATTERN.sub(PUBLIC_IP, text)
    frozen: dict[str, Any] = json.loads(text)
    return frozen


def main() -> int:
    GOLDEN_DIR.mkdir(exist_ok=True)
    for stack in GOLDEN_STACKS:
        golden_path(stack).write_text(json.dumps(golden_document(stack), indent=1, sort_keys=True) + "\n")
        print(f"wrote {golden_path(stack).relative_to(PROJECT_DIR)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
