"""Adopting a hand-built pair or mesh: the Pulumi import file that brings existing resources under a stack, and
where each link's existing key goes in the stack config.

Pure: the stack's checked spec and a map from our resource names to Azure resource IDs in, the import file
(`pulumi import --file`, https://www.pulumi.com/docs/iac/adopting-pulumi/import/#bulk-import-operations) and the
problems out. The key is not read here: the shell reads it from Azure and sets it as the stack's secret config,
so that the program sends the key the connections already have and neither connection is rebuilt.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vnet2vnet import naming
from vnet2vnet.spec import LinkSpec, TopologySpec, link_key
from vnet2vnet.tokens import (
    CONNECTION_TYPE,
    GATEWAY_TYPE,
    PASSWORD_TYPE,
    PUBLIC_IP_TYPE,
    RESOURCE_GROUP_TYPE,
    SUBNET_TYPE,
    VNET_TYPE,
)

# The azure-native version the program's resources are registered with: imports must use the same plugin.
AZURE_NATIVE_VERSION = "3.29.0"

# What an ID of each type looks like (its last type segment), to catch a map that swaps two IDs.
_ID_SEGMENT = {
    RESOURCE_GROUP_TYPE: "resourcegroups",
    VNET_TYPE: "virtualnetworks",
    SUBNET_TYPE: "subnets",
    PUBLIC_IP_TYPE: "publicipaddresses",
    GATEWAY_TYPE: "virtualnetworkgateways",
    CONNECTION_TYPE: "connections",
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


def parse_ids(text: str) -> tuple[dict[str, str], list[str]]:
    """The `--ids` file: a JSON object from our resource names to Azure resource IDs."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return {}, [f"not JSON: {error}"]
    if not isinstance(document, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in document.items()
    ):
        return {}, ['write a JSON object of strings: {"<our resource name>": "<Azure resource ID>", ...}']
    return dict(document), []


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
    wanted = {d.name: d for d in derived if d.type_token in _ID_SEGMENT}
    for name in sorted(set(ids) - set(wanted)):
        close = difflib.get_close_matches(name, list(wanted), n=1)
        problems.append(
            f"'{name}' is not a resource of this stack" + (f"; did you mean '{close[0]}'?" if close else "")
        )
    missing = [name for name in wanted if name not in ids]
    if missing:
        problems.append(f"no ID for: {', '.join(missing)} (every resource of the stack must exist to be adopted)")
    for name, resource_id in ids.items():
        known = wanted.get(name)
        if known is None:
            continue
        segments = resource_id.strip("/").split("/")
        if len(segments) < 4 or segments[-2].lower() != _ID_SEGMENT[known.type_token]:
            problems.append(
                f"'{name}' is a {known.type_token.rsplit(':', 1)[-1]}, but {resource_id} is not one "
                f"(expected .../{_ID_SEGMENT[known.type_token]}/<name>)"
            )
    resources: list[dict[str, Any]] = [
        {"type": component_type, "name": project, "component": True},
        *(
            {"type": d.type_token, "name": d.name, "parent": d.parent, "component": True}
            for d in derived
            if d.name not in wanted
        ),
        *(
            {
                "type": d.type_token,
                "name": d.name,
                "parent": d.parent,
                "id": ids[d.name],
                "version": AZURE_NATIVE_VERSION,
            }
            for d in derived
            if d.name in wanted and d.name in ids
        ),
    ]
    keys = tuple(_link_keys(project, topology, ids))
    return Adoption({"resources": resources}, keys, tuple(problems))


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
