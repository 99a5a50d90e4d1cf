"""The dev and prod stacks, run as `pulumi up` would run them, checked against what Azure needs."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_azure_native import network

from tests.support import (
    CONNECTION,
    GATEWAY,
    PASSWORD,
    PUBLIC_IP,
    SUBNET,
    VNET,
    connection_named,
    is_secret,
    plain,
    plan_stack,
)
from vnet2vnet.azure_facts import AZURE_NATIVE_DEFAULT_TIMEOUT_MINUTES
from vnet2vnet.emulator.azure import PUBLIC_IP_PATTERN
from vnet2vnet.plan_model import Plan, Secret

STACKS = {"dev": ("east", "west"), "prod": ("neu", "sdc")}


@pytest.fixture(scope="module", params=sorted(STACKS))
def stack_plan(request: pytest.FixtureRequest) -> tuple[str, Plan]:
    return request.param, plan_stack(request.param)


def _gateways_by_vnet(plan: Plan) -> dict[str, Any]:
    return {r.name.rsplit("-", 2)[-2]: r for r in plan.of_type(GATEWAY)}


class TestShape:
    def test_two_of_each_side_resource(self, stack_plan: tuple[str, Plan]) -> None:
        stack, plan = stack_plan
        assert len(plan.of_type(VNET)) == 2, f"{stack}: one VNet per side"
        gateway_subnets = [r for r in plan.of_type(SUBNET) if r.inputs["subnetName"] == "GatewaySubnet"]
        assert len(gateway_subnets) == 2, f"{stack}: one subnet named exactly GatewaySubnet per VNet"
        assert len(plan.of_type(GATEWAY)) == 2, f"{stack}: one gateway per VNet"
        assert len(plan.of_type(PUBLIC_IP)) >= 2, f"{stack}: at least one public IP per gateway"
        assert len(plan.of_type(CONNECTION)) == 2, f"{stack}: one connection per direction"

    def test_no_inline_subnets_on_vnets(self, stack_plan: tuple[str, Plan]) -> None:
        _, plan = stack_plan
        for vnet in plan.of_type(VNET):
            assert "subnets" not in vnet.inputs, f"{vnet.name}: inline subnets must not mix with Subnet resources"

    def test_every_child_is_parented_under_the_pair(self, stack_plan: tuple[str, Plan]) -> None:
        _, plan = stack_plan
        pair_urns = {r.urn for r in plan.of_type("vnet2vnet:index:VnetToVnetPair")}
        assert len(pair_urns) == 1
        for resource in plan.custom_resources:
            by_urn = plan.by_urn()
            parent = by_urn[resource.parent] if resource.parent else None
            assert parent is not None and parent.parent in pair_urns, f"{resource.name} must sit under the pair"


class TestGateways:
    def test_route_based_vpn_with_sku_tier_and_generation(self, stack_plan: tuple[str, Plan]) -> None:
        stack, plan = stack_plan
        expected = {"dev": ("VpnGw1AZ", "Generation1"), "prod": ("VpnGw2AZ", "Generation2")}[stack]
        for gateway in plan.of_type(GATEWAY):
            inputs = gateway.inputs
            assert inputs["gatewayType"] == "Vpn" and inputs["vpnType"] == "RouteBased", gateway.name
            assert (inputs["sku"]["name"], inputs["vpnGatewayGeneration"]) == expected, gateway.name
            assert inputs["sku"]["tier"] == inputs["sku"]["name"], f"{gateway.name}: tier must match the SKU"

    def test_ip_configuration_points_at_gateway_subnet_and_public_ip(self, stack_plan: tuple[str, Plan]) -> None:
        _, plan = stack_plan
        for gateway in plan.of_type(GATEWAY):
            configs = gateway.inputs["ipConfigurations"]
            assert len(configs) == (2 if gateway.inputs["activeActive"] else 1), gateway.name
            side = gateway.name.removesuffix("-gw")
            for config in configs:
                assert config["subnet"]["id"].endswith("/subnets/GatewaySubnet"), gateway.name
                assert "/publicIPAddresses/" in config["publicIPAddress"]["id"], gateway.name
                assert side in config["publicIPAddress"]["id"], f"{gateway.name} must use its own side's public IP"
            ips = [c["publicIPAddress"]["id"] for c in configs]
            assert len(set(ips)) == len(ips), f"{gateway.name}: one public IP per IP configuration"

    def test_gateways_have_long_timeouts_and_delete_before_replace(self, stack_plan: tuple[str, Plan]) -> None:
        _, plan = stack_plan
        for resource in plan.custom_resources:
            for operation, timeout in resource.options["customTimeouts"].items():
                # customTimeouts replace azure-native's 2-hour default, also downwards: never shorten it.
                assert timeout.endswith("m") and int(timeout[:-1]) >= AZURE_NATIVE_DEFAULT_TIMEOUT_MINUTES, (
                    f"{resource.name}: {operation} timeout {timeout} is shorter than azure-native's default"
                )
        for gateway in plan.of_type(GATEWAY):
            assert set(gateway.options["customTimeouts"]) == {"create", "update", "delete"}, gateway.name
            assert gateway.options["deleteBeforeReplace"], "one VPN gateway per VNet: replace must delete first"

    def test_public_ips_are_standard_static(self, stack_plan: tuple[str, Plan]) -> None:
        _, plan = stack_plan
        for ip in plan.of_type(PUBLIC_IP):
            assert ip.inputs["sku"]["name"] == "Standard", ip.name
            assert ip.inputs["publicIPAllocationMethod"] == "Static", ip.name
            assert ip.inputs["zones"] == ["1", "2", "3"], f"{ip.name}: AZ SKU in an AZ region is zone-redundant"


class TestConnections:
    def test_each_direction_references_the_right_gateways(self, stack_plan: tuple[str, Plan]) -> None:
        stack, plan = stack_plan
        a, b = STACKS[stack]
        gateways = {name: r.id for name, r in _gateways_by_vnet(plan).items()}
        for local, remote in ((a, b), (b, a)):
            inputs = connection_named(plan, f"{local}-to-{remote}").inputs
            assert inputs["connectionType"] == "Vnet2Vnet"
            assert inputs["virtualNetworkGateway1"]["id"] == gateways[local], f"{local}-to-{remote}: gateway1"
            assert inputs["virtualNetworkGateway2"]["id"] == gateways[remote], f"{local}-to-{remote}: gateway2"

    def test_connection_lives_in_its_gateway1_region_and_group(self, stack_plan: tuple[str, Plan]) -> None:
        stack, plan = stack_plan
        a, b = STACKS[stack]
        gateways = _gateways_by_vnet(plan)
        for local, remote in ((a, b), (b, a)):
            connection = connection_named(plan, f"{local}-to-{remote}")
            gateway = gateways[local]
            assert connection.inputs["location"] == gateway.inputs["location"], connection.name
            assert connection.inputs["resourceGroupName"] == gateway.inputs["resourceGroupName"], connection.name

    def test_both_connections_share_one_secret_key(self, stack_plan: tuple[str, Plan]) -> None:
        stack, plan = stack_plan
        a, b = STACKS[stack]
        keys = [connection_named(plan, k).inputs["sharedKey"] for k in (f"{a}-to-{b}", f"{b}-to-{a}")]
        assert all(is_secret(key) for key in keys), "the key must be sent as a secret"
        assert plain(keys[0]) == plain(keys[1]), "both directions need the same key"
        assert is_secret(plan.outputs["sharedKey"]), "the exported key must stay secret"
        for connection in plan.of_type(CONNECTION):
            assert connection.options["additionalSecretOutputs"] == ["sharedKey"], connection.name

    def test_second_connection_waits_for_the_first(self, stack_plan: tuple[str, Plan]) -> None:
        stack, plan = stack_plan
        a, b = STACKS[stack]
        first, second = connection_named(plan, f"{a}-to-{b}"), connection_named(plan, f"{b}-to-{a}")
        assert first.urn in second.dependencies, "409 AnotherOperationInProgress: connections must be ordered"
        assert second.urn not in first.dependencies

    def test_generated_key_has_only_characters_azure_accepts(self, stack_plan: tuple[str, Plan]) -> None:
        _, plan = stack_plan
        (password,) = plan.of_type(PASSWORD)
        key = plain(plan.outputs["sharedKey"])
        assert len(key) == password.inputs["length"]
        assert not set(key) & set(" -~"), "Azure rejects space, hyphen and tilde in a shared key"
        assert all(0x20 < ord(c) < 0x7F for c in key), "printable ASCII only"


class TestOutputs:
    def test_outputs_are_keyed_by_vnet_and_direction(self, stack_plan: tuple[str, Plan]) -> None:
        stack, plan = stack_plan
        a, b = STACKS[stack]
        for name in ("vnetIds", "gatewayIds", "gatewayPublicIps"):
            assert set(plan.outputs[name]) == {a, b}, name
        for name in ("connectionIds", "connectionStatuses"):
            assert set(plan.outputs[name]) == {f"{a}-to-{b}", f"{b}-to-{a}"}, name
        # What Azure reports as each connection is created (the emulated Azure, time standing still): the first
        # direction has no counterpart yet, the second finds it and is Connecting.
        assert plan.outputs["connectionStatuses"] == {f"{a}-to-{b}": "NotConnected", f"{b}-to-{a}": "Connecting"}
        for addresses in plan.outputs["gatewayPublicIps"].values():
            assert addresses and all(PUBLIC_IP_PATTERN.fullmatch(ip) for ip in addresses)


# Every Azure enum value the program sends, by resource type and input path, with its azure-native enum.
ENUM_INPUTS: list[tuple[str, tuple[str, ...], type]] = [
    (GATEWAY, ("gatewayType",), network.VirtualNetworkGatewayType),
    (GATEWAY, ("vpnType",), network.VpnType),
    (GATEWAY, ("sku", "name"), network.VirtualNetworkGatewaySkuName),
    (GATEWAY, ("sku", "tier"), network.VirtualNetworkGatewaySkuTier),
    (GATEWAY, ("vpnGatewayGeneration",), network.VpnGatewayGeneration),
    (GATEWAY, ("ipConfigurations", "*", "privateIPAllocationMethod"), network.IPAllocationMethod),
    (PUBLIC_IP, ("sku", "name"), network.PublicIPAddressSkuName),
    (PUBLIC_IP, ("sku", "tier"), network.PublicIPAddressSkuTier),
    (PUBLIC_IP, ("publicIPAllocationMethod",), network.IPAllocationMethod),
    (PUBLIC_IP, ("publicIPAddressVersion",), network.IPVersion),
    (CONNECTION, ("connectionType",), network.VirtualNetworkGatewayConnectionType),
]


def _values_at(value: Any, path: tuple[str, ...]) -> list[Any]:
    if not path:
        return [value]
    head, *rest = path
    if head == "*":
        return [v for item in value for v in _values_at(item, tuple(rest))]
    return _values_at(value[head], tuple(rest)) if isinstance(value, dict) and head in value else []


@pytest.mark.parametrize(("type_token", "path", "enum"), ENUM_INPUTS, ids=str)
def test_enum_values_are_members_of_the_azure_native_enum(
    stack_plan: tuple[str, Plan], type_token: str, path: tuple[str, ...], enum: type
) -> None:
    _, plan = stack_plan
    sent = [v for r in plan.of_type(type_token) for v in _values_at(r.inputs, path)]
    assert sent, f"{type_token} sends {'.'.join(path)}"
    members = {member.value for member in enum}  # type: ignore[attr-defined]
    for value in sent:
        assert value in members, f"{type_token}.{'.'.join(path)} = {value!r} is not a {enum.__name__}"


def test_two_runs_send_identical_inputs(stack_plan: tuple[str, Plan]) -> None:
    stack, plan = stack_plan
    again = plan_stack(stack)
    first = {r.urn: plain(r.inputs) for r in plan.resources}
    second = {r.urn: plain(r.inputs) for r in again.resources}
    assert first == second, "names and inputs must be deterministic"


def test_user_supplied_key_replaces_the_generated_one_and_stays_secret() -> None:
    key = "BringYourOwn!Key#2026" * 2
    plan = plan_stack("dev", sharedKey=Secret(key))
    assert not plan.of_type(PASSWORD), "no key is generated when one is given"
    for connection in plan.of_type(CONNECTION):
        assert connection.inputs["sharedKey"] == Secret(key), f"{connection.name} must carry the user's key"
    assert plan.outputs["sharedKey"] == Secret(key)
