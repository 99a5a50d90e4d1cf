"""What `plan` tells a newcomer beyond the resource tree: the schedule of the recorded plan and the capacity
of each gateway. Pure functions over the recorded plan and the checked spec."""

from __future__ import annotations

from dataclasses import dataclass

from vnet2vnet import azure_facts as facts
from vnet2vnet.engine import STACK_TYPE, Plan
from vnet2vnet.schedule import Node, Schedule, compute_schedule
from vnet2vnet.spec import TopologySpec


def plan_nodes(plan: Plan) -> list[Node]:
    return [
        Node(
            urn=resource.urn,
            type=resource.type,
            parent=resource.parent,
            dependencies=tuple(
                sorted({*resource.dependencies, *(d for deps in resource.property_dependencies.values() for d in deps)})
            ),
            schedulable=resource.custom,
        )
        for resource in plan.resources
        if resource.type != STACK_TYPE
    ]


def typical_minutes(type_token: str) -> float:
    return facts.TYPICAL_DURATIONS.get(type_token, facts.INSTANT).minutes


def plan_schedule(plan: Plan) -> Schedule:
    return compute_schedule(plan_nodes(plan), lambda node: typical_minutes(node.type))


@dataclass(frozen=True)
class GatewayCapacity:
    vnet: str
    sku: str
    generation: str
    tunnels_used: int
    tunnel_limit: int
    throughput_mbps: int | None
    zone_redundant: bool


def links(topology: TopologySpec) -> list[tuple[str, str]]:
    """The VNet pairs that get a tunnel: a pair topology has one."""
    names = topology.vnet_names()
    return [(names[0], names[1])] if len(names) == 2 else []


def gateway_capacity(topology: TopologySpec) -> list[GatewayCapacity]:
    """Per gateway: tunnels used of the SKU's limit (one tunnel per link it takes part in: a VNet-to-VNet tunnel
    is the pair of connection resources, VPN FAQ), aggregate throughput, and zone redundancy (AZ SKU with
    Standard public IPs in all three zones, reliability-virtual-network-gateway)."""
    sku = facts.GATEWAY_SKUS.get(topology.gateway.sku)
    generation = topology.gateway.effective_generation
    pairs = links(topology)
    capacity = []
    for vnet in topology.vnets:
        zones = topology.gateway.public_ip_zones(vnet.location) if isinstance(vnet.location, str) else ()
        capacity.append(
            GatewayCapacity(
                vnet=vnet.name,
                sku=topology.gateway.sku,
                generation=generation,
                tunnels_used=sum(vnet.name in pair for pair in pairs),
                tunnel_limit=sku.max_tunnels if sku else 0,
                throughput_mbps=sku.throughput_mbps.get(generation) if sku else None,
                zone_redundant=bool(sku and sku.zone_redundant and set(zones) == set(facts.AVAILABILITY_ZONES)),
            )
        )
    return capacity
