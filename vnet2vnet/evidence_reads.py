"""The reads behind `verify --evidence`, through `vnet2vnet.azure_reads` (the Azure SDK, which polls the
long-running ones as Azure documents; azure-native's invokes cannot):

- a connection's GET: status and byte counters (read twice, `interval` apart);
- getikesas: the negotiated security associations (an opaque string);
- the connection's shared key: each direction's key, kept only as a SHA-256 digest in memory;
- the remote gateway's and its VNet's GET: the remote BGP addresses and the VNet's prefixes;
- getBgpPeerStatus and getLearnedRoutes: the local gateway's BGP view.
Each failed read is recorded with Azure's words; the check that needed it is then `cannot-verify`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vnet2vnet.azure_reads import AzureReads
from vnet2vnet.evidence import ConnectionRead, Sample
from vnet2vnet.existing import peering_addresses, vnet_of_subnet
from vnet2vnet.operations import StateConnection
from vnet2vnet.spec import link_key


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


def sample(
    connections: Sequence[StateConnection], azure: AzureReads, collected: Collected, now: Callable[[], datetime]
) -> None:
    """Read each connection's status and byte counters once."""
    for connection in connections:
        try:
            answer = azure.connection(connection.id)
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


def read_security(connections: Sequence[StateConnection], azure: AzureReads, collected: Collected) -> None:
    """Everything but the counters: SAs, key digests, and with BGP the peers, routes and the remote VNet. A
    gateway's BGP reads serve all its connections: getBgpPeerStatus and getLearnedRoutes are long-running Azure
    operations, read once per gateway, not once per connection (a mesh of 8 has 7 connections per gateway)."""
    gateway_reads = _Once(azure)
    for connection in connections:
        try:
            collected.ike_sas[connection.id] = azure.ike_sas(connection.id)
        except Exception as error:
            collected.ike_sas[connection.id] = None
            collected.failed(connection.id, "ipsec-policy", error)
        try:
            text = azure.shared_key(connection.id)
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
            _read_bgp(connection, gateway_reads, collected)


class _Once:
    """A gateway's long-running reads, each asked once: the same answer, or the same error, again."""

    def __init__(self, azure: AzureReads) -> None:
        self.azure = azure
        self.answers: dict[tuple[str, str], Mapping[str, Any] | Exception] = {}

    def read(self, what: str, gateway_id: str) -> Mapping[str, Any]:
        asked = (what, gateway_id.lower())
        if asked not in self.answers:
            try:
                self.answers[asked] = getattr(self.azure, what)(gateway_id)
            except Exception as error:
                self.answers[asked] = error
        answer = self.answers[asked]
        if isinstance(answer, Exception):
            raise answer
        return answer


def _read_bgp(connection: StateConnection, gateway_reads: _Once, collected: Collected) -> None:
    try:
        collected.bgp_peers[connection.id] = _listed(gateway_reads.read("bgp_peer_status", connection.local_gateway_id))
    except Exception as error:
        collected.failed(connection.id, "bgp-peer", error)
    try:
        collected.learned_routes[connection.id] = _listed(
            gateway_reads.read("learned_routes", connection.local_gateway_id)
        )
    except Exception as error:
        collected.failed(connection.id, "routes-learned", error)
    try:
        remote = gateway_reads.azure.gateway(connection.remote_gateway_id)
        collected.remote_bgp_addresses[connection.id] = list(
            peering_addresses(remote.get("bgpSettings") or {}, "defaultBgpIpAddresses")
        ) or [part for part in str((remote.get("bgpSettings") or {}).get("bgpPeeringAddress") or "").split(",") if part]
        configurations = remote.get("ipConfigurations") or []
        subnet_id = str(((configurations[0] if configurations else {}).get("subnet") or {}).get("id") or "")
        vnet = gateway_reads.azure.virtual_network(vnet_of_subnet(subnet_id))
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
