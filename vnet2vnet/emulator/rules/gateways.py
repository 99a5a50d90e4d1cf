"""VPN gateways: their GatewaySubnet, one per VNet, their SKU and generation, their IP configurations and public
IPs, the tunnels a SKU carries, and the VNet they lock while they are built."""

from __future__ import annotations

import ipaddress
from typing import Any

from vnet2vnet.emulator import azure
from vnet2vnet.emulator.azure import CONNECTION, GATEWAY, PUBLIC_IP, SUBNET, VNET
from vnet2vnet.emulator.rules import PUT, Refused, Request, declare, rule

VPN_SETTINGS_DOC = azure.VPN_SETTINGS_DOC
ACTIVE_ACTIVE_DOC = "https://learn.microsoft.com/azure/vpn-gateway/active-active-portal"
PUBLIC_IP_DOC = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-gateway-settings#publicip"
SKUS_DOC = "https://learn.microsoft.com/azure/vpn-gateway/about-gateway-skus"
CONSOLIDATION_DOC = "https://learn.microsoft.com/azure/vpn-gateway/gateway-sku-consolidation"
ERRORS_DOC = "https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/common-deployment-errors"

# The SKU table (SKUS_DOC, its newest copy): the generations each SKU is built in. Basic and VpnGw1(AZ): Generation1
# only; VpnGw2(AZ) and VpnGw3(AZ): either; VpnGw4(AZ) and VpnGw5(AZ): Generation2 only.
SKU_GENERATIONS: dict[str, frozenset[str]] = {
    "Basic": frozenset({"Generation1"}),
    **{sku: frozenset({"Generation1"}) for sku in ("VpnGw1", "VpnGw1AZ")},
    **{sku: frozenset({"Generation1", "Generation2"}) for sku in ("VpnGw2", "VpnGw2AZ", "VpnGw3", "VpnGw3AZ")},
    **{sku: frozenset({"Generation2"}) for sku in ("VpnGw4", "VpnGw4AZ", "VpnGw5", "VpnGw5AZ")},
}
# "Effective January 1, 2025: Creation of new VPN gateways using VpnGw1-5 SKUs (non-AZ) will no longer be possible"
# (CONSOLIDATION_DOC); existing ones keep working until they are migrated.
NON_AZ_SKUS = frozenset({"VpnGw1", "VpnGw2", "VpnGw3", "VpnGw4", "VpnGw5"})
LEGACY_SKUS = frozenset({"Standard", "HighPerformance"})
# S2S/VNet-to-VNet tunnels per gateway (SKUS_DOC: "Basic Max. 10 ... VpnGw1AZ-VpnGw3AZ Max. 30 ... VpnGw4AZ,
# VpnGw5AZ Max. 100"); the non-AZ SKUs have the same limits as their AZ counterparts.
TUNNEL_LIMITS: dict[str, int] = {
    "Basic": 10,
    **{sku: 30 for sku in ("VpnGw1", "VpnGw1AZ", "VpnGw2", "VpnGw2AZ", "VpnGw3", "VpnGw3AZ")},
    **{sku: 100 for sku in ("VpnGw4", "VpnGw4AZ", "VpnGw5", "VpnGw5AZ")},
}


def sku_of(body: dict[str, Any]) -> str:
    return str((body.get("sku") or {}).get("name") or "")


def is_vpn(body: dict[str, Any]) -> bool:
    return str(body.get("gatewayType") or "Vpn") == "Vpn"


def _subnet(request: Request) -> dict[str, Any] | None:
    configs = request.body.get("ipConfigurations") or [{}]
    return azure.find(request.state, azure.ref(configs[0].get("subnet")))


def _public_ips(request: Request) -> list[tuple[str, dict[str, Any] | None]]:
    return [
        (ip_id, azure.find(request.state, ip_id))
        for ip_id in (azure.ref(c.get("publicIPAddress")) for c in request.body.get("ipConfigurations") or [])
    ]


