"""What a pair and a mesh share: the sides, the links, and the connections written in safe rounds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from components.gateway_vnet import GatewayVnet
from components.vnet_link import VnetLink
from vnet2vnet.spec import TopologySpec, managed_tags
from vnet2vnet.topology import connection_rounds


@dataclass
class BuiltNetwork:
    sides: dict[str, GatewayVnet]
    links: dict[tuple[str, str], VnetLink]

    def by_vnet(self, attribute: str) -> pulumi.Output[dict[str, Any]]:
        return pulumi.Output.all(**{name: getattr(side, attribute) for name, side in self.sides.items()})

    def by_connection(self, attribute: str) -> pulumi.Output[dict[str, Any]]:
        parts = [getattr(link, attribute) for link in self.links.values()]
        return pulumi.Output.all(*parts).apply(lambda dicts: {k: v for d in dicts for k, v in d.items()})

    def side_outputs(self) -> dict[str, pulumi.Output[Any]]:
        """The outputs keyed by VNet that a pair and a mesh share."""
        return {
            "vnet_ids": self.by_vnet("vnet_id"),
            "gateway_ids": self.by_vnet("gateway_id"),
            "gateway_public_ips": self.by_vnet("public_ip_addresses"),
            "gateway_bgp_peering_addresses": self.by_vnet("bgp_peering_addresses"),
        }

    def keys_by_connection(self) -> pulumi.Output[dict[str, str]]:
        """Each connection's key (both directions of a link share one): "<a>-to-<b>" -> key, secret."""
        pairs = {direction: link.shared_key for link in self.links.values() for direction in link.connections}
        return pulumi.Output.secret(pulumi.Output.all(**pairs))


def build_network(name: str, topology: TopologySpec, parent: pulumi.Resource) -> BuiltNetwork:
    """Sides (built in parallel), one link per VNet pair, and connections in rounds: each waits for the previous
    connection on each of its two gateways, so no two writes ever hit one gateway together."""
    tags: Mapping[str, Any] = managed_tags(pulumi.get_project(), pulumi.get_stack(), topology.tags)
    child = pulumi.ResourceOptions(parent=parent)
    sides = {
        vnet.name: GatewayVnet(f"{name}-{vnet.name}", vnet, topology.gateway, tags, opts=child)
        for vnet in topology.vnets
    }
    links = {
        (a, b): VnetLink(
            f"{name}-{a}-{b}",
            sides={a: sides[a], b: sides[b]},
            connection=topology.connection,
            enable_bgp=topology.gateway.enable_bgp,
            shared_key=topology.shared_key,
            resource_prefix=name,
            tags=tags,
            opts=child,
        )
        for a, b in topology.links()
    }
    last_on_gateway: dict[str, pulumi.Resource] = {}
    for round_ in connection_rounds(topology.vnet_names(), list(links)):
        for local, remote in round_:
            link = links[(local, remote)] if (local, remote) in links else links[(remote, local)]
            after = list(dict.fromkeys(last_on_gateway[g] for g in (local, remote) if g in last_on_gateway))
            last_on_gateway[local] = last_on_gateway[remote] = link.connect(local, after)
    for link in links.values():
        link.finish()
    return BuiltNetwork(sides, links)
