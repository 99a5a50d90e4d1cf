"""Adopting a hand-built pair or mesh: the Pulumi import file that brings existing resources under a stack, and
where each link's existing key goes in the stack config.

Pure: the stack's checked spec and a map from our resource names to Azure resource IDs in, the import file
(`pulumi import --file`, https://www.pulumi.com/docs/iac/adopting-pulumi/import/#bulk-import-operations) and the
problems out. The key is not read here: the shell reads it from Azure and sets it as the stack's secret config,
so that the program sends the key the connections already have and neither connection is rebuilt.

The file gives every resource the URN the program gives it: the vnet2vnet components are `component` entries,
each Azure resource hangs off its own. A child names its parent by the parent's entry `name`, which the CLI needs
unique (v3.274.1, pkg/cmd/pulumi/operations/import.go: "has an ambiguous parent"), while the program may give a
side and a link one Pulumi name (VNets `hub`, `spoke`, `hub-spoke`: both `vnet2vnet-hub-spoke`); so `logicalName`
carries the Pulumi name (what the URN is made of) and `name` only tells the entries apart. The network must exist;
monitoring resources (diagnostics and alerts) are imported when the map has their IDs, else the next `up`
creates them.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from vnet2vnet import naming
from vnet2vnet.spec import LinkSpec, TopologySpec, link_key
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

# The azure-native version the program's resources are registered with: imports must use the same plugin.
AZURE_NATIVE_VERSION = "3.29.0"

# The program's own component resources: in the import file as `component` entries, never with an ID.
_COMPONENT_TYPES = frozenset({PAIR_TYPE, MESH_TYPE, SIDE_TYPE, LINK_TYPE})
_GATEWAY_SCOPE = "<gateway ID>"


def _in_group(provider_path: str) -> str:
    return f"/subscriptions/<subscription>/resourceGroups/<group>/providers/{provider_path}"


# What an Azure resource ID of each type looks like (ARM: the PUT path of the type), to catch a map that swaps two
# IDs. The network must exist to be adopted; the monitoring resources may.
_NETWORK_SHAPES = {
    RESOURCE_GROUP_TYPE: "/subscriptions/<subscription>/resourceGroups/<name>",
    VNET_TYPE: _in_group("Microsoft.Network/virtualNetworks/<name>"),
    SUBNET_TYPE: _in_group("Microsoft.Network/virtualNetworks/<vnet>/subnets/<name>"),
    PUBLIC_IP_TYPE: _in_group("Microsoft.Network/publicIPAddresses/<name>"),
    GATEWAY_TYPE: _in_group("Microsoft.Network/virtualNetworkGateways/<name>"),
    CONNECTION_TYPE: _in_group("Microsoft.Network/connections/<name>"),
}
_MONITORING_SHAPES = {
    WORKSPACE_TYPE: _in_group("Microsoft.OperationalInsights/workspaces/<name>"),
    # An extension resource: its ID is the ID of what it attaches to (its side's gateway), then its own part.
    DIAGNOSTIC_SETTING_TYPE: f"{_GATEWAY_SCOPE}/providers/Microsoft.Insights/diagnosticSettings/<name>",
    ACTION_GROUP_TYPE: _in_group("Microsoft.Insights/actionGroups/<name>"),
    METRIC_ALERT_TYPE: _in_group("Microsoft.Insights/metricAlerts/<name>"),
    LOG_ALERT_TYPE: _in_group("Microsoft.Insights/scheduledQueryRules/<name>"),
}
_ID_SHAPES = {**_NETWORK_SHAPES, **_MONITORING_SHAPES}


def _shape_regex(shape: str) -> str:
    """An ID shape as a regular expression: `<gateway ID>` is a gateway's ID (captured as `scope`), any other
    `<...>` one segment."""
    return "".join(
        f"(?P<scope>{_shape_regex(_NETWORK_SHAPES[GATEWAY_TYPE])})"
        if part == _GATEWAY_SCOPE
        else "[^/]+"
        if part.startswith("<")
        else re.escape(part)
        for part in re.split(r"(<[^>]+>)", shape)
    )


# Provider and type segments are case-insensitive
# (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules).
_ID_PATTERNS = {
    type_token: re.compile(f"^{_shape_regex(shape)}$", re.IGNORECASE) for type_token, shape in _ID_SHAPES.items()
}

# A placeholder for "the link has its own key" while deriving names: the real key is read from Azure.
_ADOPTED_KEY = "adopted"


@dataclass(frozen=True)
class LinkKey:
    """Where a link's existing key is read (its two connections) and where it goes in the stack config."""

    link: str  # "<a>-to-<b>" of the first direction
    connection_ids: tuple[str, str]
    config_key: str  # "vnet2vnet:sharedKey" for a pair, "vnet2vnet:links[k].sharedKey" (a path) otherwise
    path: bool
    new_entry: tuple[str, str] | None  # the link's `vnets` when its `links` entry must be created


