"""The reads behind `verify --evidence`, as Pulumi programs that only read: azure-native invokes, run through the
Automation API on the stack (a preview; nothing is registered but the sides' explicit providers, which a preview
never creates). The same invokes work against Azure and the Azure emulator:

- getVirtualNetworkGatewayConnection: status and byte counters (read twice, `interval` apart);
- getVirtualNetworkGatewayConnectionIkeSas: the negotiated security associations (an opaque string);
- getVirtualNetworkGatewayConnectionSharedKey: each direction's key, kept only as a SHA-256 digest in memory;
- getVirtualNetworkGateway and getVirtualNetwork: the remote gateway's BGP addresses and its VNet's prefixes;
- getVirtualNetworkGatewayBgpPeerStatus and getVirtualNetworkGatewayLearnedRoutes: the local gateway's BGP view.
Each failed read is recorded with Azure's words; the check that needed it is then `cannot-verify`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vnet2vnet.adopt import connection_arguments
from vnet2vnet.evidence import Sample
from vnet2vnet.existing import vnet_of_subnet
from vnet2vnet.operations import StateConnection

Invoke = Callable[[str, Mapping[str, str], Any], Mapping[str, Any]]


def _arm_parts(resource_id: str) -> tuple[str, str]:
    """(resource group, name) of an ARM resource ID."""
    segments = resource_id.strip("/").split("/")
    group = segments[3] if len(segments) > 3 and segments[2].lower() == "resourcegroups" else ""
    return group, segments[-1]


def _gateway_arguments(gateway_id: str) -> dict[str, str]:
    group, name = _arm_parts(gateway_id)
    return {"resourceGroupName": group, "virtualNetworkGatewayName": name}


def _error_text(error: Exception) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return f"read failed: {lines[-1] if lines else type(error).__name__}"


@dataclass
class Collected:
    """What the programs read, by connection ID (plain data for `evidence.ConnectionRead`)."""

    samples: dict[str, list[Sample]] = field(default_factory=dict)
    ike_sas: dict[str, str | None] = field(default_factory=dict)
    key_digests: dict[str, str | None] = field(default_factory=dict)
    bgp_peers: dict[str, list[Mapping[str, Any]] | None] = field(default_factory=dict)
    learned_routes: dict[str, list[Mapping[str, Any]] | None] = field(default_factory=dict)
    remote_bgp_addresses: dict[str, list[str]] = field(default_factory=dict)
    remote_prefixes: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, dict[str, str]] = field(default_factory=dict)

    def failed(self, connection_id: str, check: str, error: Exception) -> None:
        self.errors.setdefault(connection_id, {})[check] = _error_text(error)


def pulumi_invoke(token: str, arguments: Mapping[str, str], provider: Any) -> Mapping[str, Any]:
    import pulumi

    options = pulumi.InvokeOptions(provider=provider) if provider is not None else None
    answer = pulumi.runtime.invoke(token, dict(arguments), opts=options)
    return dict(answer.value or {})


def sample(
    connections: Sequence[StateConnection],
    providers: Mapping[str, Any],
    collected: Collected,
    now: Callable[[], datetime],
    invoke: Invoke = pulumi_invoke,
) -> None:
    """Read each connection's status and byte counters once."""
    for connection in connections:
        try:
            answer = invoke(
                "azure-native:network:getVirtualNetworkGatewayConnection",
                connection_arguments(connection.id),
                providers.get(connection.id),
            )
        except Exception as error:
            collected.failed(connection.id, "connected", error)
            continue
        collected.samples.setdefault(connection.id, []).append(
            Sample(
                at=now(),
                status=str(answer.get("connectionStatus") or "Unknown"),
                ingress_bytes=int(answer.get("ingressBytesTransferred") or 0),
                egress_bytes=int(answer.get("egressBytesTransferred") or 0),
            )
        )


def read_security(
    connections: Sequence[StateConnection],
    providers: Mapping[str, Any],
    remote_providers: Mapping[str, Any],
    collected: Collected,
    invoke: Invoke = pulumi_invoke,
) -> None:
    """Everything but the counters: SAs, key digests, and with BGP the peers, routes and the remote VNet."""
    for connection in connections:
        provider = providers.get(connection.id)
        arguments = connection_arguments(connection.id)
        try:
            value = invoke("azure-native:network:getVirtualNetworkGatewayConnectionIkeSas", arguments, provider)
            collected.ike_sas[connection.id] = value.get("value") if isinstance(value.get("value"), str) else None
        except Exception as error:
            collected.ike_sas[connection.id] = None
            collected.failed(connection.id, "ipsec-policy", error)
        try:
            key = invoke("azure-native:network:getVirtualNetworkGatewayConnectionSharedKey", arguments, provider)
            text = key.get("value")
            # Only the digest is kept: the key itself never leaves this function.
            collected.key_digests[connection.id] = (
                hashlib.sha256(text.encode()).hexdigest() if isinstance(text, str) else None
            )
        except Exception as error:
            collected.key_digests[connection.id] = None
            collected.failed(connection.id, "shared-key", error)
        if connection.outputs.get("enableBgp"):
            _read_bgp(connection, provider, remote_providers.get(connection.id), collected, invoke)


def _read_bgp(
    connection: StateConnection, provider: Any, remote_provider: Any, collected: Collected, invoke: Invoke
) -> None:
    local = _gateway_arguments(connection.local_gateway_id)
    try:
        peers = invoke("azure-native:network:getVirtualNetworkGatewayBgpPeerStatus", local, provider).get("value")
        collected.bgp_peers[connection.id] = list(peers or [])
    except Exception as error:
        collected.failed(connection.id, "bgp-peer", error)
    try:
        routes = invoke("azure-native:network:getVirtualNetworkGatewayLearnedRoutes", local, provider).get("value")
        collected.learned_routes[connection.id] = list(routes or [])
    except Exception as error:
        collected.failed(connection.id, "routes-learned", error)
    try:
        remote = invoke(
            "azure-native:network:getVirtualNetworkGateway",
            _gateway_arguments(connection.remote_gateway_id),
            remote_provider,
        )
        collected.remote_bgp_addresses[connection.id] = bgp_addresses(remote)
        configurations = remote.get("ipConfigurations") or []
        subnet_id = str(((configurations[0] if configurations else {}).get("subnet") or {}).get("id") or "")
        group, name = _arm_parts(vnet_of_subnet(subnet_id))
        vnet = invoke(
            "azure-native:network:getVirtualNetwork",
            {"resourceGroupName": group, "virtualNetworkName": name},
            remote_provider,
        )
        prefixes = (vnet.get("addressSpace") or {}).get("addressPrefixes") or []
        collected.remote_prefixes[connection.id] = [str(prefix) for prefix in prefixes]
    except Exception as error:
        collected.failed(connection.id, "routes-learned", error)


def bgp_addresses(gateway: Mapping[str, Any]) -> list[str]:
    """A gateway's BGP peer addresses as Azure reports them: per IP configuration, else the legacy field."""
    settings = gateway.get("bgpSettings") or {}
    per_config = [
        str(address)
        for peering in settings.get("bgpPeeringAddresses") or []
        for address in [*(peering.get("defaultBgpIpAddresses") or []), *(peering.get("customBgpIpAddresses") or [])]
    ]
    legacy = [part for part in str(settings.get("bgpPeeringAddress") or "").split(",") if part]
    return per_config or legacy
