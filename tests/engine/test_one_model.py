"""One model of Azure: the offline plan (its mocks answer from the emulator's Azure model) and a rehearsal (the
real engine against the emulator's plugins) report the same resource IDs and the same addresses for the same
stack and seed, up to azure-native's 8-character auto-name suffix, which the engine draws at random."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from vnet2vnet.emulator.seed import load_seed
from vnet2vnet.engine import run_stack

from .conftest import PROJECT_DIR, EngineStack

MakeStack = Callable[..., EngineStack]
AUTONAME_SUFFIX = re.compile(r"^(.{2,}?)[0-9a-f]{8}$")


def _without_suffixes(resource_id: str) -> str:
    """An Azure ID with each name's auto-name suffix taken off (the engine's differs from the offline plan's)."""
    return "/".join(AUTONAME_SUFFIX.sub(r"\1", part) for part in resource_id.split("/")).lower()


def _facts(type_token: str, resource_id: str, outputs: dict[str, Any]) -> dict[str, Any]:
    """What both layers must agree on for one resource: its ID and what Azure assigned it."""
    facts: dict[str, Any] = {"id": _without_suffixes(resource_id)}
    if type_token.endswith(":PublicIPAddress"):
        facts["ipAddress"] = outputs.get("ipAddress")
    if type_token.endswith(":VirtualNetworkGateway"):
        bgp = outputs.get("bgpSettings") or {}
        facts["bgp"] = (bgp.get("asn"), bgp.get("bgpPeeringAddress"))
    return facts


@pytest.mark.parametrize(
    ("stack_name", "seed"),
    [("dev", None), ("brownfield", PROJECT_DIR / "examples" / "brownfield" / "existing.yaml")],
    ids=["dev", "brownfield"],
)
def test_the_offline_plan_and_a_rehearsal_report_the_same_ids_and_addresses(
    engine_stack: MakeStack, stack_name: str, seed: Path | None
) -> None:
    stack = engine_stack(stack_name, seed=seed)
    stack.ok("up")
    deployment = stack.run("select")["deployment"]
    engine = {
        str(r["urn"]): _facts(str(r["type"]), str(r["id"]), r.get("outputs") or {})
        for r in deployment["resources"]
        if r.get("custom") and str(r["type"]).startswith("azure-native:") and r.get("id")
    }
    seeded = list(load_seed(seed).get("resources") or []) if seed else None
    plan = run_stack(stack.work_dir, stack_name, seeded=seeded)
    offline = {
        r.urn: _facts(r.type, r.id, r.state) for r in plan.custom_resources if r.type.startswith("azure-native:")
    }
    assert engine, "the rehearsal built something"
    assert set(engine) == set(offline), f"the same resources: {set(engine) ^ set(offline)}"
    differ = {urn: (offline[urn], engine[urn]) for urn in engine if engine[urn] != offline[urn]}
    assert not differ, f"the offline plan and the rehearsal disagree (offline, engine): {differ}"
    assert any("ipAddress" in facts and facts["ipAddress"] for facts in engine.values()), "addresses were compared"
