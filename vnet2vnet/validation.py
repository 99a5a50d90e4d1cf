"""Azure's rules, checked over the parsed spec before anything is deployed. Pure: spec in, findings out.

Each rule is a function from the topology to findings; each carries the document it enforces (the facts file,
../shared/reference/azure-vpn-facts.md, has the quotes). Values that are still Pulumi Outputs (component args)
are skipped here and checked once they resolve (`checks.py`).
"""

from __future__ import annotations

import dataclasses
import difflib
import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from vnet2vnet import azure_facts as facts
from vnet2vnet import naming
from vnet2vnet.existing import (
    ACTION_GROUP_ID,
    ACTION_GROUP_ID_EXAMPLE,
    GATEWAY_ID,
    GATEWAY_ID_EXAMPLE,
    VNET_ID,
    VNET_ID_EXAMPLE,
    WORKSPACE_ID,
    WORKSPACE_ID_EXAMPLE,
    parse_id,
    sku_facts,
)
from vnet2vnet.findings import Finding, KeyPath, MapKey, camel_case, error, errors_in, render_path, warning
from vnet2vnet.spec import ConnectionSpec, GatewaySpec, TopologySpec, VnetSpec, link_key, managed_tags
from vnet2vnet.topology import TOPOLOGIES, tunnels_per_vnet

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Our own naming policy for a VNet's short name: it becomes part of every Azure resource name of that side
# (`<pair>-<vnet>-vnet<8 chars>` must stay within Azure's 64-character VNet name limit).
VNET_NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,22}[A-Za-z0-9]$|^[A-Za-z]$")


# ---------------------------------------------------------------------------------------------- address plan


@dataclass(frozen=True)
class ParsedPrefix:
    network: Network | None
    finding: Finding | None


def parse_prefix(text: str, path: KeyPath) -> ParsedPrefix:
    """A CIDR prefix, canonical (no host bits): `10.20.0.1/16` is refused with `10.20.0.0/16` as the fix."""
    if "/" not in text:
        return ParsedPrefix(
            None, error(path, f"'{text}' is not a CIDR prefix", f"write it with its length, e.g. {text}/24")
        )
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return ParsedPrefix(None, error(path, f"'{text}' is not a valid CIDR prefix", "write e.g. 10.10.0.0/16"))
    if str(network) != text:
        return ParsedPrefix(
            network,
            error(path, f"'{text}' has host bits set (or is not written canonically)", f"use '{network}'"),
        )
    return ParsedPrefix(network, None)


def overlapping_pairs(networks: list[tuple[KeyPath, Network]]) -> Iterator[tuple[KeyPath, KeyPath, Network, Network]]:
    """Every pair of prefixes that share an address, in input order."""
    for index, (path_a, net_a) in enumerate(networks):
        for path_b, net_b in networks[index + 1 :]:
            if net_a.version == net_b.version and net_a.overlaps(net_b):
                yield path_a, path_b, net_a, net_b


def _inside_any(network: Network, spaces: list[Network]) -> bool:
    return any(network.version == space.version and network.subnet_of(space) for space in spaces)  # type: ignore[arg-type]


@dataclass
class _VnetPlan:
    """The prefixes of one VNet that parsed, with their key paths."""

    spaces: list[tuple[KeyPath, Network]]
    gateway_subnet: tuple[KeyPath, Network] | None
    subnets: list[tuple[KeyPath, Network]]


def _vnet_plan(index: int, vnet: VnetSpec, findings: list[Finding]) -> _VnetPlan:
    def parsed(value: Any, path: KeyPath) -> Network | None:
        if not isinstance(value, str):
            return None  # an Output: checked once it resolves
        result = parse_prefix(value, path)
        if result.finding:
            findings.append(result.finding)
            return None
        return result.network

    spaces: list[tuple[KeyPath, Network]] = []
    if isinstance(vnet.address_spaces, (list, tuple)):
        for j, text in enumerate(vnet.address_spaces):
            network = parsed(text, ("vnets", index, "address_spaces", j))
            if network is not None:
                spaces.append((("vnets", index, "address_spaces", j), network))
    gateway_path: KeyPath = ("vnets", index, "gateway_subnet_prefix")
    gateway_network = parsed(vnet.gateway_subnet_prefix, gateway_path)
    subnets: list[tuple[KeyPath, Network]] = []
    for k, subnet in enumerate(vnet.subnets):
        network = parsed(subnet.prefix, ("vnets", index, "subnets", k, "prefix"))
        if network is not None:
            subnets.append((("vnets", index, "subnets", k, "prefix"), network))
    return _VnetPlan(spaces, (gateway_path, gateway_network) if gateway_network else None, subnets)


def check_address_plan(topology: TopologySpec) -> Iterator[Finding]:
    findings: list[Finding] = []
    plans = [_vnet_plan(i, vnet, findings) for i, vnet in enumerate(topology.vnets)]
    yield from findings
    for i, (vnet, plan) in enumerate(zip(topology.vnets, plans, strict=True)):
        if isinstance(vnet.address_spaces, (list, tuple)) and not vnet.address_spaces:
            yield error(
                ("vnets", i, "address_spaces"), "a VNet needs at least one address space", 'add e.g. ["10.10.0.0/16"]'
            )
        elif plan.spaces and all(network.version == 6 for _, network in plan.spaces):
            # A VPN gateway needs IPv4: IPv6 in a VNet is dual-stack only (ipv6-overview).
            yield error(
                ("vnets", i, "address_spaces"),
                "the VNet has only IPv6 address spaces; Azure VNets and VPN gateways need an IPv4 space "
                "(IPv6 is dual-stack only)",
                'add an IPv4 space, e.g. ["10.10.0.0/16"]',
            )
        yield from _check_space_ranges(plan.spaces)
        for _, path_b, net_a, net_b in overlapping_pairs(plan.spaces):
            yield error(path_b, f"{net_b} overlaps {net_a} of the same VNet", "merge them or pick a disjoint range")
        yield from _check_gateway_subnet(topology, i, plan)
        yield from _check_workload_subnets(vnet, i, plan)
    # Connected VNets must not overlap (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq: "Can I have
    # overlapping address spaces for VNet-to-VNet? No."). Two spokes are not linked to each other, but both are to
    # the hub, whose gateway would then route one range to two VNets.
    linked = {frozenset(pair) for pair in topology.link_pairs()}
    for i, plan_a in enumerate(plans):
        for j in range(i + 1, len(plans)):
            for _, net_a in plan_a.spaces:
                for path_b, net_b in plans[j].spaces:
                    if net_a.version == net_b.version and net_a.overlaps(net_b):
                        yield error(
                            path_b,
                            f"{net_b} of VNet '{topology.vnets[j].name}' overlaps {net_a} of VNet "
                            f"'{topology.vnets[i].name}' (vnets[{i}]); " + _why_no_overlap(topology, linked, i, j),
                            "give each VNet its own disjoint address space",
                        )


