"""BGP: an ASN per VNet where BGP is on, in the ranges Azure allows, distinct where routes meet. Pure: spec in,
findings out."""

from __future__ import annotations

from collections.abc import Iterator

from vnet2vnet import azure_facts as facts
from vnet2vnet.findings import Finding, KeyPath, error, warning
from vnet2vnet.network import ResolvedNetwork


def _asn_reservation(asn: int) -> str | None:
    if asn in facts.ASN_RESERVED_BY_AZURE:
        return "reserved by Azure"
    if any(low <= asn <= high for low, high in facts.ASN_RESERVED_BY_IANA_RANGES):
        return "reserved by IANA"
    return None


def check_bgp(network: ResolvedNetwork) -> Iterator[Finding]:
    topology = network.spec
    # ASN rules: https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq#bgp.
    owners: dict[int, int] = {}
    for i, vnet in enumerate(topology.vnets):
        if vnet.pending:
            continue  # its gateway's BGP and ASN come from Azure
        enabled = network.sides[i].gateway.enable_bgp
        path: KeyPath = ("vnets", i, "bgp_asn")
        if vnet.bgp_asn is None:
            if enabled:
                yield error(
                    path,
                    f"BGP is enabled but VNet '{vnet.name}' has no ASN; Azure would give every gateway "
                    f"{facts.AZURE_DEFAULT_ASN}",
                    "set a distinct private ASN per VNet, e.g. 65010 and 65020",
                )
            continue
        if not enabled:
            yield warning(
                path, "bgpAsn is set but BGP is not enabled: it has no effect", "enable gateway.enableBgp or remove it"
            )
        if not facts.ASN_MIN <= vnet.bgp_asn <= facts.ASN_MAX:
            yield error(
                path, f"ASN {vnet.bgp_asn} is outside {facts.ASN_MIN}..{facts.ASN_MAX}", "use e.g. 64512..65514"
            )
            continue
        reservation = _asn_reservation(vnet.bgp_asn)
        if reservation:
            yield error(
                path, f"ASN {vnet.bgp_asn} is {reservation}", "use a private ASN in 64512..65514 or 65521..65534"
            )
        if vnet.bgp_asn in owners:
            other = owners[vnet.bgp_asn]
            linked = {frozenset(pair) for pair in topology.link_pairs()}
            why = (
                "connected gateways peer over eBGP and need different ASNs"
                if frozenset((topology.vnets[other].name, vnet.name)) in linked
                # Not linked to each other: their routes reach each other through the gateways between them, and
                # a BGP speaker drops a route whose AS path holds its own ASN (eBGP loop prevention).
                else "their routes pass through the linked gateways between them, and a gateway drops routes whose "
                "AS path holds its own ASN"
            )
            yield error(path, f"ASN {vnet.bgp_asn} is also vnets[{other}]'s: {why}", "give each VNet its own ASN")
        owners.setdefault(vnet.bgp_asn, i)
