"""The emulator's rule table (vnet2vnet/emulator/rules), one row per rule: a request the rule refuses (Azure's code,
status and the rule's id on the error) and a near miss it lets through (a /29 subnet, ASN 65516, a connection in its
gateway's region). A rule with a check and no rows here fails the suite."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.test_emulator import NET, RG_ID, SUB, azure_with, connection, gateway_inputs, record
from vnet2vnet.emulator import azure, rules

State = dict[str, Any]

VNET_A = f"{NET}/virtualNetworks/a"
VNET_B = f"{NET}/virtualNetworks/b"
GWSUB_A = f"{VNET_A}/subnets/GatewaySubnet"
GW_A = f"{NET}/virtualNetworkGateways/gw-a"
GW_B = f"{NET}/virtualNetworkGateways/gw-b"
GW_NEW = f"{NET}/virtualNetworkGateways/gw-2"
CONN = f"{NET}/connections/c"
NEW_VNET = f"{NET}/virtualNetworks/v"
NEW_SUBNET = f"{VNET_A}/subnets/s"
NEW_IP = f"{NET}/publicIPAddresses/ip-new"

# Another subscription, in another tenant (the emulator learns a subscription's tenant from its provider).
OTHER_SUB = "6d6b3f6e-0000-4000-8000-00000e000002"
OTHER_TENANT = "6d6b3f6e-0000-4000-8000-0000000e7e78"
OTHER_RG = f"/subscriptions/{OTHER_SUB}/resourceGroups/rg-x"
OTHER_NET = f"{OTHER_RG}/providers/Microsoft.Network"
GW_X = f"{OTHER_NET}/virtualNetworkGateways/gw-x"


def ip(name: str, **inputs: Any) -> dict[str, Any]:
    return record(f"{NET}/publicIPAddresses/{name}", azure.PUBLIC_IP, {"sku": {"name": "Standard"}, **inputs})


def gateway(name: str = "gw-a", vnet: str = "a", ips: tuple[str, ...] = ("ip-a",), **extra: Any) -> dict[str, Any]:
    """A gateway record: `gateway_inputs` with one IP configuration per public IP, and `extra` inputs."""
    inputs = gateway_inputs(vnet, ips[0], str(extra.pop("sku", "VpnGw1AZ")))
    template = inputs["ipConfigurations"][0]
    inputs["ipConfigurations"] = [
        {**template, "name": f"ipconfig{i}", "publicIPAddress": {"id": f"{NET}/publicIPAddresses/{address}"}}
        for i, address in enumerate(ips, start=1)
    ]
    state = str(extra.pop("provisioningState", "Succeeded"))
    return record(f"{NET}/virtualNetworkGateways/{name}", azure.GATEWAY, {**inputs, **extra}, state)


def gw_body(**extra: Any) -> dict[str, Any]:
    return dict(gateway("x", **extra)["inputs"])


def pair(*records: dict[str, Any], gateway_subnet: str = "10.1.255.0/27") -> State:
    """The base state (azure_with) with gateways gw-a (VNet a, ip-a) and gw-b (VNet b, ip-b), and `records`."""
    return azure_with(gateway(), gateway("gw-b", "b", ("ip-b",)), *records, gateway_subnet=gateway_subnet)


def conn_body(local: str = "gw-a", remote: str = "gw-b", **extra: Any) -> dict[str, Any]:
    return dict(connection("c", local, remote, connectionType="Vnet2Vnet", **extra)["inputs"])


def policy(**over: Any) -> dict[str, Any]:
    return {
        "ikeEncryption": "GCMAES256", "ikeIntegrity": "SHA384", "dhGroup": "DHGroup24", "ipsecEncryption": "GCMAES256",
        "ipsecIntegrity": "GCMAES256", "pfsGroup": "PFS24", "saLifeTimeSeconds": 27000,
        "saDataSizeKilobytes": 102400000, **over,
    }  # fmt: skip


def vnet_body(*prefixes: str, **extra: Any) -> dict[str, Any]:
    return {"addressSpace": {"addressPrefixes": list(prefixes)}, **extra}


def with_connections(count: int, sku: str) -> State:
    """gw-a of `sku` with `count` connections to gw-b."""
    state = azure_with(gateway(sku=sku), gateway("gw-b", "b", ("ip-b",)))
    for index in range(count):
        made = connection(f"c{index}", "gw-a", "gw-b", connectionType="Vnet2Vnet")
        state["resources"][azure.key(made["id"])] = made
    return state


def building(state: State, *, inflight: bool = False) -> State:
    """gw-a being built: its record Updating, or an accepted operation in flight."""
    if inflight:
        state["inflight"] = {azure.key(GW_A): {"id": GW_A, "verb": "create", "until": 1e12, "locks": [], "log": {}}}
    else:
        state["resources"][azure.key(GW_A)]["provisioningState"] = "Updating"
    return state


def other_tenant(*, same_tenant: bool = False) -> State:
    """gw-a here and gw-x in another subscription (of another tenant unless `same_tenant`)."""
    state = azure_with(
        gateway(),
        record(OTHER_RG, azure.RG, {"location": "eastus"}),
        record(f"{OTHER_NET}/virtualNetworks/x", azure.VNET, vnet_body("10.7.0.0/16")),
        record(f"{OTHER_NET}/virtualNetworks/x/subnets/GatewaySubnet", azure.SUBNET, {"addressPrefix": "10.7.255.0/27"}),
        record(f"{OTHER_NET}/publicIPAddresses/ip-x", azure.PUBLIC_IP, {"sku": {"name": "Standard"}}),
        record(GW_X, azure.GATEWAY, {
            **gateway_inputs(),
            "ipConfigurations": [{
                "name": "ipconfig1",
                "subnet": {"id": f"{OTHER_NET}/virtualNetworks/x/subnets/GatewaySubnet"},
                "publicIPAddress": {"id": f"{OTHER_NET}/publicIPAddresses/ip-x"},
            }],
        }),
    )  # fmt: skip
    state["tenants"] = {azure.key(OTHER_SUB): azure.DEFAULT_TENANT if same_tenant else OTHER_TENANT}
    return state


def cross_tenant_body() -> dict[str, Any]:
    return {**conn_body(), "virtualNetworkGateway2": {"id": GW_X}}


def existing(state: State, rid: str, **inputs: Any) -> State:
    """`state` with the inputs of the record at `rid` replaced (what exists before an update)."""
    found = state["resources"][azure.key(rid)]
    found["inputs"] = {**found["inputs"], **inputs}
    return state


@dataclass(frozen=True)
class Case:
    rule: str
    what: str
    state: Callable[[], State]
    type_token: str
    rid: str
    inputs: dict[str, Any] = field(default_factory=dict)
    verb: str = "create"
    auxiliary_tenants: tuple[str, ...] = ()

    def run(self) -> None:
        state = self.state()
        if self.verb == "delete":
            found = azure.find(state, self.rid)
            assert found is not None, f"{self.what}: nothing at {self.rid} to delete"
            azure.check_delete(state, found)
        else:
            azure.check_write(
                state, self.type_token, self.rid, self.inputs, verb=self.verb, auxiliary_tenants=self.auxiliary_tenants
            )


GATEWAY, CONNECTION, VNET, SUBNET, PUBLIC_IP, RG = (
    azure.GATEWAY, azure.CONNECTION, azure.VNET, azure.SUBNET, azure.PUBLIC_IP, azure.RG,
)  # fmt: skip
OTHER_GROUP = f"/subscriptions/{SUB}/resourceGroups/nope"

# Requests each rule refuses: the rule's code and status, its id on the error.
REFUSED = [
    # existence
    Case("resource-group-exists", "a VNet in a missing resource group", azure_with, VNET,
         f"{OTHER_GROUP}/providers/Microsoft.Network/virtualNetworks/v", vnet_body("10.5.0.0/16")),
    Case("subnet-vnet-exists", "a subnet of a missing VNet", azure_with, SUBNET, f"{NET}/virtualNetworks/z/subnets/s",
         {"addressPrefix": "10.1.1.0/24"}),
    Case("gateway-has-ip-configurations", "no IP configuration", azure_with, GATEWAY, GW_A,
         {**gateway_inputs(), "ipConfigurations": []}),
    Case("gateway-references-exist", "a missing public IP", azure_with, GATEWAY, GW_A, gateway_inputs(ip="ip-zz")),
    Case("connection-gateways-exist", "a missing remote gateway", pair, CONNECTION, CONN, conn_body(remote="gw-zz")),
    Case("subnet-prefix-format", "a /33", azure_with, SUBNET, NEW_SUBNET, {"addressPrefix": "10.1.1.0/33"}),
    Case("gateway-delete-in-use", "a gateway with a connection",
         lambda: pair(connection("c", "gw-a", "gw-b")), GATEWAY, GW_A, verb="delete"),
    Case("subnet-delete-in-use", "the GatewaySubnet of a gateway", pair, SUBNET, GWSUB_A, verb="delete"),
    Case("public-ip-delete-in-use", "a gateway's public IP", pair, PUBLIC_IP, f"{NET}/publicIPAddresses/ip-a",
         verb="delete"),
    Case("vnet-delete-with-gateway", "a VNet with a gateway", pair, VNET, VNET_A, verb="delete"),
    # names
    Case("resource-group-name", "a '!' in a resource group name", azure_with, RG, f"/subscriptions/{SUB}/resourceGroups/rg!",
         {"location": "eastus"}),
    Case("network-resource-name", "a 1-character VNet name", azure_with, VNET, f"{NET}/virtualNetworks/v",
         vnet_body("10.5.0.0/16")),
    # regions
    Case("resource-group-location-known", "a resource group on mars", azure_with, RG,
         f"/subscriptions/{SUB}/resourceGroups/rg2", {"location": "mars"}),
    Case("location-known", "a VNet on mars", azure_with, VNET, NEW_VNET + "1", vnet_body("10.5.0.0/16", location="mars")),
    Case("gateway-in-vnet-region", "a westus gateway in an eastus VNet", azure_with, GATEWAY, GW_A,
         {**gateway_inputs(), "location": "westus"}),
    Case("public-ip-in-gateway-region", "a westus public IP on an eastus gateway",
         lambda: azure_with(ip("ip-w", location="westus")), GATEWAY, GW_A, {**gateway_inputs(ip="ip-w"), "location": "eastus"}),
    Case("connection-in-gateway1-region", "a westus connection of an eastus gateway", pair, CONNECTION, CONN,
         conn_body(location="westus")),
    # addresses
    Case("vnet-prefix-format", "a /33 address space", azure_with, VNET, NEW_VNET + "1", vnet_body("10.5.0.0/33")),
    Case("vnet-reserved-ranges", "link-local", azure_with, VNET, NEW_VNET + "1", vnet_body("169.254.0.0/16")),
    Case("vnet-address-spaces-overlap", "a /17 inside the /16", azure_with, VNET, NEW_VNET + "1",
         vnet_body("10.5.0.0/16", "10.5.128.0/17")),
    Case("vnet-holds-its-subnets", "a /17 that drops the GatewaySubnet", azure_with, VNET, VNET_A,
         vnet_body("10.1.0.0/17"), verb="update"),
    Case("subnet-inside-vnet", "10.9.0.0/24 in 10.1.0.0/16", azure_with, SUBNET, NEW_SUBNET, {"addressPrefix": "10.9.0.0/24"}),
    Case("subnet-overlap", "a /28 inside the GatewaySubnet", azure_with, SUBNET, NEW_SUBNET,
         {"addressPrefix": "10.1.255.0/28"}),
    Case("subnet-ipv4-size", "a /30", azure_with, SUBNET, NEW_SUBNET, {"addressPrefix": "10.1.1.0/30"}),
    Case("subnet-ipv6-size", "an IPv6 /80",
         lambda: azure_with(record(f"{NET}/virtualNetworks/d", VNET, vnet_body("10.3.0.0/16", "fd00:db8::/48"))),
         SUBNET, f"{NET}/virtualNetworks/d/subnets/s", {"addressPrefixes": ["10.3.1.0/24", "fd00:db8:0:1::/80"]}),
    # gateways
    Case("gateway-subnet-name", "a subnet named other",
         lambda: azure_with(record(f"{VNET_A}/subnets/other", SUBNET, {"addressPrefix": "10.1.1.0/27"})), GATEWAY, GW_A,
         {**gateway_inputs(), "ipConfigurations": [{**gateway_inputs()["ipConfigurations"][0],
                                                    "subnet": {"id": f"{VNET_A}/subnets/other"}}]}),
    Case("gateway-subnet-size", "a /28 for VpnGw1AZ", lambda: azure_with(gateway_subnet="10.1.255.0/28"), GATEWAY, GW_A,
         gateway_inputs()),
    Case("one-gateway-per-vnet", "a second gateway in VNet a", lambda: azure_with(gateway()), GATEWAY, GW_NEW,
         gateway_inputs(ip="ip-b")),
    Case("gateway-sku-generation", "VpnGw1AZ Generation2", azure_with, GATEWAY, GW_A,
         gw_body(vpnGatewayGeneration="Generation2")),
    Case("gateway-non-az-sku-create", "a new VpnGw1", azure_with, GATEWAY, GW_A, gw_body(sku="VpnGw1")),
    Case("gateway-legacy-sku-create", "a new Standard", azure_with, GATEWAY, GW_A, gw_body(sku="Standard", gatewayType="Vpn")),
    Case("gateway-policy-based-sku", "PolicyBased VpnGw1AZ", azure_with, GATEWAY, GW_A, gw_body(vpnType="PolicyBased")),
    Case("gateway-basic-active-active", "an active-active Basic", azure_with, GATEWAY, GW_A,
         gw_body(sku="Basic", ips=("ip-a", "ip-b"), activeActive=True)),
    Case("gateway-basic-bgp", "a Basic with BGP", azure_with, GATEWAY, GW_A,
         gw_body(sku="Basic", enableBgp=True, bgpSettings={"asn": 65010})),
    Case("active-active-ip-configurations", "active-active with one IP configuration", azure_with, GATEWAY, GW_A,
         gw_body(activeActive=True)),
    Case("active-active-same-public-ip", "ip-a twice", azure_with, GATEWAY, GW_A,
         gw_body(ips=("ip-a", "ip-a"), activeActive=True)),
    Case("active-active-public-ips-alike", "a zonal and a regional public IP",
         lambda: azure_with(ip("ip-z", zones=["1", "2", "3"])), GATEWAY, GW_A,
         gw_body(ips=("ip-a", "ip-z"), activeActive=True)),
    Case("gateway-standard-public-ip", "a Basic public IP on VpnGw1AZ", azure_with, GATEWAY, GW_A,
         gateway_inputs(ip="ip-basic")),
    Case("public-ip-in-use", "gw-a's public IP on gw-2", lambda: azure_with(gateway()), GATEWAY, GW_NEW,
         gateway_inputs("b", "ip-a")),
    Case("public-ip-standard-static", "Standard, Dynamic", azure_with, PUBLIC_IP, NEW_IP,
         {"sku": {"name": "Standard"}, "publicIPAllocationMethod": "Dynamic"}),
    Case("gateway-tunnel-limit", "an 11th connection on a Basic", lambda: with_connections(10, "Basic"), CONNECTION,
         CONN, conn_body()),
    Case("vnet-busy-while-gateway-builds", "a VNet write while its gateway is Updating", lambda: building(pair()), VNET,
         VNET_A, vnet_body("10.1.0.0/16"), verb="update"),
    # bgp
    Case("gateway-reserved-asn", "ASN 65517", azure_with, GATEWAY, GW_A, gw_body(enableBgp=True, bgpSettings={"asn": 65517})),
    # connections
    Case("connection-type-endpoints", "IPsec to a VNet gateway", pair, CONNECTION, CONN,
         {**conn_body(), "connectionType": "IPsec"}),
    Case("connection-dpd-timeout", "DPD 8 s", pair, CONNECTION, CONN, conn_body(dpdTimeoutSeconds=8)),
    Case("connection-sa-lifetime", "SA lifetime 299 s", pair, CONNECTION, CONN,
         conn_body(ipsecPolicies=[policy(saLifeTimeSeconds=299)])),
    Case("connection-sa-datasize", "1023 KB", pair, CONNECTION, CONN, conn_body(ipsecPolicies=[policy(saDataSizeKilobytes=1023)])),
    Case("connection-gcm-pair", "GCMAES256 with SHA256", pair, CONNECTION, CONN,
         conn_body(ipsecPolicies=[policy(ipsecIntegrity="SHA256")])),
    Case("connection-basic-custom-ipsec", "a policy on a Basic's connection",
         lambda: with_connections(0, "Basic"), CONNECTION, CONN, conn_body(ipsecPolicies=[policy()])),
    Case("connection-basic-ikev1", "IKEv1 on a Basic", lambda: with_connections(0, "Basic"), CONNECTION, CONN,
         conn_body(connectionProtocol="IKEv1")),
    # tenancy
    Case("connection-cross-tenant-token", "a gateway of another tenant, no token of it", other_tenant, CONNECTION, CONN,
         cross_tenant_body(), auxiliary_tenants=(azure.DEFAULT_TENANT,)),
    # changes
    Case("public-ip-zones-unchanged", "zones 1,2,3 to 1", lambda: azure_with(ip("ip-z", zones=["1", "2", "3"])),
         PUBLIC_IP, f"{NET}/publicIPAddresses/ip-z", {"sku": {"name": "Standard"}, "zones": ["1"]}, verb="update"),
    Case("gateway-type-unchanged", "Vpn to ExpressRoute", lambda: azure_with(gateway(gatewayType="Vpn")), GATEWAY, GW_A,
         gw_body(gatewayType="ExpressRoute"), verb="update"),
    Case("gateway-vpn-type-unchanged", "RouteBased to PolicyBased",
         lambda: azure_with(gateway(sku="Basic", vpnType="RouteBased")), GATEWAY, GW_A,
         gw_body(sku="Basic", vpnType="PolicyBased"), verb="update"),
    Case("gateway-generation-unchanged", "Generation1 to Generation2",
         lambda: azure_with(gateway(sku="VpnGw2AZ", vpnGatewayGeneration="Generation1")), GATEWAY, GW_A,
         gw_body(sku="VpnGw2AZ", vpnGatewayGeneration="Generation2"), verb="update"),
    Case("resource-group-location-unchanged", "eastus to westus", azure_with, RG, RG_ID, {"location": "westus"},
         verb="update"),
    Case("location-unchanged", "a VNet moved to westus", azure_with, VNET, VNET_A,
         vnet_body("10.1.0.0/16", location="westus"), verb="update"),
    Case("connection-protocol-unchanged", "IKEv2 (default) to IKEv1",
         lambda: pair(connection("c", "gw-a", "gw-b", connectionType="Vnet2Vnet")), CONNECTION, CONN,
         conn_body(connectionProtocol="IKEv1"), verb="update"),
    Case("connection-type-unchanged", "IPsec to Vnet2Vnet",
         lambda: pair(connection("c", "gw-a", "gw-b", connectionType="IPsec")), CONNECTION, CONN, conn_body(),
         verb="update"),
    # more refusals of the same rules
    Case("resource-group-name", "a name ending with '.'", azure_with, RG, f"/subscriptions/{SUB}/resourceGroups/rg.",
         {"location": "eastus"}),
    Case("network-resource-name", "a gateway name ending with '-'", azure_with, GATEWAY, f"{GW_A}-", gateway_inputs()),
    Case("network-resource-name", "a subnet name starting with '_'", azure_with, SUBNET, f"{VNET_A}/subnets/_s",
         {"addressPrefix": "10.1.1.0/24"}),
    Case("network-resource-name", "an 81-character connection name", pair, CONNECTION, f"{NET}/connections/{'c' * 81}",
         conn_body()),
    Case("vnet-reserved-ranges", "a space that holds 168.63.129.16", azure_with, VNET, NEW_VNET + "1",
         vnet_body("168.0.0.0/8")),
    Case("gateway-sku-generation", "VpnGw5AZ Generation1", azure_with, GATEWAY, GW_A,
         gw_body(sku="VpnGw5AZ", vpnGatewayGeneration="Generation1")),
    Case("gateway-sku-generation", "Basic Generation2", azure_with, GATEWAY, GW_A,
         gw_body(sku="Basic", vpnGatewayGeneration="Generation2")),
    Case("gateway-basic-bgp", "a Basic sending bgpSettings, BGP off", azure_with, GATEWAY, GW_A,
         gw_body(sku="Basic", bgpSettings={"asn": 65010})),
    Case("gateway-tunnel-limit", "a 31st connection on a VpnGw1AZ", lambda: with_connections(30, "VpnGw1AZ"),
         CONNECTION, CONN, conn_body()),
    Case("vnet-busy-while-gateway-builds", "a GatewaySubnet write while its gateway's operation runs",
         lambda: building(pair(), inflight=True), SUBNET, GWSUB_A, {"addressPrefix": "10.1.255.0/27"}, verb="update"),
    Case("gateway-reserved-asn", "IANA's 23456", azure_with, GATEWAY, GW_A, gw_body(enableBgp=True, bgpSettings={"asn": 23456})),
    Case("gateway-reserved-asn", "IANA's 4294967295", azure_with, GATEWAY, GW_A,
         gw_body(enableBgp=True, bgpSettings={"asn": 4294967295})),
    Case("connection-dpd-timeout", "DPD 3601 s", pair, CONNECTION, CONN, conn_body(dpdTimeoutSeconds=3601)),
    Case("connection-sa-lifetime", "SA lifetime 172800 s", pair, CONNECTION, CONN,
         conn_body(ipsecPolicies=[policy(saLifeTimeSeconds=172800)])),
    Case("connection-gcm-pair", "GCMAES128 with GCMAES256", pair, CONNECTION, CONN,
         conn_body(ipsecPolicies=[policy(ipsecEncryption="GCMAES128")])),
    Case("connection-gcm-pair", "AES256 with GCMAES256", pair, CONNECTION, CONN,
         conn_body(ipsecPolicies=[policy(ipsecEncryption="AES256")])),
    Case("gateway-vpn-type-unchanged", "a VpnGw1AZ updated to PolicyBased: the change, not the size",
         lambda: azure_with(gateway(vpnType="RouteBased")), GATEWAY, GW_A, gw_body(vpnType="PolicyBased"), verb="update"),
    Case("location-unchanged", "a gateway moved to westus: ARM answers before the same-region check",
         lambda: azure_with(gateway()), GATEWAY, GW_A, {**gw_body(), "location": "westus"}, verb="update"),
]  # fmt: skip

# Near misses: requests each rule lets through (and every other rule too).
ACCEPTED = [
    # existence
    Case("resource-group-exists", "a VNet in rg", azure_with, VNET, NEW_VNET + "1", vnet_body("10.5.0.0/16")),
    Case("subnet-vnet-exists", "a subnet of VNet a", azure_with, SUBNET, NEW_SUBNET, {"addressPrefix": "10.1.1.0/24"}),
    Case("gateway-has-ip-configurations", "one IP configuration", azure_with, GATEWAY, GW_A, gateway_inputs()),
    Case("gateway-references-exist", "its public IP exists", azure_with, GATEWAY, GW_A, gateway_inputs(ip="ip-b")),
    Case("connection-gateways-exist", "both gateways exist", pair, CONNECTION, CONN, conn_body()),
    Case("subnet-prefix-format", "a /24", azure_with, SUBNET, NEW_SUBNET, {"addressPrefix": "10.1.1.0/24"}),
    Case("gateway-delete-in-use", "a gateway without connections", pair, GATEWAY, GW_A, verb="delete"),
    Case("subnet-delete-in-use", "a GatewaySubnet without a gateway", azure_with, SUBNET, GWSUB_A, verb="delete"),
    Case("public-ip-delete-in-use", "a public IP no gateway uses", lambda: azure_with(gateway()), PUBLIC_IP,
         f"{NET}/publicIPAddresses/ip-b", verb="delete"),
    Case("vnet-delete-with-gateway", "a VNet without a gateway", lambda: azure_with(gateway()), VNET, VNET_B,
         verb="delete"),
    # names
    Case("resource-group-name", "letters, digits, _ ( ) - . and a Unicode letter", azure_with, RG,
         f"/subscriptions/{SUB}/resourceGroups/rg-(prod)_1.é", {"location": "eastus"}),
    Case("network-resource-name", "a 2-character VNet name", azure_with, VNET, f"{NET}/virtualNetworks/v1",
         vnet_body("10.5.0.0/16")),
    Case("network-resource-name", "an 80-character connection name ending with '_'", pair, CONNECTION,
         f"{NET}/connections/{'c' * 79}_", conn_body()),
    Case("network-resource-name", "an auto-named gateway", azure_with, GATEWAY,
         f"{NET}/virtualNetworkGateways/vnet2vnet-east-gw1a2b3c4d", gateway_inputs()),
    # regions
    Case("resource-group-location-known", "a display name: West Europe", azure_with, RG,
         f"/subscriptions/{SUB}/resourceGroups/rg2", {"location": "West Europe"}),
    Case("location-known", "swedencentral", azure_with, VNET, NEW_VNET + "1",
         vnet_body("10.5.0.0/16", location="swedencentral")),
    Case("gateway-in-vnet-region", "an eastus gateway in an eastus VNet", azure_with, GATEWAY, GW_A,
         {**gateway_inputs(), "location": "eastus"}),
    Case("public-ip-in-gateway-region", "an 'East US' public IP on an eastus gateway",
         lambda: azure_with(ip("ip-e", location="East US")), GATEWAY, GW_A, {**gateway_inputs(ip="ip-e"), "location": "eastus"}),
    Case("connection-in-gateway1-region", "in gw-a's region (gw-b may be anywhere)",
         lambda: pair(record(VNET_B, VNET, vnet_body("10.2.0.0/16", location="westus")),
                      gateway("gw-b", "b", ("ip-b",), location="westus")), CONNECTION, CONN, conn_body(location="eastus")),
    # addresses
    Case("vnet-prefix-format", "a /16", azure_with, VNET, NEW_VNET + "1", vnet_body("10.5.0.0/16")),
    Case("vnet-reserved-ranges", "169.253.0.0/16, beside link-local", azure_with, VNET, NEW_VNET + "1",
         vnet_body("169.253.0.0/16")),
    Case("vnet-address-spaces-overlap", "two /16s side by side", azure_with, VNET, NEW_VNET + "1",
         vnet_body("10.5.0.0/16", "10.6.0.0/16")),
    Case("vnet-holds-its-subnets", "a second space added", azure_with, VNET, VNET_A,
         vnet_body("10.1.0.0/16", "10.9.0.0/16"), verb="update"),
    Case("subnet-inside-vnet", "10.1.1.0/24 in 10.1.0.0/16", azure_with, SUBNET, NEW_SUBNET, {"addressPrefix": "10.1.1.0/24"}),
    Case("subnet-overlap", "a /24 beside the GatewaySubnet", azure_with, SUBNET, NEW_SUBNET,
         {"addressPrefix": "10.1.254.0/24"}),
    Case("subnet-overlap", "the GatewaySubnet rewritten with its own prefix", azure_with, SUBNET, GWSUB_A,
         {"addressPrefix": "10.1.255.0/27"}, verb="update"),
    Case("subnet-ipv4-size", "a /29", azure_with, SUBNET, NEW_SUBNET, {"addressPrefix": "10.1.1.0/29"}),
    Case("subnet-ipv6-size", "an IPv6 /64",
         lambda: azure_with(record(f"{NET}/virtualNetworks/d", VNET, vnet_body("10.3.0.0/16", "fd00:db8::/48"))),
         SUBNET, f"{NET}/virtualNetworks/d/subnets/s", {"addressPrefixes": ["10.3.1.0/24", "fd00:db8:0:1::/64"]}),
    # gateways
    Case("gateway-subnet-name", "GatewaySubnet", azure_with, GATEWAY, GW_A, gateway_inputs()),
    Case("gateway-subnet-size", "a /28 for Basic", lambda: azure_with(gateway_subnet="10.1.255.0/28"), GATEWAY, GW_A,
         gw_body(sku="Basic")),
    Case("one-gateway-per-vnet", "a second gateway in VNet b", lambda: azure_with(gateway()), GATEWAY, GW_NEW,
         gateway_inputs("b", "ip-b")),
    Case("gateway-sku-generation", "VpnGw2AZ Generation2", azure_with, GATEWAY, GW_A,
         gw_body(sku="VpnGw2AZ", vpnGatewayGeneration="Generation2")),
    Case("gateway-sku-generation", "VpnGw1AZ Generation1", azure_with, GATEWAY, GW_A,
         gw_body(vpnGatewayGeneration="Generation1")),
    Case("gateway-non-az-sku-create", "an update of an existing VpnGw1",
         lambda: azure_with(gateway(sku="VpnGw1")), GATEWAY, GW_A, gw_body(sku="VpnGw1", tags={"a": "b"}), verb="update"),
    Case("gateway-legacy-sku-create", "an update of an existing Standard",
         lambda: azure_with(gateway(sku="Standard")), GATEWAY, GW_A, gw_body(sku="Standard"), verb="update"),
    Case("gateway-policy-based-sku", "PolicyBased Basic", azure_with, GATEWAY, GW_A,
         gw_body(sku="Basic", vpnType="PolicyBased")),
    Case("gateway-basic-active-active", "an active-standby Basic", azure_with, GATEWAY, GW_A, gw_body(sku="Basic")),
    Case("gateway-basic-bgp", "a Basic without BGP", azure_with, GATEWAY, GW_A, gw_body(sku="Basic", enableBgp=False)),
    Case("active-active-ip-configurations", "active-active with two", azure_with, GATEWAY, GW_A,
         gw_body(ips=("ip-a", "ip-b"), activeActive=True)),
    Case("active-active-same-public-ip", "ip-a and ip-b", azure_with, GATEWAY, GW_A,
         gw_body(ips=("ip-a", "ip-b"), activeActive=True)),
    Case("active-active-public-ips-alike", "two zone-redundant static IPs",
         lambda: azure_with(*(ip(n, zones=["1", "2", "3"], publicIPAllocationMethod="Static") for n in ("z1", "z2"))),
         GATEWAY, GW_A, gw_body(ips=("z1", "z2"), activeActive=True)),
    Case("gateway-standard-public-ip", "a Basic public IP on a Basic gateway", azure_with, GATEWAY, GW_A,
         gw_body(sku="Basic", ips=("ip-basic",))),
    Case("public-ip-in-use", "gw-a's public IP rewritten by gw-a", lambda: azure_with(gateway()), GATEWAY, GW_A,
         gateway_inputs(), verb="update"),
    Case("public-ip-standard-static", "Standard, Static", azure_with, PUBLIC_IP, NEW_IP,
         {"sku": {"name": "Standard"}, "publicIPAllocationMethod": "Static"}),
    Case("public-ip-standard-static", "Basic, Dynamic", azure_with, PUBLIC_IP, NEW_IP,
         {"sku": {"name": "Basic"}, "publicIPAllocationMethod": "Dynamic"}),
    Case("gateway-tunnel-limit", "a 10th connection on a Basic", lambda: with_connections(9, "Basic"), CONNECTION, CONN,
         conn_body()),
    Case("gateway-tunnel-limit", "an update at the limit", lambda: with_connections(10, "Basic"), CONNECTION,
         f"{NET}/connections/c0", conn_body(), verb="update"),
    Case("vnet-busy-while-gateway-builds", "a VNet write once its gateway Succeeded", pair, VNET, VNET_A,
         vnet_body("10.1.0.0/16"), verb="update"),
    Case("vnet-busy-while-gateway-builds", "a workload subnet while the gateway builds", lambda: building(pair()),
         SUBNET, NEW_SUBNET, {"addressPrefix": "10.1.1.0/24"}),
    # bgp
    Case("gateway-reserved-asn", "ASN 65516", azure_with, GATEWAY, GW_A, gw_body(enableBgp=True, bgpSettings={"asn": 65516})),
    Case("gateway-reserved-asn", "ASN 65515, the default of every gateway", azure_with, GATEWAY, GW_A,
         gw_body(enableBgp=True, bgpSettings={"asn": 65515})),
    Case("gateway-reserved-asn", "ASN 4294967294", azure_with, GATEWAY, GW_A,
         gw_body(enableBgp=True, bgpSettings={"asn": 4294967294})),
    # connections
    Case("connection-type-endpoints", "Vnet2Vnet to a VNet gateway", pair, CONNECTION, CONN, conn_body()),
    Case("connection-dpd-timeout", "DPD 9 s", pair, CONNECTION, CONN, conn_body(dpdTimeoutSeconds=9)),
    Case("connection-dpd-timeout", "DPD 3600 s", pair, CONNECTION, CONN, conn_body(dpdTimeoutSeconds=3600)),
    Case("connection-sa-lifetime", "SA lifetime 300 s", pair, CONNECTION, CONN,
         conn_body(ipsecPolicies=[policy(saLifeTimeSeconds=300)])),
    Case("connection-sa-lifetime", "SA lifetime 172799 s", pair, CONNECTION, CONN,
         conn_body(ipsecPolicies=[policy(saLifeTimeSeconds=172799)])),
    Case("connection-sa-datasize", "0 KB", pair, CONNECTION, CONN, conn_body(ipsecPolicies=[policy(saDataSizeKilobytes=0)])),
    Case("connection-sa-datasize", "1024 KB", pair, CONNECTION, CONN,
         conn_body(ipsecPolicies=[policy(saDataSizeKilobytes=1024)])),
    Case("connection-gcm-pair", "GCMAES256 with GCMAES256", pair, CONNECTION, CONN, conn_body(ipsecPolicies=[policy()])),
    Case("connection-gcm-pair", "AES256 with SHA256", pair, CONNECTION, CONN,
         conn_body(ipsecPolicies=[policy(ipsecEncryption="AES256", ipsecIntegrity="SHA256")])),
    Case("connection-basic-custom-ipsec", "a policy on a VpnGw1AZ's connection", pair, CONNECTION, CONN,
         conn_body(ipsecPolicies=[policy()])),
    Case("connection-basic-ikev1", "IKEv1 on a VpnGw1AZ", pair, CONNECTION, CONN, conn_body(connectionProtocol="IKEv1")),
    # tenancy
    Case("connection-cross-tenant-token", "with a token of the other tenant", other_tenant, CONNECTION, CONN,
         cross_tenant_body(), auxiliary_tenants=(azure.DEFAULT_TENANT, OTHER_TENANT)),
    Case("connection-cross-tenant-token", "another subscription of the same tenant",
         lambda: other_tenant(same_tenant=True), CONNECTION, CONN, cross_tenant_body(),
         auxiliary_tenants=(azure.DEFAULT_TENANT,)),
    # changes
    Case("public-ip-zones-unchanged", "the same zones in another order",
         lambda: azure_with(ip("ip-z", zones=["1", "2", "3"])), PUBLIC_IP, f"{NET}/publicIPAddresses/ip-z",
         {"sku": {"name": "Standard"}, "zones": ["3", "2", "1"]}, verb="update"),
    Case("gateway-type-unchanged", "Vpn stays Vpn", lambda: azure_with(gateway(gatewayType="Vpn")), GATEWAY, GW_A,
         gw_body(gatewayType="Vpn", tags={"a": "b"}), verb="update"),
    Case("gateway-vpn-type-unchanged", "RouteBased stays RouteBased",
         lambda: azure_with(gateway(vpnType="RouteBased")), GATEWAY, GW_A, gw_body(vpnType="RouteBased", tags={"a": "b"}),
         verb="update"),
    Case("gateway-generation-unchanged", "a generation written where none was",
         lambda: azure_with(gateway(sku="VpnGw2AZ")), GATEWAY, GW_A,
         gw_body(sku="VpnGw2AZ", vpnGatewayGeneration="Generation2"), verb="update"),
    Case("resource-group-location-unchanged", "eastus written as 'East US'", azure_with, RG, RG_ID,
         {"location": "East US"}, verb="update"),
    Case("location-unchanged", "the resource group's location written out", azure_with, VNET, VNET_A,
         vnet_body("10.1.0.0/16", location="eastus"), verb="update"),
    Case("connection-protocol-unchanged", "the default IKEv2 written out",
         lambda: pair(connection("c", "gw-a", "gw-b", connectionType="Vnet2Vnet")), CONNECTION, CONN,
         conn_body(connectionProtocol="IKEv2"), verb="update"),
    Case("connection-type-unchanged", "Vnet2Vnet stays Vnet2Vnet",
         lambda: pair(connection("c", "gw-a", "gw-b", connectionType="Vnet2Vnet")), CONNECTION, CONN, conn_body(),
         verb="update"),
]  # fmt: skip


def _id(case: Case) -> str:
    return f"{case.rule}: {case.what}"


@pytest.mark.parametrize("case", REFUSED, ids=_id)
def test_azure_refuses(case: Case) -> None:
    expected = rules.by_id(case.rule)
    with pytest.raises(azure.AzureError) as refused:
        case.run()
    error = refused.value
    assert error.rule == case.rule, f"{case.what}: refused by {error.rule!r}, not {case.rule!r}: {error}"
    assert (error.code, error.status) == (expected.code, expected.status), str(error)
    assert f"ERROR CODE: {expected.code}" in str(error), "worded as azure-native reports Azure's errors"


@pytest.mark.parametrize("case", ACCEPTED, ids=_id)
def test_azure_accepts_the_near_miss(case: Case) -> None:
    try:
        case.run()
    except azure.AzureError as error:  # pragma: no cover - the failure's message
        pytest.fail(f"{case.rule}: {case.what} was refused by {error.rule or 'a check'}: {error}")


def test_every_rule_with_a_check_has_a_refusal_and_a_near_miss() -> None:
    checked = {entry.id for entry in rules.all_rules() if entry.check is not None}
    assert not checked - {case.rule for case in REFUSED}, "rules without a refused row"
    assert not checked - {case.rule for case in ACCEPTED}, "rules without a near-miss row"
    known = {entry.id for entry in rules.all_rules()}
    assert not {case.rule for case in [*REFUSED, *ACCEPTED]} - known, "rows of rules that do not exist"


def test_rule_ids_are_unique_and_every_rule_names_a_source() -> None:
    table = rules.all_rules()
    assert len({entry.id for entry in table}) == len(table)
    for entry in table:
        assert entry.refuses and "https://" in entry.source, entry.id
        assert entry.types and all(t in azure.RESOURCE_TYPES for t in entry.types), entry.id


def test_a_code_azure_never_documented_is_labelled_the_emulators_own() -> None:
    """An `EmulatorRule...` code never passes for Azure's, and says so in the coverage table."""
    for entry in rules.all_rules():
        labelled = entry.code.startswith("EmulatorRule")
        undocumented = "(Azure's code not documented)" in entry.refuses
        assert labelled == undocumented, f"{entry.id}: code {entry.code!r} vs {entry.refuses!r}"


