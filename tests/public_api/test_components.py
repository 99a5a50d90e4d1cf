"""The components as a consumer tests them: only Pulumi's public testing API (`pulumi.runtime.set_mocks`, mocks
that echo the inputs back, as Pulumi's unit-testing guide writes them) and vnet2vnet's public names. Nothing here
may use the SDK's private modules or this repository's offline engine: these tests must pass at every Pulumi
release the component declares it supports."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from vnet2vnet import ValidationError, VnetArgs, VnetMesh, VnetMeshArgs, VnetToVnetPair, VnetToVnetPairArgs


class EchoMocks(pulumi.runtime.Mocks):
    """Every resource's outputs are its inputs; every function answers nothing."""

    def __init__(self) -> None:
        self.registered: list[tuple[str, str]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.registered.append((args.typ, args.name))
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:  # the base's return type differs across releases
        return {}


MOCKS = EchoMocks()


@pytest.fixture(autouse=True)
def fresh_program() -> None:
    """Each test is its own program run, as Pulumi's testing guide sets it up."""
    MOCKS.registered.clear()
    pulumi.runtime.set_mocks(MOCKS, preview=False)


def vnet(name: str, location: str, second_octet: int) -> VnetArgs:
    return VnetArgs(
        name=name,
        location=location,
        address_spaces=[f"10.{second_octet}.0.0/16"],
        gateway_subnet_prefix=f"10.{second_octet}.255.0/27",
    )


@pulumi.runtime.test
def test_a_pair_registers_two_gateways_and_two_connections_and_outputs_them() -> pulumi.Output[Any]:
    pair = VnetToVnetPair("corp", VnetToVnetPairArgs(vnets=[vnet("east", "eastus", 10), vnet("west", "westus2", 20)]))

    def check(values: list[Any]) -> None:
        vnet_ids, connection_ids = values
        assert sorted(vnet_ids) == ["east", "west"], f"one VNet per side: {vnet_ids}"
        assert sorted(connection_ids) == ["east-to-west", "west-to-east"], (
            f"one connection per direction: {connection_ids}"
        )
        gateways = [name for typ, name in MOCKS.registered if typ.endswith(":VirtualNetworkGateway")]
        assert sorted(gateways) == ["corp-east-gw", "corp-west-gw"], f"one gateway per side: {gateways}"

    return pulumi.Output.all(pair.vnet_ids, pair.connection_ids).apply(check)


@pulumi.runtime.test
def test_a_mesh_of_three_links_each_pair_of_vnets() -> pulumi.Output[Any]:
    vnets = [vnet("east", "eastus", 10), vnet("west", "westus2", 20), vnet("north", "northeurope", 30)]
    mesh = VnetMesh("net", VnetMeshArgs(vnets=vnets))

    def check(connection_ids: dict[str, str]) -> None:
        assert len(connection_ids) == 6, f"three links, two connections each: {sorted(connection_ids)}"

    return mesh.connection_ids.apply(check)


def test_args_are_checked_before_anything_is_registered() -> None:
    before = len(MOCKS.registered)
    overlapping = [vnet("east", "eastus", 10), vnet("west", "westus2", 10)]
    with pytest.raises(ValidationError, match="overlaps"):
        VnetToVnetPair("bad", VnetToVnetPairArgs(vnets=overlapping))
    assert len(MOCKS.registered) == before, "a mistake is reported before any resource is registered"


def test_each_test_may_build_a_component_of_the_same_name() -> None:
    """A new set_mocks is a new program run: the names one test's component took are free again."""
    VnetToVnetPair("corp", VnetToVnetPairArgs(vnets=[vnet("east", "eastus", 10), vnet("west", "westus2", 20)]))


def test_one_program_refuses_the_same_component_twice_naming_it() -> None:
    args = VnetToVnetPairArgs(vnets=[vnet("east", "eastus", 10), vnet("west", "westus2", 20)])
    VnetToVnetPair("twice", args)
    with pytest.raises(ValidationError, match=r"component 'twice'.*created twice"):
        VnetToVnetPair("twice", args)
