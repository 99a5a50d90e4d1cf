"""The operating reads of a running VNet-to-VNet link, as Azure answers them (Microsoft.Network 2024-05-01):

- a connection's IKE security associations (`getikesas`: an opaque JSON string, in the envelope of the 2024-05-01
  example VirtualNetworkGatewayConnectionGetIkeSas.json with the wire names of Az PowerShell's model, which
  `Get-AzVirtualNetworkGatewayConnectionIkeSa` parses it with,
  https://learn.microsoft.com/powershell/module/az.network/get-azvirtualnetworkgatewayconnectionikesa; unconfirmed
  against live Azure);
- a gateway's BGP peers (`getBgpPeerStatus`: BgpPeerStatus) and learned routes (`getLearnedRoutes`: GatewayRoute).

All deterministic from the state and the emulated minute `now`; faults from the fault file shape them
(`negotiatedPolicy`, `tunnelDown`, `noTraffic`).
"""

from __future__ import annotations

import json
from typing import Any

from vnet2vnet.emulator.azure import (
    CONNECTION,
    _bgp_settings,
    _digest,
    connected_since,
    connection_status,
    fault_for,
    find,
    gateway_subnet_id,
    key,
    of_type,
    parent_id,
    public_ip_for,
    ref,
    transferred,
)

IPSEC_DOC = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-devices#ipsec"
BGP_DOC = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-overview"
TRAFFIC_SELECTORS_DOC = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-connect-multiple-policybased-rm-ps"

# Azure's own offers, first choice, when a connection has no custom policy (IPSEC_DOC: "RouteBased VPN IPsec
# Security Association (IKE Quick Mode SA) Offers" and the main mode parameters).
DEFAULT_POLICY: dict[str, Any] = {
    "ikeEncryption": "AES256",
    "ikeIntegrity": "SHA256",
    "dhGroup": "DHGroup2",
    "ipsecEncryption": "GCMAES256",
    "ipsecIntegrity": "GCMAES256",
    "pfsGroup": "None",
    "saLifeTimeSeconds": 27000,
}
MAIN_MODE_LIFETIME_SECONDS = 28800  # IKE main mode SA lifetime, fixed (IPSEC_DOC)
# The quick mode SA's lifetime in kilobytes when the policy sets none (saDataSizeKilobytes): Azure's default,
# 102,400,000 KB (IPSEC_DOC, the default IPsec/IKE policy table of
# https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-devices).
QUICK_MODE_LIFETIME_KILOBYTES = 102_400_000
# The keys of a negotiatedPolicy fault's `policy`: azure-native's IpsecPolicy names.
POLICY_KEYS = tuple(DEFAULT_POLICY)
PACKET_BYTES = 160  # average size of the keepalive/probe packets that make up a quiet link's traffic
BGP_KEEPALIVE_SECONDS = 60  # the BGP default keepalive (RFC 4271 section 10: a third of the 180 s hold time)
LOCAL_ROUTE_WEIGHT = 32768  # the weight a gateway gives its own and learned routes in getLearnedRoutes


