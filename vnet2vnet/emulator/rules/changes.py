"""What cannot change in place: an update (a PUT over an existing resource) that changes a property Azure fixes at
creation. Each rule compares the request's body with the existing record's inputs (`request.old["inputs"]`); a
property unset on either side (Azure's default, or kept) is no change. A location change is ARM's to refuse, before
the network provider looks at the body: its rules are in `regions`, ahead of the same-region rules."""

from __future__ import annotations

from typing import Any

from vnet2vnet.emulator import azure
from vnet2vnet.emulator.azure import CONNECTION, GATEWAY, PUBLIC_IP
from vnet2vnet.emulator.rules import Refused, Request, rule

UPDATE = ("update",)
VPN_FAQ = azure.VPN_FAQ
SKU_UPGRADE_DOC = "https://learn.microsoft.com/azure/vpn-gateway/gateway-sku-upgrade"
# azurerm marks a gateway's `type` and `generation` ForceNew (a change is a delete and a re-create).
AZURERM_GATEWAY = (
    "https://github.com/hashicorp/terraform-provider-azurerm/blob/main/internal/services/network/"
    "virtual_network_gateway_resource.go"
)
ZONES_SOURCE = "https://github.com/Azure/AzOps/issues/701; https://github.com/Azure/azure-cli/issues/16653"


def _old(request: Request) -> dict[str, Any]:
    return dict((request.old or {}).get("inputs") or {})


def _changed(request: Request, name: str, default: str = "") -> tuple[str, str] | None:
    """The old and new values of a property when both are known (or defaulted) and differ."""
    before = str(_old(request).get(name) or default)
    after = str(request.body.get(name) or default)
    return (before, after) if before and after and before != after else None


def _zones(value: Any) -> tuple[str, ...]:
    return tuple(sorted(str(z) for z in value or []))


@rule(
    "public-ip-zones-unchanged",
    (PUBLIC_IP,),
    "ResourceAvailabilityZonesCannotBeModified",
    "changing the zones of an existing public IP",
    ZONES_SOURCE,
    verbs=UPDATE,
    validated_by="",  # azure-native updates zones in place and the program does not replace: Azure refuses
)
def _zones_unchanged(request: Request) -> None:
    before, after = _zones(_old(request).get("zones")), _zones(request.body.get("zones"))
    if before != after:
        raise Refused(
            f"Resource {request.rid} has an existing availability zone constraint {', '.join(before) or 'NoZone'} "
            f"and the request has availability zone constraint {', '.join(after) or 'NoZone'}, which do not match. "
            "Zones cannot be added/updated/removed once the resource is created."
        )


@rule(
    "gateway-type-unchanged",
    (GATEWAY,),
    "EmulatorRuleGatewayTypeChange",
    "changing an existing gateway's gatewayType (Azure's code not documented)",
    AZURERM_GATEWAY,
    verbs=UPDATE,
    validated_by="by construction: the program builds Vpn gateways",
)
def _gateway_type_unchanged(request: Request) -> None:
    change = _changed(request, "gatewayType")
    if change:
        raise Refused(
            f"The gateway type of {request.rid} can't be changed from {change[0]} to {change[1]}: delete and "
            "re-create the gateway."
        )


@rule(
    "gateway-vpn-type-unchanged",
    (GATEWAY,),
    "EmulatorRuleVpnTypeChange",
    "changing an existing gateway's vpnType (PolicyBased, RouteBased) (Azure's code not documented)",
    VPN_FAQ,
    verbs=UPDATE,
    validated_by="by construction: the program builds RouteBased gateways",
)
def _vpn_type_unchanged(request: Request) -> None:
    change = _changed(request, "vpnType")
    if change:
        raise Refused(
            f"A gateway type can't be changed from {change[0]} to {change[1]}: to change it, you must delete and "
            f"re-create the gateway {request.rid} ({VPN_FAQ})."
        )


@rule(
    "gateway-generation-unchanged",
    (GATEWAY,),
    "EmulatorRuleGenerationChange",
    "changing an existing gateway's vpnGatewayGeneration (Generation1 to Generation2 is a migration, not an update) "
    "(Azure's code not documented)",
    f"{SKU_UPGRADE_DOC}; {AZURERM_GATEWAY}",
    verbs=UPDATE,
    validated_by="",  # azure-native updates the generation in place: Azure refuses
)
def _generation_unchanged(request: Request) -> None:
    change = _changed(request, "vpnGatewayGeneration")
    if change:
        raise Refused(
            f"The generation of gateway {request.rid} can't be changed from {change[0]} to {change[1]} by an update "
            f"({SKU_UPGRADE_DOC})."
        )


@rule(
    "connection-protocol-unchanged",
    (CONNECTION,),
    "EmulatorRuleConnectionProtocolChange",
    "changing an existing connection's connectionProtocol (IKEv1, IKEv2) (Azure's code not documented)",
    f"{VPN_FAQ}#ipsec",
    verbs=UPDATE,
    validated_by="by construction: a protocol change replaces both connections",
)
def _protocol_unchanged(request: Request) -> None:
    # "If you don't specify a connection protocol type, IKEv2 is used as default option" (VPN FAQ).
    change = _changed(request, "connectionProtocol", default="IKEv2")
    if change:
        raise Refused(
            f"Once the connection is created, IKEv1/IKEv2 protocols can't be changed ({change[0]} to {change[1]} on "
            f"{request.rid}). You must delete and recreate a new connection with the desired protocol type."
        )


@rule(
    "connection-type-unchanged",
    (CONNECTION,),
    "EmulatorRuleConnectionTypeChange",
    "changing an existing connection's connectionType (the ExpressRoute analog: "
    "ExpressRouteConnectionPeerCannotBeChanged) (Azure's code not documented)",
    "https://github.com/Azure/azure-cli/issues/9447",
    verbs=UPDATE,
    validated_by="by construction: the program writes connectionType Vnet2Vnet",
)
def _connection_type_unchanged(request: Request) -> None:
    change = _changed(request, "connectionType")
    if change:
        raise Refused(
            f"The type of connection {request.rid} can't be changed from {change[0]} to {change[1]}: delete and "
            "re-create it."
        )