@dataclass(frozen=True)
class Adoption:
    import_file: dict[str, Any]
    keys: tuple[LinkKey, ...]
    problems: tuple[str, ...]
    created_by_up: tuple[str, ...] = ()  # resources the map gives no ID for and the next `up` creates (monitoring)


def _with_keys_given(topology: TopologySpec) -> TopologySpec:
    """The spec as it is after adoption: every link with a key of its own (no RandomPassword to import)."""
    if topology.topology == "pair":
        return dataclasses.replace(topology, shared_key=_ADOPTED_KEY)
    given = {tuple(entry.vnets) for entry in topology.links}
    links = tuple(
        dataclasses.replace(entry, shared_key=entry.shared_key or _ADOPTED_KEY) for entry in topology.links
    ) + tuple(LinkSpec(vnets=(a, b), shared_key=_ADOPTED_KEY) for a, b in topology.link_pairs() if (a, b) not in given)
    return dataclasses.replace(topology, links=links)


def adoption(project: str, component_type: str, topology: TopologySpec, ids: Mapping[str, str]) -> Adoption:
    """The import file for `ids` and where each link's key goes; problems name the resource and the fix."""
    problems: list[str] = []
    for index, vnet in enumerate(topology.vnets):
        if vnet.subscription_id or vnet.tenant_id or vnet.existing_vnet_id or vnet.existing_gateway_id:
            problems.append(
                f"vnets[{index}] ('{vnet.name}'): adopt brings in what the default provider reaches and the stack "
                "creates; remove subscriptionId/tenantId/existing* for the adopted VNets (or adopt them by hand)"
            )
    adopted = _with_keys_given(topology)
    derived = [d for d in naming.derived_names(project, component_type, adopted) if d.type_token != PASSWORD_TYPE]
    components = [d for d in derived if d.type_token in _COMPONENT_TYPES]
    azure = [d for d in derived if d.type_token not in _COMPONENT_TYPES]
    for d in azure:
        assert d.type_token in _ID_SHAPES, f"adopt has no ID shape for {d.type_token} ({d.name}): add it"
    known = {d.name: d for d in azure}
    shared = _names_shared(azure)
    problems += shared.values()
    for name in sorted(set(ids) - set(known)):
        close = difflib.get_close_matches(name, list(known), n=1)
        problems.append(
            f"'{name}' is not a resource of this stack" + (f"; did you mean '{close[0]}'?" if close else "")
        )
    missing = [d.name for d in azure if d.type_token in _NETWORK_SHAPES and d.name not in ids]
    if missing:
        problems.append(f"no ID for: {', '.join(missing)} (every resource of the stack must exist to be adopted)")
    for name, resource_id in ids.items():
        if name in known and name not in shared:
            problems += _id_problems(known[name], resource_id, ids)
    names = _entry_names([(component_type, project), *((d.type_token, d.name) for d in derived)])

    def entry(type_token: str, name: str, parent: tuple[str, str] | None) -> dict[str, Any]:
        return {
            "type": type_token,
            "name": names[type_token, name],
            "logicalName": name,
            **({"parent": names[parent]} if parent else {}),
        }

    resources: list[dict[str, Any]] = [
        {**entry(component_type, project, None), "component": True},
        *({**entry(d.type_token, d.name, (d.parent_type, d.parent)), "component": True} for d in components),
        *(
            {
                **entry(d.type_token, d.name, (d.parent_type, d.parent)),
                "id": ids[d.name],
                "version": AZURE_NATIVE_VERSION,
            }
            for d in azure
            if d.name in ids
        ),
    ]
    created_by_up = tuple(d.name for d in azure if d.type_token in _MONITORING_SHAPES and d.name not in ids)
    keys = tuple(_link_keys(project, topology, ids))
    return Adoption({"resources": resources}, keys, tuple(problems), created_by_up)


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _kind(type_token: str) -> str:
    return type_token.rsplit(":", 1)[-1]


