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
from vnet2vnet.evidence import ConnectionRead, Sample
from vnet2vnet.existing import peering_addresses, vnet_of_subnet
from vnet2vnet.operations import StateConnection
from vnet2vnet.spec import link_key

Invoke = Callable[[str, Mapping[str, str], Any], Mapping[str, Any]]


def _arm_parts(resource_id: str) -> tuple[str, str]:
    """(resource group, name) of an ARM resource ID."""
    arguments = connection_arguments(resource_id)
    return arguments["resourceGroupName"], arguments["virtualNetworkGatewayConnectionName"]


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
            status = answer.get("connectionStatus")
            if not isinstance(status, str) or not status:
                raise ValueError("Azure's answer has no connectionStatus")
        except Exception as error:
            collected.failed(connection.id, "connected", error)
            continue
        collected.samples.setdefault(connection.id, []).append(
            Sample(
                at=now(),
                status=status,
                ingress_bytes=_counter(answer.get("ingressBytesTransferred")),
                egress_bytes=_counter(answer.get("egressBytesTransferred")),
            )
        )


def _counter(value: Any) -> int | None:
    """A byte counter as Azure reports it (a number), or None for anything else."""
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0 else None


def _listed(answer: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The `value` list of a list answer, every entry an object; anything else is not a readable answer."""
    value = answer.get("value")
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(entry, Mapping) for entry in value):
        raise ValueError(f"expected a list of objects, got {type(value).__name__}")
    return value


def read_security(
    connections: Sequence[StateConnection],
    providers: Mapping[str, Any],
    remote_providers: Mapping[str, Any],
    collected: Collected,
    invoke: Invoke = pulumi_invoke,
) -> None:
    """Everything but the counters: SAs, key digests, and with BGP the peers, routes and the remote VNet. A
    gateway's BGP reads serve all its connections: getBgpPeerStatus and getLearnedRoutes are long-running Azure
    operations, read once per gateway, not once per connection (a mesh of 8 has 7 connections per gateway)."""
    gateway_reads = _once(invoke)
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
            # Only the digest is kept: the key itself never leaves this function. An empty answer is no key: two of
            # them must not compare equal.
            collected.key_digests[connection.id] = (
                hashlib.sha256(text.encode()).hexdigest() if isinstance(text, str) and text.strip() else None
            )
            if collected.key_digests[connection.id] is None:
                collected.errors.setdefault(connection.id, {})["shared-key"] = (
                    "Azure returned no key for this direction"
                )
        except Exception as error:
            collected.key_digests[connection.id] = None
            collected.failed(connection.id, "shared-key", error)
        if connection.outputs.get("enableBgp"):
            _read_bgp(connection, provider, remote_providers.get(connection.id), collected, gateway_reads)


def _once(invoke: Invoke) -> Invoke:
    """`invoke`, answering each (function, arguments) once: the same answer, or the same error, again."""
    answers: dict[tuple[str, tuple[tuple[str, str], ...]], Mapping[str, Any] | Exception] = {}

    def remembered(token: str, arguments: Mapping[str, str], provider: Any) -> Mapping[str, Any]:
        asked = (token, tuple(sorted(arguments.items())))
        if asked not in answers:
            try:
                answers[asked] = invoke(token, arguments, provider)
            except Exception as error:
                answers[asked] = error
        answer = answers[asked]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return remembered


def _read_bgp(
    connection: StateConnection, provider: Any, remote_provider: Any, collected: Collected, invoke: Invoke
) -> None:
    local = _gateway_arguments(connection.local_gateway_id)
    try:
        peers = invoke("azure-native:network:getVirtualNetworkGatewayBgpPeerStatus", local, provider)
        collected.bgp_peers[connection.id] = _listed(peers)
    except Exception as error:
        collected.failed(connection.id, "bgp-peer", error)
    try:
        routes = invoke("azure-native:network:getVirtualNetworkGatewayLearnedRoutes", local, provider)
        collected.learned_routes[connection.id] = _listed(routes)
    except Exception as error:
        collected.failed(connection.id, "routes-learned", error)
    try:
        remote = invoke(
            "azure-native:network:getVirtualNetworkGateway",
            _gateway_arguments(connection.remote_gateway_id),
            remote_provider,
        )
        collected.remote_bgp_addresses[connection.id] = list(
            peering_addresses(remote.get("bgpSettings") or {}, "defaultBgpIpAddresses")
        ) or [part for part in str((remote.get("bgpSettings") or {}).get("bgpPeeringAddress") or "").split(",") if part]
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


def connection_reads(
    connections: Sequence[StateConnection], collected: Collected, directions: Mapping[str, tuple[str, str]]
) -> list[ConnectionRead]:
    """What was read, per connection, for `evidence.checks_for`; `directions` maps each link key to its (local,
    remote) VNets, to pair a connection with the opposite direction of its link (whose key it must share)."""
    by_link = {connection.link: connection for connection in connections}
    reads = []
    for connection in connections:
        local, remote = directions.get(connection.link, ("", ""))
        opposite = by_link.get(link_key(remote, local)) if local else None
        digests = (
            collected.key_digests.get(connection.id),
            collected.key_digests.get(opposite.id) if opposite else None,
        )
        reads.append(
            ConnectionRead(
                link=connection.link,
                resource_id=connection.id,
                local_gateway_id=connection.local_gateway_id,
                remote_gateway_id=connection.remote_gateway_id,
                samples=tuple(collected.samples.get(connection.id, ())),
                ike_sas=collected.ike_sas.get(connection.id),
                enable_bgp=bool(connection.outputs.get("enableBgp")),
                bgp_peers=collected.bgp_peers.get(connection.id),
                learned_routes=collected.learned_routes.get(connection.id),
                remote_bgp_addresses=tuple(collected.remote_bgp_addresses.get(connection.id, ())),
                remote_prefixes=tuple(collected.remote_prefixes.get(connection.id, ())),
                keys_match=digests[0] == digests[1] if None not in digests else None,
                read_errors=collected.errors.get(connection.id, {}),
            )
        )
    return reads
