"""The address plan: prefixes parse, fit their VNet, and never overlap where Azure refuses it. Pure: spec in, findings
out."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from vnet2vnet import azure_facts as facts
from vnet2vnet.findings import Finding, KeyPath, error, warning
from vnet2vnet.network import ResolvedNetwork
from vnet2vnet.spec import TopologySpec, VnetSpec

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


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


def check_address_plan(network: ResolvedNetwork) -> Iterator[Finding]:
    topology = network.spec
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
        yield from _check_gateway_subnet(network, i, plan)
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


def _check_gateway_subnet(resolved_network: ResolvedNetwork, index: int, plan: _VnetPlan) -> Iterator[Finding]:
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
    side = resolved_network.sides[index]
    vnet = side.vnet
    if not vnet.creates_gateway:
        return  # the gateway exists: its subnet already serves it
    gateway_sku = side.gateway.sku
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
