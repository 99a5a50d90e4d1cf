"""Transit: spokes reach each other through the hub only over BGP. Pure: spec in, findings out."""

from __future__ import annotations

from collections.abc import Iterator

from vnet2vnet.findings import Finding, warning
from vnet2vnet.network import ResolvedNetwork


def check_transit(network: ResolvedNetwork) -> Iterator[Finding]:
    topology = network.spec
    # Without BGP a VNet-to-VNet link only connects its two VNets
    # (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq; bgp-howto): no transit via the hub.
    spokes = len(topology.link_pairs()) if topology.topology == "hub-and-spoke" else 0
    known = [side for side in network.sides if not side.vnet.pending]
    if spokes > 1 and len(known) == len(topology.vnets) and not all(side.gateway.enable_bgp for side in known):
        yield warning(
            ("gateway", "enable_bgp"),
            "spokes cannot reach each other through the hub without BGP: spoke-to-spoke traffic needs BGP transit",
            "enable BGP (gateway.enableBgp and a bgpAsn per VNet) if spokes must talk to each other",
        )