def _why_no_overlap(topology: TopologySpec, linked: set[frozenset[str]], i: int, j: int) -> str:
    names = (topology.vnets[i].name, topology.vnets[j].name)
    if frozenset(names) in linked:
        return "connected VNets must not overlap"
    shared = [vnet.name for vnet in topology.vnets if {frozenset((vnet.name, n)) for n in names} <= linked]
    if shared:
        return f"both are linked to '{shared[0]}', whose gateway would route one range to two VNets"
    return "VNets of one network must not overlap"


def _check_space_ranges(spaces: list[tuple[KeyPath, Network]]) -> Iterator[Finding]:
    # Ranges Azure refuses in a VNet, and the recommended private ranges (virtual network FAQ).
    for path, network in spaces:
        if network.version != 4:
            continue
        forbidden = [r for r in facts.VNET_FORBIDDEN_RANGES if network.overlaps(r)]
        if forbidden:
            yield error(
                path, f"{network} overlaps {forbidden[0]}, which Azure refuses in a VNet", "use an RFC 1918 range"
            )
        elif not any(network.subnet_of(r) for r in facts.VNET_RECOMMENDED_RANGES):  # type: ignore[arg-type]
            yield warning(
                path,
                f"{network} is outside RFC 1918 and RFC 6598 (100.64.0.0/10): public ranges in a VNet are not routed "
                "to the internet and may clash with real addresses",
                "prefer 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10",
            )


def _check_gateway_subnet(topology: TopologySpec, index: int, plan: _VnetPlan) -> Iterator[Finding]:
    if plan.gateway_subnet is None:
        return
    path, network = plan.gateway_subnet
    if network.version != 4:
        yield error(
            path,
            f"{network} is IPv6; the GatewaySubnet prefix must be IPv4 (a VPN gateway's IP configurations are IPv4)",
            "use an IPv4 prefix inside the VNet, e.g. its last /27",
        )
        return
    spaces = [n for _, n in plan.spaces]
    if spaces and not _inside_any(network, spaces):
        yield error(
            path,
            f"{network} is not inside the VNet's address spaces ({', '.join(map(str, spaces))})",
            "pick a prefix inside them, e.g. the last /27 of the first address space",
        )
    # /27 or larger for every SKU but Basic, /29 for Basic
    # (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-gateway-settings, "Gateway subnet").
    vnet = topology.vnets[index]
    if not vnet.creates_gateway:
        return  # the gateway exists: its subnet already serves it
    gateway_sku = topology.gateway_for(vnet).sku
    sku = facts.GATEWAY_SKUS.get(gateway_sku)
    largest_length = sku.min_gateway_subnet_prefix if sku else 27
    if network.version == 4 and network.prefixlen > largest_length:
        yield error(
            path,
            f"/{network.prefixlen} is too small for a {gateway_sku} gateway: GatewaySubnet must be "
            f"/{largest_length} or larger",
            f"use a /{largest_length} (or larger), e.g. {network.supernet(new_prefix=largest_length)}",
        )


def _check_workload_subnets(vnet: VnetSpec, index: int, plan: _VnetPlan) -> Iterator[Finding]:
    seen: dict[str, int] = {}
    for k, subnet in enumerate(vnet.subnets):
        name_path: KeyPath = ("vnets", index, "subnets", k, "name")
        if subnet.name.lower() == facts.GATEWAY_SUBNET_NAME.lower():
            yield error(
                name_path, "GatewaySubnet is created by the program", "remove it; set gatewaySubnetPrefix instead"
            )
        elif subnet.name.lower() in seen:
            yield error(name_path, f"subnet name '{subnet.name}' is used twice", "give every subnet its own name")
        seen.setdefault(subnet.name.lower(), k)
    spaces = [n for _, n in plan.spaces]
    for path, network in plan.subnets:
        if network.version == 6:
            yield _ipv6_subnet(path, network, spaces)
            continue  # whatever else is wrong with it, the fix is an IPv4 prefix
        if spaces and not _inside_any(network, spaces):
            yield error(path, f"{network} is not inside the VNet's address spaces", "pick a prefix inside them")
        smallest = facts.SMALLEST_SUBNET_PREFIX_LENGTH
        if network.version == 4 and network.prefixlen > smallest:
            yield error(
                path,
                f"/{network.prefixlen} is smaller than Azure's smallest IPv4 subnet, /{smallest} (VNet FAQ)",
                f"use a /{smallest} or larger, e.g. {network.supernet(new_prefix=smallest)}",
            )
    with_gateway = ([plan.gateway_subnet] if plan.gateway_subnet else []) + [
        s for s in plan.subnets if s[1].version == 4
    ]
    for path_a, path_b, net_a, net_b in overlapping_pairs(with_gateway):
        other = "the GatewaySubnet" if path_a[-1] == "gateway_subnet_prefix" else f"subnets[{path_a[-2]}]"
        yield error(path_b, f"{net_b} overlaps {other} ({net_a})", "give every subnet a disjoint prefix")


def _ipv6_subnet(path: KeyPath, network: Network, spaces: list[Network]) -> Finding:
    """A subnet here has one prefix, so an IPv6 one is a subnet without IPv4, which Azure refuses: IPv6 in a VNet is
    dual-stack only, and IPv6 subnets are exactly /64
    (https://learn.microsoft.com/azure/virtual-network/ip-services/ipv6-overview, azure_facts.IPV6_DOC)."""
    size = facts.IPV6_SUBNET_PREFIX_LENGTH
    length = "" if network.prefixlen == size else f": this one is /{network.prefixlen}"
    ipv4 = [space for space in spaces if space.version == 4]
    inside = f"inside {', '.join(map(str, ipv4))}" if ipv4 else "inside an IPv4 address space of the VNet"
    return error(
        path,
        f"{network} is IPv6: Azure needs an IPv4 prefix in every subnet (IPv6 is dual-stack only, beside an IPv4 "
        f"prefix, and a subnet here takes one prefix), and IPv6 subnets are exactly /{size}{length} "
        f"({facts.IPV6_DOC})",
        f"use an IPv4 prefix {inside} instead",
    )


# ------------------------------------------------------------------------------------------ topology and names


