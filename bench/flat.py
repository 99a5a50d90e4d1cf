"""The baseline for overhead benchmarks: the same resources as a plan, registered directly with the SDK classes
under Pulumi's plain mocks, with no components, config loading, validation, recording or rendering."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_random as random
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await
from pulumi_azure_native import network, resources


@dataclass(frozen=True)
class FlatVnet:
    name: str
    location: str
    space: str
    gateway_subnet: str


class PlainMocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", {**args.inputs, "name": args.name}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


def register(vnets: list[FlatVnet], links: list[tuple[int, int]], sku: str = "VpnGw1AZ") -> None:
    gateways = []
    groups = []
    for vnet in vnets:
        group = resources.ResourceGroup(f"{vnet.name}-rg", location=vnet.location)
        virtual_network = network.VirtualNetwork(
            f"{vnet.name}-vnet",
            resource_group_name=group.name,
            location=vnet.location,
            address_space=network.AddressSpaceArgs(address_prefixes=[vnet.space]),
        )
        subnet = network.Subnet(
            f"{vnet.name}-gateway-subnet",
            subnet_name="GatewaySubnet",
            resource_group_name=group.name,
            virtual_network_name=virtual_network.name,
            address_prefix=vnet.gateway_subnet,
        )
        ip = network.PublicIPAddress(
            f"{vnet.name}-gw-ip1",
            resource_group_name=group.name,
            location=vnet.location,
            sku=network.PublicIPAddressSkuArgs(name="Standard", tier="Regional"),
            public_ip_allocation_method="Static",
            public_ip_address_version="IPv4",
        )
        gateways.append(
            network.VirtualNetworkGateway(
                f"{vnet.name}-gw",
                resource_group_name=group.name,
                location=vnet.location,
                gateway_type="Vpn",
                vpn_type="RouteBased",
                sku=network.VirtualNetworkGatewaySkuArgs(name=sku, tier=sku),
                vpn_gateway_generation="Generation1",
                active_active=False,
                enable_bgp=False,
                ip_configurations=[
                    network.VirtualNetworkGatewayIPConfigurationArgs(
                        name="ipconfig1",
                        private_ip_allocation_method="Dynamic",
                        subnet=network.SubResourceArgs(id=subnet.id),
                        public_ip_address=network.SubResourceArgs(id=ip.id),
                    )
                ],
                opts=pulumi.ResourceOptions(custom_timeouts=pulumi.CustomTimeouts(create="90m")),
            )
        )
        groups.append(group)
    for a, b in links:
        password = random.RandomPassword(f"{vnets[a].name}-{vnets[b].name}-psk", length=64, special=True)
        key: pulumi.Output[str] = pulumi.Output.secret(password.result)
        previous: list[pulumi.Resource] = []
        for local, remote in ((a, b), (b, a)):
            previous = [
                network.VirtualNetworkGatewayConnection(
                    f"{vnets[local].name}-to-{vnets[remote].name}",
                    resource_group_name=groups[local].name,
                    location=vnets[local].location,
                    connection_type="Vnet2Vnet",
                    virtual_network_gateway1=network.VirtualNetworkGatewayArgs(id=gateways[local].id),
                    virtual_network_gateway2=network.VirtualNetworkGatewayArgs(id=gateways[remote].id),
                    shared_key=key,
                    enable_bgp=False,
                    opts=pulumi.ResourceOptions(depends_on=previous, additional_secret_outputs=["sharedKey"]),
                )
            ]


def run_flat(vnets: list[FlatVnet], links: list[tuple[int, int]]) -> None:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    pulumi.runtime.set_mocks(PlainMocks(), project="flat", stack="bench", preview=False)
    _sync_await(run_pulumi_func(lambda: register(vnets, links)))  # type: ignore[arg-type,func-returns-value]
    loop.close()
