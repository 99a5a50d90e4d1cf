"""Gateway settings: SKU, generation, what the SKU can do, and availability zones. Pure: spec in, findings out."""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from vnet2vnet import azure_facts as facts
from vnet2vnet.findings import Finding, KeyPath, error, warning
from vnet2vnet.network import ResolvedNetwork
from vnet2vnet.spec import GatewaySpec, VnetSpec


@dataclass(frozen=True)
class _GatewayScope:
    """Gateway settings checked together: the shared block, or one VNet's own block over it. A key's finding goes
    where the user set it: `vnets[i].gateway.<key>` when that VNet sets it, else `gateway.<key>`."""

    gateway: GatewaySpec
    vnet_index: int | None = None  # None: the shared block
    vnet: VnetSpec | None = None

    def path(self, key: str, *rest: str | int) -> KeyPath:
        if self.vnet is not None and self.vnet.gateway is not None and self.vnet.gateway.sets(key):
            return ("vnets", self.vnet_index or 0, "gateway", key, *rest)
        return ("gateway", key, *rest)

    @property
    def label(self) -> str:
        return f"VNet '{self.vnet.name}': " if self.vnet is not None else ""


def _gateway_scopes(network: ResolvedNetwork) -> Iterator[_GatewayScope]:
    """The shared block, then each VNet whose gateway differs from it and is created here (an existing gateway is
    read from Azure and not changed: creation rules do not apply to it)."""
    yield _GatewayScope(network.spec.gateway)
    for i, vnet in enumerate(network.spec.vnets):
        if vnet.gateway is not None and vnet.creates_gateway:
            yield _GatewayScope(network.sides[i].gateway, i, vnet)


def _scoped(shared: list[Finding], scope: _GatewayScope, found: Iterable[Finding]) -> Iterator[Finding]:
    """A VNet scope's findings, less those the shared block already reports; one about a key the VNet does not
    set names the VNet."""
    seen = {(f.path, f.message) for f in shared}
    for finding in found:
        if (finding.path, finding.message) in seen:
            continue
        if finding.path[:1] == ("gateway",) and scope.vnet is not None:
            yield dataclasses.replace(finding, message=scope.label + finding.message)
        else:
            yield finding


def check_gateway(network: ResolvedNetwork) -> Iterator[Finding]:
    shared: list[Finding] = []
    for scope in _gateway_scopes(network):
        found = list(_check_gateway_settings(scope))
        if scope.vnet is None:
            shared = found
            yield from found
        else:
            yield from _scoped(shared, scope, found)
    yield from _check_zone_regions(network)


def _check_gateway_settings(scope: _GatewayScope) -> Iterator[Finding]:
    gateway = scope.gateway
    sku = facts.GATEWAY_SKUS.get(gateway.sku)
    valid = ", ".join(facts.GATEWAY_SKUS)
    if gateway.sku in facts.RETIRED_NON_AZ_SKUS:
        replacement = facts.RETIRED_NON_AZ_SKUS[gateway.sku]
        yield error(
            scope.path("sku"),
            f"{gateway.sku} is a non-AZ SKU: creating new ones has been blocked since {facts.NON_AZ_CREATION_BLOCKED}, "
            f"and the SKU was retired on {facts.NON_AZ_RETIRED}",
            f"use {replacement} (same tier, zone-redundant, priced the same since Jan 2025)",
        )
    elif sku is None:
        close = difflib.get_close_matches(gateway.sku, list(facts.GATEWAY_SKUS), n=1, cutoff=0.6)
        legacy = " (a legacy SKU whose creation Azure blocks)" if gateway.sku in facts.LEGACY_SKUS else ""
        yield error(
            scope.path("sku"),
            f"'{gateway.sku}' is not a VPN gateway SKU you can create{legacy}",
            (f"did you mean '{close[0]}'? " if close else "") + f"valid SKUs: {valid}",
        )
    if gateway.generation is not None and gateway.generation not in (facts.GENERATION1, facts.GENERATION2):
        yield error(
            scope.path("generation"), f"'{gateway.generation}' is not a generation", "use Generation1 or Generation2"
        )
    elif sku is not None and gateway.effective_generation not in sku.generations:
        yield error(
            scope.path("generation"),
            f"{sku.name} is available only as {' or '.join(sku.generations)}, not {gateway.effective_generation}",
            f"set generation to {sku.default_generation} (or leave it out)",
        )
    if sku is not None:
        yield from _check_sku_features(scope, sku)
    yield from _check_zones(scope, sku)


