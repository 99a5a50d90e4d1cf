"""The topology: its kind, hub and VNet names, the `links` entries, and where each VNet comes from. Pure: spec in,
findings out."""

from __future__ import annotations

import re
from collections.abc import Iterator

from vnet2vnet.existing import (
    GATEWAY_ID,
    GATEWAY_ID_EXAMPLE,
    VNET_ID,
    VNET_ID_EXAMPLE,
    parse_id,
)
from vnet2vnet.findings import Finding, KeyPath, camel_case, error, warning
from vnet2vnet.network import ResolvedNetwork
from vnet2vnet.topology import TOPOLOGIES

# Our own naming policy for a VNet's short name: it becomes part of every Azure resource name of that side
# (`<pair>-<vnet>-vnet<8 chars>` must stay within Azure's 64-character VNet name limit).
VNET_NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,22}[A-Za-z0-9]$|^[A-Za-z]$")


def check_topology(network: ResolvedNetwork) -> Iterator[Finding]:
    topology = network.spec
    kind, count, names = topology.topology, len(topology.vnets), topology.vnet_names()
    if kind not in TOPOLOGIES:
        yield error(("topology",), f"'{kind}' is not a topology", "use pair, mesh or hub-and-spoke")
    elif kind == "pair" and count != 2:
        yield error(
            ("vnets",),
            f"a pair connects exactly two VNets, got {count}",
            "list exactly two VNets, or set topology to mesh or hub-and-spoke to connect more",
        )
    elif kind != "pair" and count < 2:
        yield error(("vnets",), f"a {kind} needs two or more VNets, got {count}", "list two or more VNets")
    if kind == "hub-and-spoke":
        if topology.hub is None:
            yield error(("hub",), "hub-and-spoke needs a hub", f"set hub to one of: {', '.join(names)}")
        elif topology.hub not in names:
            yield error(("hub",), f"'{topology.hub}' is not one of the VNets", f"use one of: {', '.join(names)}")
    elif topology.hub is not None:
        yield warning(("hub",), f"hub is used only by hub-and-spoke; the topology is {kind}", "remove hub")
    if kind in ("mesh", "hub-and-spoke") and topology.shared_key is not None:
        yield error(
            ("shared_key",),
            f"a bring-your-own key cannot serve a {kind}: every link gets its own key, never shared across links",
            "remove sharedKey: a key is generated for each link, or give a link its own in links[i].sharedKey",
        )
    seen: dict[str, int] = {}
    for i, vnet in enumerate(topology.vnets):
        path: KeyPath = ("vnets", i, "name")
        if not VNET_NAME_PATTERN.match(vnet.name):
            yield error(
                path,
                f"'{vnet.name}' is not a valid short name",
                "use 1-24 letters, digits and hyphens, starting with a letter and not ending with a hyphen",
            )
        if vnet.name.lower() in seen:
            yield error(
                path, f"VNet name '{vnet.name}' is also vnets[{seen[vnet.name.lower()]}]", "give each VNet its own name"
            )
        seen.setdefault(vnet.name.lower(), i)


def check_links(network: ResolvedNetwork) -> Iterator[Finding]:
    """`links` entries override settings of links the topology has: one entry per link, written in the topology's
    order (the override applies to both connections of the link, so there is no per-direction entry)."""
    topology = network.spec
    names = set(topology.vnet_names())
    pairs = topology.link_pairs()
    known = set(pairs)
    seen: dict[tuple[str, ...], int] = {}
    if topology.topology == "pair" and len(topology.links) > 1:
        yield error(("links",), f"a pair has one link, got {len(topology.links)} entries", "keep one entry")
    for k, entry in enumerate(topology.links):
        path: KeyPath = ("links", k, "vnets")
        ends = tuple(entry.vnets)
        if len(ends) != 2:
            yield error(
                path,
                f"a link joins two VNets, got {len(ends)}",
                f"write e.g. {list(pairs[0]) if pairs else ['a', 'b']}",
            )
            continue
        unknown = [name for name in ends if name not in names]
        if unknown:
            yield error(
                path,
                f"{', '.join(repr(n) for n in unknown)} is not one of the VNets",
                f"use names from vnets: {', '.join(sorted(names))}",
            )
            continue
        if ends not in known:
            reversed_ends = (ends[1], ends[0])
            if reversed_ends in known:
                yield error(
                    path,
                    f"the link is written {list(reversed_ends)} in this topology, not {list(ends)}",
                    f"write vnets: {list(reversed_ends)} (one entry covers both directions)",
                )
            else:
                yield error(
                    path,
                    f"{list(ends)} is not a link of this {topology.topology}",
                    "override only links the topology has: " + ", ".join(str(list(pair)) for pair in pairs),
                )
            continue
        if ends in seen:
            yield error(path, f"the link {list(ends)} is also links[{seen[ends]}]", "merge the two entries")
        seen.setdefault(ends, k)
        if entry.connection is None and entry.shared_key is None:
            yield warning(("links", k), "the entry overrides nothing", "add connection or sharedKey, or remove it")
    for a, b in pairs:
        if topology.vnet(a).pending or topology.vnet(b).pending:
            continue
        bgp = [network.side(name).gateway.enable_bgp for name in (a, b)]
        if bgp[0] != bgp[1]:
            off = b if bgp[0] else a
            index = topology.vnet_names().index(off)
            yield warning(
                ("vnets", index, "gateway"),
                f"BGP is off on VNet '{off}''s gateway but on at the other end: their link runs without BGP",
                f"enable BGP on VNet '{off}' too (gateway.enableBgp and a bgpAsn), or accept static routing there",
            )


def check_vnet_sources(network: ResolvedNetwork) -> Iterator[Finding]:
    """A new VNet needs its location, address spaces and GatewaySubnet prefix; an existing one is named by a
    well-formed resource ID (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules)."""
    topology = network.spec
    for i, vnet in enumerate(topology.vnets):
        for key, pattern, example in (
            ("existing_vnet_id", VNET_ID, VNET_ID_EXAMPLE),
            ("existing_gateway_id", GATEWAY_ID, GATEWAY_ID_EXAMPLE),
        ):
            value = getattr(vnet, key)
            if value is not None and parse_id(value, pattern) is None:
                yield error(("vnets", i, key), f"'{value}' is not a resource ID of that kind", f"write {example}")
            arm = parse_id(value, pattern) if value is not None else None
            if arm is not None and vnet.subscription_id and arm.subscription.lower() != vnet.subscription_id.lower():
                yield error(
                    ("vnets", i, key),
                    f"is in subscription {arm.subscription}, but this VNet's subscriptionId is {vnet.subscription_id}",
                    "set subscriptionId to the resource's subscription, or remove it",
                )
        if vnet.creates_vnet:
            for key in ("location", "address_spaces", "gateway_subnet_prefix"):
                if getattr(vnet, key) is None:
                    yield error(
                        ("vnets", i, key),
                        f"is required for a new VNet ('{vnet.name}')",
                        f"set vnets[{i}].{camel_case(key)}, or existingVnetId to use a VNet that exists",
                    )
        elif vnet.resource_group_name is not None and vnet.existing_vnet_id is not None:
            pass  # checked against the VNet's ID once read (existing.complete)
        if vnet.existing_connections and vnet.creates_gateway:
            yield warning(
                ("vnets", i, "existing_connections"),
                "counts connections of an existing gateway, but this VNet's gateway is created here",
                "remove it, or set existingGatewayId",
            )
        if vnet.existing_connections < 0:
            yield error(("vnets", i, "existing_connections"), "cannot be negative", "count the gateway's connections")
