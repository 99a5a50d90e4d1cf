"""Every request body the program can produce, checked against Azure's REST API spec (2024-05-01)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pulumi_azure_native as azure_native
import pytest

from tests.support import (
    CONNECTION,
    GATEWAY,
    PROJECT_DIR,
    PUBLIC_IP,
    STRONG_POLICY,
    SUBNET,
    VNET,
    pair_args,
    plan_components,
    plan_stack,
)
from tests.test_cli import run_cli
from vnet2vnet import VnetMesh, VnetMeshArgs, VnetToVnetPair, VnetToVnetPairArgs, spec_check
from vnet2vnet.plan_model import Plan, unwrap
from vnet2vnet.spec_check import SPEC_TARGETS, SpecChecker, check_plan, checker_for, find_spec_dir

# Without the spec files every test here fails, saying what is missing (tests/conftest.py), never skips.
pytestmark = pytest.mark.usefixtures("spec_dir")


@pytest.fixture(scope="module")
def checker() -> SpecChecker:
    found = find_spec_dir(PROJECT_DIR)
    assert found is not None, "the spec_dir fixture fails first when the spec files are missing"
    return checker_for(found)


def _pair(args: dict[str, Any]) -> Callable[[], Plan]:
    return lambda: plan_components(lambda: VnetToVnetPair("corp", VnetToVnetPairArgs(**args)))  # type: ignore[typeddict-item]


def _two_pairs() -> Plan:
    def program() -> None:
        VnetToVnetPair("a", VnetToVnetPairArgs(**pair_args()))  # type: ignore[typeddict-item]
        VnetToVnetPair("b", VnetToVnetPairArgs(**pair_args()))  # type: ignore[typeddict-item]

    return plan_components(program)


def _cross_subscription() -> Plan:
    def program() -> None:
        args = pair_args()
        args["vnets"][0]["provider"] = azure_native.Provider(
            "one", subscription_id="11111111-1111-1111-1111-111111111111"
        )
        args["vnets"][1]["provider"] = azure_native.Provider(
            "two", subscription_id="22222222-2222-2222-2222-222222222222"
        )
        VnetToVnetPair("corp", VnetToVnetPairArgs(**args))  # type: ignore[typeddict-item]

    return plan_components(program)


def _production() -> Plan:
    args = pair_args(
        gateway={"sku": "VpnGw3AZ", "active_active": True, "enable_bgp": True, "protect": True},
        connection={"ipsec_policy": STRONG_POLICY, "dpd_timeout_seconds": 30, "connection_protocol": "IKEv2"},
    )
    args["vnets"][0]["bgp_asn"], args["vnets"][1]["bgp_asn"] = 65010, 65020
    return _pair(args)()


def _basic() -> Plan:
    args = pair_args(gateway={"sku": "Basic"})
    args["vnets"][0]["gateway_subnet_prefix"] = "172.16.15.0/29"
    return _pair(args)()


def _workload_subnets() -> Plan:
    args = pair_args()
    args["vnets"][0]["subnets"] = [
        {"name": "app", "prefix": "172.16.0.0/24"},
        {"name": "db", "prefix": "172.16.1.0/24"},
    ]
    return _pair(args)()


def _hub_and_spoke() -> Plan:
    vnets = [
        {
            "name": f"v{i}",
            "location": "westeurope",
            "address_spaces": [f"10.{i}.0.0/16"],
            "gateway_subnet_prefix": f"10.{i}.255.0/27",
        }
        for i in range(4)
    ]
    return plan_components(
        lambda: VnetMesh("hub", VnetMeshArgs(vnets=vnets, topology="hub-and-spoke", hub="v0"))  # type: ignore[typeddict-item]
    )


SCENARIOS: dict[str, Callable[[], Plan]] = {
    "dev": lambda: plan_stack("dev"),
    "prod": lambda: plan_stack("prod"),
    "review": lambda: plan_stack("review"),
    "mesh": lambda: plan_stack("mesh"),
    "two-pairs": _two_pairs,
    "cross-subscription": _cross_subscription,
    "active-active-bgp-ipsec": _production,
    "basic": _basic,
    "workload-subnets": _workload_subnets,
    "hub-and-spoke": _hub_and_spoke,
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_scenario_sends_only_what_the_spec_accepts(scenario: str) -> None:
    plan = SCENARIOS[scenario]()
    result = check_plan(plan.resources, PROJECT_DIR)
    expected = sum(r.type in SPEC_TARGETS for r in plan.resources)
    assert result.checked == expected > 0, "every Microsoft.Network body is checked"
    assert result.violations == [], "\n".join(f"{v.resource} {v.path}: {v.message}" for v in result.violations)


def _body_of(plan: Plan, type_token: str) -> tuple[str, dict[str, Any]]:
    resource = next(r for r in plan.resources if r.type == type_token)
    return resource.type, copy.deepcopy(unwrap(resource.inputs))


BROKEN: list[tuple[str, str, Callable[[dict[str, Any]], None], str, str]] = [
    ("unknown property", GATEWAY, lambda i: i.update(gatewayFlavour="large"), "$", "'gatewayFlavour' was unexpected"),
    ("wrong enum value", GATEWAY, lambda i: i["sku"].update(name="VpnGw1Az"), "$.properties.sku.name", "'VpnGw1Az' is not one of"),
    ("missing required", CONNECTION, lambda i: i.pop("connectionType"), "$.properties", "'connectionType' is a required property"),
    ("read-only sent", CONNECTION, lambda i: i.update(connectionStatus="Connected"), "$.properties.connectionStatus", "read-only property sent"),
    ("wrong type", GATEWAY, lambda i: i.update(activeActive="yes"), "$.properties.activeActive", "is not of type 'boolean'"),
    ("malformed reference", CONNECTION, lambda i: i["virtualNetworkGateway2"].update(id="/subscriptions/s/gw"),
     "$.properties.virtualNetworkGateway2.id", "is not the ID of a resource at"),
    ("reference to the wrong type", GATEWAY,
     lambda i: i["ipConfigurations"][0]["subnet"].update(id=i["ipConfigurations"][0]["publicIPAddress"]["id"]),
     "$.properties.ipConfigurations[0].properties.subnet.id", "/subnets/{subnetName}"),
    ("wrong integer type", CONNECTION, lambda i: i.update(routingWeight="heavy"), "$.properties.routingWeight", "is not of type 'integer'"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "type_token", "breakage", "path", "phrase"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_bodies_are_caught_with_their_json_path(
    checker: SpecChecker, kind: str, type_token: str, breakage: Callable[[dict[str, Any]], None], path: str, phrase: str
) -> None:
    type_, inputs = _body_of(plan_stack("prod"), type_token)
    assert checker.violations(type_, checker.arm_body(type_, inputs)) == [], "the unbroken body is valid"
    breakage(inputs)
    violations = checker.violations(type_, checker.arm_body(type_, inputs))
    assert [p for p, _ in violations] == [path], violations
    assert phrase in violations[0][1], violations


def test_the_only_allowlisted_deviation_is_the_gateway_reference(
    checker: SpecChecker, monkeypatch: pytest.MonkeyPatch
) -> None:
    type_, inputs = _body_of(plan_stack("dev"), CONNECTION)
    body = checker.arm_body(type_, inputs)
    assert set(body["properties"]["virtualNetworkGateway1"]) == {"id"}, "the reference carries only the id"
    # Without the allow-list, the spec would flag exactly that reference and nothing else in the plan.
    monkeypatch.setattr(spec_check, "ALLOWED_DEVIATIONS", ())
    flagged = {path for path, _ in checker.violations(type_, body)}
    assert flagged == {"$.properties.virtualNetworkGateway1", "$.properties.virtualNetworkGateway2"}, flagged
    for other_type in (GATEWAY, VNET, SUBNET, PUBLIC_IP):
        other, other_inputs = _body_of(plan_stack("dev"), other_type)
        assert checker.violations(other, checker.arm_body(other, other_inputs)) == [], f"{other_type} needs none"


SUB = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network"
GOLDEN: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        VNET,
        {"resourceGroupName": "rg", "virtualNetworkName": "vnet", "location": "eastus",
         "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "tags": {"a": "b"}},
        {"location": "eastus", "tags": {"a": "b"}, "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}},
    ),
    (
        SUBNET,
        {"resourceGroupName": "rg", "virtualNetworkName": "vnet", "subnetName": "GatewaySubnet", "addressPrefix": "10.0.255.0/27"},
        {"properties": {"addressPrefix": "10.0.255.0/27"}},
    ),
    (
        PUBLIC_IP,
        {"resourceGroupName": "rg", "publicIpAddressName": "ip", "location": "eastus", "zones": ["1", "2", "3"],
         "sku": {"name": "Standard", "tier": "Regional"}, "publicIPAllocationMethod": "Static", "publicIPAddressVersion": "IPv4"},
        {"location": "eastus", "zones": ["1", "2", "3"], "sku": {"name": "Standard", "tier": "Regional"},
         "properties": {"publicIPAllocationMethod": "Static", "publicIPAddressVersion": "IPv4"}},
    ),
    (
        GATEWAY,
        {"resourceGroupName": "rg", "virtualNetworkGatewayName": "gw", "location": "eastus", "gatewayType": "Vpn",
         "vpnType": "RouteBased", "sku": {"name": "VpnGw1AZ", "tier": "VpnGw1AZ"}, "vpnGatewayGeneration": "Generation1",
         "activeActive": False, "enableBgp": True, "bgpSettings": {"asn": 65010},
         "ipConfigurations": [{"name": "ipconfig1", "privateIPAllocationMethod": "Dynamic",
                               "subnet": {"id": f"{SUB}/virtualNetworks/vnet/subnets/GatewaySubnet"},
                               "publicIPAddress": {"id": f"{SUB}/publicIPAddresses/ip"}}]},
        {"location": "eastus", "properties": {
            "gatewayType": "Vpn", "vpnType": "RouteBased", "sku": {"name": "VpnGw1AZ", "tier": "VpnGw1AZ"},
            "vpnGatewayGeneration": "Generation1", "activeActive": False, "enableBgp": True, "bgpSettings": {"asn": 65010},
            "ipConfigurations": [{"name": "ipconfig1", "properties": {
                "privateIPAllocationMethod": "Dynamic",
                "subnet": {"id": f"{SUB}/virtualNetworks/vnet/subnets/GatewaySubnet"},
                "publicIPAddress": {"id": f"{SUB}/publicIPAddresses/ip"}}}]}},
    ),
    (
        CONNECTION,
        {"resourceGroupName": "rg", "virtualNetworkGatewayConnectionName": "a-to-b", "location": "eastus",
         "connectionType": "Vnet2Vnet", "sharedKey": "Key123", "enableBgp": False, "dpdTimeoutSeconds": 45,
         "virtualNetworkGateway1": {"id": f"{SUB}/virtualNetworkGateways/a"},
         "virtualNetworkGateway2": {"id": f"{SUB}/virtualNetworkGateways/b"}},
        {"location": "eastus", "properties": {
            "connectionType": "Vnet2Vnet", "sharedKey": "Key123", "enableBgp": False, "dpdTimeoutSeconds": 45,
            "virtualNetworkGateway1": {"id": f"{SUB}/virtualNetworkGateways/a"},
            "virtualNetworkGateway2": {"id": f"{SUB}/virtualNetworkGateways/b"}}},
    ),
]  # fmt: skip


@pytest.mark.parametrize(("type_token", "inputs", "expected"), GOLDEN, ids=[g[0].rsplit(":", 1)[-1] for g in GOLDEN])
def test_rebuilt_body_equals_the_hand_written_arm_body(
    checker: SpecChecker, type_token: str, inputs: dict[str, Any], expected: dict[str, Any]
) -> None:
    body = checker.arm_body(type_token, inputs)
    assert json.dumps(body, sort_keys=True) == json.dumps(expected, sort_keys=True)
    assert checker.violations(type_token, body) == []


def test_plan_reports_the_spec_check_in_text_and_json() -> None:
    text = run_cli("plan", "--stack", "prod")
    assert text.returncode == 0, text.stderr
    assert text.stdout.rstrip().splitlines()[-2:] == [
        "Azure REST API 2024-05-01 spec: 14 request bodies checked, 0 violations",
        "azure-native SDK input types: 8 Monitor/Log Analytics request bodies checked, 0 violations",
    ]
    document = json.loads(run_cli("plan", "--stack", "prod", "--json").stdout)
    spec_check = document["spec_check"]
    assert spec_check["checked"] == 14 and spec_check["violations"] == []
    assert spec_check["sdk_checked"] == 8, "prod's diagnostics and alerts are checked against the SDK types"
    assert spec_check["unchecked_refs"] == sorted(set(spec_check["unchecked_refs"])), "each reported once"
    assert all(".json#" in ref for ref in spec_check["unchecked_refs"])


def test_a_violation_becomes_an_error_finding_that_blames_the_program() -> None:
    from vnet2vnet.spec_check import SpecCheck, Violation, defect_findings

    result = SpecCheck(
        checked=1, violations=[Violation("urn:pulumi:dev::p::t::corp-hq-gw", "$.properties.sku.name", "bad")]
    )
    (finding,) = defect_findings(result)
    assert finding.severity == "error" and finding.path == "corp-hq-gw.properties.sku.name"
    assert "defect of the program, not of your config" in finding.message and "$.properties.sku.name" in finding.message