def test_links_that_never_connect_are_status_rules_without_a_code() -> None:
    status = [entry for entry in rules.all_rules() if entry.when == rules.STATUS]
    assert {
        "bgp-equal-asns", "bgp-on-one-side", "link-keys-differ", "link-keys-generated", "link-policy-differs",
        "link-vnets-overlap",
    } <= {entry.id for entry in status}  # fmt: skip
    assert all(entry.check is None and entry.code == "" for entry in status)


def test_the_coverage_table_lists_every_rule() -> None:
    table = rules.coverage_markdown()
    assert all(f"`{entry.id}`" in table for entry in rules.all_rules())
    assert "never Connected" in table and "not enforced" in table


def test_the_emulators_region_list_and_tables_are_its_own() -> None:
    from vnet2vnet.emulator.rules import bgp, gateways, regions

    assert {"eastus", "westus2", "northeurope", "swedencentral", "japaneast", "westeurope"} <= regions.KNOWN_REGIONS
    assert "mars" not in regions.KNOWN_REGIONS and regions.REGIONS_LIST_DATE
    assert 65515 not in bgp.RESERVED_ASNS, "the ASN every gateway has by default"
    assert gateways.TUNNEL_LIMITS["Basic"] == 10 and gateways.TUNNEL_LIMITS["VpnGw5AZ"] == 100
