"""`vnet2vnet adopt` beyond the plain pair (issue 23), on the real engine: a hub-and-spoke whose side and link share a
Pulumi name, and a pair whose stack asks for diagnostics and alerts that the hand-built network does not have. As in
tests/engine/test_adopt.py, the hand-built network is what a first stack built, seeded in a second, empty stack's
emulator as resources that already exist; the second stack adopts it, `pulumi import --file` brings it in, and the
next preview must not touch what exists."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vnet2vnet.emulator import azure
from vnet2vnet.pulumi_cli import PulumiCli
from vnet2vnet.rehearse import Rehearsal, change_counts

from .conftest import PROJECT_DIR, EngineStack, hand_built_seed
from .test_adopt import _adopt, _import

Config = Callable[[dict[str, Any]], None]


def hub_and_spoke(config: dict[str, Any]) -> None:
    """VNets `hub`, `spoke` and `hub-spoke`, the hub linked to each spoke: the side of `hub-spoke` and the link
    hub+spoke are both `vnet2vnet-hub-spoke` (a GatewayVnet and a VnetLink)."""
    config["vnet2vnet:topology"] = "hub-and-spoke"
    config["vnet2vnet:hub"] = "hub"
    config["vnet2vnet:vnets"] = [
        {"name": name, "location": location, "addressSpaces": [f"10.5{i}.0.0/16"],
         "gatewaySubnetPrefix": f"10.5{i}.255.0/27"}
        for i, (name, location) in enumerate((("hub", "eastus"), ("spoke", "westus2"), ("hub-spoke", "northeurope")))
    ]  # fmt: skip


def with_monitoring(config: dict[str, Any]) -> None:
    """The dev pair with prod's monitoring: a workspace, an action group, a diagnostic setting per gateway and a
    tunnel alert per connection (no BGP on dev, so no BGP alerts)."""
    config["vnet2vnet:diagnostics"] = {"createWorkspace": True}
    config["vnet2vnet:alerts"] = {"emails": ["netops@example.com"]}


def as_is(config: dict[str, Any]) -> None:
    """The dev stack's own config."""


def sandbox(tmp_path: Path, pulumi_cli: PulumiCli, name: str, config: Config, seed: Path | None = None) -> EngineStack:
    """A throwaway `dev` stack of a copy of this project, its stack file changed by `config`."""
    stack = EngineStack(Rehearsal(PROJECT_DIR, "dev", pulumi_cli, tmp_path / name, seed_file=seed, say=lambda _: None))
    stack.edit_config(config)
    return stack


def hand_built(tmp_path: Path, pulumi_cli: PulumiCli, config: Config) -> tuple[Path, dict[str, str]]:
    """A network built by other means: its Azure resources as a seed file, and our names -> their IDs."""
    builder = sandbox(tmp_path, pulumi_cli, "builder", config)
    result = builder.run("up", "hand-build")
    assert "error" not in result, f"the hand-built network could not be built: {result.get('error')}"
    seed = tmp_path / "hand-built.yaml"
    names = hand_built_seed(builder, result["deployment"], seed)
    return seed, names


def adopted(
    tmp_path: Path, pulumi_cli: PulumiCli, seed: Path, ids: dict[str, str], config: Config
) -> tuple[EngineStack, dict[str, Any]]:
    """A fresh stack with `config` that has adopted the seeded network and imported it; and its import file."""
    stack = sandbox(tmp_path, pulumi_cli, "adopter", config, seed)
    result = _adopt(stack, ids, pulumi_cli)
    assert result.returncode == 0, result.stderr[-3000:]
    import_file: dict[str, Any] = json.loads((stack.work_dir / "adopt-dev.json").read_text())
    _import(stack)
    return stack, import_file