def check_topology(topology: TopologySpec) -> Iterator[Finding]:
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


def check_links(topology: TopologySpec) -> Iterator[Finding]:
    """`links` entries override settings of links the topology has: one entry per link, written in the topology's
    order (the override applies to both connections of the link, so there is no per-direction entry)."""
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
        bgp = [topology.gateway_for(topology.vnet(name)).enable_bgp for name in (a, b)]
        if bgp[0] != bgp[1]:
            off = b if bgp[0] else a
            index = topology.vnet_names().index(off)
            yield warning(
                ("vnets", index, "gateway"),
                f"BGP is off on VNet '{off}''s gateway but on at the other end: their link runs without BGP",
                f"enable BGP on VNet '{off}' too (gateway.enableBgp and a bgpAsn), or accept static routing there",
            )


def check_vnet_sources(topology: TopologySpec) -> Iterator[Finding]:
    """A new VNet needs its location, address spaces and GatewaySubnet prefix; an existing one is named by a
    well-formed resource ID (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules)."""
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


# How close an unknown name must be to a known region to be taken for a typo of it (difflib ratio).
NEAR_MISS_RATIO = 0.8


def _near_misses(location: str) -> list[str]:
    """Known regions the user probably meant: the same letters and digits (`East US`, `east-us`), or a close
    spelling (`westeurop`)."""
    squashed = re.sub(r"[^a-z0-9]", "", location.lower())
    if squashed in facts.KNOWN_REGIONS:
        return [squashed]
    return difflib.get_close_matches(squashed, sorted(facts.KNOWN_REGIONS), n=3, cutoff=NEAR_MISS_RATIO)


def check_locations(topology: TopologySpec) -> Iterator[Finding]:
    # Programmatic region names (regions-list.md). The list goes stale as Azure opens regions: a near miss of a
    # known region is an error (a typo costs a failed deployment), any other unknown name only a warning.
    for i, vnet in enumerate(topology.vnets):
        if not isinstance(vnet.location, str) or vnet.location in facts.KNOWN_REGIONS:
            continue
        path: KeyPath = ("vnets", i, "location")
        closest = _near_misses(vnet.location)
        if closest:
            yield error(
                path,
                f"'{vnet.location}' is not an Azure region; did you mean {' or '.join(repr(c) for c in closest)}?",
                f"use '{closest[0]}'",
            )
        else:
            yield warning(
                path,
                f"'{vnet.location}' is not in this program's list of Azure regions (as of {facts.REGIONS_AS_OF}); "
                "if Azure has it, it is newer than the list: its zones are unknown here, so none are sent and "
                "the gateway stays regional",
                "check the name with `az account list-locations -o table`",
            )


# --------------------------------------------------------------------------------------------------- gateway


@dataclass(frozen=True)
class _GatewayScope:
    """Gateway settings checked together: the shared block, or one VNet's own block over it. A key's finding goes
    where the user set it: `vnets[i].gateway.<key>` when that VNet sets it, else `gateway.<key>`."""

    gateway: GatewaySpec
    vnet_index: int | None = None  # None: the shared block
    vnet: VnetSpec | None = None

    def path(self, key: str, *rest: str | int) -> KeyPath:
        if self.vnet is not None and self.vnet.gateway is not None and self.vnet.gateway.sets(key):
            return ("vnets", self.vnet_index or 0, "gateway", key, *rest)
        return ("gateway", key, *rest)

    @property
    def label(self) -> str:
        return f"VNet '{self.vnet.name}': " if self.vnet is not None else ""


def _gateway_scopes(topology: TopologySpec) -> Iterator[_GatewayScope]:
    """The shared block, then each VNet whose gateway differs from it and is created here (an existing gateway is
    read from Azure and not changed: creation rules do not apply to it)."""
    yield _GatewayScope(topology.gateway)
    for i, vnet in enumerate(topology.vnets):
        if vnet.gateway is not None and vnet.creates_gateway:
            yield _GatewayScope(topology.gateway_for(vnet), i, vnet)


def _scoped(shared: list[Finding], scope: _GatewayScope, found: Iterable[Finding]) -> Iterator[Finding]:
    """A VNet scope's findings, less those the shared block already reports; one about a key the VNet does not
    set names the VNet."""
    seen = {(f.path, f.message) for f in shared}
    for finding in found:
        if (finding.path, finding.message) in seen:
            continue
        if finding.path[:1] == ("gateway",) and scope.vnet is not None:
            yield dataclasses.replace(finding, message=scope.label + finding.message)
        else:
            yield finding


def check_gateway(topology: TopologySpec) -> Iterator[Finding]:
    shared: list[Finding] = []
    for scope in _gateway_scopes(topology):
        found = list(_check_gateway_settings(scope))
        if scope.vnet is None:
            shared = found
            yield from found
        else:
            yield from _scoped(shared, scope, found)
    yield from _check_zone_regions(topology)


def _check_gateway_settings(scope: _GatewayScope) -> Iterator[Finding]:
    gateway = scope.gateway
    sku = facts.GATEWAY_SKUS.get(gateway.sku)
    valid = ", ".join(facts.GATEWAY_SKUS)
    if gateway.sku in facts.RETIRED_NON_AZ_SKUS:
        replacement = facts.RETIRED_NON_AZ_SKUS[gateway.sku]
        yield error(
            scope.path("sku"),
            f"{gateway.sku} is a non-AZ SKU: creating new ones has been blocked since {facts.NON_AZ_CREATION_BLOCKED}, "
            f"and the SKU was retired on {facts.NON_AZ_RETIRED}",
            f"use {replacement} (same tier, zone-redundant, priced the same since Jan 2025)",
        )
    elif sku is None:
        close = difflib.get_close_matches(gateway.sku, list(facts.GATEWAY_SKUS), n=1, cutoff=0.6)
        legacy = " (a legacy SKU whose creation Azure blocks)" if gateway.sku in facts.LEGACY_SKUS else ""
        yield error(
            scope.path("sku"),
            f"'{gateway.sku}' is not a VPN gateway SKU you can create{legacy}",
            (f"did you mean '{close[0]}'? " if close else "") + f"valid SKUs: {valid}",
        )
    if gateway.generation is not None and gateway.generation not in (facts.GENERATION1, facts.GENERATION2):
        yield error(
            scope.path("generation"), f"'{gateway.generation}' is not a generation", "use Generation1 or Generation2"
        )
    elif sku is not None and gateway.effective_generation not in sku.generations:
        yield error(
            scope.path("generation"),
            f"{sku.name} is available only as {' or '.join(sku.generations)}, not {gateway.effective_generation}",
            f"set generation to {sku.default_generation} (or leave it out)",
        )
    if sku is not None:
        yield from _check_sku_features(scope, sku)
    yield from _check_zones(scope, sku)


