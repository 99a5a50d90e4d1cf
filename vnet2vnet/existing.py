"""VNets and gateways that already exist: what Azure says about them, and the spec completed from it.

`complete` is pure: it takes what was read (`Existing`) and returns the spec with each existing VNet's location,
address spaces, resource group and GatewaySubnet filled in from Azure, and each existing gateway's settings as
that VNet's own `gateway`, so that every rule (overlap, GatewaySubnet fit, SKU features, BGP, capacity) then runs
on Azure's values with the usual messages; the subnets the component adds to an existing VNet are checked against
the ones it has. `read_existing` is the shell: it asks a reader (azure-native's `getVirtualNetwork` and
`getVirtualNetworkGateway` invokes in a program, the seed file offline) for each ID.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from vnet2vnet import azure_facts as facts
from vnet2vnet.findings import Finding, KeyPath, error
from vnet2vnet.spec import Partial, TopologySpec, VnetSpec

_SEGMENT = r"[^/]+"


def _arm_id(provider_type: str) -> tuple[re.Pattern[str], str]:
    """The pattern of an ARM resource ID of one type, and how to write one. Provider and type segments are
    case-insensitive (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules)."""
    pattern = re.compile(
        rf"^/subscriptions/(?P<subscription>{_SEGMENT})/resourceGroups/(?P<group>{_SEGMENT})"
        rf"/providers/{re.escape(provider_type)}/(?P<name>{_SEGMENT})$",
        re.IGNORECASE,
    )
    return pattern, f"/subscriptions/<subscription>/resourceGroups/<group>/providers/{provider_type}/<name>"


VNET_ID, VNET_ID_EXAMPLE = _arm_id("Microsoft.Network/virtualNetworks")
GATEWAY_ID, GATEWAY_ID_EXAMPLE = _arm_id("Microsoft.Network/virtualNetworkGateways")
WORKSPACE_ID, WORKSPACE_ID_EXAMPLE = _arm_id("Microsoft.OperationalInsights/workspaces")
ACTION_GROUP_ID, ACTION_GROUP_ID_EXAMPLE = _arm_id("Microsoft.Insights/actionGroups")


@dataclass(frozen=True)
class ArmId:
    subscription: str
    resource_group: str
    name: str


def parse_id(text: str, pattern: re.Pattern[str]) -> ArmId | None:
    match = pattern.match(text.strip()) if isinstance(text, str) else None
    return ArmId(match["subscription"], match["group"], match["name"]) if match else None


def vnet_of_subnet(subnet_id: str) -> str:
    """The VNet ID a subnet ID belongs to (`.../virtualNetworks/<vnet>/subnets/<subnet>`)."""
    head, _, _ = subnet_id.partition("/subnets/")
    return head


@dataclass(frozen=True)
class ExistingSubnet:
    """A subnet the existing VNet already has: its name and prefixes (`addressPrefix`, or `addressPrefixes`, two for
    a dual-stack subnet), as Azure answers them."""

    name: str
    prefixes: tuple[str, ...]


@dataclass(frozen=True)
class ExistingVnet:
    id: str
    location: str
    address_spaces: tuple[str, ...]
    gateway_subnet_prefix: str | None  # None: the VNet has no GatewaySubnet
    subnet_names: tuple[str, ...] = ()
    subnets: tuple[ExistingSubnet, ...] = ()  # every subnet it has, with its prefixes


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def free_prefix(spaces: Sequence[Network], taken: Sequence[Network], length: int) -> ipaddress.IPv4Network | None:
    """The highest IPv4 range of `length` inside `spaces` that overlaps nothing `taken`: a GatewaySubnet's customary
    place is the end of an address space. None when no space has one free."""
    size = 2 ** (32 - length)
    used = [network for network in taken if network.version == 4]
    for space in spaces:
        if space.version != 4 or space.prefixlen > length:
            continue
        start, bottom = int(space.broadcast_address) + 1 - size, int(space.network_address)
        while start >= bottom:
            candidate = ipaddress.IPv4Network((start, length))
            clash = next((network for network in used if network.overlaps(candidate)), None)
            if clash is None:
                return candidate
            # The next candidate ends below the range it hit (aligned to its own size).
            start = min(start - size, (int(clash.network_address) - size) // size * size)
    return None


@dataclass(frozen=True)
class ExistingGateway:
    id: str
    location: str
    gateway_type: str
    vpn_type: str
    sku: str
    generation: str | None
    active_active: bool
    enable_bgp: bool
    asn: int | None
    vnet_id: str | None  # from its IP configurations' subnet
    # What Azure reports under bgpSettings.bgpPeeringAddresses on every VPN gateway (readOnly in the 2024-05-01
    # spec, IPConfigurationBgpPeeringAddress): its tunnel public IPs and BGP addresses, which alerts on the
    # connections to it filter on.
    tunnel_ips: tuple[str, ...] = ()
    bgp_addresses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Existing:
    """What Azure answered, by VNet name, and what it could not find (path of the ID's key -> reason)."""

    vnets: dict[str, ExistingVnet] = field(default_factory=dict)
    gateways: dict[str, ExistingGateway] = field(default_factory=dict)
    unreadable: dict[KeyPath, str] = field(default_factory=dict)


class ReadError(Exception):
    """Azure (or the seed file) could not answer for an ID: not found, or the read itself failed."""


# (kind "vnet" | "gateway", resource ID, the VNet's provider or None) -> what Azure says, or ReadError.
Reader = Callable[[str, str, Any], ExistingVnet | ExistingGateway]


def needs_reading(topology: TopologySpec) -> bool:
    return any(vnet.existing_vnet_id or vnet.existing_gateway_id for vnet in topology.vnets)


def read_existing(topology: TopologySpec, read: Reader) -> Existing:
    """Ask `read` for every existing gateway, then every existing VNet (a gateway names its VNet when the config
    does not). IDs that do not parse are left to validation, which names the key."""
    existing = Existing()
    for i, vnet in enumerate(topology.vnets):
        if vnet.existing_gateway_id and parse_id(vnet.existing_gateway_id, GATEWAY_ID):
            path: KeyPath = ("vnets", i, "existing_gateway_id")
            try:
                gateway = read("gateway", vnet.existing_gateway_id, vnet.provider)
                assert isinstance(gateway, ExistingGateway)
                existing.gateways[vnet.name] = gateway
            except ReadError as failed:
                existing.unreadable[path] = str(failed)
        vnet_id = vnet.existing_vnet_id or _gateway_vnet(existing, vnet)
        if vnet_id and parse_id(vnet_id, VNET_ID):
            path = ("vnets", i, "existing_vnet_id" if vnet.existing_vnet_id else "existing_gateway_id")
            try:
                answered = read("vnet", vnet_id, vnet.provider)
                assert isinstance(answered, ExistingVnet)
                existing.vnets[vnet.name] = answered
            except ReadError as failed:
                existing.unreadable[path] = str(failed)
    return existing


def _gateway_vnet(existing: Existing, vnet: VnetSpec) -> str | None:
    gateway = existing.gateways.get(vnet.name)
    return gateway.vnet_id if gateway is not None else None


def complete(topology: TopologySpec, existing: Existing) -> tuple[TopologySpec, list[Finding]]:
    """The spec with Azure's values for existing VNets and gateways, and every disagreement as a finding."""
    findings = [
        error(
            path,
            f"cannot be read from Azure: {reason}",
            "check the ID; a resource in another subscription than the default provider's needs this VNet's "
            "subscriptionId (stack config) or provider (component args)",
        )
        for path, reason in existing.unreadable.items()
    ]
    vnets = []
    for i, vnet in enumerate(topology.vnets):
        completed = vnet
        gateway = existing.gateways.get(vnet.name)
        if gateway is not None:
            completed, found = _with_gateway(topology, i, completed, gateway)
            findings += found
        answered = existing.vnets.get(vnet.name)
        if answered is not None:
            completed, found = _with_vnet(i, completed, answered)
            findings += found
        vnets.append(completed)
    return dataclasses.replace(topology, vnets=tuple(vnets)), findings


def _with_vnet(i: int, vnet: VnetSpec, answered: ExistingVnet) -> tuple[VnetSpec, list[Finding]]:
    findings = list(_disagreements(i, vnet, answered))
    arm = parse_id(answered.id, VNET_ID)
    prefix = answered.gateway_subnet_prefix
    if prefix is None and vnet.gateway_subnet_prefix is None:
        # A /27 serves every SKU but Basic (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-gateway-settings).
        length = facts.GATEWAY_SKUS[facts.DEFAULT_GATEWAY_SKU].min_gateway_subnet_prefix
        taken = _networks(p for subnet in answered.subnets for p in subnet.prefixes)
        taken += [network for _, network in _new_subnets(i, vnet, answered)]
        free = free_prefix(_networks(answered.address_spaces), taken, length)
        findings.append(
            error(
                ("vnets", i, "gateway_subnet_prefix"),
                f"the existing VNet '{arm.name if arm else answered.id}' has no GatewaySubnet, and none is given",
                f"set a free /{length} inside {', '.join(answered.address_spaces)} to create it"
                + (f", e.g. {free}" if free else ""),
            )
        )
    findings += _overlapping_existing_subnets(i, vnet, answered)
    completed = dataclasses.replace(
        vnet,
        existing_vnet_id=answered.id,
        location=answered.location,
        address_spaces=answered.address_spaces,
        resource_group_name=arm.resource_group if arm else vnet.resource_group_name,
        gateway_subnet_prefix=prefix if prefix is not None else vnet.gateway_subnet_prefix,
        existing_gateway_subnet=prefix is not None,
        read_from_azure=True,
    )
    return completed, findings


def _networks(prefixes: Iterable[Any]) -> list[Network]:
    """The prefixes that parse (an Output, or a malformed one, is left to validation)."""
    parsed = []
    for text in prefixes:
        try:
            parsed.append(ipaddress.ip_network(text, strict=False))
        except (TypeError, ValueError):
            continue
    return parsed


def _new_subnets(i: int, vnet: VnetSpec, answered: ExistingVnet) -> list[tuple[KeyPath, Network]]:
    """What the component creates on the existing VNet (`GatewayVnet`): the GatewaySubnet when the VNet has none
    and the gateway is created here, and every workload subnet; with the keys they come from."""
    new: list[tuple[KeyPath, Network]] = []
    if answered.gateway_subnet_prefix is None and vnet.creates_gateway:
        new += [(("vnets", i, "gateway_subnet_prefix"), n) for n in _networks([vnet.gateway_subnet_prefix])]
    for k, subnet in enumerate(vnet.subnets):
        new += [(("vnets", i, "subnets", k, "prefix"), n) for n in _networks([subnet.prefix])]
    return new


def _overlapping_existing_subnets(i: int, vnet: VnetSpec, answered: ExistingVnet) -> Iterator[Finding]:
    """A subnet created on the existing VNet must not overlap one it has: "Subnet address spaces cannot overlap one
    another" (https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq); Azure refuses it with
    facts.SUBNET_OVERLAP_ERROR. Its existing GatewaySubnet is the spec's `gateway_subnet_prefix` once completed,
    which validation checks the workload subnets against; a subnet of a taken name is reported as taken."""
    existing = [(subnet.name, network) for subnet in answered.subnets for network in _networks(subnet.prefixes)]
    new = _new_subnets(i, vnet, answered)
    spaces = _networks(answered.address_spaces)
    arm = parse_id(answered.id, VNET_ID)
    for path, network in new:
        if network.version != 4:
            continue  # validation refuses an IPv6 prefix there
        own_name = vnet.subnets[int(path[3])].name.lower() if path[2] == "subnets" else None
        clash = next(
            (
                (name, other)
                for name, other in existing
                if other.version == 4
                and name != facts.GATEWAY_SUBNET_NAME
                and name.lower() != own_name
                and other.overlaps(network)
            ),
            None,
        )
        if clash is None:
            continue
        name, other = clash
        taken = [n for _, n in existing] + [n for p, n in new if p != path]
        free = free_prefix(spaces, taken, network.prefixlen)
        yield error(
            path,
            f"{network} overlaps the existing subnet '{name}' ({other}) of VNet '{arm.name if arm else answered.id}': "
            f"Azure refuses a subnet that overlaps another ({facts.SUBNET_OVERLAP_ERROR})",
            f"use a free range, e.g. {free} (existing subnets are left as they are)"
            if free
            else f"the VNet has no free /{network.prefixlen} left: add an address space to it, or use a smaller prefix",
        )


def _disagreements(i: int, vnet: VnetSpec, answered: ExistingVnet) -> Iterator[Finding]:
    """Keys given for an existing VNet are checked against Azure: the component never changes them."""
    if isinstance(vnet.location, str) and _region(vnet.location) != _region(answered.location):
        yield error(
            ("vnets", i, "location"),
            f"is {vnet.location}, but the existing VNet is in {answered.location}",
            "remove location (it is read from Azure) or correct it",
        )
    if isinstance(vnet.address_spaces, tuple) and set(vnet.address_spaces) != set(answered.address_spaces):
        yield error(
            ("vnets", i, "address_spaces"),
            f"are {', '.join(vnet.address_spaces)}, but the existing VNet has {', '.join(answered.address_spaces)}",
            "remove addressSpaces (they are read from Azure) or correct them",
        )
    given, actual = vnet.gateway_subnet_prefix, answered.gateway_subnet_prefix
    if isinstance(given, str) and actual is not None and given != actual:
        yield error(
            ("vnets", i, "gateway_subnet_prefix"),
            f"is {given}, but the existing VNet's GatewaySubnet is {actual} (it is used as it is, not changed)",
            "remove gatewaySubnetPrefix or set it to the existing one",
        )
    if vnet.resource_group_name is not None and isinstance(vnet.resource_group_name, str):
        arm = parse_id(answered.id, VNET_ID)
        if arm is not None and vnet.resource_group_name.lower() != arm.resource_group.lower():
            yield error(
                ("vnets", i, "resource_group_name"),
                f"is {vnet.resource_group_name}, but the existing VNet is in {arm.resource_group}",
                "remove resourceGroupName (it comes from the VNet's ID)",
            )
    if vnet.subnets:
        taken = {name.lower() for name in answered.subnet_names}
        for k, subnet in enumerate(vnet.subnets):
            if subnet.name.lower() in taken:
                yield error(
                    ("vnets", i, "subnets", k, "name"),
                    f"the existing VNet already has a subnet named '{subnet.name}'",
                    "remove it from subnets (existing subnets are left alone) or pick another name",
                )


def _region(name: str) -> str:
    """Azure answers display-cased or programmatic names ("East US" / "eastus")."""
    return name.replace(" ", "").lower()


# The gateway settings Azure answers for an existing gateway, as the keys of a VNet's own `gateway` block.
_READ_GATEWAY_KEYS = ("sku", "generation", "active_active", "enable_bgp")


def _with_gateway(
    topology: TopologySpec, i: int, vnet: VnetSpec, gateway: ExistingGateway
) -> tuple[VnetSpec, list[Finding]]:
    findings: list[Finding] = []
    path: KeyPath = ("vnets", i, "existing_gateway_id")
    # VNet-to-VNet needs route-based VPN gateways on both sides
    # (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq#vnet-to-vnet).
    if gateway.gateway_type.lower() != "vpn":
        findings.append(
            error(path, f"is a {gateway.gateway_type} gateway, not a VPN gateway", "give the VNet's VPN gateway")
        )
    elif gateway.vpn_type.lower() != "routebased":
        findings.append(
            error(
                path,
                f"is a {gateway.vpn_type} VPN gateway: VNet-to-VNet needs route-based gateways on both sides",
                "use a route-based gateway (a policy-based one cannot be converted in place)",
            )
        )
    if vnet.existing_vnet_id and gateway.vnet_id and vnet.existing_vnet_id.lower() != gateway.vnet_id.lower():
        findings.append(
            error(
                path,
                f"belongs to VNet {gateway.vnet_id}, not to existingVnetId",
                "give the gateway of that VNet, or that VNet's ID",
            )
        )
    read = {
        "sku": gateway.sku,
        "generation": gateway.generation,
        "active_active": gateway.active_active,
        "enable_bgp": gateway.enable_bgp,
    }
    given = dict(vnet.gateway.values) if vnet.gateway is not None else {}
    for key, value in given.items():
        if key in read and value != read[key]:
            findings.append(
                error(
                    ("vnets", i, "gateway", key),
                    f"is {value!r}, but the existing gateway has {read[key]!r} (an existing gateway is not changed)",
                    f"remove vnets[{i}].gateway.{key} (it is read from Azure)",
                )
            )
    asn = vnet.bgp_asn
    if gateway.enable_bgp and gateway.asn is not None:
        if asn is not None and asn != gateway.asn:
            findings.append(
                error(
                    ("vnets", i, "bgp_asn"),
                    f"is {asn}, but the existing gateway's ASN is {gateway.asn}",
                    "remove bgpAsn (it is read from Azure) or correct it",
                )
            )
        asn = gateway.asn
    overrides = {**given, **{key: read[key] for key in _READ_GATEWAY_KEYS}}
    completed = dataclasses.replace(
        vnet,
        gateway=Partial(overrides),
        bgp_asn=asn if gateway.enable_bgp else vnet.bgp_asn,
        existing_vnet_id=vnet.existing_vnet_id or gateway.vnet_id,
        location=vnet.location or gateway.location,
        read_from_azure=True,
        existing_tunnel_ips=gateway.tunnel_ips,
        existing_bgp_addresses=gateway.bgp_addresses,
    )
    return completed, findings


def peering_addresses(bgp_settings: Mapping[str, Any], *kinds: str) -> tuple[str, ...]:
    """Addresses of `kinds` from a gateway's bgpSettings.bgpPeeringAddresses (camelCase, as Azure answers)."""
    return tuple(
        str(address)
        for peering in bgp_settings.get("bgpPeeringAddresses") or []
        for kind in kinds
        for address in (peering.get(kind) or [])
    )


def subnet_prefixes(prefix: Any, prefixes: Any) -> tuple[str, ...]:
    """A subnet's prefixes as Azure answers them: `addressPrefix`, or `addressPrefixes` (a dual-stack subnet has an
    IPv4 and an IPv6 one; Azure fills one field or the other), once each."""
    found = ([prefix] if prefix else []) + list(prefixes or [])
    return tuple(dict.fromkeys(str(text) for text in found))


def sku_facts(name: str) -> facts.GatewaySku | None:
    """The SKU table's row for a gateway's SKU; an existing non-AZ gateway has its AZ twin's limits (same tier;
    https://learn.microsoft.com/azure/vpn-gateway/about-gateway-skus)."""
    return facts.GATEWAY_SKUS.get(name) or facts.GATEWAY_SKUS.get(facts.RETIRED_NON_AZ_SKUS.get(name, ""))


def seed_reader(resources: list[dict[str, Any]]) -> Reader:
    """A reader over a seed file's `resources` (azure-native's flattened properties, the emulator's format): what
    the offline `plan` knows of existing resources, read the way the program's invokes read them."""
    by_id = {str(resource["id"]).lower(): resource for resource in resources}

    def read(kind: str, resource_id: str, provider: Any) -> ExistingVnet | ExistingGateway:
        try:
            return read_seeded(kind, resource_id, provider)
        except (AttributeError, TypeError, ValueError) as malformed:
            # A seed file is hand-written: an entry of the wrong shape is named, never a traceback.
            raise ReadError(f"the seed file's entry for '{resource_id}' is malformed ({malformed})") from None

    def read_seeded(kind: str, resource_id: str, _provider: Any) -> ExistingVnet | ExistingGateway:
        resource = by_id.get(resource_id.lower())
        if resource is None:
            raise ReadError(
                f"ResourceNotFound: '{resource_id}' is not among the seed file's resources (offline, "
                "`plan --seed FILE` answers reads of existing resources)"
            )
        inputs: dict[str, Any] = dict(resource.get("inputs") or {})
        location = str(resource.get("location") or inputs.get("location") or "")
        if kind == "vnet":
            subnets = [
                {"name": str(other["id"]).rsplit("/", 1)[-1], **dict(other.get("inputs") or {})}
                for key, other in by_id.items()
                if key.startswith(resource_id.lower() + "/subnets/")
            ] + list(inputs.get("subnets") or [])
            gateway_subnet = next((s for s in subnets if s.get("name") == facts.GATEWAY_SUBNET_NAME), None)
            return ExistingVnet(
                id=str(resource["id"]),
                location=location,
                address_spaces=tuple((inputs.get("addressSpace") or {}).get("addressPrefixes") or ()),
                gateway_subnet_prefix=gateway_subnet.get("addressPrefix") if gateway_subnet else None,
                subnet_names=tuple(str(s.get("name")) for s in subnets),
                subnets=tuple(
                    ExistingSubnet(
                        str(s.get("name")), subnet_prefixes(s.get("addressPrefix"), s.get("addressPrefixes"))
                    )
                    for s in subnets
                ),
            )
        configurations = inputs.get("ipConfigurations") or []
        subnet_ids = [
            str((c.get("subnet") or {}).get("id")) for c in configurations if (c.get("subnet") or {}).get("id")
        ]
        bgp = inputs.get("bgpSettings") or {}
        return ExistingGateway(
            id=str(resource["id"]),
            location=location,
            gateway_type=str(inputs.get("gatewayType") or ""),
            vpn_type=str(inputs.get("vpnType") or ""),
            sku=str((inputs.get("sku") or {}).get("name") or ""),
            generation=inputs.get("vpnGatewayGeneration"),
            active_active=bool(inputs.get("activeActive")),
            enable_bgp=bool(inputs.get("enableBgp")),
            # Azure gives every VPN gateway an ASN, 65515 unless set (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq).
            asn=int(bgp.get("asn", facts.AZURE_DEFAULT_ASN)),
            vnet_id=vnet_of_subnet(subnet_ids[0]) if subnet_ids else None,
            tunnel_ips=peering_addresses(bgp, "tunnelIpAddresses"),
            bgp_addresses=peering_addresses(bgp, "defaultBgpIpAddresses", "customBgpIpAddresses"),
        )

    return read
