"""References that must exist: the resource group of a resource, the VNet of a subnet, the subnet and public IPs of a
gateway, the gateways of a connection; and what Azure will not delete while something uses it.

ARM answers a missing parent or reference before it looks at a request's values, so these rules come first."""

from __future__ import annotations

import ipaddress

from vnet2vnet.emulator import azure
from vnet2vnet.emulator.azure import CONNECTION, GATEWAY, PUBLIC_IP, RG, SUBNET, VNET
from vnet2vnet.emulator.rules import DELETE, Refused, Request, rule

ARM_GROUPS_DOC = "https://learn.microsoft.com/azure/azure-resource-manager/management/manage-resource-groups-portal"
VPN_SETTINGS_DOC = azure.VPN_SETTINGS_DOC
REST_SUBNETS = "https://learn.microsoft.com/rest/api/virtualnetwork/subnets/create-or-update"
REST_GATEWAYS = "https://learn.microsoft.com/rest/api/network-gateway/virtual-network-gateways/create-or-update"
REST_CONNECTIONS = (
    "https://learn.microsoft.com/rest/api/network-gateway/virtual-network-gateway-connections/create-or-update"
)
NETWORK_TYPES = (azure.VNET, azure.SUBNET, azure.PUBLIC_IP, azure.GATEWAY, azure.CONNECTION)
GROUPED_TYPES = (*NETWORK_TYPES, azure.WORKSPACE, azure.ACTION_GROUP, azure.METRIC_ALERT, azure.SCHEDULED_QUERY_RULE)


@rule(
    "resource-group-exists",
    GROUPED_TYPES,
    "ResourceGroupNotFound",
    "a resource in a resource group that does not exist",
    ARM_GROUPS_DOC,
    status=404,
)
def _resource_group_exists(request: Request) -> None:
    if azure.find(request.state, azure.resource_group_id(request.rid)) is None:
        raise Refused(f"Resource group '{request.rid.split('/')[4]}' could not be found.")


@rule("subnet-vnet-exists", (SUBNET,), "NotFound", "a subnet of a VNet that does not exist", REST_SUBNETS, status=404)
def _subnet_vnet_exists(request: Request) -> None:
    if azure.find(request.state, azure.parent_id(request.rid)) is None:
        raise Refused(f"Virtual network {azure.parent_id(request.rid)} not found.")


@rule(
    "gateway-has-ip-configurations",
    (GATEWAY,),
    "InvalidRequestFormat",
    "a VPN gateway without an IP configuration",
    REST_GATEWAYS,
)
def _gateway_has_configs(request: Request) -> None:
    if not request.body.get("ipConfigurations"):
        raise Refused("A virtual network gateway needs at least one IP configuration.")


@rule(
    "gateway-references-exist",
    (GATEWAY,),
    "InvalidResourceReference",
    "a gateway whose GatewaySubnet or public IP does not exist",
    REST_GATEWAYS,
    status=404,
)
def _gateway_references_exist(request: Request) -> None:
    for config in request.body.get("ipConfigurations") or []:
        for field_name in ("subnet", "publicIPAddress"):
            reference = azure.ref(config.get(field_name))
            if azure.find(request.state, reference) is None:
                raise Refused(f"Resource {reference} referenced by resource {request.rid} was not found.")


@rule(
    "connection-gateways-exist",
    (CONNECTION,),
    "InvalidResourceReference",
    "a connection whose gateways do not exist (or are still being built)",
    REST_CONNECTIONS,
)
def _connection_gateways_exist(request: Request) -> None:
    for field_name in ("virtualNetworkGateway1", "virtualNetworkGateway2"):
        gateway_id = azure.ref(request.body.get(field_name))
        gateway = azure.find(request.state, gateway_id)
        if gateway is None or gateway["provisioningState"] != "Succeeded":
            raise Refused(f"Resource {gateway_id} referenced by {request.rid} ({field_name}) was not found.")


@rule(
    "subnet-prefix-format",
    (SUBNET,),
    "InvalidAddressPrefixFormat",
    "a subnet prefix that is not a CIDR prefix",
    REST_SUBNETS,
)
def _subnet_prefix_format(request: Request) -> None:
    for prefix in azure.subnet_prefixes(request.body):
        try:
            ipaddress.ip_network(str(prefix))
        except ValueError:
            raise Refused(f"Address prefix {prefix} has an invalid format.") from None


# ------------------------------------------------------------------------------------------ deletes


@rule(
    "gateway-delete-in-use",
    (GATEWAY,),
    "InUseVirtualNetworkGatewayCannotBeDeleted",
    "deleting a gateway that still has connections",
    VPN_SETTINGS_DOC,
    when=DELETE,
)
def _gateway_in_use(request: Request) -> None:
    connected = [c["id"] for c in azure.connections_of(request.state, request.rid)]
    if connected:
        raise Refused(f"Gateway {request.rid} is in use by connections {', '.join(connected)}; delete them first.")


@rule(
    "subnet-delete-in-use",
    (SUBNET,),
    "InUseSubnetCannotBeDeleted",
    "deleting a subnet a gateway uses",
    REST_SUBNETS,
    when=DELETE,
)
def _subnet_in_use(request: Request) -> None:
    users = [
        g["id"]
        for g in azure.of_type(request.state, GATEWAY)
        if azure.key(azure.gateway_subnet_id(g)) == azure.key(request.rid)
    ]
    if users:
        raise Refused(f"Subnet {request.rid} is in use by {users[0]}.")


@rule(
    "public-ip-delete-in-use",
    (PUBLIC_IP,),
    "PublicIPAddressCannotBeDeleted",
    "deleting a public IP a gateway uses",
    "https://learn.microsoft.com/azure/virtual-network/ip-services/virtual-network-public-ip-address",
    when=DELETE,
)
def _public_ip_in_use(request: Request) -> None:
    user = azure.ip_user(request.state, request.rid)
    if user:
        raise Refused(f"Public IP {request.rid} is in use by {user}.")


@rule(
    "vnet-delete-with-gateway",
    (VNET,),
    "InUseSubnetCannotBeDeleted",
    "deleting a VNet whose GatewaySubnet a gateway uses",
    REST_SUBNETS,
    when=DELETE,
)
def _vnet_with_gateway(request: Request) -> None:
    gateways = [
        g["id"]
        for g in azure.of_type(request.state, GATEWAY)
        if azure.key(azure.parent_id(azure.gateway_subnet_id(g))) == azure.key(request.rid)
    ]
    if gateways:
        raise Refused(f"VNet {request.rid} has gateway {gateways[0]}.")


__all__ = ["NETWORK_TYPES", "RG"]