def _check_sku_features(scope: _GatewayScope, sku: facts.GatewaySku) -> Iterator[Finding]:
    """What the SKU table says the SKU cannot do (azure_facts.GATEWAY_SKUS, from
    https://learn.microsoft.com/azure/vpn-gateway/about-gateway-skus and the VPN Gateway FAQ)."""
    fix = f"use {facts.DEFAULT_GATEWAY_SKU} or larger"
    if not sku.for_production:
        yield warning(
            scope.path("sku"), f"{sku.name} is for dev/test: no BGP, no active-active, no SLA-grade features", fix
        )
    if scope.gateway.active_active and not sku.supports_active_active:
        yield error(scope.path("active_active"), f"{sku.name} gateways cannot be active-active", fix)
    if scope.gateway.enable_bgp and not sku.supports_bgp:
        yield error(scope.path("enable_bgp"), f"{sku.name} gateways do not support BGP", fix)


def _check_zones(scope: _GatewayScope, sku: facts.GatewaySku | None) -> Iterator[Finding]:
    zones = scope.gateway.zones
    if not zones:
        return
    for k, zone in enumerate(zones):
        if zone not in facts.AVAILABILITY_ZONES:
            yield error(scope.path("zones", k), f"'{zone}' is not an availability zone", 'use "1", "2" and/or "3"')
    distinct = sorted(set(zones))
    if any(zone not in facts.AVAILABILITY_ZONES for zone in zones):
        pass  # reported above, zone by zone
    elif len(distinct) != len(zones):
        yield error(scope.path("zones"), "a zone is listed twice", f"list each zone once: {distinct}")
    elif 1 < len(distinct) < len(facts.AVAILABILITY_ZONES):
        # A public IP is zonal (one zone) or zone-redundant (every zone of the region): Azure creates a two-zone
        # request in all three, and the next refresh wants a replacement (hashicorp/terraform-provider-azurerm
        # #16470; public-ip-addresses "Availability zone").
        yield error(
            scope.path("zones"),
            f"{len(distinct)} zones: a public IP is in one zone or in all of the region's zones "
            f"({', '.join(facts.AVAILABILITY_ZONES)})",
            'use ["1", "2", "3"] (zone-redundant, the default) or a single zone',
        )
    if sku is not None and not sku.zone_redundant:
        yield warning(scope.path("zones"), f"{sku.name} gateways are not zone-redundant", "use an AZ SKU or drop zones")


def _check_zone_regions(topology: TopologySpec) -> Iterator[Finding]:
    zoned = topology.gateway.zones or any(
        vnet.gateway is not None and vnet.gateway.sets("zones") and vnet.gateway.values["zones"]
        for vnet in topology.vnets
    )
    if not zoned:
        return
    for i, vnet in enumerate(topology.vnets):
        if not vnet.creates_gateway or not topology.gateway_for(vnet).zones:
            continue
        if isinstance(vnet.location, str) and vnet.location in facts.PREVIEW_ZONE_REGIONS:
            yield warning(
                ("vnets", i, "location"),
                f"{vnet.location}'s availability zones are in preview (no SLA): zones are not sent for VNet "
                f"'{vnet.name}', its gateway stays regional (a public IP's zones cannot be changed later)",
                "nothing to do, or pick a region with generally available zones for zone redundancy",
            )
        elif isinstance(vnet.location, str) and vnet.location in facts.NON_AZ_REGIONS:
            yield warning(
                ("vnets", i, "location"),
                f"{vnet.location} has no availability zones: zones are not sent for VNet '{vnet.name}', its gateway "
                "stays regional",
                "nothing to do, or pick a region with zones for zone redundancy",
            )


# ------------------------------------------------------------------------------------------------------- BGP


def _asn_reservation(asn: int) -> str | None:
    if asn in facts.ASN_RESERVED_BY_AZURE:
        return "reserved by Azure"
    if any(low <= asn <= high for low, high in facts.ASN_RESERVED_BY_IANA_RANGES):
        return "reserved by IANA"
    return None


def check_bgp(topology: TopologySpec) -> Iterator[Finding]:
    # ASN rules: https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq#bgp.
    owners: dict[int, int] = {}
    for i, vnet in enumerate(topology.vnets):
        if vnet.pending:
            continue  # its gateway's BGP and ASN come from Azure
        enabled = topology.gateway_for(vnet).enable_bgp
        path: KeyPath = ("vnets", i, "bgp_asn")
        if vnet.bgp_asn is None:
            if enabled:
                yield error(
                    path,
                    f"BGP is enabled but VNet '{vnet.name}' has no ASN; Azure would give every gateway "
                    f"{facts.AZURE_DEFAULT_ASN}",
                    "set a distinct private ASN per VNet, e.g. 65010 and 65020",
                )
            continue
        if not enabled:
            yield warning(
                path, "bgpAsn is set but BGP is not enabled: it has no effect", "enable gateway.enableBgp or remove it"
            )
        if not facts.ASN_MIN <= vnet.bgp_asn <= facts.ASN_MAX:
            yield error(
                path, f"ASN {vnet.bgp_asn} is outside {facts.ASN_MIN}..{facts.ASN_MAX}", "use e.g. 64512..65514"
            )
            continue
        reservation = _asn_reservation(vnet.bgp_asn)
        if reservation:
            yield error(
                path, f"ASN {vnet.bgp_asn} is {reservation}", "use a private ASN in 64512..65514 or 65521..65534"
            )
        if vnet.bgp_asn in owners:
            other = owners[vnet.bgp_asn]
            linked = {frozenset(pair) for pair in topology.link_pairs()}
            why = (
                "connected gateways peer over eBGP and need different ASNs"
                if frozenset((topology.vnets[other].name, vnet.name)) in linked
                # Not linked to each other: their routes reach each other through the gateways between them, and
                # a BGP speaker drops a route whose AS path holds its own ASN (eBGP loop prevention).
                else "their routes pass through the linked gateways between them, and a gateway drops routes whose "
                "AS path holds its own ASN"
            )
            yield error(path, f"ASN {vnet.bgp_asn} is also vnets[{other}]'s: {why}", "give each VNet its own ASN")
        owners.setdefault(vnet.bgp_asn, i)


# ------------------------------------------------------------------------------------------------ connection


