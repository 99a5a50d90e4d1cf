"""Every Pulumi resource name the components derive, in one place. Pure.

Names join the component's name and the user's VNet (and subnet) names with `-`, and those names may contain
`-` themselves, so two different configurations can derive the same name: a mesh of `a, b-c, a-b, c` has links
`a`+`b-c` and `a-b`+`c`, both `<mesh>-a-b-c`. The engine refuses a duplicate URN ("Duplicate resource URN"),
so every derived name is listed here, with the config key it comes from, and collisions are refused before
anything is registered. The names themselves never change: they are the URNs of existing stacks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from vnet2vnet.findings import KeyPath
from vnet2vnet.network import ResolvedNetwork, resolved
from vnet2vnet.spec import TopologySpec, link_key
from vnet2vnet.tokens import (
    ACTION_GROUP_TYPE,
    CONNECTION_TYPE,
    DIAGNOSTIC_SETTING_TYPE,
    GATEWAY_TYPE,
    LINK_TYPE,
    LOG_ALERT_TYPE,
    MESH_TYPE,
    METRIC_ALERT_TYPE,
    PAIR_TYPE,
    PASSWORD_TYPE,
    PUBLIC_IP_TYPE,
    RESOURCE_GROUP_TYPE,
    SIDE_TYPE,
    SUBNET_TYPE,
    VNET_TYPE,
    WORKSPACE_TYPE,
)

__all__ = [
    "ACTION_GROUP_TYPE",
    "CONNECTION_TYPE",
    "DIAGNOSTIC_SETTING_TYPE",
    "GATEWAY_TYPE",
    "LINK_TYPE",
    "LOG_ALERT_TYPE",
    "MESH_TYPE",
    "METRIC_ALERT_TYPE",
    "PAIR_TYPE",
    "PASSWORD_TYPE",
    "PUBLIC_IP_TYPE",
    "RESOURCE_GROUP_TYPE",
    "SIDE_TYPE",
    "SUBNET_TYPE",
    "VNET_TYPE",
    "WORKSPACE_TYPE",
]


def side_name(component: str, vnet: str) -> str:
    return f"{component}-{vnet}"


def resource_group_name(side: str) -> str:
    return f"{side}-rg"


def vnet_name(side: str) -> str:
    return f"{side}-vnet"


def gateway_subnet_name(side: str) -> str:
    return f"{side}-gateway-subnet"


def workload_subnet_name(side: str, subnet: str) -> str:
    return f"{side}-subnet-{subnet}"


def public_ip_name(side: str, index: int) -> str:
    return f"{side}-gw-ip{index}"


def gateway_name(side: str) -> str:
    return f"{side}-gw"


def link_name(component: str, a: str, b: str) -> str:
    return f"{component}-{a}-{b}"


def key_name(link: str) -> str:
    return f"{link}-psk"


def connection_name(component: str, local: str, remote: str) -> str:
    return f"{component}-{link_key(local, remote)}"


def workspace_name(component: str) -> str:
    """Log Analytics takes letters, digits and hyphens only, starting with a letter or digit
    (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules,
    Microsoft.OperationalInsights/workspaces): a project name such as `net_ops.prod` gives `net-ops-prod-logs`."""
    return f"{re.sub(r'[^A-Za-z0-9-]', '-', component).lstrip('-')}-logs"


def action_group_name(component: str) -> str:
    return f"{component}-alerts"


def diagnostic_setting_name(side: str) -> str:
    return f"{side}-diagnostics"


def tunnel_alert_name(connection: str) -> str:
    return f"{connection}-tunnel-down"


def bgp_alert_name(connection: str) -> str:
    return f"{connection}-bgp-peer-down"


@dataclass(frozen=True)
class DerivedName:
    """One resource the component registers: its type, its parent's type (the URN's type chain below the
    component), its Pulumi name, whether Azure gets that name plus a random suffix, and the config keys it
    comes from (to shorten or rename)."""

    type_token: str
    parent_type: str
    name: str
    origins: tuple[KeyPath, ...]
    autonamed: bool = True
    parent: str = ""  # its parent's Pulumi name ("" for the component's direct children: the component's)


def component_type_for(topology: TopologySpec) -> str:
    """The type of the component a stack builds for `topology`: a pair stays a VnetToVnetPair (existing pair stacks
    keep their URNs), anything else is a VnetMesh."""
    return PAIR_TYPE if topology.topology == "pair" else MESH_TYPE


def derived_names(
    component: str, component_type: str, network: TopologySpec | ResolvedNetwork
) -> tuple[DerivedName, ...]:
    """Every name the component registers for `network`, in registration order (an existing VNet or gateway
    registers none of its own). Derived once per component name and type, then read from the network."""
    resolved_network = resolved(network)
    key = (component, component_type)
    if key not in resolved_network.derived:
        resolved_network.derived[key] = tuple(_derive(component, component_type, resolved_network))
    return resolved_network.derived[key]


def _derive(component: str, component_type: str, network: ResolvedNetwork) -> Iterator[DerivedName]:
    topology = network.spec
    for index, vnet in enumerate(topology.vnets):
        origin: tuple[KeyPath, ...] = (("vnets", index, "name"),)
        side = side_name(component, vnet.name)
        yield DerivedName(SIDE_TYPE, component_type, side, origin, autonamed=False, parent=component)
        if vnet.creates_vnet:
            if vnet.resource_group_name is None:
                yield DerivedName(RESOURCE_GROUP_TYPE, SIDE_TYPE, resource_group_name(side), origin, parent=side)
            yield DerivedName(VNET_TYPE, SIDE_TYPE, vnet_name(side), origin, parent=side)
        if vnet.creates_gateway and not vnet.existing_gateway_subnet:
            yield DerivedName(SUBNET_TYPE, SIDE_TYPE, gateway_subnet_name(side), origin, autonamed=False, parent=side)
        for k, subnet in enumerate(vnet.subnets):
            subnet_origin = (*origin, ("vnets", index, "subnets", k, "name"))
            yield DerivedName(
                SUBNET_TYPE,
                SIDE_TYPE,
                workload_subnet_name(side, subnet.name),
                subnet_origin,
                autonamed=False,
                parent=side,
            )
        if vnet.creates_gateway:
            for ip in range(1, network.sides[index].gateway.public_ip_count + 1):
                yield DerivedName(PUBLIC_IP_TYPE, SIDE_TYPE, public_ip_name(side, ip), origin, parent=side)
            yield DerivedName(GATEWAY_TYPE, SIDE_TYPE, gateway_name(side), origin, parent=side)
        yield from _side_monitoring(component, topology, index, side)
    position = {vnet.name: index for index, vnet in enumerate(topology.vnets)}
    for settings in network.links:
        a, b = settings.ends
        origin = (("vnets", position[a], "name"), ("vnets", position[b], "name"))
        link = link_name(component, a, b)
        yield DerivedName(LINK_TYPE, component_type, link, origin, autonamed=False, parent=component)
        if settings.generates_key:
            yield DerivedName(PASSWORD_TYPE, LINK_TYPE, key_name(link), origin, autonamed=False, parent=link)
        for local, remote in ((a, b), (b, a)):
            connection = connection_name(component, local, remote)
            yield DerivedName(CONNECTION_TYPE, LINK_TYPE, connection, origin, parent=link)
            if topology.alerts is not None and watched(topology, local):
                yield DerivedName(LOG_ALERT_TYPE, LINK_TYPE, tunnel_alert_name(connection), origin, parent=link)
                if settings.bgp:
                    yield DerivedName(METRIC_ALERT_TYPE, LINK_TYPE, bgp_alert_name(connection), origin, parent=link)


def watched(topology: TopologySpec, local: str) -> bool:
    """Alerts watch a connection when its local gateway is created here: that gateway sends its logs to the
    workspace (the remote one's tunnel and BGP addresses are known either way: created, or read from Azure). A
    connection from an existing gateway is not watched; the other direction of its link is when that gateway is
    created here."""
    return topology.vnet(local).creates_gateway


def creates_workspace(topology: TopologySpec) -> bool:
    """The stack creates its workspace (`diagnostics.createWorkspace`) only for a diagnostic setting to send to: one
    goes on every gateway created here, so with every gateway existing there is none, and no workspace."""
    diagnostics = topology.diagnostics
    return (
        diagnostics is not None
        and diagnostics.create_workspace
        and any(vnet.creates_gateway for vnet in topology.vnets)
    )


def creates_action_group(topology: TopologySpec) -> bool:
    """The stack creates its action group (`alerts.emails`) only for an alert to notify: one per watched
    connection, so with no connection watched there is none, and no action group."""
    alerts = topology.alerts
    return (
        alerts is not None
        and bool(alerts.emails)
        and any(watched(topology, local) for local, _ in topology.directions())
    )


def _side_monitoring(component: str, topology: TopologySpec, index: int, side: str) -> Iterator[DerivedName]:
    """One side hosts the shared workspace and action group (`TopologySpec.monitoring_host`), when something uses
    them; every side with a gateway created here gets a diagnostic setting."""
    diagnostics = topology.diagnostics
    hosts = topology.vnets[index].name == topology.monitoring_host()
    if hosts and creates_workspace(topology):
        origin: tuple[KeyPath, ...] = (("diagnostics", "create_workspace"),)
        yield DerivedName(WORKSPACE_TYPE, SIDE_TYPE, workspace_name(component), origin, parent=side)
    if hosts and creates_action_group(topology):
        yield DerivedName(
            ACTION_GROUP_TYPE, SIDE_TYPE, action_group_name(component), (("alerts", "emails"),), parent=side
        )
    if diagnostics is not None and topology.vnets[index].creates_gateway:
        origin = (("vnets", index, "name"),)
        yield DerivedName(DIAGNOSTIC_SETTING_TYPE, SIDE_TYPE, diagnostic_setting_name(side), origin, parent=side)


def collisions(names: Iterator[DerivedName]) -> Iterator[tuple[DerivedName, DerivedName]]:
    """Pairs of names that would give one URN (same type, same parent type, same name), first one first."""
    seen: dict[tuple[str, str, str], DerivedName] = {}
    for derived in names:
        key = (derived.type_token, derived.parent_type, derived.name)
        if key in seen:
            yield seen[key], derived
        else:
            seen[key] = derived