def _connection_ends(state: dict[str, Any], connection: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    inputs = connection["inputs"]
    local = find(state, ref(inputs.get("virtualNetworkGateway1"))) or {"id": "", "inputs": {}}
    remote = find(state, ref(inputs.get("virtualNetworkGateway2"))) or {"id": "", "inputs": {}}
    return local, remote


def _public_ips(state: dict[str, Any], gateway: dict[str, Any]) -> list[str]:
    configurations = gateway["inputs"].get("ipConfigurations") or []
    return [public_ip_for(state, ref(c.get("publicIPAddress"))) for c in configurations]


def vnet_of(state: dict[str, Any], gateway: dict[str, Any]) -> dict[str, Any] | None:
    """A gateway's VNet: the parent of its ipConfigurations[0].subnet."""
    return find(state, parent_id(gateway_subnet_id(gateway)))


def vnet_prefixes(state: dict[str, Any], gateway: dict[str, Any]) -> list[str]:
    vnet = vnet_of(state, gateway)
    return list(((vnet or {}).get("inputs", {}).get("addressSpace") or {}).get("addressPrefixes") or [])


def negotiated_policy(state: dict[str, Any], connection: dict[str, Any]) -> dict[str, Any]:
    """What the tunnel negotiated: the connection's custom policy, else Azure's default offers; a negotiatedPolicy
    fault's `policy` overrides any of it."""
    custom = (connection["inputs"].get("ipsecPolicies") or [None])[0]
    policy = dict(custom) if isinstance(custom, dict) else dict(DEFAULT_POLICY)
    fault = fault_for(state, connection, "negotiatedPolicy")
    if fault is not None and isinstance(fault.get("policy"), dict):
        policy.update(fault["policy"])
    return policy


def _number(digest: bytes, size: int) -> int:
    return int.from_bytes(digest[:size], "big")


def ike_sas(state: dict[str, Any], connection: dict[str, Any], now: float) -> str:
    """The connection's IKE security associations, as the JSON string getikesas returns: the envelope of the
    2024-05-01 example VirtualNetworkGatewayConnectionGetIkeSas.json ({"Status": "Successful", "Data": ...}) around
    the main mode SAs, each with its quick mode SAs, in the wire names of Az PowerShell's model
    (PSVirtualNetworkGatewayConnectionIkeSaMainModeSa / ...QuickModeSa, Azure/azure-powershell
    src/Network/Network/Models/PSVirtualNetworkGatewayConnectionIkeSa.cs@2b6f2d46, whose JsonProperty names
    Get-AzVirtualNetworkGatewayConnectionIkeSa parses the string with). Unconfirmed against live Azure: the example's
    Data is null, and that model has no packet counts (InboundPacketsCount/OutboundPacketsCount are the emulator's).
    Not Connected: {"Status": "Successful", "Data": []}. A negotiatedPolicy fault with `raw` makes it that string
    verbatim."""
    fault = fault_for(state, connection, "negotiatedPolicy")
    if fault is not None and isinstance(fault.get("raw"), str):
        return str(fault["raw"])
    if connection_status(state, connection) != "Connected":
        return json.dumps({"Status": "Successful", "Data": []})
    policy = negotiated_policy(state, connection)
    local, remote = _connection_ends(state, connection)
    ingress, egress = transferred(state, connection, now)
    up_seconds = max(0.0, now - connected_since(state, connection)) * 60
    quick_lifetime = int(float(policy.get("saLifeTimeSeconds") or DEFAULT_POLICY["saLifeTimeSeconds"]))
    quick_kilobytes = int(float(policy.get("saDataSizeKilobytes") or QUICK_MODE_LIFETIME_KILOBYTES))
    # The gateway with the lower ID initiates; both ends report the same cookies, each its own SPIs.
    initiator = key(local["id"]) < key(remote["id"])
    policy_based = bool(connection["inputs"].get("usePolicyBasedTrafficSelectors"))
    # Route-based gateways negotiate any-to-any traffic selectors (TRAFFIC_SELECTORS_DOC).
    local_selectors = vnet_prefixes(state, local) if policy_based else ["0.0.0.0/0"]
    remote_selectors = vnet_prefixes(state, remote) if policy_based else ["0.0.0.0/0"]
    local_ips, remote_ips = _public_ips(state, local), _public_ips(state, remote)
    tunnels = [(mine, theirs) for mine in local_ips for theirs in remote_ips]
    share = max(1, len(tunnels))
    main_modes = []
    for mine, theirs in tunnels:
        pair = sorted((mine, theirs))
        cookies = _digest("ike-cookies", *pair)
        main_modes.append(
            {
                "LocalEndpoint": mine,
                "RemoteEndpoint": theirs,
                "InitiatorCookie": _number(cookies, 8),
                "ResponderCookie": _number(cookies[8:], 8),
                "LocalUdpEncapsulationPort": 0,
                "RemoteUdpEncapsulationPort": 0,
                "Encryption": policy.get("ikeEncryption"),
                "Integrity": policy.get("ikeIntegrity"),
                "DhGroup": policy.get("dhGroup"),
                "LifeTimeSeconds": MAIN_MODE_LIFETIME_SECONDS,
                "IsSaInitiator": initiator,
                "ElapsedTimeInseconds": int(up_seconds % MAIN_MODE_LIFETIME_SECONDS),
                "QuickModeSAs": [
                    {
                        "LocalEndpoint": mine,
                        "RemoteEndpoint": theirs,
                        "Encryption": policy.get("ipsecEncryption"),
                        "Integrity": policy.get("ipsecIntegrity"),
                        "PfsGroupId": policy.get("pfsGroup"),
                        "InboundSPI": _number(_digest("spi", theirs, mine), 4),
                        "OutboundSPI": _number(_digest("spi", mine, theirs), 4),
                        "LocalTrafficSelectors": local_selectors,
                        "RemoteTrafficSelectors": remote_selectors,
                        "LifetimeKilobytes": quick_kilobytes,
                        "LifetimeSeconds": quick_lifetime,
                        "IsSaInitiator": initiator,
                        "ElapsedTimeInseconds": int(up_seconds % max(1, quick_lifetime)),
                        "InboundPacketsCount": int(ingress / PACKET_BYTES / share),
                        "OutboundPacketsCount": int(egress / PACKET_BYTES / share),
                    }
                ],
            }
        )
    # Data last: Get-AzVirtualNetworkGatewayConnectionIkeSa reads from the first "[" to the envelope's closing "}".
    return json.dumps({"Status": "Successful", "Data": main_modes})


def _timespan(minutes: float) -> str:
    """A .NET TimeSpan as Azure prints connectedDuration: [d.]hh:mm:ss.fffffff."""
    ticks = round(max(0.0, minutes) * 60 * 10_000_000)
    seconds, fraction = divmod(ticks, 10_000_000)
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes_, seconds = divmod(seconds, 60)
    return f"{days}." * bool(days) + f"{hours:02d}:{minutes_:02d}:{seconds:02d}.{fraction:07d}"


def _bgp_addresses(state: dict[str, Any], gateway: dict[str, Any]) -> list[str]:
    return [a for a in str(_bgp_settings(state, gateway)["bgpPeeringAddress"]).split(",") if a]


def bgp_peers(state: dict[str, Any], gateway: dict[str, Any], now: float) -> list[dict[str, Any]]:
    """BgpPeerStatus of each BGP peer of `gateway`: for each of its connections (as virtualNetworkGateway1) with
    enableBgp whose remote gateway runs BGP, one peer per remote BGP peering address (BGP_DOC)."""
    if not gateway["inputs"].get("enableBgp"):
        return []
    # Each instance of an active-active gateway has its own sessions: Azure lists a neighbour once per instance
    # (localAddress tells them apart; Get-AzVirtualNetworkGatewayBGPPeerStatus).
    local_addresses = _bgp_addresses(state, gateway) or [""]
    local_routes = len(vnet_prefixes(state, gateway))
    peers = []
    connections = sorted(of_type(state, CONNECTION), key=lambda c: key(c["id"]))
    for connection in connections:
        inputs = connection["inputs"]
        if key(ref(inputs.get("virtualNetworkGateway1"))) != key(gateway["id"]) or not inputs.get("enableBgp"):
            continue
        remote = find(state, ref(inputs.get("virtualNetworkGateway2")))
        if remote is None or not remote["inputs"].get("enableBgp"):
            continue
        connected = connection_status(state, connection) == "Connected"
        up_minutes = max(0.0, now - connected_since(state, connection)) if connected else 0.0
        keepalives = int(up_minutes * 60 / BGP_KEEPALIVE_SECONDS)
        remote_routes = len(vnet_prefixes(state, remote))
        asn = float(_bgp_settings(state, remote)["asn"])
        for local_address, neighbor in (
            (local, neighbor) for local in local_addresses for neighbor in _bgp_addresses(state, remote)
        ):
            peers.append(
                {
                    "localAddress": local_address,
                    "neighbor": neighbor,
                    "asn": asn,
                    "state": "Connected" if connected else "Connecting",
                    "connectedDuration": _timespan(up_minutes),
                    "routesReceived": remote_routes if connected else 0,
                    # OPEN, one UPDATE per prefix, then a KEEPALIVE a minute each way.
                    "messagesSent": 1 + local_routes + keepalives if connected else 0,
                    "messagesReceived": 1 + remote_routes + keepalives if connected else 0,
                }
            )
    return peers


def learned_routes(state: dict[str, Any], gateway: dict[str, Any], now: float) -> list[dict[str, Any]]:
    """GatewayRoute: the gateway's own VNet prefixes (origin Network), and each Connected BGP peer's VNet prefixes
    (origin EBgp, next hop the peer, AS path the peer's ASN)."""
    addresses = _bgp_addresses(state, gateway)
    local_address = addresses[0] if addresses else ""
    routes = [
        {
            "localAddress": local_address,
            "network": prefix,
            "nextHop": "",
            "sourcePeer": local_address,
            "origin": "Network",
            "asPath": "",
            "weight": LOCAL_ROUTE_WEIGHT,
        }
        for prefix in vnet_prefixes(state, gateway)
    ]
    for peer in bgp_peers(state, gateway, now):
        if peer["state"] != "Connected":
            continue
        remote = _peer_gateway(state, gateway, peer["neighbor"])
        for prefix in vnet_prefixes(state, remote) if remote else []:
            routes.append(
                {
                    "localAddress": local_address,
                    "network": prefix,
                    "nextHop": peer["neighbor"],
                    "sourcePeer": peer["neighbor"],
                    "origin": "EBgp",
                    "asPath": str(int(peer["asn"])),
                    "weight": LOCAL_ROUTE_WEIGHT,
                }
            )
    return routes


def _peer_gateway(state: dict[str, Any], gateway: dict[str, Any], neighbor: str) -> dict[str, Any] | None:
    for connection in of_type(state, CONNECTION):
        if key(ref(connection["inputs"].get("virtualNetworkGateway1"))) != key(gateway["id"]):
            continue
        remote = find(state, ref(connection["inputs"].get("virtualNetworkGateway2")))
        if remote is not None and neighbor in _bgp_addresses(state, remote):
            return remote
    return None