@dataclass(frozen=True)
class _ConnectionScope:
    """Connection settings checked together: the shared block, or one `links` entry's own block over it."""

    connection: ConnectionSpec
    link_index: int | None = None  # None: the shared block
    sets: frozenset[str] = frozenset()

    def path(self, key: str, *rest: str | int) -> KeyPath:
        if self.link_index is not None and key in self.sets:
            return ("links", self.link_index, "connection", key, *rest)
        return ("connection", key, *rest)


def _connection_scopes(topology: TopologySpec) -> Iterator[_ConnectionScope]:
    yield _ConnectionScope(topology.connection)
    for k, entry in enumerate(topology.links):
        if entry.connection is not None:
            yield _ConnectionScope(entry.connection.over(topology.connection), k, frozenset(entry.connection.values))


def check_connection(topology: TopologySpec) -> Iterator[Finding]:
    refused = list(_check_link_skus(topology))
    # Where a gateway refuses the setting outright, the general warning about it would only repeat the point.
    refused_paths = {finding.path for finding in refused}
    shared: set[tuple[KeyPath, str]] = set()
    for scope in _connection_scopes(topology):
        found = [
            finding
            for finding in (*_check_connection_settings(scope), *_check_ipsec_policy(scope))
            if not (finding.severity == "warning" and finding.path in refused_paths)
        ]
        if scope.link_index is None:
            shared = {(f.path, f.message) for f in found}
            yield from found
        else:
            yield from (f for f in found if (f.path, f.message) not in shared)
    yield from check_shared_key(topology.shared_key, ("shared_key",))
    for k, entry in enumerate(topology.links):
        yield from check_shared_key(entry.shared_key, ("links", k, "shared_key"))
    yield from refused


def _check_connection_settings(scope: _ConnectionScope) -> Iterator[Finding]:
    connection = scope.connection
    low, high = facts.DPD_TIMEOUT_RANGE
    if connection.dpd_timeout_seconds is not None and not low <= connection.dpd_timeout_seconds <= high:
        yield error(
            scope.path("dpd_timeout_seconds"),
            f"{connection.dpd_timeout_seconds} is outside {low}..{high} seconds",
            "use 30..45 (Azure recommends it; default 45)",
        )
    protocol = connection.connection_protocol
    if protocol is not None:
        path = scope.path("connection_protocol")
        if protocol not in facts.CONNECTION_PROTOCOLS:
            yield error(path, f"'{protocol}' is not a connection protocol", "use IKEv2 (or IKEv1)")
        elif protocol == "IKEv1":
            # The API accepts IKEv1 on any connection, but the VPN Gateway FAQ
            # (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq) describes VNet-to-VNet as
            # IPsec over IKEv2, and the protocol cannot be changed after creation (a change replaces both
            # connections). Gateways whose SKU takes no IKEv1 are refused per link (_check_link_skus).
            yield warning(
                path,
                "IKEv1 is legacy and not documented for VNet-to-VNet (Azure describes it as IKEv2); it cannot "
                "be changed later without replacing both connections",
                "use IKEv2",
            )
    length = connection.shared_key_length
    if not facts.GENERATED_PSK_MIN_LENGTH <= length <= facts.PSK_MAX_LENGTH:
        yield error(
            scope.path("shared_key_length"),
            f"{length} is outside {facts.GENERATED_PSK_MIN_LENGTH}..{facts.PSK_MAX_LENGTH}",
            f"use {facts.GENERATED_PSK_DEFAULT_LENGTH}",
        )
    if connection.shared_key_version is not None and connection.shared_key_version < 1:
        yield error(scope.path("shared_key_version"), "the key version must be 1 or more", "start at 1 and count up")
    if connection.max_key_age_days < 1:
        yield error(scope.path("max_key_age_days"), "must be 1 or more days", "use e.g. 180 (the default)")


def _check_link_skus(topology: TopologySpec) -> Iterator[Finding]:
    """What each link's connection settings ask of both its gateways' SKUs (SKU table; VPN Gateway FAQ)."""
    reported: set[tuple[KeyPath, str]] = set()
    scopes = {scope.link_index: scope for scope in _connection_scopes(topology)}
    link_index = {tuple(entry.vnets): k for k, entry in enumerate(topology.links)}
    for a, b in topology.link_pairs():
        connection = topology.connection_for(a, b)
        scope = scopes.get(link_index.get((a, b))) or scopes[None]
        for name in (a, b):
            vnet = topology.vnet(name)
            sku = sku_facts(topology.gateway_for(vnet).sku)
            if sku is None or vnet.pending:
                continue
            # A SKU from the shared block is named alone (one finding for all); a VNet's own, with the VNet.
            shared_sku = _sku_path(vnet, topology.vnet_names().index(name)) == ("gateway", "sku")
            whose = f"{sku.name} gateways do" if shared_sku else f"VNet '{name}''s {sku.name} gateway does"
            supports = f"{sku.name} route-based gateways support" if shared_sku else f"VNet '{name}''s gateway supports"
            larger = f"use {facts.DEFAULT_GATEWAY_SKU} or larger" + ("" if shared_sku else f" for VNet '{name}'")
            found: list[Finding] = []
            if connection.ipsec_policy is not None and not sku.supports_custom_ipsec_policy:
                found.append(
                    error(scope.path("ipsec_policy"), f"{whose} not support a custom IPsec/IKE policy", larger)
                )
            if connection.connection_protocol == "IKEv1" and "IKEv1" not in sku.supported_ike_versions:
                found.append(error(scope.path("connection_protocol"), f"{supports} IKEv2 only", "use IKEv2"))
            for finding in found:
                if (finding.path, finding.message) not in reported:
                    reported.add((finding.path, finding.message))
                    yield finding


def check_shared_key(key: Any, path: KeyPath = ("shared_key",)) -> Iterator[Finding]:
    # "printable ASCII characters, except space, hyphen (-), or tilde (~)"
    # (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq); 1..128 (reset API).
    if not isinstance(key, str):
        return
    fix = f"use 1..{facts.PSK_MAX_LENGTH} printable ASCII characters without space, '-' or '~' (or let us generate one)"
    if not 1 <= len(key) <= facts.PSK_MAX_LENGTH:
        yield error(path, f"the key has {len(key)} characters; Azure takes 1..{facts.PSK_MAX_LENGTH}", fix)
    bad = sorted({c for c in key if c not in facts.PSK_ALLOWED_CHARACTERS})
    if bad:
        # Never echo the key itself; name only the offending characters.
        shown = ", ".join("space" if c == " " else repr(c) if c.isprintable() else f"U+{ord(c):04X}" for c in bad)
        yield error(path, f"the key contains characters Azure rejects: {shown}", fix)