@rule(
    "gateway-subnet-name",
    (GATEWAY,),
    "GatewaySubnet",
    "a VPN gateway in a subnet not named GatewaySubnet",
    VPN_SETTINGS_DOC,
    validated_by="by construction: the program names it GatewaySubnet",
)
def _gateway_subnet_name(request: Request) -> None:
    subnet = _subnet(request)
    if subnet is not None and subnet["name"] != "GatewaySubnet":
        raise Refused(f"Gateway subnet must be named 'GatewaySubnet' ({VPN_SETTINGS_DOC}).")


@rule(
    "gateway-subnet-size",
    (GATEWAY,),
    "GatewaySubnetIsTooSmall",
    "a GatewaySubnet smaller than /27 (/29 for Basic)",
    VPN_SETTINGS_DOC,
    validated_by="address plan: GatewaySubnet size for the SKU",
)
def _gateway_subnet_size(request: Request) -> None:
    subnet = _subnet(request)
    if subnet is None:
        return
    sku = sku_of(request.body)
    prefixes = [p for p in azure.subnet_prefixes(subnet["inputs"]) if ipaddress.ip_network(str(p)).version == 4]
    length = ipaddress.ip_network(str(prefixes[0])).prefixlen if prefixes else 32
    smallest = 29 if sku == "Basic" else 27
    if length > smallest:
        raise Refused(
            f"GatewaySubnet /{length} is too small for SKU {sku}: /{smallest} or larger ({VPN_SETTINGS_DOC})."
        )


@rule(
    "one-gateway-per-vnet",
    (GATEWAY,),
    "VnetAlreadyHasGateway",
    "a second VPN gateway in a VNet",
    VPN_SETTINGS_DOC,
    verbs=("create", "update"),
    validated_by="by construction: one gateway per VNet; recover imports an interrupted one",
)
def _one_gateway_per_vnet(request: Request) -> None:
    configs = request.body.get("ipConfigurations") or [{}]
    subnet_id = azure.ref(configs[0].get("subnet"))
    vnet_id = azure.key(azure.parent_id(subnet_id))
    for other in azure.of_type(request.state, GATEWAY):
        if (
            azure.key(other["id"]) != azure.key(request.rid)
            and azure.key(azure.parent_id(azure.gateway_subnet_id(other))) == vnet_id
        ):
            vnet = azure.parent_id(subnet_id)
            raise Refused(f"Virtual network {vnet} already has VPN gateway {other['id']} ({VPN_SETTINGS_DOC}).")


# ------------------------------------------------------------------------------------------ SKU and generation


@rule(
    "gateway-sku-generation",
    (GATEWAY,),
    "VirtualNetworkGatewaySkuCannotBeCreatedForSpecifiedVmGeneration",
    "a generation the SKU is not built in (Basic, VpnGw1AZ: Generation1; VpnGw2AZ/3AZ: either; VpnGw4AZ/5AZ: "
    "Generation2)",
    f"{SKUS_DOC}; https://github.com/Azure/Enterprise-Scale/issues/504",
    validated_by="gateway: generation fits the SKU",
)
def _sku_generation(request: Request) -> None:
    sku, generation = sku_of(request.body), str(request.body.get("vpnGatewayGeneration") or "")
    allowed = SKU_GENERATIONS.get(sku)
    if allowed and generation in ("Generation1", "Generation2") and generation not in allowed:
        raise Refused(
            f"The Virtual Network Gateway Sku {sku} cannot be used when VirtualNetworkVpnGatewayGeneration is set "
            f"to {generation}."
        )


