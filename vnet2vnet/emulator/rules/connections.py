"""Connections: their type and endpoints, DPD timeout and custom IPsec/IKE policy, what a Basic gateway's connections
cannot have; and what makes the two directions of a VNet-to-VNet link never connect (no refusal:
azure.connection_status reports those links NotConnected)."""

from __future__ import annotations

from typing import Any

from vnet2vnet.emulator import azure
from vnet2vnet.emulator.azure import CONNECTION
from vnet2vnet.emulator.rules import STATUS, Refused, Request, declare, rule

VPN_FAQ = azure.VPN_FAQ
# The IPsec/IKE part of the VPN FAQ (includes/vpn-gateway-faq-ipsecikepolicy-include.md).
IPSEC_FAQ = f"{VPN_FAQ}#ipsec"
IPSEC_HOWTO = "https://learn.microsoft.com/azure/vpn-gateway/ipsec-ike-policy-howto"
VNET_TO_VNET_FAQ = f"{VPN_FAQ}#V2VMulti"
POWERSHELL_IPSEC = "https://github.com/Azure/azure-powershell (NewAzureRmIpsecPolicyCommand.cs)"

# "You can specify a different DPD timeout value on each IPsec or VNet-to-VNet connection between 9 seconds to 3600
# seconds" (IPSEC_FAQ).
DPD_RANGE = (9, 3600)
# "Seconds (integer; min. 300/default 27000 seconds)" (IPSEC_FAQ); the upper bound is PowerShell's
# [ValidateRange(300, 172799)], as azurerm's.
SA_LIFETIME_RANGE = (300, 172799)
# "KBytes (integer; min. 1024/default 102400000 KBytes)" (IPSEC_FAQ); PowerShell: "SA life time in kilobytes must
# be 0 or between 1024 and 2147483647 included".
SA_DATASIZE_RANGE = (1024, 2147483647)
GCM = ("GCMAES128", "GCMAES192", "GCMAES256")


def _policies(request: Request) -> list[dict[str, Any]]:
    return [p for p in request.body.get("ipsecPolicies") or [] if isinstance(p, dict)]


def _gateway1(request: Request) -> dict[str, Any] | None:
    return azure.find(request.state, azure.ref(request.body.get("virtualNetworkGateway1")))


def _sku(gateway: dict[str, Any] | None) -> str:
    return str(((gateway or {}).get("inputs", {}).get("sku") or {}).get("name") or "")