def _check_ipsec_policy(scope: _ConnectionScope) -> Iterator[Finding]:
    policy = scope.connection.ipsec_policy
    if policy is None:
        return
    base = scope.path("ipsec_policy")
    for name, allowed in facts.IPSEC_POLICY_FIELDS.items():
        value = getattr(policy, name)
        path: KeyPath = (*base, name)
        if value in allowed.spec_only:
            yield error(
                path,
                f"{value} is listed only in the API spec, not among Microsoft's documented values for "
                f"{camel_case(name)}",
                f"use one of {', '.join(allowed.documented)}",
            )
        elif value not in allowed.documented:
            yield error(
                path, f"'{value}' is not a valid {camel_case(name)}", f"use one of {', '.join(allowed.documented)}"
            )
        elif value in allowed.weak:
            yield warning(path, f"{value} is a weak choice for {camel_case(name)}", f"prefer {allowed.documented[0]}")
    # GCM in IPsec needs the same GCM value for encryption and integrity
    # (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq; PowerShell's GCM check).
    encryption, integrity = policy.ipsec_encryption, policy.ipsec_integrity
    if (encryption.startswith("GCM") or integrity.startswith("GCM")) and encryption != integrity:
        yield error(
            (*base, "ipsec_integrity"),
            f"ipsecEncryption {encryption} with ipsecIntegrity {integrity}: GCM needs the same value in both",
            f"set both to {encryption if encryption.startswith('GCM') else integrity}",
        )
    low, high = facts.SA_LIFETIME_SECONDS_RANGE
    if not low <= policy.sa_life_time_seconds <= high:
        yield error(
            (*base, "sa_life_time_seconds"),
            f"{policy.sa_life_time_seconds} is outside {low}..{high}",
            "use 27000 (Azure's default)",
        )
    size_low, size_high = facts.SA_DATA_SIZE_KILOBYTES_RANGE
    size = policy.sa_data_size_kilobytes
    if size != 0 and not size_low <= size <= size_high:
        yield error(
            (*base, "sa_data_size_kilobytes"),
            f"{size} is neither 0 nor in {size_low}..{size_high}",
            "use 102400000 (Azure's default)",
        )


def _over_limit(sku: facts.GatewaySku, used: dict[str, int]) -> tuple[str, str | None] | None:
    """The gateways over the SKU's tunnel limit, listed, and the smallest SKU that fits them all."""
    over = {name: count for name, count in used.items() if count > sku.max_tunnels}
    if not over:
        return None
    needed = max(over.values())
    fitting = next((s.name for s in facts.GATEWAY_SKUS.values() if s.max_tunnels >= needed), None)
    return ", ".join(f"{name} ({count})" for name, count in over.items()), fitting


def check_capacity(topology: TopologySpec) -> Iterator[Finding]:
    # Tunnels per gateway: Basic 10, VpnGw1AZ-3AZ 30, VpnGw4AZ-5AZ 100 (SKU table); one per link, "A VNet-to-VNet
    # tunnel consists of two connection resources" and each connection counts
    # (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq; highly-available doc). An existing
    # gateway's own connections count too (`existing_connections`: azure-native cannot list them).
    links = tunnels_per_vnet(topology.vnet_names(), topology.link_pairs())
    # VNets are grouped by where their SKU is set: one finding for the shared `gateway.sku`, one per VNet that sets
    # its own (or whose gateway exists), so that the fix names the VNets to change.
    groups: dict[KeyPath, list[tuple[int, VnetSpec, int]]] = {}
    for i, vnet in enumerate(topology.vnets):
        if vnet.pending:
            continue  # its SKU is Azure's, read by the program
        groups.setdefault(_sku_path(vnet, i), []).append((i, vnet, links[vnet.name] + vnet.existing_connections))
    for path, members in groups.items():
        gateway = topology.gateway_for(members[0][1])
        sku = sku_facts(gateway.sku)
        if sku is None:
            continue
        used = {vnet.name: count for _, vnet, count in members}
        documented = _over_limit(sku, used)
        if documented is not None:
            listed, fitting = documented
            yield error(
                path,
                f"{sku.name} takes {sku.max_tunnels} tunnels per gateway; these gateways need more: {listed}",
                _capacity_fix(path, members, sku, fitting),
            )
            continue
        if not gateway.active_active:
            continue
        # Between two active-active gateways a link is a full mesh of four IPsec tunnels, one per pair of
        # instances (vpn-gateway-highlyavailable). Microsoft does not say how they count against the SKU's limit:
        # warn at the stricter count, one per instance pair.
        stricter = _over_limit(
            sku, {name: count * INSTANCES_PER_ACTIVE_ACTIVE_GATEWAY**2 for name, count in used.items()}
        )
        if stricter is not None:
            listed, fitting = stricter
            yield warning(
                path,
                f"counting each of an active-active link's four IPsec tunnels, {sku.name}'s {sku.max_tunnels} would "
                f"not suffice: {listed}. Microsoft documents one tunnel per connection; it does not say how "
                "active-active tunnels count, so this is the conservative count",
                (f"use {fitting} to be safe either way" if fitting else "split the topology to be safe either way"),
            )


def _sku_path(vnet: VnetSpec, index: int) -> KeyPath:
    if not vnet.creates_gateway:
        return ("vnets", index, "existing_gateway_id")
    if vnet.gateway is not None and vnet.gateway.sets("sku"):
        return ("vnets", index, "gateway", "sku")
    return ("gateway", "sku")


def _capacity_fix(
    path: KeyPath, members: list[tuple[int, VnetSpec, int]], sku: facts.GatewaySku, fitting: str | None
) -> str:
    if fitting is None:
        return "split the topology: no SKU takes that many tunnels"
    if path[0] == "vnets" and path[-1] == "existing_gateway_id":
        return f"resize VNet '{members[0][1].name}''s existing gateway to {fitting} (about 45 minutes), or link it less"
    if path[0] == "vnets":
        return f"set vnets[{path[1]}].gateway.sku to {fitting}"
    over = [(i, vnet.name) for i, vnet, count in members if count > sku.max_tunnels]
    if len(over) == len(members):
        return f"use {fitting}"
    return (
        f"use {fitting}, or give only {', '.join(repr(name) for _, name in over)} a gateway of its own: "
        + ", ".join(f"vnets[{i}].gateway.sku: {fitting}" for i, _ in over)
    )


# An active-active gateway has two instances (about-active-active-gateways).
INSTANCES_PER_ACTIVE_ACTIVE_GATEWAY = 2


