"""Reading what already exists, in a Pulumi program: azure-native's `getVirtualNetwork` and
`getVirtualNetworkGateway` invokes, answered by Azure, the Azure emulator or the offline engine's mocks (from the
seed file). Invokes run in previews too, so the program knows before registering anything what it must create."""

from __future__ import annotations

import functools
from typing import Any

import pulumi
from pulumi_azure_native import network

from vnet2vnet import azure_facts
from vnet2vnet.existing import (
    GATEWAY_ID,
    VNET_ID,
    ExistingGateway,
    ExistingSubnet,
    ExistingVnet,
    ReadError,
    parse_id,
    subnet_prefixes,
    vnet_of_subnet,
)


def read_with_invokes(kind: str, resource_id: str, provider: Any) -> ExistingVnet | ExistingGateway:
    return _read(kind, resource_id, provider)


@functools.cache
def _read(kind: str, resource_id: str, provider: Any) -> ExistingVnet | ExistingGateway:
    """One read per ID and provider in a program run (a component's args may be checked twice)."""
    options = pulumi.InvokeOptions(provider=provider) if provider is not None else None
    try:
        if kind == "vnet":
            arm = parse_id(resource_id, VNET_ID)
            assert arm is not None  # validation refuses IDs that do not parse before anything is read
            vnet = network.get_virtual_network(
                resource_group_name=arm.resource_group, virtual_network_name=arm.name, opts=options
            )
            return _existing_vnet(resource_id, vnet)
        arm = parse_id(resource_id, GATEWAY_ID)
        assert arm is not None
        gateway = network.get_virtual_network_gateway(
            resource_group_name=arm.resource_group, virtual_network_gateway_name=arm.name, opts=options
        )
        return _existing_gateway(resource_id, gateway)
    except Exception as failed:  # azure-native reports a missing resource (404) or no access as an invoke error
        raise ReadError(
            str(failed).strip().splitlines()[-1] if str(failed).strip() else type(failed).__name__
        ) from None


def _existing_vnet(resource_id: str, vnet: network.GetVirtualNetworkResult) -> ExistingVnet:
    subnets = vnet.subnets or []
    gateway_subnet = next((s for s in subnets if (s.name or "") == azure_facts.GATEWAY_SUBNET_NAME), None)
    prefix = None
    if gateway_subnet is not None:
        prefix = gateway_subnet.address_prefix or next(iter(gateway_subnet.address_prefixes or []), None)
    return ExistingVnet(
        id=vnet.id or resource_id,
        location=vnet.location or "",
        address_spaces=tuple(vnet.address_space.address_prefixes or []) if vnet.address_space else (),
        gateway_subnet_prefix=prefix,
        subnet_names=tuple(s.name for s in subnets if s.name),
        subnets=tuple(
            ExistingSubnet(s.name, subnet_prefixes(s.address_prefix, s.address_prefixes)) for s in subnets if s.name
        ),
    )


def _existing_gateway(resource_id: str, gateway: network.GetVirtualNetworkGatewayResult) -> ExistingGateway:
    configurations = gateway.ip_configurations or []
    subnet_ids = [c.subnet.id for c in configurations if c.subnet is not None and c.subnet.id]
    peerings = (gateway.bgp_settings.bgp_peering_addresses if gateway.bgp_settings else None) or []
    return ExistingGateway(
        id=gateway.id or resource_id,
        location=gateway.location or "",
        gateway_type=gateway.gateway_type or "",
        vpn_type=gateway.vpn_type or "",
        sku=(gateway.sku.name if gateway.sku else None) or "",
        generation=gateway.vpn_gateway_generation,
        active_active=bool(gateway.active_active),
        enable_bgp=bool(gateway.enable_bgp),
        asn=int(gateway.bgp_settings.asn) if gateway.bgp_settings and gateway.bgp_settings.asn is not None else None,
        vnet_id=vnet_of_subnet(subnet_ids[0]) if subnet_ids else None,
        tunnel_ips=tuple(address for peering in peerings for address in (peering.tunnel_ip_addresses or [])),
        bgp_addresses=tuple(
            address
            for peering in peerings
            for address in [*(peering.default_bgp_ip_addresses or []), *(peering.custom_bgp_ip_addresses or [])]
        ),
    )
