"""Every change a user makes to a deployed stack, on the real engine against the emulator: the disruption forecast
(`plan --against` on the deployed state) must name exactly the engine's steps, URN by URN, the engine must change
something, and `up` must succeed or be stopped by our own findings, never by Azure (`rehearse --change`)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.engine.conftest import PROJECT_DIR
from vnet2vnet.differential import program_copy
from vnet2vnet.pulumi_cli import PulumiCli
from vnet2vnet.rehearse import Rehearsal

Config = dict[str, Any]


def vnet(name: str, number: int, location: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "location": location,
        "addressSpaces": [f"10.{number}.0.0/16"],
        "gatewaySubnetPrefix": f"10.{number}.255.0/27",
        **extra,
    }


def pair(**gateway: Any) -> Config:
    return {
        "vnets": [vnet("east", 10, "eastus"), vnet("west", 20, "westus2")],
        "gateway": {"sku": "VpnGw2AZ", "generation": "Generation1", **gateway},
        "tags": {"environment": "change"},
    }


def with_bgp(config: Config, east_asn: int = 65010) -> Config:
    config["gateway"]["enableBgp"] = True
    config["vnets"][0]["bgpAsn"], config["vnets"][1]["bgpAsn"] = east_asn, 65020
    return config


def hub_and_spoke(spokes: int) -> Config:
    vnets = [vnet("hub", 30, "westeurope")] + [vnet(f"s{i}", 31 + i, "northeurope") for i in range(spokes)]
    return {"topology": "hub-and-spoke", "hub": "hub", "vnets": vnets, "gateway": {"sku": "VpnGw1AZ"}}


def mesh() -> Config:
    vnets = [vnet("a", 40, "eastus"), vnet("b", 41, "westus2"), vnet("c", 42, "northeurope")]
    return {"topology": "mesh", "vnets": vnets, "gateway": {"sku": "VpnGw1AZ"}}


def edited(config: Config, edit: Callable[[Config], object]) -> Config:
    changed = copy.deepcopy(config)
    edit(changed)
    return changed


def east(config: Config) -> dict[str, Any]:
    return dict(config["vnets"][0])


GCM_POLICY = {
    "saLifeTimeSeconds": 27000, "saDataSizeKilobytes": 102400000, "ipsecEncryption": "GCMAES256",
    "ipsecIntegrity": "GCMAES256", "ikeEncryption": "GCMAES256", "ikeIntegrity": "SHA384", "dhGroup": "DHGroup24",
    "pfsGroup": "PFS24",
}  # fmt: skip
MONITORED = {"diagnostics": {"createWorkspace": True}, "alerts": {"emails": ["netops@example.com"]}}


@dataclass(frozen=True)
class Change:
    name: str
    before: Config
    after: Config
    # One `pulumi up` cannot apply it (disruption.one_update_problems): our forecast stops it, nothing is sent.
    refused: bool = False
    # A change the engine records in the state without a step (every step `same`): what must differ instead.
    in_state_only: str = ""


CHANGES = [
    Change("key rotation, shared", pair(), edited(pair(), lambda c: c.update(connection={"sharedKeyVersion": 2}))),
    Change(
        "key rotation, one link",
        mesh(),
        edited(mesh(), lambda c: c.update(links=[{"vnets": ["a", "b"], "connection": {"sharedKeyVersion": 2}}])),
    ),
    Change("protocol", pair(), edited(pair(), lambda c: c.update(connection={"connectionProtocol": "IKEv1"}))),
    Change("IPsec policy", pair(), edited(pair(), lambda c: c.update(connection={"ipsecPolicy": GCM_POLICY}))),
    Change("DPD", pair(), edited(pair(), lambda c: c.update(connection={"dpdTimeoutSeconds": 30}))),
    Change("SKU resize", pair(), edited(pair(), lambda c: c["gateway"].update(sku="VpnGw3AZ"))),
    # One VNet at a time (see README "What a change interrupts": two gateways of a link rebuilt in one update).
    Change(
        "generation",
        pair(),
        edited(pair(), lambda c: c["vnets"][0].update(gateway={"generation": "Generation2"})),
    ),
    Change("zones", pair(), edited(pair(), lambda c: c["vnets"][0].update(gateway={"zones": ["1"]}))),
    Change("active-active on", pair(), pair(activeActive=True)),
    Change("active-active off", pair(activeActive=True), pair()),
    Change("BGP on", pair(), with_bgp(pair())),
    Change("BGP off", with_bgp(pair()), pair()),
    Change("ASN", with_bgp(pair()), with_bgp(pair(), east_asn=65011)),
    Change("a spoke added", hub_and_spoke(2), hub_and_spoke(3)),
    Change("a spoke removed", hub_and_spoke(3), hub_and_spoke(2)),
    Change("a VNet added to a mesh", mesh(), edited(mesh(), lambda c: c["vnets"].append(vnet("d", 43, "uksouth")))),
    Change("a region move in place", pair(), edited(pair(), lambda c: c["vnets"][0].update(location="eastus2")), True),
    Change(
        "a region move under a new name",
        pair(),
        edited(pair(), lambda c: c["vnets"][0].update(name="east2", location="eastus2")),
    ),
    Change("zones on both gateways at once", pair(), pair(zones=["1"]), refused=True),
    Change("tags", pair(), edited(pair(), lambda c: c["tags"].update(costCentre="net-42"))),
    Change("monitoring on", pair(), edited(pair(), lambda c: c.update(MONITORED))),
    Change("monitoring off", edited(pair(), lambda c: c.update(MONITORED)), pair()),
    Change("protect on", pair(), pair(protect=True), in_state_only="protect"),
    Change("protect off", pair(protect=True), pair(), in_state_only="protect"),
]


def stack_file(project: Path, stack: str, config: Config) -> None:
    document = {"config": {f"vnet2vnet:{key}": value for key, value in config.items()}}
    (project / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(document, sort_keys=False))


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.name.replace(" ", "-"))
def test_the_forecast_is_what_the_engine_does(change: Change, tmp_path: Path, pulumi_cli: PulumiCli) -> None:
    project = program_copy(PROJECT_DIR, tmp_path / "project")
    stack_file(project, "before", change.before)
    stack_file(project, "after", change.after)
    rehearsal = Rehearsal(
        project, "before", pulumi_cli, tmp_path / "sandbox", 1 / 1200, say=lambda _: None,
        change_stack="after", change_only=True,
    )  # fmt: skip
    report = rehearsal.run()
    result = report.get("change")
    assert result is not None, f"{change.name}: the change did not run: {report['problems']}"
    if change.refused:
        assert result["refused_by"] == "vnet2vnet" and result["ok"], f"{change.name}: {result} {report['problems']}"
        return
    assert result["forecast_matches"], f"{change.name}: forecast and engine differ: {json.dumps(result['mismatches'])}"
    assert result["up_ok"], f"{change.name}: {result} {report['problems']}"
    step = next(s for s in report["steps"] if s["name"] == "change")
    moved = {kind: count for kind, count in step["changes"].items() if kind != "same" and count}
    if change.in_state_only:
        # Pulumi records a changed `protect` without a step: the state's flags are what changed.
        flags = {
            r["urn"]: bool(r.get(change.in_state_only))
            for r in rehearsal.operation("select", "after")["deployment"]["resources"]
        }
        assert any(flags.values()) == bool(change.after["gateway"].get("protect")), f"{change.name}: {flags}"
    else:
        assert moved, f"{change.name}: the engine changed nothing: {step['changes']}"
    assert result["ok"] and report["ok"], f"{change.name}: {report['problems']}"