def check_transit(topology: TopologySpec) -> Iterator[Finding]:
    # Without BGP a VNet-to-VNet link only connects its two VNets
    # (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq; bgp-howto): no transit via the hub.
    spokes = len(topology.link_pairs()) if topology.topology == "hub-and-spoke" else 0
    known = [vnet for vnet in topology.vnets if not vnet.pending]
    if spokes > 1 and len(known) == len(topology.vnets) and not all(topology.gateway_for(v).enable_bgp for v in known):
        yield warning(
            ("gateway", "enable_bgp"),
            "spokes cannot reach each other through the hub without BGP: spoke-to-spoke traffic needs BGP transit",
            "enable BGP (gateway.enableBgp and a bgpAsn per VNet) if spokes must talk to each other",
        )


# ------------------------------------------------------------------------------- what the user names and types


def check_identifiers(topology: TopologySpec) -> Iterator[Finding]:
    """Subscription and tenant IDs are GUIDs; resource group and subnet names follow Azure's naming rules
    (resource-name-rules). Caught here, they are the user's mistake, never a defect reported by the spec check."""
    guid = re.compile(facts.GUID_PATTERN)
    for i, vnet in enumerate(topology.vnets):
        for key in ("subscription_id", "tenant_id"):
            value = getattr(vnet, key)
            if isinstance(value, str) and not guid.match(value):
                yield error(
                    ("vnets", i, key),
                    f"'{value}' is not a GUID; {camel_case(key)} looks like 00000000-0000-0000-0000-000000000000",
                    f"copy it from `az account show --query {'id' if key == 'subscription_id' else 'tenantId'}`",
                )
        group = vnet.resource_group_name
        if isinstance(group, str):
            yield from _check_resource_group_name(group, ("vnets", i, "resource_group_name"))
        subnet_name = re.compile(facts.SUBNET_NAME_PATTERN)
        for k, subnet in enumerate(vnet.subnets):
            if not subnet_name.match(subnet.name):
                yield error(
                    ("vnets", i, "subnets", k, "name"),
                    f"'{subnet.name}' is not a valid subnet name",
                    "use 1-80 letters, digits, '_', '.' and '-', starting with a letter or digit and ending with a "
                    "letter, digit or '_'",
                )


def _check_resource_group_name(name: str, path: KeyPath) -> Iterator[Finding]:
    rule = f"use 1-{facts.RESOURCE_GROUP_NAME_MAX} letters, digits, '_', '(', ')', '-' and '.', not ending with '.'"
    if not 1 <= len(name) <= facts.RESOURCE_GROUP_NAME_MAX:
        yield error(path, f"the resource group name has {len(name)} characters", rule)
    elif name.endswith(".") or not all(c.isalnum() or c in "_()-." for c in name):
        bad = sorted({c for c in name if not (c.isalnum() or c in "_()-.")})
        shown = ", ".join(repr(c) for c in bad) if bad else "a final '.'"
        yield error(path, f"'{name}' is not a valid resource group name (it has {shown})", rule)


def check_tags(topology: TopologySpec, component_name: str | None = None) -> Iterator[Finding]:
    """Tag names and values within Azure's limits, and no more than 50 tags on a resource, counting the tags the
    component adds (tag-resources)."""
    tags = topology.tags
    if not isinstance(tags, dict):
        return  # an Output: checked once it resolves
    merged = managed_tags(component_name or "project", "stack", tags)
    if len(merged) > facts.TAG_LIMIT_PER_RESOURCE:
        added = len(merged) - len(tags)
        yield error(
            ("tags",),
            f"{len(tags)} tags plus the {added} the program adds make {len(merged)}; Azure allows "
            f"{facts.TAG_LIMIT_PER_RESOURCE} per resource",
            f"remove {len(merged) - facts.TAG_LIMIT_PER_RESOURCE} or more tags",
        )
    seen: dict[str, str] = {}
    for name, value in tags.items():
        path: KeyPath = ("tags", MapKey(name))
        bad = sorted({c for c in name if c in facts.TAG_NAME_FORBIDDEN_CHARACTERS})
        if not name or len(name) > facts.TAG_NAME_MAX:
            yield error(path, f"a tag name has 1..{facts.TAG_NAME_MAX} characters, got {len(name)}", "shorten it")
        if bad:
            yield error(
                path,
                f"tag name '{name}' contains {', '.join(repr(c) for c in bad)}, which Azure refuses in tag names",
                "remove those characters",
            )
        if name.lower() in seen:
            yield error(
                path,
                f"tag names are case-insensitive in Azure: '{name}' and '{seen[name.lower()]}' are the same tag",
                "keep one of them",
            )
        seen.setdefault(name.lower(), name)
        if isinstance(value, str) and len(value) > facts.TAG_VALUE_MAX:
            yield error(
                path, f"a tag value has at most {facts.TAG_VALUE_MAX} characters, got {len(value)}", "shorten it"
            )


# ------------------------------------------------------------------------------------- derived resource names


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


def check_resource_names(topology: TopologySpec, component_name: str | None = None) -> Iterator[Finding]:
    """Derived names never collide (the engine refuses a duplicate URN), and the names Azure gets fit its
    limits (resource-name-rules), checked now rather than after both gateways are built."""
    # Every derived name starts with the component's name and '-': collisions do not depend on it.
    prefix = component_name if component_name is not None else "component"
    names = list(naming.derived_names(prefix, "component", topology))
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


def check_auxiliary_tenants(topology: TopologySpec) -> Iterator[Finding]:
    """A provider reaches other tenants through ARM's auxiliary-tenant header, which takes at most three
    (authenticate-multi-tenant)."""
    auxiliary = topology.auxiliary_tenants()
    for index, vnet in enumerate(topology.vnets):
        others = auxiliary.get(vnet.name, [])
        if len(others) > facts.MAX_AUXILIARY_TENANTS:
            yield error(
                ("vnets", index, "tenant_id"),
                f"VNet '{vnet.name}' links to VNets in {len(others)} other tenants; ARM accepts at most "
                f"{facts.MAX_AUXILIARY_TENANTS} auxiliary tenants per request, so its connections cannot be created",
                f"link it to VNets in at most {facts.MAX_AUXILIARY_TENANTS} other tenants (split the mesh, or use "
                "hub-and-spoke with the hub in the spokes' tenants)",
            )


