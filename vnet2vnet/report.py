"""What `plan` tells a newcomer beyond the resource tree: the schedule of the recorded plan and the capacity
of each gateway. Pure functions over the recorded plan and the checked spec."""

from __future__ import annotations

from dataclasses import dataclass

from vnet2vnet import azure_facts as facts
from vnet2vnet.existing import sku_facts
from vnet2vnet.network import ResolvedNetwork, resolved
from vnet2vnet.plan_model import STACK_TYPE, Plan
from vnet2vnet.schedule import Node, Schedule, compute_schedule, resolved_dependencies
from vnet2vnet.spec import TopologySpec
from vnet2vnet.tokens import CONNECTION_TYPE
from vnet2vnet.topology import tunnels_per_vnet


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


def ancestors(plan: Plan) -> dict[str, set[str]]:
    """For each resource, every resource it waits for, directly or through others (components expanded)."""
    waits = resolved_dependencies(plan_nodes(plan))
    memo: dict[str, set[str]] = {}

    def upstream(urn: str) -> set[str]:
        if urn not in memo:
            memo[urn] = set()
            for dependency in waits.get(urn, ()):
                memo[urn] |= {dependency} | upstream(dependency)
        return memo[urn]

    return {urn: upstream(urn) for urn in waits}


def connection_rounds_of(plan: Plan) -> list[list[str]]:
    """The connection write rounds the recorded dependencies allow: a connection's round is one more than the
    latest round among the connections it waits for (directly or through other resources)."""
    upstream = ancestors(plan)
    connections = {r.urn for r in plan.resources if r.type == CONNECTION_TYPE}
    level: dict[str, int] = {}

    def round_of(urn: str) -> int:
        if urn not in level:
            level[urn] = 1 + max((round_of(c) for c in upstream.get(urn, set()) & connections), default=-1)
        return level[urn]

    rounds: list[list[str]] = []
    for urn in sorted(connections):
        index = round_of(urn)
        rounds.extend([] for _ in range(index + 1 - len(rounds)))
        rounds[index].append(urn)
    return [sorted(r) for r in rounds]


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


def gateway_capacity(network: ResolvedNetwork | TopologySpec) -> list[GatewayCapacity]:
    """Per gateway: tunnels used of the SKU's limit (one tunnel per link it takes part in: a VNet-to-VNet tunnel
    is the pair of connection resources, https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq),
    aggregate throughput, and zone redundancy (AZ SKU with Standard public IPs in all three zones,
    https://learn.microsoft.com/azure/reliability/reliability-virtual-network-gateway)."""
    network = resolved(network)
    topology = network.spec
    tunnels = tunnels_per_vnet(topology.vnet_names(), topology.link_pairs())
    capacity = []
    for side in network.sides:
        vnet, gateway = side.vnet, side.gateway
        sku = sku_facts(gateway.sku)
        generation = gateway.effective_generation
        zones = gateway.public_ip_zones(vnet.location) if isinstance(vnet.location, str) else ()
        capacity.append(
            GatewayCapacity(
                vnet=vnet.name,
                sku=gateway.sku,
                generation=generation,
                tunnels_used=tunnels[vnet.name] + vnet.existing_connections,
                tunnel_limit=sku.max_tunnels if sku else 0,
                throughput_mbps=sku.throughput_mbps.get(generation) if sku else None,
                zone_redundant=bool(sku and sku.zone_redundant and set(zones) == set(facts.AVAILABILITY_ZONES)),
            )
        )
    return capacity
