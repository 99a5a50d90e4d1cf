"""Derived resource names: unique URNs, and Azure's name length limits with azure-native's auto-name suffix. Pure: spec
in, findings out."""

from __future__ import annotations

from collections.abc import Iterator

from vnet2vnet import azure_facts as facts
from vnet2vnet import naming
from vnet2vnet.findings import Finding, KeyPath, error, render_path
from vnet2vnet.network import ResolvedNetwork
from vnet2vnet.spec import TopologySpec, VnetSpec


def _vnet_at(topology: TopologySpec, path: KeyPath) -> VnetSpec:
    """The VNet a `("vnets", i, ...)` path points into."""
    return topology.vnets[int(path[1])]


def _origin(topology: TopologySpec, derived: naming.DerivedName) -> str:
    """Who derives a name, in the user's terms: a VNet, a VNet's subnet, or a link."""
    names = [_vnet_at(topology, path).name for path in derived.origins if len(path) == 3]
    subnet = [path for path in derived.origins if len(path) == 5]
    if subnet:
        vnet = _vnet_at(topology, subnet[0])
        return f"subnet '{vnet.subnets[int(subnet[0][3])].name}' of VNet '{vnet.name}'"
    if len(names) == 2:
        return f"the link between VNets '{names[0]}' and '{names[1]}'"
    return f"VNet '{names[0]}'" if names else f"'{render_path(derived.origins[0], 'config')}'"


def check_resource_names(
    network: ResolvedNetwork, component_name: str | None = None, component_type: str | None = None
) -> Iterator[Finding]:
    """Derived names never collide (the engine refuses a duplicate URN), and the names Azure gets fit its
    limits (resource-name-rules), checked now rather than after both gateways are built."""
    topology = network.spec
    # Every derived name starts with the component's name and '-': collisions do not depend on it.
    prefix = component_name if component_name is not None else "component"
    names = naming.derived_names(prefix, component_type or naming.component_type_for(topology), network)
    reported_pairs: set[tuple[tuple[KeyPath, ...], tuple[KeyPath, ...]]] = set()
    for first, second in naming.collisions(iter(names)):
        if (first.origins, second.origins) in reported_pairs:
            continue  # one finding per pair of colliding VNets (or links), not per resource
        reported_pairs.add((first.origins, second.origins))
        yield error(
            second.origins[-1],
            f"{_origin(topology, second)} derives the resource name '{second.name}', which "
            f"{_origin(topology, first)} derives too: Pulumi refuses two resources with one URN",
            "rename one of those VNets (or subnets) so that their names, joined with '-', differ",
        )
    if component_name is None:
        return
    reported: set[KeyPath] = set()
    for derived in names:
        limit = facts.NAME_LENGTH_LIMITS.get(derived.type_token)
        if limit is None or not derived.autonamed:
            continue
        length = len(derived.name) + facts.AUTONAME_SUFFIX_LENGTH
        # Names from VNets are shortened there; the stack's shared resources (workspace, action group) are named
        # after the component only.
        from_vnets = [origin for origin in derived.origins if origin[0] == "vnets"]
        path = max(from_vnets, key=lambda origin: len(_vnet_at(topology, origin).name)) if from_vnets else None
        where = path or derived.origins[0]
        if length <= limit or where in reported:
            continue
        reported.add(where)
        kind = derived.type_token.rsplit(":", 1)[-1]
        component = f"the component's name '{component_name}', for a stack its project name"
        yield error(
            where,
            f"the {kind} name '{derived.name}' plus azure-native's {facts.AUTONAME_SUFFIX_LENGTH}-character "
            f"suffix is {length} characters; Azure allows {limit} ({facts.NAMING_RULES_DOC})",
            f"shorten this VNet name (or {component}) by {length - limit} or more characters"
            if path
            else f"shorten {component}, by {length - limit} or more characters",
        )