def test_a_hub_and_spoke_whose_side_and_link_share_a_name_is_imported_as_the_program_builds_it(
    tmp_path: Path, pulumi_cli: PulumiCli
) -> None:
    seed, ids = hand_built(tmp_path, pulumi_cli, hub_and_spoke)
    stack, import_file = adopted(tmp_path, pulumi_cli, seed, ids, hub_and_spoke)
    names = [entry["name"] for entry in import_file["resources"]]
    assert len(set(names)) == len(names), f"a parent is named by its entry's name, so each is unique: {names}"
    existing = {record["id"] for record in stack.azure()["resources"].values()}

    preview = stack.ok("preview", "after-import")
    assert preview["create"] == preview["replace"] == preview["delete"] == 0, f"every URN is the program's: {preview}"
    assert preview["update"] == 0, f"the network is exactly what the program builds: a no-op {preview}"
    up = stack.ok("up", "after-import")
    assert up == preview, f"up does what preview said: {up}"
    assert {record["id"] for record in stack.azure()["resources"].values()} == existing, "the same Azure resources"
    assert len(list(azure.of_type(stack.azure(), azure.CONNECTION))) == 4, "both links, both directions"


def test_monitoring_the_hand_built_pair_lacks_is_created_and_nothing_that_exists_changes(
    tmp_path: Path, pulumi_cli: PulumiCli
) -> None:
    seed, ids = hand_built(tmp_path, pulumi_cli, as_is)
    stack, import_file = adopted(tmp_path, pulumi_cli, seed, ids, with_monitoring)
    assert not [e for e in import_file["resources"] if e["type"] in azure.MONITOR_TYPES], "no ID, so not in the file"
    existing = {record["id"]: record["type"] for record in stack.azure()["resources"].values()}

    preview = stack.run("preview", "after-import")
    assert "error" not in preview, preview.get("error")
    counts = change_counts(preview["changes"])
    expected_creates = {"workspace": 1, "action group": 1, "diagnostic settings": 2, "tunnel alerts": 2}
    assert counts["create"] == sum(expected_creates.values()), f"{expected_creates}, nothing else: {counts}"
    assert counts["replace"] == counts["delete"] == counts["update"] == 0, f"what exists is left alone: {counts}"

    up = stack.ok("up", "after-import")
    assert up["create"] == counts["create"] and up["replace"] == up["update"] == up["delete"] == 0, up
    state = stack.azure()
    created = {r["id"]: r["type"] for r in state["resources"].values() if r["id"] not in existing}
    assert sorted(created.values()) == sorted(
        [azure.WORKSPACE, azure.ACTION_GROUP, *[azure.DIAGNOSTIC_SETTING] * 2, *[azure.SCHEDULED_QUERY_RULE] * 2]
    ), f"only the monitoring is new in Azure: {created}"
    assert {r["id"] for r in state["resources"].values()} >= set(existing), "nothing that existed is gone"
    again = change_counts(stack.run("preview", "second")["changes"])
    assert sum(again.values()) == again["same"], f"and the stack is settled: {again}"


def test_monitoring_that_exists_is_imported_with_the_network_and_nothing_changes(
    tmp_path: Path, pulumi_cli: PulumiCli
) -> None:
    seed, ids = hand_built(tmp_path, pulumi_cli, with_monitoring)
    stack, import_file = adopted(tmp_path, pulumi_cli, seed, ids, with_monitoring)
    monitoring = {e["logicalName"]: e["id"] for e in import_file["resources"] if e["type"] in azure.MONITOR_TYPES}
    assert len(monitoring) == 6 and all(ids[name] == rid for name, rid in monitoring.items()), monitoring
    existing = {record["id"] for record in stack.azure()["resources"].values()}

    preview = stack.ok("preview", "after-import")
    assert sum(preview.values()) == preview["same"], f"the diagnostic setting too, under its gateway: {preview}"
    up = stack.ok("up", "after-import")
    assert up == preview, f"up does what preview said: {up}"
    assert {record["id"] for record in stack.azure()["resources"].values()} == existing, "the same Azure resources"
