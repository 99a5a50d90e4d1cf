"""Azure's rules, checked over the parsed spec before anything is deployed. Pure: spec in, findings out.

Each rule is a function from the topology to findings; each carries the document it enforces (the facts file,
../shared/reference/azure-vpn-facts.md, has the quotes). Values that are still Pulumi Outputs (component args)
are skipped here and checked once they resolve (`checks.py`).
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from vnet2vnet import azure_facts as facts
from vnet2vnet import naming
from vnet2vnet.findings import Finding, KeyPath, camel_case, error, errors_in, warning
from vnet2vnet.spec import TopologySpec, VnetSpec
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
        yield from _check_space_ranges(plan.spaces)
        for _, path_b, net_a, net_b in overlapping_pairs(plan.spaces):
            yield error(path_b, f"{net_b} overlaps {net_a} of the same VNet", "merge them or pick a disjoint range")
        yield from _check_gateway_subnet(topology, i, plan)
        yield from _check_workload_subnets(vnet, i, plan)
    # Connected VNets must not overlap (VPN FAQ: "Can I have overlapping address spaces for VNet-to-VNet? No.")
    for i, plan_a in enumerate(plans):
        for j in range(i + 1, len(plans)):
            for _, net_a in plan_a.spaces:
                for path_b, net_b in plans[j].spaces:
                    if net_a.version == net_b.version and net_a.overlaps(net_b):
                        yield error(
                            path_b,
                            f"{net_b} of VNet '{topology.vnets[j].name}' overlaps {net_a} of VNet "
                            f"'{topology.vnets[i].name}' (vnets[{i}]); connected VNets must not overlap",
                            "give each VNet its own disjoint address space",
                        )


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
    spaces = [n for _, n in plan.spaces]
    if spaces and not _inside_any(network, spaces):
        yield error(
            path,
            f"{network} is not inside the VNet's address spaces ({', '.join(map(str, spaces))})",
            "pick a prefix inside them, e.g. the last /27 of the first address space",
        )
    # /27 or larger for every SKU but Basic, /29 for Basic (gateway settings doc, "Gateway subnet").
    sku = facts.GATEWAY_SKUS.get(topology.gateway.sku)
    largest_length = sku.min_gateway_subnet_prefix if sku else 27
    if network.version == 4 and network.prefixlen > largest_length:
        yield error(
            path,
            f"/{network.prefixlen} is too small for a {topology.gateway.sku} gateway: GatewaySubnet must be "
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
        if spaces and not _inside_any(network, spaces):
            yield error(path, f"{network} is not inside the VNet's address spaces", "pick a prefix inside them")
    with_gateway = ([plan.gateway_subnet] if plan.gateway_subnet else []) + plan.subnets
    for path_a, path_b, net_a, net_b in overlapping_pairs(with_gateway):
        other = "the GatewaySubnet" if path_a[-1] == "gateway_subnet_prefix" else f"subnets[{path_a[-2]}]"
        yield error(path_b, f"{net_b} overlaps {other} ({net_a})", "give every subnet a disjoint prefix")


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
            "remove sharedKey; a key is generated for each link",
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


def _closest_regions(location: str) -> list[str]:
    squashed = re.sub(r"[^a-z0-9]", "", location.lower())
    if squashed in facts.KNOWN_REGIONS:
        return [squashed]
    return difflib.get_close_matches(squashed, sorted(facts.KNOWN_REGIONS), n=3, cutoff=0.6)


def check_locations(topology: TopologySpec) -> Iterator[Finding]:
    # Programmatic region names (regions-list.md).
    for i, vnet in enumerate(topology.vnets):
        if not isinstance(vnet.location, str) or vnet.location in facts.KNOWN_REGIONS:
            continue
        closest = _closest_regions(vnet.location)
        hint = f"; did you mean {' or '.join(repr(c) for c in closest)}?" if closest else ""
        yield error(
            ("vnets", i, "location"),
            f"'{vnet.location}' is not a known Azure region{hint}",
            f"use '{closest[0]}'" if closest else "use a programmatic name from `az account list-locations`",
        )


# --------------------------------------------------------------------------------------------------- gateway


def check_gateway(topology: TopologySpec) -> Iterator[Finding]:
    gateway = topology.gateway
    sku = facts.GATEWAY_SKUS.get(gateway.sku)
    valid = ", ".join(facts.GATEWAY_SKUS)
    if gateway.sku in facts.RETIRED_NON_AZ_SKUS:
        replacement = facts.RETIRED_NON_AZ_SKUS[gateway.sku]
        yield error(
            ("gateway", "sku"),
            f"{gateway.sku} is a non-AZ SKU: new creation is blocked since 2025 and it retires in Sep 2026",
            f"use {replacement} (same tier, zone-redundant, priced the same since Jan 2025)",
        )
    elif sku is None:
        close = difflib.get_close_matches(gateway.sku, list(facts.GATEWAY_SKUS), n=1, cutoff=0.6)
        legacy = " (a legacy SKU whose creation Azure blocks)" if gateway.sku in facts.LEGACY_SKUS else ""
        yield error(
            ("gateway", "sku"),
            f"'{gateway.sku}' is not a VPN gateway SKU you can create{legacy}",
            (f"did you mean '{close[0]}'? " if close else "") + f"valid SKUs: {valid}",
        )
    if gateway.generation is not None and gateway.generation not in (facts.GENERATION1, facts.GENERATION2):
        yield error(
            ("gateway", "generation"), f"'{gateway.generation}' is not a generation", "use Generation1 or Generation2"
        )
    elif sku is not None and gateway.effective_generation not in sku.generations:
        yield error(
            ("gateway", "generation"),
            f"{sku.name} is available only as {' or '.join(sku.generations)}, not {gateway.effective_generation}",
            f"set generation to {sku.default_generation} (or leave it out)",
        )
    if sku is not None and sku.name == "Basic":
        yield from _check_basic(topology)
    yield from _check_zones(topology, sku)


def _check_basic(topology: TopologySpec) -> Iterator[Finding]:
    # Basic: no BGP, no active-active, no custom IPsec policy, not for production (VPN FAQ; basic SKU limits).
    fix = "use VpnGw1AZ or larger"
    yield warning(("gateway", "sku"), "Basic is for dev/test: no BGP, no active-active, no SLA-grade features", fix)
    if topology.gateway.active_active:
        yield error(("gateway", "active_active"), "Basic gateways cannot be active-active", fix)
    if topology.gateway.enable_bgp:
        yield error(("gateway", "enable_bgp"), "Basic gateways do not support BGP", fix)
    if topology.connection.ipsec_policy is not None:
        yield error(("connection", "ipsec_policy"), "Basic gateways do not support a custom IPsec/IKE policy", fix)


def _check_zones(topology: TopologySpec, sku: facts.GatewaySku | None) -> Iterator[Finding]:
    zones = topology.gateway.zones
    if not zones:
        return
    for k, zone in enumerate(zones):
        if zone not in facts.AVAILABILITY_ZONES:
            yield error(("gateway", "zones", k), f"'{zone}' is not an availability zone", 'use "1", "2" and/or "3"')
    if sku is not None and not sku.zone_redundant:
        yield warning(
            ("gateway", "zones"), f"{sku.name} gateways are not zone-redundant", "use an AZ SKU or drop zones"
        )
    for i, vnet in enumerate(topology.vnets):
        if isinstance(vnet.location, str) and vnet.location in facts.NON_AZ_REGIONS:
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
    # ASN rules: VPN FAQ, BGP section.
    enabled = topology.gateway.enable_bgp
    owners: dict[int, int] = {}
    for i, vnet in enumerate(topology.vnets):
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
            yield error(
                path,
                f"ASN {vnet.bgp_asn} is also vnets[{other}]'s: connected gateways peer over eBGP and need "
                "different ASNs",
                "give each VNet its own ASN",
            )
        owners.setdefault(vnet.bgp_asn, i)


# ------------------------------------------------------------------------------------------------ connection


def check_connection(topology: TopologySpec) -> Iterator[Finding]:
    connection = topology.connection
    low, high = facts.DPD_TIMEOUT_RANGE
    if connection.dpd_timeout_seconds is not None and not low <= connection.dpd_timeout_seconds <= high:
        yield error(
            ("connection", "dpd_timeout_seconds"),
            f"{connection.dpd_timeout_seconds} is outside {low}..{high} seconds",
            "use 30..45 (Azure recommends it; default 45)",
        )
    protocol = connection.connection_protocol
    if protocol is not None:
        path: KeyPath = ("connection", "connection_protocol")
        if protocol not in facts.CONNECTION_PROTOCOLS:
            yield error(path, f"'{protocol}' is not a connection protocol", "use IKEv2 (or IKEv1)")
        elif protocol == "IKEv1":
            sku = facts.GATEWAY_SKUS.get(topology.gateway.sku)
            if sku is not None and "IKEv1" not in sku.supported_ike_versions:
                yield error(path, f"{sku.name} route-based gateways support IKEv2 only", "use IKEv2")
            else:
                # The API accepts IKEv1 on any connection, but the VPN FAQ describes VNet-to-VNet as IPsec over
                # IKEv2, and the protocol cannot be changed after creation (a change replaces both connections).
                yield warning(
                    path,
                    "IKEv1 is legacy and not documented for VNet-to-VNet (Azure describes it as IKEv2); it cannot "
                    "be changed later without replacing both connections",
                    "use IKEv2",
                )
    length = connection.shared_key_length
    if not facts.GENERATED_PSK_MIN_LENGTH <= length <= facts.PSK_MAX_LENGTH:
        yield error(
            ("connection", "shared_key_length"),
            f"{length} is outside {facts.GENERATED_PSK_MIN_LENGTH}..{facts.PSK_MAX_LENGTH}",
            f"use {facts.GENERATED_PSK_DEFAULT_LENGTH}",
        )
    if connection.shared_key_version is not None and connection.shared_key_version < 1:
        yield error(
            ("connection", "shared_key_version"), "the key version must be 1 or more", "start at 1 and count up"
        )
    yield from check_shared_key(topology.shared_key)


def check_shared_key(key: Any) -> Iterator[Finding]:
    # "printable ASCII characters, except space, hyphen (-), or tilde (~)" (VPN FAQ); 1..128 (reset API).
    if not isinstance(key, str):
        return
    fix = f"use 1..{facts.PSK_MAX_LENGTH} printable ASCII characters without space, '-' or '~' (or let us generate one)"
    if not 1 <= len(key) <= facts.PSK_MAX_LENGTH:
        yield error(("shared_key",), f"the key has {len(key)} characters; Azure takes 1..{facts.PSK_MAX_LENGTH}", fix)
    bad = sorted({c for c in key if c not in facts.PSK_ALLOWED_CHARACTERS})
    if bad:
        # Never echo the key itself; name only the offending characters.
        shown = ", ".join("space" if c == " " else repr(c) if c.isprintable() else f"U+{ord(c):04X}" for c in bad)
        yield error(("shared_key",), f"the key contains characters Azure rejects: {shown}", fix)


def check_ipsec_policy(topology: TopologySpec) -> Iterator[Finding]:
    policy = topology.connection.ipsec_policy
    if policy is None:
        return
    base: KeyPath = ("connection", "ipsec_policy")
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
    # GCM in IPsec needs the same GCM value for encryption and integrity (VPN FAQ; PowerShell's GCM check).
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


def check_capacity(topology: TopologySpec) -> Iterator[Finding]:
    # Tunnels per gateway: Basic 10, VpnGw1AZ-3AZ 30, VpnGw4AZ-5AZ 100 (SKU table); one per link (VPN FAQ).
    sku = facts.GATEWAY_SKUS.get(topology.gateway.sku)
    if sku is None:
        return
    used = tunnels_per_vnet(topology.vnet_names(), topology.links())
    over = {name: count for name, count in used.items() if count > sku.max_tunnels}
    if not over:
        return
    needed = max(over.values())
    fitting = next((s.name for s in facts.GATEWAY_SKUS.values() if s.max_tunnels >= needed), None)
    listed = ", ".join(f"{name} ({count})" for name, count in over.items())
    yield error(
        ("gateway", "sku"),
        f"{sku.name} takes {sku.max_tunnels} tunnels per gateway; these gateways need more: {listed}",
        f"use {fitting}" if fitting else "split the topology: no SKU takes that many tunnels",
    )


def check_transit(topology: TopologySpec) -> Iterator[Finding]:
    # Without BGP a VNet-to-VNet link only connects its two VNets (VPN FAQ; bgp-howto): no transit via the hub.
    spokes = len(topology.links()) if topology.topology == "hub-and-spoke" else 0
    if spokes > 1 and not topology.gateway.enable_bgp:
        yield warning(
            ("gateway", "enable_bgp"),
            "spokes cannot reach each other through the hub without BGP: spoke-to-spoke traffic needs BGP transit",
            "enable BGP (gateway.enableBgp and a bgpAsn per VNet) if spokes must talk to each other",
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
    return f"VNet '{names[0]}'"


def check_resource_names(topology: TopologySpec, component_name: str | None = None) -> Iterator[Finding]:
    """Derived names never collide (the engine refuses a duplicate URN), and the names Azure gets fit its
    limits (resource-name-rules), checked now rather than after both gateways are built."""
    # Every derived name starts with the component's name and '-': collisions do not depend on it.
    prefix = component_name if component_name is not None else "component"
    names = list(naming.derived_names(prefix, "component", topology, topology.gateway.public_ip_count))
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
        path = max(derived.origins, key=lambda origin: len(_vnet_at(topology, origin).name))
        if length <= limit or path in reported:
            continue
        reported.add(path)
        kind = derived.type_token.rsplit(":", 1)[-1]
        yield error(
            path,
            f"the {kind} name '{derived.name}' plus azure-native's {facts.AUTONAME_SUFFIX_LENGTH}-character "
            f"suffix is {length} characters; Azure allows {limit} ({facts.NAMING_RULES_DOC})",
            f"shorten this VNet name (or the component's name '{component_name}', for a stack its project name) "
            f"by {length - limit} or more characters",
        )


def check_auxiliary_tenants(topology: TopologySpec) -> Iterator[Finding]:
    """A provider reaches other tenants through ARM's auxiliary-tenant header, which takes at most three
    (authenticate-multi-tenant)."""
    for index, vnet in enumerate(topology.vnets):
        others = topology.auxiliary_tenants().get(vnet.name, [])
        if len(others) > facts.MAX_AUXILIARY_TENANTS:
            yield error(
                ("vnets", index, "tenant_id"),
                f"VNet '{vnet.name}' links to VNets in {len(others)} other tenants; ARM accepts at most "
                f"{facts.MAX_AUXILIARY_TENANTS} auxiliary tenants per request, so its connections cannot be created",
                f"link it to VNets in at most {facts.MAX_AUXILIARY_TENANTS} other tenants (split the mesh, or use "
                "hub-and-spoke with the hub in the spokes' tenants)",
            )


RULES: tuple[Callable[[TopologySpec], Iterable[Finding]], ...] = (
    check_locations,
    check_address_plan,
    check_gateway,
    check_bgp,
    check_connection,
    check_ipsec_policy,
    check_capacity,
    check_transit,
    check_auxiliary_tenants,
)


def validate(topology: TopologySpec, component_name: str | None = None) -> list[Finding]:
    """Every finding for the whole configuration, in a stable order. With the component's name (for a stack,
    its project name) the derived Azure names are checked against Azure's limits too."""
    findings = list(check_topology(topology))
    for rule in RULES:
        findings.extend(rule(topology))
    if not errors_in(findings):  # names derive from valid, unique VNet names only
        findings.extend(check_resource_names(topology, component_name))
    return findings
