"""Azure's rules, checked over the parsed spec before anything is deployed. Pure: spec in, findings out.

One module per rule family (address plan, topology, locations, gateway, BGP, connection, capacity, transit,
identifiers, derived names, tenants, operating); each rule is a function from the topology to findings and carries
the document it enforces (the facts file, ../shared/reference/azure-vpn-facts.md, has the quotes). Values that are
still Pulumi Outputs (component args) are skipped here and checked once they resolve (`checks.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from vnet2vnet.findings import Finding, errors_in
from vnet2vnet.network import ResolvedNetwork, resolved
from vnet2vnet.spec import TopologySpec
from vnet2vnet.validation.addresses import Network, ParsedPrefix, check_address_plan, overlapping_pairs, parse_prefix
from vnet2vnet.validation.bgp import check_bgp
from vnet2vnet.validation.capacity import INSTANCES_PER_ACTIVE_ACTIVE_GATEWAY, check_capacity
from vnet2vnet.validation.connection import check_connection, check_shared_key
from vnet2vnet.validation.gateway import check_gateway
from vnet2vnet.validation.identifiers import check_identifiers, check_tags
from vnet2vnet.validation.locations import NEAR_MISS_RATIO, check_locations
from vnet2vnet.validation.names import check_resource_names
from vnet2vnet.validation.operating import EMAIL_PATTERN, check_operating
from vnet2vnet.validation.tenants import check_auxiliary_tenants
from vnet2vnet.validation.topology import VNET_NAME_PATTERN, check_links, check_topology, check_vnet_sources
from vnet2vnet.validation.transit import check_transit

__all__ = [
    "EMAIL_PATTERN",
    "INSTANCES_PER_ACTIVE_ACTIVE_GATEWAY",
    "NEAR_MISS_RATIO",
    "RULES",
    "VNET_NAME_PATTERN",
    "Network",
    "ParsedPrefix",
    "check_address_plan",
    "check_auxiliary_tenants",
    "check_bgp",
    "check_capacity",
    "check_connection",
    "check_gateway",
    "check_identifiers",
    "check_links",
    "check_locations",
    "check_operating",
    "check_resource_names",
    "check_shared_key",
    "check_tags",
    "check_topology",
    "check_transit",
    "check_vnet_sources",
    "overlapping_pairs",
    "parse_prefix",
    "validate",
]

RULES: tuple[Callable[[ResolvedNetwork], Iterable[Finding]], ...] = (
    check_vnet_sources,
    check_links,
    check_locations,
    check_address_plan,
    check_gateway,
    check_bgp,
    check_connection,
    check_capacity,
    check_transit,
    check_auxiliary_tenants,
    check_identifiers,
    check_operating,
)


def validate(
    network: ResolvedNetwork | TopologySpec, component_name: str | None = None, component_type: str | None = None
) -> list[Finding]:
    """Every finding for the whole configuration, in a stable order. With the component's name (for a stack,
    its project name) the derived Azure names are checked against Azure's limits too; `component_type` is the
    component's (default: the one a stack builds for the topology). A spec alone is resolved first."""
    network = resolved(network)
    findings = list(check_topology(network))
    for rule in RULES:
        findings.extend(rule(network))
    findings.extend(check_tags(network, component_name))
    if not errors_in(findings):  # names derive from valid, unique VNet names only
        findings.extend(check_resource_names(network, component_name, component_type))
    return findings
