"""BGP: the ASNs a VPN gateway cannot take, and what makes a VNet-to-VNet BGP session never come up (no refusal:
azure.connection_status reports those links NotConnected)."""

from __future__ import annotations

from vnet2vnet.emulator.azure import CONNECTION, GATEWAY
from vnet2vnet.emulator.rules import STATUS, Refused, Request, declare, rule

# VPN FAQ, BGP (includes/vpn-gateway-faq-bgp-include.md): "Are there ASNs reserved by Azure? Public ASNs: 8074,
# 8075, 12076 ... Private ASNs: 65515, 65517, 65518, 65519, 65520", and those "reserved by IANA ... can't be
# configured on your Azure VPN Gateway: 23456, 64496-64511, 65535-65551 and 429496729" (read: 4294967295).
BGP_FAQ = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq#bgp"
BGP_HOWTO = "https://learn.microsoft.com/azure/vpn-gateway/bgp-howto"
# 65515 is not here: it is the ASN every Azure VPN gateway has by default, BGP on or off ("Azure VPN Gateways have a
# default ASN of 65515 assigned, whether BGP is enabled or not"), so a gateway given 65515 is accepted; the FAQ
# reserves it against on-premises (local network gateway) ASNs.
AZURE_RESERVED_ASNS = frozenset({8074, 8075, 12076, 65517, 65518, 65519, 65520})
IANA_RESERVED_ASNS = frozenset({23456, *range(64496, 64512), *range(65535, 65552), 4294967295})
RESERVED_ASNS = AZURE_RESERVED_ASNS | IANA_RESERVED_ASNS
AZURE_DEFAULT_ASN = 65515


@rule(
    "gateway-reserved-asn",
    (GATEWAY,),
    "EmulatorRuleReservedAsn",
    "a gateway ASN Azure reserves (8074, 8075, 12076, 65517-65520) or IANA does (23456, 64496-64511, 65535-65551, "
    "4294967295), with BGP on (Azure's code not documented)",
    BGP_FAQ,
    validated_by="BGP: ASN not reserved by Azure or IANA",
)
def _reserved_asn(request: Request) -> None:
    asn = (request.body.get("bgpSettings") or {}).get("asn")
    if not request.body.get("enableBgp") or asn is None:
        return
    try:
        number = int(asn)
    except (TypeError, ValueError):
        return  # the spec check's to refuse (BgpSettings.asn is an integer)
    if number in RESERVED_ASNS:
        owner = "Azure" if number in AZURE_RESERVED_ASNS else "IANA"
        raise Refused(
            f"ASN {number} of gateway {request.rid} is reserved by {owner} and can't be configured ({BGP_FAQ})."
        )


declare(
    "bgp-equal-asns",
    (CONNECTION,),
    "",
    "a VNet-to-VNet link with BGP whose two gateways have the same ASN: accepted, the BGP session never forms",
    f"{BGP_FAQ}; https://github.com/MicrosoftDocs/azure-docs/issues/85171",
    when=STATUS,
    validated_by="BGP: connected gateways' ASNs differ",
)
declare(
    "bgp-on-one-side",
    (CONNECTION,),
    "",
    "a VNet-to-VNet link with BGP enabled on only one of its two connections: accepted, no BGP session",
    f"{BGP_FAQ}; {BGP_HOWTO}",
    when=STATUS,
    validated_by="by construction: BGP on a link's two connections only when both gateways run it",
)
