"""Connection settings, shared keys and IPsec/IKE policies, per link and against both gateways' SKUs. Pure: spec in,
findings out."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from vnet2vnet import azure_facts as facts
from vnet2vnet.existing import (
    sku_facts,
)
from vnet2vnet.findings import Finding, KeyPath, camel_case, error, warning
from vnet2vnet.network import ResolvedNetwork
from vnet2vnet.spec import ConnectionSpec, TopologySpec
from vnet2vnet.validation.gateway import sku_path


@dataclass(frozen=True)
class _ConnectionScope:
    """Connection settings checked together: the shared block, or one `links` entry's own block over it."""

    connection: ConnectionSpec
    link_index: int | None = None  # None: the shared block
    sets: frozenset[str] = frozenset()

    def path(self, key: str, *rest: str | int) -> KeyPath:
        if self.link_index is not None and key in self.sets:
            return ("links", self.link_index, "connection", key, *rest)
        return ("connection", key, *rest)


def _connection_scopes(topology: TopologySpec) -> Iterator[_ConnectionScope]:
    yield _ConnectionScope(topology.connection)
    for k, entry in enumerate(topology.links):
        if entry.connection is not None:
            yield _ConnectionScope(entry.connection.over(topology.connection), k, frozenset(entry.connection.values))


def check_connection(network: ResolvedNetwork) -> Iterator[Finding]:
    topology = network.spec
    refused = list(_check_link_skus(network))
    # Where a gateway refuses the setting outright, the general warning about it would only repeat the point.
    refused_paths = {finding.path for finding in refused}
    shared: set[tuple[KeyPath, str]] = set()
    for scope in _connection_scopes(topology):
        found = [
            finding
            for finding in (*_check_connection_settings(scope), *_check_ipsec_policy(scope))
            if not (finding.severity == "warning" and finding.path in refused_paths)
        ]
        if scope.link_index is None:
            shared = {(f.path, f.message) for f in found}
            yield from found
        else:
            yield from (f for f in found if (f.path, f.message) not in shared)
    yield from check_shared_key(topology.shared_key, ("shared_key",))
    for k, entry in enumerate(topology.links):
        yield from check_shared_key(entry.shared_key, ("links", k, "shared_key"))
    yield from refused


def _check_connection_settings(scope: _ConnectionScope) -> Iterator[Finding]:
    connection = scope.connection
    low, high = facts.DPD_TIMEOUT_RANGE
    if connection.dpd_timeout_seconds is not None and not low <= connection.dpd_timeout_seconds <= high:
        yield error(
            scope.path("dpd_timeout_seconds"),
            f"{connection.dpd_timeout_seconds} is outside {low}..{high} seconds",
            "use 30..45 (Azure recommends it; default 45)",
        )
    protocol = connection.connection_protocol
    if protocol is not None:
        path = scope.path("connection_protocol")
        if protocol not in facts.CONNECTION_PROTOCOLS:
            yield error(path, f"'{protocol}' is not a connection protocol", "use IKEv2 (or IKEv1)")
        elif protocol == "IKEv1":
            # The API accepts IKEv1 on any connection, but the VPN Gateway FAQ
            # (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq) describes VNet-to-VNet as
            # IPsec over IKEv2, and the protocol cannot be changed after creation (a change replaces both
            # connections). Gateways whose SKU takes no IKEv1 are refused per link (_check_link_skus).
            yield warning(
                path,
                "IKEv1 is legacy and not documented for VNet-to-VNet (Azure describes it as IKEv2); it cannot "
                "be changed later without replacing both connections",
                "use IKEv2",
            )
    length = connection.shared_key_length
    if not facts.GENERATED_PSK_MIN_LENGTH <= length <= facts.PSK_MAX_LENGTH:
        yield error(
            scope.path("shared_key_length"),
            f"{length} is outside {facts.GENERATED_PSK_MIN_LENGTH}..{facts.PSK_MAX_LENGTH}",
            f"use {facts.GENERATED_PSK_DEFAULT_LENGTH}",
        )
    if connection.shared_key_version is not None and connection.shared_key_version < 1:
        yield error(scope.path("shared_key_version"), "the key version must be 1 or more", "start at 1 and count up")
    if connection.max_key_age_days < 1:
        yield error(scope.path("max_key_age_days"), "must be 1 or more days", "use e.g. 180 (the default)")