# An address an action group can mail: one @, something on each side, no spaces (what the portal accepts; Azure
# validates the rest by sending). Azure gives no stricter rule for emailReceivers.emailAddress.
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_operating(topology: TopologySpec) -> Iterator[Finding]:
    """Diagnostic settings and alerts: one destination each, well-formed IDs, windows and severities Azure
    accepts (azure_facts: ALERT_WINDOW_MINUTES, ALERT_SEVERITIES), and the logs a tunnel-down alert reads."""
    diagnostics, alerts = topology.diagnostics, topology.alerts
    if diagnostics is not None:
        yield from _one_destination(
            ("diagnostics",),
            existing=("workspace_id", diagnostics.workspace_id),
            kind=("a Log Analytics workspace", WORKSPACE_ID, WORKSPACE_ID_EXAMPLE),
            created=("create_workspace", diagnostics.create_workspace),
            example="createWorkspace: true",
        )
        if not any(vnet.creates_gateway for vnet in topology.vnets):
            workspace = (
                ", and no workspace (createWorkspace makes one only for them)" if diagnostics.create_workspace else ""
            )
            yield warning(
                ("diagnostics",),
                f"every gateway exists already ({_existing_gateway_keys(topology)}): diagnostic settings go only on "
                f"gateways created here, so none is created{workspace}",
                "set the existing gateways' diagnostic settings where they are managed, or remove diagnostics",
            )
    if alerts is None:
        return
    yield from _one_destination(
        ("alerts",),
        existing=("action_group_id", alerts.action_group_id),
        kind=("an action group", ACTION_GROUP_ID, ACTION_GROUP_ID_EXAMPLE),
        created=("emails", bool(alerts.emails)),
        example="emails: [ops@example.com]",
    )
    for index, address in enumerate(alerts.emails):
        if not EMAIL_PATTERN.match(address):
            yield error(("alerts", "emails", index), f"'{address}' is not an email address", "write name@domain")
    if alerts.window_minutes not in facts.ALERT_WINDOW_MINUTES:
        allowed = ", ".join(str(minutes) for minutes in facts.ALERT_WINDOW_MINUTES)
        yield error(
            ("alerts", "window_minutes"),
            f"{alerts.window_minutes} is not a window Azure Monitor alerts take",
            f"use one of {allowed} (minutes)",
        )
    if alerts.severity not in facts.ALERT_SEVERITIES:
        yield error(
            ("alerts", "severity"),
            f"{alerts.severity} is not an Azure Monitor severity",
            "use 0 (Critical), 1 (Error), 2 (Warning), 3 (Informational) or 4 (Verbose)",
        )
    if diagnostics is None:
        yield error(
            ("alerts",),
            "a tunnel-down alert searches the gateways' TunnelDiagnosticLog, which only diagnostic settings send "
            f"to a workspace ({facts.TUNNEL_DOWN_ALERT_DOC})",
            "add diagnostics: {createWorkspace: true} (or workspaceId)",
        )
    yield from _unwatched(topology, alerts.emails)


def _existing_gateway_keys(topology: TopologySpec) -> str:
    return ", ".join(
        f"vnets[{i}].existingGatewayId" for i, vnet in enumerate(topology.vnets) if not vnet.creates_gateway
    )


def _unwatched(topology: TopologySpec, emails: tuple[str, ...]) -> Iterator[Finding]:
    """Connections from an existing gateway are not watched (`naming.watched`): its logs are not sent here. Said per
    link: watched the other way, or not at all, or (every gateway existing) no link is watched, and nothing is
    created for the alerts (`naming.creates_action_group`)."""
    directions = topology.directions()
    unwatched = [(local, remote) for local, remote in directions if not naming.watched(topology, local)]
    fix = "alert on those gateways where they are managed"
    if unwatched and len(unwatched) == len(directions):
        group = ", and no action group (emails makes one only for the alerts)" if emails else ""
        yield warning(
            ("alerts",),
            f"no link is watched: every gateway exists already ({_existing_gateway_keys(topology)}), and only "
            f"gateways created here send their logs to the workspace, so no alert is created{group}",
            f"{fix}, or remove alerts",
        )
        return
    one_way = [link_key(*ends) for ends in unwatched if naming.watched(topology, ends[1])]
    neither = [(a, b) for a, b in topology.link_pairs() if (a, b) in unwatched and (b, a) in unwatched]
    said = []
    if one_way:
        whose = "its gateway exists" if len(one_way) == 1 else "their gateway exists"
        other = "of its link is" if len(one_way) == 1 else "of each of these links is"
        said.append(
            f"no alerts on {', '.join(one_way)}: {whose} already, so its logs are not sent here (the other "
            f"direction {other} watched)"
        )
    if len(neither) == 1:
        said.append(
            f"no alerts on either direction of the link between {neither[0][0]} and {neither[0][1]}: both "
            "its gateways exist already"
        )
    elif neither:
        links = ", ".join(str(list(pair)) for pair in neither)
        said.append(f"no alerts on either direction of the links {links}: both gateways of each exist already")
    if said:
        yield warning(("alerts",), "; ".join(said), fix)


def _one_destination(
    path: KeyPath,
    *,
    existing: tuple[str, str | None],
    kind: tuple[str, re.Pattern[str], str],
    created: tuple[str, bool],
    example: str,
) -> Iterator[Finding]:
    """Exactly one of two ways to name a destination: a well-formed ID of an existing resource of `kind`
    (what, pattern, example), or one created here."""
    (existing_key, existing_id), (created_key, creates), (what, pattern, id_example) = existing, created, kind
    keys = f"{camel_case(existing_key)} or {camel_case(created_key)}"
    if existing_id is None and not creates:
        yield error(path, f"names no destination: set {keys}", f"e.g. {path[-1]}: {{{example}}}")
    elif existing_id is not None and creates:
        yield error(path, f"sets both {camel_case(existing_key)} and {camel_case(created_key)}", "keep one of them")
    if existing_id is not None and parse_id(existing_id, pattern) is None:
        yield error((*path, existing_key), f"'{existing_id}' is not {what} resource ID", f"write {id_example}")


RULES: tuple[Callable[[TopologySpec], Iterable[Finding]], ...] = (
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


def validate(topology: TopologySpec, component_name: str | None = None) -> list[Finding]:
    """Every finding for the whole configuration, in a stable order. With the component's name (for a stack,
    its project name) the derived Azure names are checked against Azure's limits too."""
    findings = list(check_topology(topology))
    for rule in RULES:
        findings.extend(rule(topology))
    findings.extend(check_tags(topology, component_name))
    if not errors_in(findings):  # names derive from valid, unique VNet names only
        findings.extend(check_resource_names(topology, component_name))
    return findings
