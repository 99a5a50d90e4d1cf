"""`VnetToVnetPair` used as a library: names, providers per side, existing groups, subnets, refusals."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_azure_native as azure_native
import pytest

from tests.support import (
    CONNECTION,
    GATEWAY,
    PASSWORD,
    PROVIDER,
    RESOURCE_GROUP,
    SUBNET,
    ancestors,
    connection_named,
    only,
    pair_args,
    plain,
    plain_vnets_from_dev,
    plan_components,
    plan_stack,
)
from vnet2vnet import ValidationError, VnetToVnetPair, VnetToVnetPairArgs
from vnet2vnet.plan_model import Plan


def build_pair(name: str, args: dict[str, Any]) -> Plan:
    return plan_components(lambda: VnetToVnetPair(name, VnetToVnetPairArgs(**args)))  # type: ignore[typeddict-item]


class TestNaming:
    def test_two_pairs_in_one_program_never_collide(self) -> None:
        def program() -> None:
            VnetToVnetPair("corp", VnetToVnetPairArgs(**pair_args()))  # type: ignore[typeddict-item]
            VnetToVnetPair("lab", VnetToVnetPairArgs(**pair_args()))  # type: ignore[typeddict-item]

        plan = plan_components(program)
        urns = [r.urn for r in plan.resources]
        assert len(urns) == len(set(urns)), "every resource of both pairs must have its own URN"
        assert len(plan.of_type(GATEWAY)) == 4
        for resource in plan.custom_resources:
            assert resource.name.startswith(("corp-", "lab-")), f"{resource.name} must derive from its pair's name"

    def test_component_type_token(self) -> None:
        plan = build_pair("corp", pair_args())
        (pair,) = plan.of_type("vnet2vnet:index:VnetToVnetPair")
        assert pair.name == "corp"
        for resource in plan.custom_resources:
            assert pair.urn in ancestors(plan, resource), f"{resource.name} must be a descendant of the pair"


class TestExistingResourceGroupAndSubnets:
    def test_existing_group_is_used_and_none_is_created_for_that_side(self) -> None:
        args = pair_args()
        args["vnets"][0]["resource_group_name"] = "rg-network-hq"
        plan = build_pair("corp", args)
        groups = plan.of_type(RESOURCE_GROUP)
        assert [g.name for g in groups] == ["corp-dr-rg"], "only the side without a group gets one"
        hq_gateway = only(plan, GATEWAY, "corp-hq-gw")
        assert hq_gateway.inputs["resourceGroupName"] == "rg-network-hq"
        assert connection_named(plan, "hq-to-dr").inputs["resourceGroupName"] == "rg-network-hq"

    def test_existing_group_may_be_an_output(self) -> None:
        def program() -> None:
            group = azure_native.resources.ResourceGroup("shared")
            args = pair_args()
            args["vnets"][0]["resource_group_name"] = group.name
            VnetToVnetPair("corp", VnetToVnetPairArgs(**args))  # type: ignore[typeddict-item]

        plan = plan_components(program)
        shared = only(plan, RESOURCE_GROUP, "shared")
        hq_gateway = only(plan, GATEWAY, "corp-hq-gw")
        assert hq_gateway.inputs["resourceGroupName"] == shared.state["name"]

    def test_workload_subnets_are_created_in_order(self) -> None:
        args = pair_args()
        args["vnets"][0]["subnets"] = [
            {"name": "app", "prefix": "172.16.0.0/24"},
            {"name": "data", "prefix": "172.16.1.0/24"},
        ]
        plan = build_pair("corp", args)
        subnets = {r.inputs["subnetName"]: r for r in plan.of_type(SUBNET) if r.name.startswith("corp-hq")}
        assert set(subnets) == {"GatewaySubnet", "app", "data"}
        assert subnets["app"].inputs["addressPrefix"] == "172.16.0.0/24"
        assert subnets["GatewaySubnet"].urn in subnets["app"].dependencies, "subnet writes on a VNet are serial"
        assert subnets["app"].urn in subnets["data"].dependencies, "subnet writes on a VNet are serial"


class TestProviders:
    def test_each_side_and_its_connection_use_that_sides_provider(self) -> None:
        def program() -> None:
            hub = azure_native.Provider("hub-sub", subscription_id="11111111-1111-1111-1111-111111111111")
            spoke = azure_native.Provider("spoke-sub", subscription_id="22222222-2222-2222-2222-222222222222")
            args = pair_args()
            args["vnets"][0]["provider"] = hub
            args["vnets"][1]["provider"] = spoke
            VnetToVnetPair("corp", VnetToVnetPairArgs(**args))  # type: ignore[typeddict-item]

        plan = plan_components(program)
        providers = {r.name: r.urn for r in plan.of_type(PROVIDER)}
        for side, provider in (("hq", "hub-sub"), ("dr", "spoke-sub")):
            side_resources = [
                r for r in plan.custom_resources if r.name.startswith(f"corp-{side}-") and r.type != PASSWORD
            ]
            assert len(side_resources) >= 5
            for resource in side_resources:
                assert resource.provider == providers[provider], f"{resource.name} must use {provider}"
        hq_gateway_id = only(plan, GATEWAY, "corp-hq-gw").id
        assert hq_gateway_id.startswith("/subscriptions/11111111-"), "IDs carry the side's subscription"
        dr_to_hq = connection_named(plan, "dr-to-hq")
        assert dr_to_hq.inputs["virtualNetworkGateway2"]["id"] == hq_gateway_id, "cross-subscription by full ID"

    def test_stack_config_subscription_and_tenant_make_providers(self) -> None:
        vnets = plain_vnets_from_dev()
        vnets[0].update(
            subscriptionId="11111111-1111-1111-1111-111111111111",
            tenantId="aaaaaaaa-0000-0000-0000-000000000001",
        )
        vnets[1].update(
            subscriptionId="22222222-2222-2222-2222-222222222222",
            tenantId="bbbbbbbb-0000-0000-0000-000000000002",
        )
        plan = plan_stack("dev", vnets=vnets)
        providers = {r.name: r for r in plan.of_type(PROVIDER)}
        assert set(providers) == {"east-provider", "west-provider"}
        east = providers["east-provider"].inputs
        assert east["subscriptionId"] == "11111111-1111-1111-1111-111111111111"
        # Provider inputs travel JSON-encoded.
        assert east["auxiliaryTenantIds"] == '["bbbbbbbb-0000-0000-0000-000000000002"]', "cross-tenant: auxiliary"
        assert connection_named(plan, "east-to-west").provider == providers["east-provider"].urn
        assert connection_named(plan, "west-to-east").provider == providers["west-provider"].urn

    def test_same_tenant_needs_no_auxiliary_tenant(self) -> None:
        vnets = plain_vnets_from_dev()
        for vnet in vnets:
            vnet["tenantId"] = "aaaaaaaa-0000-0000-0000-000000000001"
        plan = plan_stack("dev", vnets=vnets)
        for provider in plan.of_type(PROVIDER):
            assert not provider.inputs.get("auxiliaryTenantIds"), provider.name


class TestInvalidArgs:
    def test_invalid_args_raise_validation_error_before_registering(self) -> None:
        args = pair_args()
        del args["vnets"][1]["gateway_subnet_prefix"]
        with pytest.raises(ValidationError) as caught:
            VnetToVnetPair("corp", VnetToVnetPairArgs(**args))  # type: ignore[typeddict-item]
        paths = [finding.path for finding in caught.value.findings]
        assert paths == ["vnets[1].gateway_subnet_prefix"], paths


def test_component_outputs_resolve_to_the_documented_shape() -> None:
    captured: dict[str, Any] = {}

    def program() -> None:
        pair = VnetToVnetPair("corp", VnetToVnetPairArgs(**pair_args()))  # type: ignore[typeddict-item]
        pulumi.export("ids", pair.connection_ids)
        captured["pair"] = pair

    plan = plan_components(program)
    assert set(plain(plan.outputs["ids"])) == {"hq-to-dr", "dr-to-hq"}
    assert {"vnet_ids", "gateway_ids", "gateway_public_ips", "connection_statuses", "shared_key"} <= set(
        vars(captured["pair"])
    )
    assert len(plan.of_type(CONNECTION)) == 2


def test_the_stack_program_checks_its_config_once_and_warns_once() -> None:
    from tests.support import plan_stack

    plan = plan_stack("dev", hub="east")  # a hub means nothing to a pair: one warning
    warned = [message for message in plan.diagnostics if "hub is used only by hub-and-spoke" in message]
    assert len(warned) == 1, f"the component builds the checked spec without a second pass: {plan.diagnostics}"


@pytest.mark.parametrize(
    ("gateway", "asn", "mode", "bgp"),
    [
        ({}, None, "ActiveStandby", "BgpOff()"),
        ({"active_active": True}, None, "ActiveActive", "BgpOff()"),
        ({"enable_bgp": True}, 65010, "ActiveStandby", "BgpOn(asn=65010)"),
        ({"enable_bgp": False}, 65010, "ActiveStandby", "BgpOff()"),  # an ASN alone does not turn BGP on
    ],
)
def test_the_shapes_the_components_build_from(gateway: dict[str, Any], asn: int | None, mode: str, bgp: str) -> None:
    from vnet2vnet.spec import GatewaySpec, VnetSpec

    spec = GatewaySpec(**gateway)
    vnet = VnetSpec("a", "eastus", ("10.1.0.0/16",), "10.1.255.0/27", bgp_asn=asn)
    assert type(spec.mode).__name__ == mode and spec.public_ip_count == spec.mode.public_ip_count
    assert repr(spec.bgp(vnet)) == bgp, spec.bgp(vnet)