@rule(
    "gateway-non-az-sku-create",
    (GATEWAY,),
    "EmulatorRuleNonAzSkuCreation",
    "creating a VPN gateway of a non-AZ SKU VpnGw1..VpnGw5 (blocked since 1 January 2025; an existing one may still "
    "be updated) (Azure's code not documented)",
    CONSOLIDATION_DOC,
    verbs=("create",),
    validated_by="gateway: SKU is VpnGw1AZ..VpnGw5AZ or Basic (non-AZ refused with the AZ SKU to use)",
)
def _non_az_sku_create(request: Request) -> None:
    sku = sku_of(request.body)
    if request.old is None and is_vpn(request.body) and sku in NON_AZ_SKUS:
        raise Refused(
            f"Creation of new VPN gateways using VpnGw1-5 SKUs (non-AZ) is no longer possible: use {sku}AZ "
            f"({CONSOLIDATION_DOC})."
        )


@rule(
    "gateway-legacy-sku-create",
    (GATEWAY,),
    "EmulatorRuleLegacySkuCreation",
    "creating a VPN gateway of the legacy Standard or HighPerformance SKU (Azure's code not documented)",
    "https://github.com/microsoft/sql-server-samples/pull/1292",
    verbs=("create",),
    validated_by="gateway: legacy SKUs list the valid SKUs",
)
def _legacy_sku_create(request: Request) -> None:
    if request.old is None and is_vpn(request.body) and sku_of(request.body) in LEGACY_SKUS:
        raise Refused(
            "New creations for Standard or HighPerformance sku is not supported. Follow the link for more details : "
            "https://go.microsoft.com/fwlink/p/?linkid=2241350"
        )


@rule(
    "gateway-policy-based-sku",
    (GATEWAY,),
    "InvalidGatewaySize",
    "creating a PolicyBased VPN gateway of a SKU other than Basic (an update to PolicyBased is a vpnType change)",
    "https://github.com/hashicorp/terraform-provider-azurerm/issues/8132",
    verbs=("create",),
    validated_by="by construction: the program builds RouteBased gateways",
)
def _policy_based_sku(request: Request) -> None:
    sku = sku_of(request.body)
    if str(request.body.get("vpnType") or "") == "PolicyBased" and sku and sku != "Basic":
        raise Refused(f"The specified gateway size is not valid, supported gateway sizes are Basic (not {sku}).")


@rule(
    "gateway-basic-active-active",
    (GATEWAY,),
    "EmulatorRuleBasicActiveActive",
    "an active-active Basic SKU gateway (Azure's code not documented)",
    SKUS_DOC,
    validated_by="gateway: Basic: no active-active, no BGP, no custom IPsec policy",
)
def _basic_active_active(request: Request) -> None:
    if sku_of(request.body) == "Basic" and request.body.get("activeActive"):
        raise Refused(f"The Basic SKU does not support active-active gateways ({SKUS_DOC}).")


@rule(
    "gateway-basic-bgp",
    (GATEWAY,),
    "BasicSkuVirtualNetworkGatewayDoesNotSupportBgp",
    "BGP on a Basic SKU gateway (enableBgp, or bgpSettings sent)",
    f"{azure.VPN_FAQ}; https://github.com/Azure/terraform-azurerm-caf-enterprise-scale/issues/369",
    validated_by="gateway: Basic: no active-active, no BGP, no custom IPsec policy",
)
def _basic_bgp(request: Request) -> None:
    if sku_of(request.body) == "Basic" and (request.body.get("enableBgp") or request.body.get("bgpSettings")):
        raise Refused(
            "A virtual network gateway SKU of Standard or higher is required for BGP support on virtual network "
            f"gateway {request.rid}."
        )


# ------------------------------------------------------------------------------------------ IP configurations


@rule(
    "active-active-ip-configurations",
    (GATEWAY,),
    "ActiveActiveGatewayMustHaveExactlyTwoIpConfigurations",
    "an active-active gateway without exactly two IP configurations (or active-standby without exactly one)",
    f"{ACTIVE_ACTIVE_DOC}; https://github.com/Azure/ALZ-Bicep/issues/768",
    validated_by="by construction: one IP configuration per instance",
)
def _active_active_configs(request: Request) -> None:
    configs = request.body.get("ipConfigurations") or []
    if bool(request.body.get("activeActive")) != (len(configs) == 2):
        raise Refused(
            f"Gateway has {len(configs)} IP configurations specified for gateway {request.rid}. ActiveActive Gateway "
            "must be created with two IP configurations (an active-standby one with one)."
        )


