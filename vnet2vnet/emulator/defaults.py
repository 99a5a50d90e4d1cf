"""What Azure fills in when a request leaves a property out: the server defaults its answers (the PUT response and
every GET) carry, one table with the source of each.

Written from Microsoft.Network 2024-05-01 (`../shared/azure-rest-api-specs`: a `default` in the spec, or the
response of one of its examples) and the VPN Gateway documentation, never from what vnet2vnet sends. A default
whose only source is an example not in the local spec folder, or that no source confirms, is left out (see
`NOT_EMULATED`): a missing default shows as a missing output, an invented one would hide a diff.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from vnet2vnet.emulator.azure import CONNECTION, GATEWAY, PUBLIC_IP, SUBNET, VNET

_EXAMPLES: Final = (
    "https://github.com/Azure/azure-rest-api-specs/blob/main/specification/network/resource-manager/"
    "Microsoft.Network/stable/2024-05-01/examples/"
)
_SPECS: Final = (
    "https://github.com/Azure/azure-rest-api-specs/blob/main/specification/network/resource-manager/"
    "Microsoft.Network/stable/2024-05-01/"
)
VPN_FAQ: Final = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq"
CONNECTION_GET: Final = _EXAMPLES + "VirtualNetworkGatewayConnectionGet.json"
GATEWAY_GET: Final = _EXAMPLES + "VirtualNetworkGatewayGet.json"
PUBLIC_IP_GET: Final = _EXAMPLES + "PublicIpAddressGet.json"
VIRTUAL_NETWORK_SPEC: Final = _SPECS + "virtualNetwork.json"

# The examples of the 2024-05-01 folder this emulator's answers follow (the folder holds these six and a README),
# and the ones an answer would need that the folder does not hold.
EXAMPLES_AVAILABLE: Final = (
    "PublicIpAddressGet.json",
    "SubnetGet.json",
    "VirtualNetworkGatewayConnectionGet.json",
    "VirtualNetworkGatewayConnectionGetIkeSas.json",
    "VirtualNetworkGatewayConnectionGetSharedKey.json",
    "VirtualNetworkGatewayGet.json",
)
EXAMPLES_NOT_AVAILABLE: Final = (
    "VirtualNetworkGet.json",
    "VirtualNetworkGatewayGetBGPPeerStatus.json",
    "VirtualNetworkGatewayLearnedRoutes.json",
    "VirtualNetworkCreate.json",
    "SubnetCreate.json",
    "PublicIpAddressCreateDefaults.json",
    "PublicIpAddressCreateCustomizedValues.json",
    "VirtualNetworkGatewayCreate.json",
    "VirtualNetworkGatewayConnectionCreate.json",
)


@dataclass(frozen=True)
class ServerDefault:
    type_token: str
    path: str  # a top-level property, `parent.child`, or `list[].child` (each item of a list)
    value: Any
    source: str


SERVER_DEFAULTS: Final[tuple[ServerDefault, ...]] = (
    # "If you don't specify a connection protocol type, IKEv2 is used as default option where applicable."
    ServerDefault(CONNECTION, "connectionProtocol", "IKEv2", f"{VPN_FAQ} (and {CONNECTION_GET})"),
    # "The default DPD timeout is 45 seconds" (the example's 30 echoes its request).
    ServerDefault(CONNECTION, "dpdTimeoutSeconds", 45, VPN_FAQ),
    ServerDefault(CONNECTION, "routingWeight", 0, CONNECTION_GET),
    ServerDefault(CONNECTION, "enableBgp", False, CONNECTION_GET),
    ServerDefault(CONNECTION, "useLocalAzureIpAddress", False, CONNECTION_GET),
    ServerDefault(CONNECTION, "usePolicyBasedTrafficSelectors", False, CONNECTION_GET),
    ServerDefault(CONNECTION, "ipsecPolicies", [], CONNECTION_GET),
    ServerDefault(CONNECTION, "trafficSelectorPolicies", [], CONNECTION_GET),
    ServerDefault(CONNECTION, "connectionMode", "Default", CONNECTION_GET),
    ServerDefault(GATEWAY, "enableBgp", False, GATEWAY_GET),
    ServerDefault(GATEWAY, "activeActive", False, GATEWAY_GET),
    ServerDefault(GATEWAY, "enablePrivateIpAddress", False, GATEWAY_GET),
    ServerDefault(GATEWAY, "disableIPSecReplayProtection", False, GATEWAY_GET),
    ServerDefault(GATEWAY, "enableBgpRouteTranslationForNat", False, GATEWAY_GET),
    ServerDefault(GATEWAY, "allowVirtualWanTraffic", False, GATEWAY_GET),
    ServerDefault(GATEWAY, "allowRemoteVnetTraffic", False, GATEWAY_GET),
    ServerDefault(GATEWAY, "sku.capacity", 0, GATEWAY_GET),
    ServerDefault(GATEWAY, "ipConfigurations[].privateIPAllocationMethod", "Dynamic", GATEWAY_GET),
    ServerDefault(PUBLIC_IP, "publicIPAddressVersion", "IPv4", PUBLIC_IP_GET),
    ServerDefault(PUBLIC_IP, "idleTimeoutInMinutes", 4, PUBLIC_IP_GET),
    ServerDefault(VNET, "enableDdosProtection", False, f"{VIRTUAL_NETWORK_SPEC} (`default: false`)"),
    ServerDefault(VNET, "enableVmProtection", False, f"{VIRTUAL_NETWORK_SPEC} (`default: false`)"),
    ServerDefault(SUBNET, "privateEndpointNetworkPolicies", "Disabled", f"{VIRTUAL_NETWORK_SPEC} (`default`)"),
    ServerDefault(SUBNET, "privateLinkServiceNetworkPolicies", "Enabled", f"{VIRTUAL_NETWORK_SPEC} (`default`)"),
)

# Defaults Azure is known to fill but that no source available here shows, so the answers leave them out.
NOT_EMULATED: Final = (
    "a gateway's `vpnGatewayGeneration` when the request leaves it out (the example shows `None` for VpnGw1; what "
    "Azure stores for an AZ SKU is not documented)",
    "a public IP's `ddosSettings` (PublicIpAddressCreateCustomizedValues.json, not in the folder) and `ipTags`",
)


def _fill(target: dict[str, Any], path: list[str], value: Any) -> None:
    head, rest = path[0], path[1:]
    if head.endswith("[]"):
        for item in target.get(head[:-2]) or []:
            if isinstance(item, dict):
                _fill(item, rest, value)
        return
    if not rest:
        target.setdefault(head, value)
    elif isinstance(target.get(head), dict):
        _fill(target[head], rest, value)


def with_server_defaults(type_token: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """`body` (flattened azure-native properties) with what Azure fills in where the request left it out; a nested
    default only where its parent was sent."""
    filled: dict[str, Any] = {
        name: [dict(item) if isinstance(item, Mapping) else item for item in value]
        if isinstance(value, list)
        else dict(value)
        if isinstance(value, Mapping)
        else value
        for name, value in body.items()
    }
    for default in SERVER_DEFAULTS:
        if default.type_token == type_token:
            value = list(default.value) if isinstance(default.value, list) else default.value
            _fill(filled, default.path.split("."), value)
    return filled


DEFAULTS_BEGIN: Final = "<!-- emulator-defaults: generated from vnet2vnet/emulator/defaults.py by `make generate` -->"
DEFAULTS_END: Final = "<!-- /emulator-defaults -->"


def defaults_markdown() -> str:
    """The table (docs/rehearsal.md) of the server defaults the emulator's answers carry, and what it leaves out."""
    lines = [DEFAULTS_BEGIN, "| Resource | Property | Azure's value when unset | Source |", "|---|---|---|---|"]
    for default in SERVER_DEFAULTS:
        kind = default.type_token.rsplit(":", 1)[-1]
        lines.append(f"| {kind} | `{default.path}` | `{default.value!r}` | {default.source} |")
    lines.append("")
    lines.append(
        "Spec examples the answers follow (in `../shared`): "
        + ", ".join(f"`{name}`" for name in EXAMPLES_AVAILABLE)
        + ". Not in the 2024-05-01 folder, so not followed: "
        + ", ".join(f"`{name}`" for name in EXAMPLES_NOT_AVAILABLE)
        + ". Left out for want of a source: "
        + "; ".join(NOT_EMULATED)
        + "."
    )
    lines.append(DEFAULTS_END)
    return "\n".join(lines)