def _check_link_skus(network: ResolvedNetwork) -> Iterator[Finding]:
    """What each link's connection settings ask of both its gateways' SKUs (SKU table; VPN Gateway FAQ)."""
    reported: set[tuple[KeyPath, str]] = set()
    scopes = {scope.link_index: scope for scope in _connection_scopes(network.spec)}
    for link in network.links:
        connection = link.connection
        scope = scopes.get(link.entry_index) or scopes[None]
        for name in link.ends:
            side = network.side(name)
            vnet = side.vnet
            sku = sku_facts(side.gateway.sku)
            if sku is None or vnet.pending:
                continue
            # A SKU from the shared block is named alone (one finding for all); a VNet's own, with the VNet.
            shared_sku = sku_path(vnet, side.index) == ("gateway", "sku")
            whose = f"{sku.name} gateways do" if shared_sku else f"VNet '{name}''s {sku.name} gateway does"
            supports = f"{sku.name} route-based gateways support" if shared_sku else f"VNet '{name}''s gateway supports"
            larger = f"use {facts.DEFAULT_GATEWAY_SKU} or larger" + ("" if shared_sku else f" for VNet '{name}'")
            found: list[Finding] = []
            if connection.ipsec_policy is not None and not sku.supports_custom_ipsec_policy:
                found.append(
                    error(scope.path("ipsec_policy"), f"{whose} not support a custom IPsec/IKE policy", larger)
                )
            if connection.connection_protocol == "IKEv1" and "IKEv1" not in sku.supported_ike_versions:
                found.append(error(scope.path("connection_protocol"), f"{supports} IKEv2 only", "use IKEv2"))
            for finding in found:
                if (finding.path, finding.message) not in reported:
                    reported.add((finding.path, finding.message))
                    yield finding


def check_shared_key(key: Any, path: KeyPath = ("shared_key",)) -> Iterator[Finding]:
    # "printable ASCII characters, except space, hyphen (-), or tilde (~)"
    # (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq); 1..128 (reset API).
    if not isinstance(key, str):
        return
    fix = f"use 1..{facts.PSK_MAX_LENGTH} printable ASCII characters without space, '-' or '~' (or let us generate one)"
    if not 1 <= len(key) <= facts.PSK_MAX_LENGTH:
        yield error(path, f"the key has {len(key)} characters; Azure takes 1..{facts.PSK_MAX_LENGTH}", fix)
    bad = sorted({c for c in key if c not in facts.PSK_ALLOWED_CHARACTERS})
    if bad:
        # Never echo the key itself; name only the offending characters.
        shown = ", ".join("space" if c == " " else repr(c) if c.isprintable() else f"U+{ord(c):04X}" for c in bad)
        yield error(path, f"the key contains characters Azure rejects: {shown}", fix)


def _check_ipsec_policy(scope: _ConnectionScope) -> Iterator[Finding]:
    policy = scope.connection.ipsec_policy
    if policy is None:
        return
    base = scope.path("ipsec_policy")
    for name, allowed in facts.IPSEC_POLICY_FIELDS.items():
        value = getattr(policy, name)
        path: KeyPath = (*base, name)
        if value in allowed.spec_only:
            yield error(
                path,
                f"{value} is listed only in the API spec, not among Microsoft's documented values for "
                f"{camel_case(name)}",
                f"use one of {', '.join(allowed.documented)}",
            )
        elif value not in allowed.documented:
            yield error(
                path, f"'{value}' is not a valid {camel_case(name)}", f"use one of {', '.join(allowed.documented)}"
            )
        elif value in allowed.weak:
            yield warning(path, f"{value} is a weak choice for {camel_case(name)}", f"prefer {allowed.documented[0]}")
    # GCM in IPsec needs the same GCM value for encryption and integrity
    # (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq; PowerShell's GCM check).
    encryption, integrity = policy.ipsec_encryption, policy.ipsec_integrity
    if (encryption.startswith("GCM") or integrity.startswith("GCM")) and encryption != integrity:
        yield error(
            (*base, "ipsec_integrity"),
            f"ipsecEncryption {encryption} with ipsecIntegrity {integrity}: GCM needs the same value in both",
            f"set both to {encryption if encryption.startswith('GCM') else integrity}",
        )
    low, high = facts.SA_LIFETIME_SECONDS_RANGE
    if not low <= policy.sa_life_time_seconds <= high:
        yield error(
            (*base, "sa_life_time_seconds"),
            f"{policy.sa_life_time_seconds} is outside {low}..{high}",
            "use 27000 (Azure's default)",
        )
    size_low, size_high = facts.SA_DATA_SIZE_KILOBYTES_RANGE
    size = policy.sa_data_size_kilobytes
    if size != 0 and not size_low <= size <= size_high:
        yield error(
            (*base, "sa_data_size_kilobytes"),
            f"{size} is neither 0 nor in {size_low}..{size_high}",
            "use 102400000 (Azure's default)",
        )