@rule(
    "active-active-same-public-ip",
    (GATEWAY,),
    "EmulatorRuleActiveActiveSamePublicIp",
    "an active-active gateway with the same public IP in both IP configurations (Azure's code not documented)",
    f"{ACTIVE_ACTIVE_DOC}; https://github.com/MicrosoftLearning/AZ-100-MicrosoftAzureInfrastructureDeployment/issues/15",
    validated_by="by construction: one public IP per instance",
)
def _same_public_ip(request: Request) -> None:
    seen: set[str] = set()
    for ip_id, _ in _public_ips(request):
        if azure.key(ip_id) in seen:
            raise Refused(
                f"IP configurations of {request.rid} are referencing public IP address {ip_id} that is already "
                "allocated to another IP configuration of the gateway."
            )
        seen.add(azure.key(ip_id))


def _ip_shape(ip: dict[str, Any]) -> tuple[str, str, tuple[str, ...]]:
    inputs = ip["inputs"]
    return (
        str((inputs.get("sku") or {}).get("name") or "Basic"),
        str(inputs.get("publicIPAllocationMethod") or ""),
        tuple(sorted(str(z) for z in inputs.get("zones") or [])),
    )


@rule(
    "active-active-public-ips-alike",
    (GATEWAY,),
    "ActiveActiveGatewayPublicIPAddressesDiffersInSkuOrZones",
    "an active-active gateway whose two public IPs differ in SKU, allocation method or zones",
    "https://github.com/Azure/terraform-azurerm-caf-enterprise-scale/issues/940",
    validated_by="by construction: a gateway's public IPs are made alike",
)
def _public_ips_alike(request: Request) -> None:
    found = [ip for _, ip in _public_ips(request) if ip is not None]
    if request.body.get("activeActive") and len({_ip_shape(ip) for ip in found}) > 1:
        raise Refused(
            f"Active-active gateway {request.rid} is using PublicIPAddresses either with different Skus or with "
            "different PublicIPAllocationMethod or from a different availability zones."
        )


@rule(
    "gateway-standard-public-ip",
    (GATEWAY,),
    "PublicIpWithBasicSkuNotAllowedOnVPNGateways",
    "a Basic SKU public IP on a VPN gateway other than Basic",
    f"{SKUS_DOC}; https://github.com/hashicorp/terraform-provider-azurerm/issues/24112",
    validated_by="by construction: Standard static public IPs",
)
def _standard_public_ip(request: Request) -> None:
    if sku_of(request.body) == "Basic":
        return  # a Basic gateway took a Basic public IP (new ones take Standard + Static: either is accepted)
    for ip_id, ip in _public_ips(request):
        if ip is not None and str((ip["inputs"].get("sku") or {}).get("name") or "Basic") != "Standard":
            raise Refused(
                f"Basic IP configuration for VPN Virtual Network Gateways is not supported ({ip_id} is Basic SKU)."
            )


@rule(
    "public-ip-in-use",
    (GATEWAY,),
    "PublicIPAddressInUse",
    "a public IP another gateway uses",
    PUBLIC_IP_DOC,
    validated_by="by construction: one public IP per instance",
)
def _public_ip_in_use(request: Request) -> None:
    for ip_id, _ in _public_ips(request):
        user = azure.ip_user(request.state, ip_id)
        if user and azure.key(user) != azure.key(request.rid):
            raise Refused(f"Public IP {ip_id} is in use by {user}.")