def _names_shared(azure: Iterable[naming.DerivedName]) -> dict[str, str]:
    """Names two Azure resources of the stack share (a subnet `vnet` of VNet `a` and the VNet of VNet `a-subnet`):
    the engine takes them (two types, two URNs), an ID map cannot."""
    kinds: dict[str, list[str]] = {}
    for d in azure:
        kinds.setdefault(d.name, []).append(_kind(d.type_token))
    return {
        name: f"'{name}' names both {' and '.join(f'{_article(k)} {k}' for k in found)} of this stack: an ID map "
        "cannot tell them apart (rename a VNet or subnet, or adopt them by hand)"
        for name, found in kinds.items()
        if len(found) > 1
    }


def _id_problems(derived: naming.DerivedName, resource_id: str, ids: Mapping[str, str]) -> list[str]:
    """The ID must have the ARM shape of the resource's type; a diagnostic setting must be its gateway's."""
    kind = _kind(derived.type_token)
    match = _ID_PATTERNS[derived.type_token].match(f"/{resource_id.strip('/')}")
    if match is None:
        return [
            f"'{derived.name}' is {_article(kind)} {kind}, but {resource_id} is not one "
            f"(expected {_ID_SHAPES[derived.type_token]})"
        ]
    if derived.type_token != DIAGNOSTIC_SETTING_TYPE:
        return []
    gateway = naming.gateway_name(derived.parent)
    gateway_id = ids.get(gateway)
    if gateway_id is None or match["scope"].lower() == f"/{gateway_id.strip('/')}".lower():
        return []  # a gateway without an ID is reported as missing
    return [
        f"'{derived.name}' is the diagnostic setting of '{gateway}', but {resource_id} is not under its ID {gateway_id}"
    ]


def _entry_names(resources: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Each entry's `name` in the import file, by (type, Pulumi name): the Pulumi name, or for a Pulumi name two
    entries share, that name and the type (`vnet2vnet-hub-spoke (GatewayVnet)`), unique in the file."""
    counts = Counter(name for _, name in resources)
    taken = {name for name, count in counts.items() if count == 1}
    names: dict[tuple[str, str], str] = {}
    for type_token, name in resources:
        unique = name
        if counts[name] > 1:
            unique, again = f"{name} ({_kind(type_token)})", 2
            while unique in taken:
                unique, again = f"{name} ({_kind(type_token)} {again})", again + 1
        taken.add(unique)
        names[type_token, name] = unique
    return names


def _link_keys(project: str, topology: TopologySpec, ids: Mapping[str, str]) -> list[LinkKey]:
    keys = []
    entries = {tuple(entry.vnets): index for index, entry in enumerate(topology.links)}
    next_index = len(topology.links)
    for a, b in topology.link_pairs():
        forward = ids.get(naming.connection_name(project, a, b), "")
        backward = ids.get(naming.connection_name(project, b, a), "")
        if topology.topology == "pair":
            keys.append(LinkKey(link_key(a, b), (forward, backward), "vnet2vnet:sharedKey", False, None))
            continue
        index = entries.get((a, b))
        if index is None:
            index, next_index = next_index, next_index + 1
        keys.append(
            LinkKey(
                link_key(a, b),
                (forward, backward),
                f"vnet2vnet:links[{index}].sharedKey",
                True,
                None if (a, b) in entries else (a, b),
            )
        )
    return keys


def connection_arguments(connection_id: str) -> dict[str, str]:
    """The arguments of azure-native's getVirtualNetworkGatewayConnectionSharedKey for a connection ID."""
    segments = connection_id.strip("/").split("/")
    group = segments[3] if len(segments) > 3 and segments[2].lower() == "resourcegroups" else ""
    return {"resourceGroupName": group, "virtualNetworkGatewayConnectionName": segments[-1]}
