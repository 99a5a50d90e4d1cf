"""`VnetToVnetPair`: two `GatewayVnet`s and the `VnetLink` between them."""

from collections.abc import Mapping
from typing import Any

import pulumi

from components.args import VnetToVnetPairArgs
from components.gateway_vnet import GatewayVnet
from components.vnet_link import VnetLink
from vnet2vnet.checks import checked_component_spec
from vnet2vnet.spec import TopologySpec, managed_tags

PAIR_TYPE = "vnet2vnet:index:VnetToVnetPair"


class VnetToVnetPair(pulumi.ComponentResource):
    """Two Azure VNets connected by an encrypted VNet-to-VNet VPN (two route-based gateways, two connections,
    one generated secret key)."""

    vnet_ids: pulumi.Output[dict[str, str]]
    """VNet resource IDs by VNet name."""
    gateway_ids: pulumi.Output[dict[str, str]]
    """VPN gateway resource IDs by VNet name."""
    gateway_public_ips: pulumi.Output[dict[str, list[str]]]
    """The public IP addresses of each VNet's gateway, by VNet name."""
    connection_ids: pulumi.Output[dict[str, str]]
    """Connection resource IDs keyed "<a>-to-<b>"."""
    connection_statuses: pulumi.Output[dict[str, str]]
    """Azure's connectionStatus of each connection keyed "<a>-to-<b>" (Unknown until Azure reports)."""
    shared_key: pulumi.Output[str]
    """The pre-shared key of the link (secret)."""
    gateway_bgp_peering_addresses: pulumi.Output[dict[str, list[str]]]
    """The BGP peering addresses Azure assigned to each VNet's gateway, by VNet name."""

    def __init__(self, name: str, args: VnetToVnetPairArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        # Check everything before registering anything: a mistake found here saves a 45-minute gateway build.
        topology = checked_component_spec(args, topology_kind="pair")
        super().__init__(PAIR_TYPE, name, None, opts)
        self._build(name, topology)

    def _build(self, name: str, topology: TopologySpec) -> None:
        tags = managed_tags(pulumi.get_project(), pulumi.get_stack(), topology.tags)
        sides = [
            (
                vnet.name,
                GatewayVnet(
                    f"{name}-{vnet.name}",
                    vnet,
                    topology.gateway,
                    tags,
                    opts=pulumi.ResourceOptions(parent=self),
                ),
            )
            for vnet in topology.vnets
        ]
        (name_a, side_a), (name_b, side_b) = sides
        link = VnetLink(
            f"{name}-{name_a}-{name_b}",
            sides=((name_a, side_a), (name_b, side_b)),
            connection=topology.connection,
            enable_bgp=topology.gateway.enable_bgp,
            shared_key=topology.shared_key,
            resource_prefix=name,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.vnet_ids = _by_name({n: side.vnet_id for n, side in sides})
        self.gateway_ids = _by_name({n: side.gateway_id for n, side in sides})
        self.gateway_public_ips = _by_name({n: side.public_ip_addresses for n, side in sides})
        self.gateway_bgp_peering_addresses = _by_name({n: side.bgp_peering_addresses for n, side in sides})
        self.connection_ids = link.connection_ids
        self.connection_statuses = link.connection_statuses
        self.shared_key = link.shared_key
        outputs: dict[str, Any] = {
            "vnet_ids": self.vnet_ids,
            "gateway_ids": self.gateway_ids,
            "gateway_public_ips": self.gateway_public_ips,
            "gateway_bgp_peering_addresses": self.gateway_bgp_peering_addresses,
            "connection_ids": self.connection_ids,
            "connection_statuses": self.connection_statuses,
            "shared_key": self.shared_key,
        }
        self.register_outputs(outputs)


def _by_name(values: Mapping[str, pulumi.Input[Any]]) -> pulumi.Output[Any]:
    return pulumi.Output.all(**values)