@rule(
    "public-ip-standard-static",
    (PUBLIC_IP,),
    "StandardSkuPublicIPAddressesMustBeStatic",
    "a Standard SKU public IP with Dynamic allocation",
    "https://github.com/MicrosoftDocs/azure-docs/issues/42889",
    validated_by="by construction: Standard static public IPs",
)
def _standard_static(request: Request) -> None:
    sku = str((request.body.get("sku") or {}).get("name") or "")
    if sku == "Standard" and str(request.body.get("publicIPAllocationMethod") or "") == "Dynamic":
        raise Refused(f"Standard sku publicIp {request.rid} must have AllocationMethod set to Static.")


declare(
    "az-sku-public-ip-zones",
    (GATEWAY,),
    "VmssVpnGatewayPublicIpsMustHaveZonesConfigured",
    "an AZ SKU gateway with a Standard public IP without zones",
    f"https://github.com/Azure/ResourceModules/issues/2609; {CONSOLIDATION_DOC}",
    when=PUT,
    enforced=False,
    why_not="not enforced: observed in 2023, relaxed since (AZ SKUs deploy regionally where a region has no zones)",
    validated_by="gateway: zones one or all three, none where the region has no zones",
)


# ------------------------------------------------------------------------------------------ tunnels and locks


@rule(
    "gateway-tunnel-limit",
    (CONNECTION,),
    "EmulatorRuleTunnelLimit",
    "a connection beyond its gateway's S2S/VNet-to-VNet tunnels: Basic 10, VpnGw1AZ-3AZ 30, VpnGw4AZ-5AZ 100 (the "
    "connections whose virtualNetworkGateway1 it is) (Azure's code not documented)",
    SKUS_DOC,
    verbs=("create",),
    validated_by="capacity: tunnels per SKU",
)
def _tunnel_limit(request: Request) -> None:
    gateway_id = azure.ref(request.body.get("virtualNetworkGateway1"))
    gateway = azure.find(request.state, gateway_id)
    limit = TUNNEL_LIMITS.get(sku_of(gateway["inputs"])) if gateway is not None else None
    if gateway is None or limit is None:
        return
    others = [
        c
        for c in azure.of_type(request.state, CONNECTION)
        if azure.key(azure.ref(c["inputs"].get("virtualNetworkGateway1"))) == azure.key(gateway_id)
        and azure.key(c["id"]) != azure.key(request.rid)
    ]
    if len(others) + 1 > limit:
        raise Refused(
            f"Gateway {gateway_id} ({sku_of(gateway['inputs'])}) has {len(others)} connections, its SKU's limit of "
            f"{limit} S2S/VNet-to-VNet tunnels ({SKUS_DOC})."
        )


def _being_built(state: dict[str, Any], gateway: dict[str, Any]) -> bool:
    operation = (state.get("inflight") or {}).get(azure.key(gateway["id"]))
    return gateway.get("provisioningState") == "Updating" or (
        operation is not None and operation.get("verb") != "delete"
    )


@rule(
    "vnet-busy-while-gateway-builds",
    (VNET, SUBNET),
    "AnotherOperationInProgress",
    "a write on a VNet or its GatewaySubnet while the VNet's gateway is being built or updated",
    f"{ERRORS_DOC}; https://github.com/Azure/azure-quickstart-templates/issues/2786",
    status=409,
    validated_by="by construction: the gateway waits for the VNet's subnet writes",
)
def _vnet_busy(request: Request) -> None:
    for gateway in azure.of_type(request.state, GATEWAY):
        subnet_id = azure.gateway_subnet_id(gateway)
        used = subnet_id if request.type_token == SUBNET else azure.parent_id(subnet_id)
        if azure.key(used) == azure.key(request.rid) and _being_built(request.state, gateway):
            raise Refused(
                "Another operation on this or dependent resource is in progress. To retrieve status of the operation "
                f"use uri: https://management.azure.com{gateway['id']}/operations (gateway {gateway['name']} is "
                f"{gateway.get('provisioningState') or 'Updating'})."
            )
