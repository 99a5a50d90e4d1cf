"""Address spaces and subnets: valid prefixes, outside Azure's reserved ranges, not overlapping one another, subnets
inside their VNet and of a size Azure supports."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from typing import Any

from vnet2vnet.emulator import azure
from vnet2vnet.emulator.azure import SUBNET, VNET, Network, networks
from vnet2vnet.emulator.rules import Refused, Request, rule

VNET_FAQ = "https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq"
MANAGE_VNET_DOC = "https://learn.microsoft.com/azure/virtual-network/manage-virtual-network"
PREFIX_FORMAT_SOURCE = "https://github.com/Azure/azure-service-operator/issues/997"
SUBNET_OVERLAP_SOURCE = f"{VNET_FAQ}; https://github.com/MicrosoftDocs/azure-docs/pull/123869"
SHRINK_SOURCE = f"{MANAGE_VNET_DOC}; https://github.com/MicrosoftDocs/azure-docs/issues/20572"

# "In addition, these address ranges are reserved" (VNET_FAQ; MANAGE_VNET_DOC: "You can't add the following address
# ranges"): multicast, broadcast, loopback, link-local, Azure's internal DNS.
RESERVED_RANGES = tuple(
    ipaddress.ip_network(p)
    for p in ("224.0.0.0/4", "255.255.255.255/32", "127.0.0.0/8", "169.254.0.0/16", "168.63.129.16/32")
)
# "The smallest supported IPv4 subnet is /29, and the largest is /2 ... IPv6 subnets must be exactly /64 in size."
SMALLEST_IPV4_SUBNET = 29
IPV6_SUBNET_LENGTH = 64


def address_prefixes(body: dict[str, Any]) -> list[Any]:
    return list((body.get("addressSpace") or {}).get("addressPrefixes") or [])


def subnets_of(state: dict[str, Any], vnet_id: str) -> Iterator[dict[str, Any]]:
    prefix = azure.key(vnet_id) + "/subnets/"
    return (r for k, r in state["resources"].items() if k.startswith(prefix) and r["type"] == SUBNET)


def _inside(network: Network, spaces: Iterable[Network]) -> bool:
    return any(network.version == space.version and network.subnet_of(space) for space in spaces)  # type: ignore[arg-type]


def _name(rid: str) -> str:
    return rid.rsplit("/", 1)[-1]


# ------------------------------------------------------------------------------------------ VNets


@rule(
    "vnet-prefix-format",
    (VNET,),
    "InvalidAddressPrefixFormat",
    "a VNet address space that is not a CIDR prefix",
    PREFIX_FORMAT_SOURCE,
    validated_by="address plan: every prefix is valid, canonical CIDR",
)
def _vnet_prefix_format(request: Request) -> None:
    for prefix in address_prefixes(request.body):
        try:
            ipaddress.ip_network(str(prefix))
        except ValueError:
            raise Refused(
                f"Address prefix {prefix} of resource {request.rid} is not formatted correctly. It should follow "
                "CIDR notation, for example 10.0.0.0/24."
            ) from None


@rule(
    "vnet-reserved-ranges",
    (VNET,),
    "EmulatorRuleReservedAddressSpace",
    "a VNet address space in 224.0.0.0/4, 255.255.255.255/32, 127.0.0.0/8, 169.254.0.0/16 or 168.63.129.16/32 "
    "(Azure's code not documented)",
    f"{VNET_FAQ}; {MANAGE_VNET_DOC}",
    validated_by="address plan: no address space in Azure's reserved ranges",
)
def _vnet_reserved_ranges(request: Request) -> None:
    for space in networks(address_prefixes(request.body)):
        for reserved in RESERVED_RANGES:
            if space.version == reserved.version and space.overlaps(reserved):  # type: ignore[arg-type]
                raise Refused(
                    f"Address space {space} of virtual network {_name(request.rid)} overlaps {reserved}, a range "
                    f"Azure reserves ({VNET_FAQ})."
                )


@rule(
    "vnet-address-spaces-overlap",
    (VNET,),
    "EmulatorRuleAddressSpacesOverlap",
    "VNet address spaces that overlap each other (Azure's code not documented)",
    MANAGE_VNET_DOC,
    validated_by="address plan: a VNet's address spaces do not overlap each other",
)
def _vnet_spaces_overlap(request: Request) -> None:
    spaces = networks(address_prefixes(request.body))
    for index, space in enumerate(spaces):
        for other in spaces[index + 1 :]:
            if space.version == other.version and space.overlaps(other):  # type: ignore[arg-type]
                raise Refused(
                    f"Address space {other} of virtual network {_name(request.rid)} overlaps its address space "
                    f"{space}: the address ranges of a virtual network can't overlap ({MANAGE_VNET_DOC})."
                )


@rule(
    "vnet-holds-its-subnets",
    (VNET,),
    "EmulatorRuleAddressSpaceWithoutSubnet",
    "a VNet update whose address spaces no longer hold one of its subnets (Azure's code not documented)",
    SHRINK_SOURCE,
    verbs=("update",),  # a VNet being created has no subnets yet
    validated_by="address plan: the GatewaySubnet and workload subnets lie inside the VNet",
)
def _vnet_holds_its_subnets(request: Request) -> None:
    spaces = networks(address_prefixes(request.body))
    for subnet in subnets_of(request.state, request.rid):
        for network in networks(azure.subnet_prefixes(subnet["inputs"])):
            if not _inside(network, spaces):
                raise Refused(
                    f"Subnet {subnet['name']} ({network}) of virtual network {_name(request.rid)} is outside its new "
                    f"address spaces: an address range can shrink only as long as it still holds its subnets "
                    f"({MANAGE_VNET_DOC})."
                )


# ------------------------------------------------------------------------------------------ subnets


@rule(
    "subnet-inside-vnet",
    (SUBNET,),
    "NetcfgSubnetRangeOutsideVnet",
    "a subnet prefix outside its VNet's address spaces",
    VNET_FAQ,
    validated_by="address plan: subnets inside the VNet",
)
def _subnet_inside_vnet(request: Request) -> None:
    vnet = azure.find(request.state, azure.parent_id(request.rid))
    if vnet is None:
        return
    spaces = networks(address_prefixes(vnet["inputs"]))
    for network in networks(azure.subnet_prefixes(request.body)):
        if not _inside(network, spaces):
            raise Refused(f"Subnet {_name(request.rid)} ({network}) is not within the VNet's address space.")


@rule(
    "subnet-overlap",
    (SUBNET,),
    "NetcfgSubnetRangesOverlap",
    "a subnet prefix that overlaps another subnet of its VNet",
    SUBNET_OVERLAP_SOURCE,
    validated_by="address plan: subnets overlap neither each other nor GatewaySubnet (nor an existing VNet's)",
)
def _subnet_overlap(request: Request) -> None:
    vnet_id = azure.parent_id(request.rid)
    mine = networks(azure.subnet_prefixes(request.body))
    for other in subnets_of(request.state, vnet_id):
        if azure.key(other["id"]) == azure.key(request.rid):
            continue
        for theirs in networks(azure.subnet_prefixes(other["inputs"])):
            if any(network.version == theirs.version and network.overlaps(theirs) for network in mine):  # type: ignore[arg-type]
                raise Refused(
                    f"Subnet '{_name(request.rid)}' is not valid because its IP address range overlaps with that of "
                    f"an existing subnet in virtual network '{_name(vnet_id)}' ({other['name']}: {theirs})."
                )


@rule(
    "subnet-ipv4-size",
    (SUBNET,),
    "EmulatorRuleSubnetTooSmall",
    "an IPv4 subnet smaller than /29 (/30, /31, /32) (Azure's code not documented)",
    VNET_FAQ,
    validated_by="address plan: workload subnets are /29 or larger; GatewaySubnet /27 or larger (/29 for Basic)",
)
def _subnet_ipv4_size(request: Request) -> None:
    for network in networks(azure.subnet_prefixes(request.body)):
        if network.version == 4 and network.prefixlen > SMALLEST_IPV4_SUBNET:
            raise Refused(
                f"Subnet {_name(request.rid)} ({network}) is too small: the smallest supported IPv4 subnet is "
                f"/{SMALLEST_IPV4_SUBNET} ({VNET_FAQ})."
            )


@rule(
    "subnet-ipv6-size",
    (SUBNET,),
    "EmulatorRuleIpv6SubnetNot64",
    "an IPv6 subnet that is not exactly /64 (Azure's code not documented)",
    VNET_FAQ,
    validated_by="address plan: a workload subnet's prefix is IPv4 (an IPv6 one is refused, its length named when "
    "not /64)",
)
def _subnet_ipv6_size(request: Request) -> None:
    for network in networks(azure.subnet_prefixes(request.body)):
        if network.version == 6 and network.prefixlen != IPV6_SUBNET_LENGTH:
            raise Refused(
                f"Subnet {_name(request.rid)} ({network}): IPv6 subnets must be exactly /{IPV6_SUBNET_LENGTH} in size "
                f"({VNET_FAQ})."
            )
