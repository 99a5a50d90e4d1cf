"""Capacity: the tunnels each gateway needs against its SKU's limit. Pure: spec in, findings out."""

from __future__ import annotations

from collections.abc import Iterator

from vnet2vnet import azure_facts as facts
from vnet2vnet.existing import (
    sku_facts,
)
from vnet2vnet.findings import Finding, KeyPath, error, warning
from vnet2vnet.network import ResolvedNetwork
from vnet2vnet.spec import VnetSpec
from vnet2vnet.topology import tunnels_per_vnet
from vnet2vnet.validation.gateway import sku_path


def _over_limit(sku: facts.GatewaySku, used: dict[str, int]) -> tuple[str, str | None] | None:
    """The gateways over the SKU's tunnel limit, listed, and the smallest SKU that fits them all."""
    over = {name: count for name, count in used.items() if count > sku.max_tunnels}
    if not over:
        return None
    needed = max(over.values())
    fitting = next((s.name for s in facts.GATEWAY_SKUS.values() if s.max_tunnels >= needed), None)
    return ", ".join(f"{name} ({count})" for name, count in over.items()), fitting


def check_capacity(network: ResolvedNetwork) -> Iterator[Finding]:
    topology = network.spec
    # Tunnels per gateway: Basic 10, VpnGw1AZ-3AZ 30, VpnGw4AZ-5AZ 100 (SKU table); one per link, "A VNet-to-VNet
    # tunnel consists of two connection resources" and each connection counts
    # (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq; highly-available doc). An existing
    # gateway's own connections count too (`existing_connections`: azure-native cannot list them).
    links = tunnels_per_vnet(topology.vnet_names(), topology.link_pairs())
    # VNets are grouped by where their SKU is set: one finding for the shared `gateway.sku`, one per VNet that sets
    # its own (or whose gateway exists), so that the fix names the VNets to change.
    groups: dict[KeyPath, list[tuple[int, VnetSpec, int]]] = {}
    for i, vnet in enumerate(topology.vnets):
        if vnet.pending:
            continue  # its SKU is Azure's, read by the program
        groups.setdefault(sku_path(vnet, i), []).append((i, vnet, links[vnet.name] + vnet.existing_connections))
    for path, members in groups.items():
        gateway = network.sides[members[0][0]].gateway
        sku = sku_facts(gateway.sku)
        if sku is None:
            continue
        used = {vnet.name: count for _, vnet, count in members}
        documented = _over_limit(sku, used)
        if documented is not None:
            listed, fitting = documented
            yield error(
                path,
                f"{sku.name} takes {sku.max_tunnels} tunnels per gateway; these gateways need more: {listed}",
                _capacity_fix(path, members, sku, fitting),
            )
            continue
        if not gateway.active_active:
            continue
        # Between two active-active gateways a link is a full mesh of four IPsec tunnels, one per pair of
        # instances (vpn-gateway-highlyavailable). Microsoft does not say how they count against the SKU's limit:
        # warn at the stricter count, one per instance pair.
        stricter = _over_limit(
            sku, {name: count * INSTANCES_PER_ACTIVE_ACTIVE_GATEWAY**2 for name, count in used.items()}
        )
        if stricter is not None:
            listed, fitting = stricter
            yield warning(
                path,
                f"counting each of an active-active link's four IPsec tunnels, {sku.name}'s {sku.max_tunnels} would "
                f"not suffice: {listed}. Microsoft documents one tunnel per connection; it does not say how "
                "active-active tunnels count, so this is the conservative count",
                (f"use {fitting} to be safe either way" if fitting else "split the topology to be safe either way"),
            )


def _capacity_fix(
    path: KeyPath, members: list[tuple[int, VnetSpec, int]], sku: facts.GatewaySku, fitting: str | None
) -> str:
    if fitting is None:
        return "split the topology: no SKU takes that many tunnels"
    if path[0] == "vnets" and path[-1] == "existing_gateway_id":
        return f"resize VNet '{members[0][1].name}''s existing gateway to {fitting} (about 45 minutes), or link it less"
    if path[0] == "vnets":
        return f"set vnets[{path[1]}].gateway.sku to {fitting}"
    over = [(i, vnet.name) for i, vnet, count in members if count > sku.max_tunnels]
    if len(over) == len(members):
        return f"use {fitting}"
    return (
        f"use {fitting}, or give only {', '.join(repr(name) for _, name in over)} a gateway of its own: "
        + ", ".join(f"vnets[{i}].gateway.sku: {fitting}" for i, _ in over)
    )


# An active-active gateway has two instances (about-active-active-gateways).
INSTANCES_PER_ACTIVE_ACTIVE_GATEWAY = 2