def _integer(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@rule(
    "connection-type-endpoints",
    (CONNECTION,),
    "GatewayConnectionMustHaveExactlyTwoEndpoints",
    "a connection to a VNet gateway (virtualNetworkGateway2) whose connectionType is not exactly `Vnet2Vnet`, or a "
    "Vnet2Vnet one with a local network gateway (code observed for a miscased connectionType)",
    "https://github.com/Azure/ResourceModules/issues/1402",
    validated_by="by construction: the program writes connectionType Vnet2Vnet",
)
def _type_endpoints(request: Request) -> None:
    kind = str(request.body.get("connectionType") or "")
    vnet_gateway = azure.ref(request.body.get("virtualNetworkGateway2"))
    local_gateway = azure.ref(request.body.get("localNetworkGateway2"))
    if not kind:
        return  # the spec's to refuse: connectionType is required
    if (vnet_gateway and kind != "Vnet2Vnet") or (kind == "Vnet2Vnet" and local_gateway):
        raise Refused(
            f"Virtual Network Gateway connection {request.rid} must have exactly two endpoints. The first endpoint "
            "must be a VirtualNetworkGateway, the second endpoint can be a VirtualNetworkGateway or a "
            f"LocalNetworkGateway or a ExpressRouteCircuit (connectionType {kind})."
        )


@rule(
    "connection-dpd-timeout",
    (CONNECTION,),
    "EmulatorRuleDpdTimeout",
    "a dpdTimeoutSeconds outside 9..3600 (Azure's code not documented)",
    IPSEC_FAQ,
    validated_by="connection: dpdTimeoutSeconds 9..3600",
)
def _dpd_timeout(request: Request) -> None:
    value = request.body.get("dpdTimeoutSeconds")
    seconds = _integer(value)
    if value is not None and seconds is not None and not DPD_RANGE[0] <= seconds <= DPD_RANGE[1]:
        raise Refused(
            f"DPD timeout {seconds} seconds of connection {request.rid} is outside {DPD_RANGE[0]}-{DPD_RANGE[1]} "
            f"seconds ({IPSEC_FAQ})."
        )


@rule(
    "connection-sa-lifetime",
    (CONNECTION,),
    "EmulatorRuleSaLifetime",
    "an IPsec policy's saLifeTimeSeconds outside 300..172799 (the FAQ's minimum; the maximum is PowerShell's and "
    "azurerm's) (Azure's code not documented)",
    f"{IPSEC_FAQ}; {POWERSHELL_IPSEC}",
    validated_by="connection: saLifeTimeSeconds 300..172799",
)
def _sa_lifetime(request: Request) -> None:
    for policy in _policies(request):
        seconds = _integer(policy.get("saLifeTimeSeconds"))
        if seconds is not None and not SA_LIFETIME_RANGE[0] <= seconds <= SA_LIFETIME_RANGE[1]:
            raise Refused(
                f"SA lifetime {seconds} seconds of connection {request.rid} is outside {SA_LIFETIME_RANGE[0]}-"
                f"{SA_LIFETIME_RANGE[1]} seconds ({IPSEC_FAQ})."
            )


@rule(
    "connection-sa-datasize",
    (CONNECTION,),
    "EmulatorRuleSaDataSize",
    "an IPsec policy's saDataSizeKilobytes neither 0 nor in 1024..2147483647 (Azure's code not documented)",
    f"{IPSEC_FAQ}; {POWERSHELL_IPSEC}",
    validated_by="connection: saDataSizeKilobytes 0 or 1024..2147483647",
)
def _sa_datasize(request: Request) -> None:
    for policy in _policies(request):
        size = _integer(policy.get("saDataSizeKilobytes"))
        if size is not None and size != 0 and not SA_DATASIZE_RANGE[0] <= size <= SA_DATASIZE_RANGE[1]:
            raise Refused(
                f"SA life time in kilobytes ({size}) of connection {request.rid} must be 0 or between "
                f"{SA_DATASIZE_RANGE[0]} and {SA_DATASIZE_RANGE[1]} ({IPSEC_FAQ})."
            )


@rule(
    "connection-gcm-pair",
    (CONNECTION,),
    "EmulatorRuleGcmMismatch",
    "a GCMAES IPsec encryption or integrity without the same GCMAES algorithm in the other (Azure's code not "
    "documented)",
    f"{IPSEC_FAQ}; {POWERSHELL_IPSEC}",
    validated_by="connection: GCM IPsec encryption needs the same GCM integrity",
)
def _gcm_pair(request: Request) -> None:
    for policy in _policies(request):
        encryption, integrity = str(policy.get("ipsecEncryption") or ""), str(policy.get("ipsecIntegrity") or "")
        if (encryption in GCM or integrity in GCM) and encryption != integrity:
            raise Refused(
                f"IpsecEncryption {encryption} and IpsecIntegrity {integrity} of connection {request.rid} must use "
                f"matching GCM algorithms: the same GCMAES algorithm and key length for both ({IPSEC_FAQ})."
            )


@rule(
    "connection-basic-custom-ipsec",
    (CONNECTION,),
    "EmulatorRuleBasicCustomIpsecPolicy",
    "a custom IPsec/IKE policy on a connection of a Basic SKU gateway (Azure's code not documented)",
    IPSEC_FAQ,
    validated_by="gateway: Basic: no active-active, no BGP, no custom IPsec policy",
)
def _basic_custom_ipsec(request: Request) -> None:
    gateway = _gateway1(request)
    if _sku(gateway) == "Basic" and _policies(request):
        raise Refused(
            f"Custom IPsec/IKE policy is supported on all Azure SKUs except the Basic SKU: gateway "
            f"{(gateway or {}).get('id')} of connection {request.rid} is Basic ({IPSEC_FAQ})."
        )


@rule(
    "connection-basic-ikev1",
    (CONNECTION,),
    "EmulatorRuleBasicIkev1",
    "an IKEv1 connection on a Basic SKU RouteBased gateway (Azure's code not documented)",
    IPSEC_FAQ,
    validated_by="connection: connectionProtocol IKEv1 with Basic is an error",
)
def _basic_ikev1(request: Request) -> None:
    gateway = _gateway1(request)
    route_based = str((gateway or {}).get("inputs", {}).get("vpnType") or "RouteBased") == "RouteBased"
    if _sku(gateway) == "Basic" and route_based and str(request.body.get("connectionProtocol") or "") == "IKEv1":
        raise Refused(
            f"IKEv1 connections are not supported on Basic SKU RouteBased gateways (connection {request.rid}, "
            f"{IPSEC_FAQ})."
        )


# ------------------------------------------------------------------------------------------ links that never connect

declare(
    "link-keys-differ",
    (CONNECTION,),
    "",
    "the two connections of a VNet-to-VNet link with different shared keys: accepted, the tunnel never connects",
    VPN_FAQ,
    when=STATUS,
    validated_by="by construction: both directions of a link get the same key",
)
declare(
    "link-keys-generated",
    (CONNECTION,),
    "",
    "the two connections of a link both without a sharedKey: accepted, but Azure generates a different key for each "
    '("By default, Azure generates different preshared keys for different VPN connections"), so it never connects',
    VPN_FAQ,
    when=STATUS,
    validated_by="by construction: the program always sends a key (generated or yours)",
)
declare(
    "link-policy-differs",
    (CONNECTION,),
    "",
    "the two connections of a link with a different connectionProtocol or IPsec/IKE policy: accepted, the tunnel "
    'never connects ("Make sure both connection resources have the same policy")',
    IPSEC_FAQ,
    when=STATUS,
    validated_by="by construction: both directions of a link get the same protocol and policy",
)
declare(
    "link-vnets-overlap",
    (CONNECTION,),
    "",
    "a VNet-to-VNet link between VNets whose address spaces overlap: Azure answers ConnectionOverlappingAddressSpaces "
    "for site-to-site; for VNet-to-VNet no refusal is documented, and traffic cannot flow",
    f"{VNET_TO_VNET_FAQ}; https://github.com/MicrosoftDocs/azure-docs/issues/110829",
    when=STATUS,
    validated_by="address plan: the address spaces of connected VNets do not overlap",
)