def _check_sku_features(scope: _GatewayScope, sku: facts.GatewaySku) -> Iterator[Finding]:
    """What the SKU table says the SKU cannot do (azure_facts.GATEWAY_SKUS, from
    https://learn.microsoft.com/azure/vpn-gateway/about-gateway-skus and the VPN Gateway FAQ)."""
    fix = f"use {facts.DEFAULT_GATEWAY_SKU} or larger"
    if not sku.for_production:
        yield warning(
            scope.path("sku"), f"{sku.name} is for dev/test: no BGP, no active-active, no SLA-grade features", fix
        )
    if scope.gateway.active_active and not sku.supports_active_active:
        yield error(scope.path("active_active"), f"{sku.name} gateways cannot be active-active", fix)
    if scope.gateway.enable_bgp and not sku.supports_bgp:
        yield error(scope.path("enable_bgp"), f"{sku.name} gateways do not support BGP", fix)


def _check_zones(scope: _GatewayScope, sku: facts.GatewaySku | None) -> Iterator[Finding]:
    zones = scope.gateway.zones
    if not zones:
        return
    for k, zone in enumerate(zones):
        if zone not in facts.AVAILABILITY_ZONES:
            yield error(scope.path("zones", k), f"'{zone}' is not an availability zone", 'use "1", "2" and/or "3"')
    distinct = sorted(set(zones))
    if any(zone not in facts.AVAILABILITY_ZONES for zone in zones):
        pass  # reported above, zone by zone
    elif len(distinct) != len(zones):
        yield error(scope.path("zones"), "a zone is listed twice", f"list each zone once: {distinct}")
    elif 1 < len(distinct) < len(facts.AVAILABILITY_ZONES):
        # A public IP is zonal (one zone) or zone-redundant (every zone of the region): Azure creates a two-zone
        # request in all three, and the next refresh wants a replacement (hashicorp/terraform-provider-azurerm
        # #16470; public-ip-addresses "Availability zone").
        yield error(
            scope.path("zones"),
            f"{len(distinct)} zones: a public IP is in one zone or in all of the region's zones "
            f"({', '.join(facts.AVAILABILITY_ZONES)})",
            'use ["1", "2", "3"] (zone-redundant, the default) or a single zone',
        )
    if sku is not None and not sku.zone_redundant:
        yield warning(scope.path("zones"), f"{sku.name} gateways are not zone-redundant", "use an AZ SKU or drop zones")


def _check_zone_regions(network: ResolvedNetwork) -> Iterator[Finding]:
    topology = network.spec
    zoned = topology.gateway.zones or any(
        vnet.gateway is not None and vnet.gateway.sets("zones") and vnet.gateway.values["zones"]
        for vnet in topology.vnets
    )
    if not zoned:
        return
    for i, vnet in enumerate(topology.vnets):
        if not vnet.creates_gateway or not network.sides[i].gateway.zones:
            continue
        if isinstance(vnet.location, str) and vnet.location in facts.PREVIEW_ZONE_REGIONS:
            yield warning(
                ("vnets", i, "location"),
                f"{vnet.location}'s availability zones are in preview (no SLA): zones are not sent for VNet "
                f"'{vnet.name}', its gateway stays regional (a public IP's zones cannot be changed later)",
                "nothing to do, or pick a region with generally available zones for zone redundancy",
            )
        elif isinstance(vnet.location, str) and vnet.location in facts.NON_AZ_REGIONS:
            yield warning(
                ("vnets", i, "location"),
                f"{vnet.location} has no availability zones: zones are not sent for VNet '{vnet.name}', its gateway "
                "stays regional",
                "nothing to do, or pick a region with zones for zone redundancy",
            )


def sku_path(vnet: VnetSpec, index: int) -> KeyPath:
    """Where a VNet's gateway SKU is set: its existing gateway, its own gateway block, or the shared one."""
    if not vnet.creates_gateway:
        return ("vnets", index, "existing_gateway_id")
    if vnet.gateway is not None and vnet.gateway.sets("sku"):
        return ("vnets", index, "gateway", "sku")
    return ("gateway", "sku")
