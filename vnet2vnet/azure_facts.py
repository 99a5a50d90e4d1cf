"""Azure facts the program relies on: one source of truth, kept as data, each with its document.

Every rule in `validation/`, every default in `spec.py` and every table in `plan` reads from here.
Learn URLs are given for the MicrosoftDocs/azure-docs articles quoted in ../shared/reference/azure-vpn-facts.md.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Final

from vnet2vnet.tokens import (
    ACTION_GROUP_TYPE,
    CONNECTION_TYPE,
    DIAGNOSTIC_SETTING_TYPE,
    GATEWAY_TYPE,
    LOG_ALERT_TYPE,
    METRIC_ALERT_TYPE,
    PUBLIC_IP_TYPE,
    RESOURCE_GROUP_TYPE,
    SUBNET_TYPE,
    VNET_TYPE,
    WORKSPACE_TYPE,
)

VPN_FAQ: Final = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq"
GATEWAY_SETTINGS_DOC: Final = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-gateway-settings"
GATEWAY_SKUS_DOC: Final = "https://learn.microsoft.com/azure/vpn-gateway/about-gateway-skus"
SKU_CONSOLIDATION_DOC: Final = "https://learn.microsoft.com/azure/vpn-gateway/gateway-sku-consolidation"
VNET_TO_VNET_DOC: Final = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vnet-vnet-rm-ps"
# The one Microsoft page that says how long a new VNet-to-VNet link takes to come up.
FIREWALL_HYBRID_DOC: Final = "https://learn.microsoft.com/azure/firewall/tutorial-hybrid-portal"
BGP_DOC: Final = "https://learn.microsoft.com/azure/vpn-gateway/bgp-howto"
IPSEC_POLICY_DOC: Final = "https://learn.microsoft.com/azure/vpn-gateway/ipsec-ike-policy-howto"
VNET_FAQ: Final = "https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq"
REGIONS_DOC: Final = "https://learn.microsoft.com/azure/reliability/regions-list"
RELIABILITY_DOC: Final = "https://learn.microsoft.com/azure/reliability/reliability-virtual-network-gateway"

# The REST API version azure-native v3 sends for every resource this program builds
# (pulumi/pulumi-azure-native versions/v3-spec.yaml).
NETWORK_API_VERSION: Final = "2024-05-01"

# The subnet that hosts a VPN gateway must have exactly this name
# (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq: "All gateway subnets must be named
# GatewaySubnet").
GATEWAY_SUBNET_NAME: Final = "GatewaySubnet"

GENERATION1: Final = "Generation1"
GENERATION2: Final = "Generation2"


@dataclass(frozen=True)
class GatewaySku:
    """What one VPN gateway SKU offers. Source: the SKU table of about-gateway-skus (ms.date 06/08/2026)."""

    name: str
    generations: tuple[str, ...]
    max_tunnels: int  # S2S/VNet-to-VNet tunnels
    throughput_mbps: dict[str, int]  # aggregate throughput by generation
    supports_bgp: bool
    supports_active_active: bool
    supports_custom_ipsec_policy: bool
    zone_redundant: bool
    min_gateway_subnet_prefix: int  # largest prefix length (smallest subnet) Azure accepts
    supported_ike_versions: tuple[str, ...]
    # Basic: "not for production" (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq).
    for_production: bool = True

    @property
    def default_generation(self) -> str:
        """Generation2 wherever the SKU allows it (higher throughput), else the only one it has."""
        return GENERATION2 if GENERATION2 in self.generations else self.generations[0]


def _az_sku(number: int, generations: tuple[str, ...], tunnels: int, mbps: dict[str, int]) -> GatewaySku:
    return GatewaySku(
        name=f"VpnGw{number}AZ",
        generations=generations,
        max_tunnels=tunnels,
        throughput_mbps=mbps,
        supports_bgp=True,
        supports_active_active=True,
        supports_custom_ipsec_policy=True,
        zone_redundant=True,
        # GatewaySubnet: /27 or larger for every SKU but Basic
        # (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-gateway-settings, "Gateway subnet").
        min_gateway_subnet_prefix=27,
        supported_ike_versions=("IKEv2", "IKEv1"),
    )


# SKUs a new VPN gateway can be created with today. Source:
# https://learn.microsoft.com/azure/vpn-gateway/about-gateway-skus and
# https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq (see azure-vpn-facts.md §2).
GATEWAY_SKUS: Final[dict[str, GatewaySku]] = {
    "Basic": GatewaySku(
        name="Basic",
        generations=(GENERATION1,),
        max_tunnels=10,
        throughput_mbps={GENERATION1: 100},
        supports_bgp=False,
        supports_active_active=False,
        supports_custom_ipsec_policy=False,
        zone_redundant=False,
        min_gateway_subnet_prefix=29,  # "/29 (applicable to the Basic SKU only)"
        supported_ike_versions=(
            "IKEv2",
        ),  # Basic route-based: IKEv2 only (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq)
        for_production=False,
    ),
    "VpnGw1AZ": _az_sku(1, (GENERATION1,), 30, {GENERATION1: 650}),
    "VpnGw2AZ": _az_sku(2, (GENERATION1, GENERATION2), 30, {GENERATION1: 1000, GENERATION2: 1250}),
    "VpnGw3AZ": _az_sku(3, (GENERATION1, GENERATION2), 30, {GENERATION1: 1250, GENERATION2: 2500}),
    "VpnGw4AZ": _az_sku(4, (GENERATION2,), 100, {GENERATION2: 5000}),
    "VpnGw5AZ": _az_sku(5, (GENERATION2,), 100, {GENERATION2: 10000}),
}
DEFAULT_GATEWAY_SKU: Final = "VpnGw1AZ"

# Non-AZ SKUs: new creation blocked in 2025 (SKU consolidation doc: "Effective January 1, 2025"; what's new: "New
# Non-AZ SKU creates blocked in 2025"; ../shared/reference/azure-vpn-facts.md gives 1 November 2025), existing
# gateways migrated to the AZ SKUs, retired 30 September 2026 (what's new, 05/26/2026): map to the AZ SKU.
NON_AZ_CREATION_BLOCKED: Final = "2025"
NON_AZ_RETIRED: Final = "30 September 2026"
RETIRED_NON_AZ_SKUS: Final[dict[str, str]] = {f"VpnGw{n}": f"VpnGw{n}AZ" for n in range(1, 6)}
# Legacy SKUs whose creation Azure blocks (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq; what's
# new).
LEGACY_SKUS: Final = ("Standard", "HighPerformance", "UltraPerformance")

# Shared key: "printable ASCII characters, except space, hyphen (-), or tilde (~)"
# (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq#vnet-to-vnet).
PSK_FORBIDDEN_CHARACTERS: Final = frozenset(" -~")
PSK_ALLOWED_CHARACTERS: Final = frozenset(
    chr(code) for code in range(0x20, 0x7F) if chr(code) not in PSK_FORBIDDEN_CHARACTERS
)
# The reset API accepts keyLength 1..128 (spec ConnectionResetSharedKey): the safe bound for any key.
PSK_MAX_LENGTH: Final = 128
# Our own policy for generated keys: long enough to be strong, within Azure's bound.
GENERATED_PSK_MIN_LENGTH: Final = 32
GENERATED_PSK_DEFAULT_LENGTH: Final = 64
# Special characters used in generated keys: allowed by Azure, and free of quotes and backslashes so that the
# key survives copy-and-paste into shells and CLI tools (az network vpn-connection shared-key update).
GENERATED_PSK_SPECIALS: Final = "!#$%&()*+,./:;<=>?@[]^_{|}"

# BGP ASNs (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq#bgp).
ASN_RESERVED_BY_AZURE: Final = frozenset({8074, 8075, 12076, 65515, 65517, 65518, 65519, 65520})
ASN_RESERVED_BY_IANA_RANGES: Final = (
    (23456, 23456),
    (64496, 64511),
    (65535, 65551),
    (4294967295, 4294967295),
)
ASN_MIN: Final = 1
ASN_MAX: Final = 4294967294
AZURE_DEFAULT_ASN: Final = 65515

# Address ranges Azure refuses inside a VNet (virtual network FAQ).
VNET_FORBIDDEN_RANGES: Final = tuple(
    ipaddress.ip_network(cidr)
    for cidr in ("224.0.0.0/4", "255.255.255.255/32", "127.0.0.0/8", "169.254.0.0/16", "168.63.129.16/32")
)
# RFC 1918 plus RFC 6598 shared address space: the ranges Azure recommends for VNets (virtual network FAQ).
VNET_RECOMMENDED_RANGES: Final = tuple(
    ipaddress.ip_network(cidr) for cidr in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)

# Dead peer detection timeout (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq#ipsecike): 9..3600 s.
DPD_TIMEOUT_RANGE: Final = (9, 3600)
CONNECTION_PROTOCOLS: Final = ("IKEv2", "IKEv1")
# What Azure uses when a connection names no protocol (API spec 2024-05-01, connectionProtocol;
# https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq: VNet-to-VNet uses IKEv2).
DEFAULT_CONNECTION_PROTOCOL: Final = "IKEv2"

# Regions, by programmatic name, with availability-zone support. Source: regions-list.md
# (https://learn.microsoft.com/azure/reliability/regions-list; MicrosoftDocs/reliability-docs as of 2026-08:
# Denmark East GA 2026-03, India South Central GA 2026-07). VPN AZ SKUs deploy in every region; where a region has
# no zones the gateway stays regional (SKU consolidation). A fixed list goes stale: an unknown region is a warning
# unless it is a near miss of a known one (validation.locations).
REGIONS_AS_OF: Final = "2026-08"
AZ_REGIONS: Final = frozenset(
    {
        "australiaeast", "austriaeast", "belgiumcentral", "brazilsouth", "canadacentral", "centralindia",
        "centralus", "chilecentral", "denmarkeast", "eastasia", "eastus", "eastus2", "francecentral",
        "germanywestcentral", "indiasouthcentral", "indonesiacentral", "israelcentral", "italynorth", "japaneast",
        "japanwest", "koreacentral",
        "malaysiawest", "mexicocentral", "newzealandnorth", "northeurope", "norwayeast", "polandcentral",
        "qatarcentral", "southafricanorth", "southcentralus", "southeastasia", "spaincentral", "swedencentral",
        "switzerlandnorth", "uaenorth", "uksouth", "westeurope", "westus2", "westus3",
    }
)  # fmt: skip
NON_AZ_REGIONS: Final = frozenset(
    {
        "australiacentral", "australiacentral2", "australiasoutheast", "brazilsoutheast", "canadaeast",
        "francesouth", "germanynorth", "koreasouth", "northcentralus", "norwaywest", "southafricawest",
        "southindia", "switzerlandwest", "uaecentral", "ukwest", "westcentralus", "westindia", "westus",
        # Restricted regions for Jio customers: Azure locations (`az account list-locations`) absent from
        # regions-list.md, so no documented zones.
        "jioindiacentral", "jioindiawest",
    }
)  # fmt: skip
# Regions whose zones are in preview (../shared/reference/azure-vpn-facts.md, December 2026: "northcentralus now
# lists 3 zones (preview)"; regions-list.md of 2026-08 shows none). Preview zones carry no SLA, and a public IP's
# zones cannot change after creation: the program treats these regions as regional and never sends zones there.
PREVIEW_ZONE_REGIONS: Final = frozenset({"northcentralus"})
KNOWN_REGIONS: Final = AZ_REGIONS | NON_AZ_REGIONS
AVAILABILITY_ZONES: Final = ("1", "2", "3")


def region_has_zones(location: str) -> bool:
    return location in AZ_REGIONS


@dataclass(frozen=True)
class IpsecField:
    """Values of one custom IPsec/IKE policy field: what Microsoft documents, what only the API spec lists,
    and the documented values that are weak."""

    documented: tuple[str, ...]
    spec_only: tuple[str, ...] = ()
    weak: tuple[str, ...] = ()


# Custom IPsec/IKE policy (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq#ipsecike; spec 2024-05-01
# enums IkeEncryption ... PfsGroup). Keyed by the snake_case field name of `IpsecPolicySpec`.
IPSEC_POLICY_FIELDS: Final[dict[str, IpsecField]] = {
    "ike_encryption": IpsecField(("GCMAES256", "GCMAES128", "AES256", "AES192", "AES128"), spec_only=("DES", "DES3")),
    "ike_integrity": IpsecField(
        ("SHA384", "SHA256", "SHA1", "MD5"), spec_only=("GCMAES256", "GCMAES128"), weak=("SHA1", "MD5")
    ),
    "dh_group": IpsecField(
        ("DHGroup24", "ECP384", "ECP256", "DHGroup14", "DHGroup2048", "DHGroup2", "DHGroup1", "None"),
        weak=("DHGroup2", "DHGroup1", "None"),
    ),
    "ipsec_encryption": IpsecField(
        ("GCMAES256", "GCMAES192", "GCMAES128", "AES256", "AES192", "AES128", "DES3", "DES", "None"),
        weak=("DES3", "DES", "None"),
    ),
    "ipsec_integrity": IpsecField(
        ("GCMAES256", "GCMAES192", "GCMAES128", "SHA256", "SHA1", "MD5"), weak=("SHA1", "MD5")
    ),
    "pfs_group": IpsecField(
        ("PFS24", "ECP384", "ECP256", "PFS2048", "PFS2", "PFS1", "None"),
        spec_only=("PFS14", "PFSMM"),
        weak=("PFS2", "PFS1", "None"),
    ),
}
# Quick-mode SA lifetime: minimum 300 s (FAQ); PowerShell enforces 300..172799 (NewAzureRmIpsecPolicyCommand.cs).
SA_LIFETIME_SECONDS_RANGE: Final = (300, 172799)
# Quick-mode SA size: 0 (no rekey by size) or 1024..2147483647 KB (FAQ minimum; PowerShell range).
SA_DATA_SIZE_KILOBYTES_RANGE: Final = (1024, 2147483647)


@dataclass(frozen=True)
class TypicalDuration:
    minutes: float
    source: str


# Typical time from request to done, by Pulumi type token: the schedule's weights (`plan`).
TYPICAL_DURATIONS: Final[dict[str, TypicalDuration]] = {
    GATEWAY_TYPE: TypicalDuration(
        45, f"{GATEWAY_SETTINGS_DOC}: 'often take 45 minutes or more, depending on the selected gateway SKU'"
    ),
    # `up` waits for the connection's write, not for its tunnel: the link comes up later (LINK_CONNECTED_AFTER).
    CONNECTION_TYPE: TypicalDuration(
        2, f"{VNET_TO_VNET_DOC}: 'Creating a connection can take a short while to complete' (estimated: 2 min)"
    ),
    VNET_TYPE: TypicalDuration(1, "typical ARM write, about a minute"),
    SUBNET_TYPE: TypicalDuration(1, "typical ARM write, about a minute"),
    PUBLIC_IP_TYPE: TypicalDuration(1, "typical ARM write, about a minute"),
    RESOURCE_GROUP_TYPE: TypicalDuration(0.5, "resource group creation: under a minute"),
}
_SPEC_EXAMPLES: Final = (
    "https://github.com/Azure/azure-rest-api-specs/tree/main/specification/network/resource-manager/"
    "Microsoft.Network/stable/2024-05-01/examples"
)
# Properties Azure fills in when a request leaves them out and that this program never sends, by type (Azure's GET
# answers: the 2024-05-01 examples VirtualNetworkGatewayGet, VirtualNetworkGatewayConnectionGet, PublicIpAddressGet;
# a VNet's `subnets` list, pulumi/pulumi-azure-native #611). Not those azure-native's SDK itself sends a default for
# (a VNet's enableDdosProtection/enableVmProtection, a subnet's network policies): an imported value that differs
# from the SDK's is a real change, shown in the preview. A resource
# imported into the stack (`vnet2vnet adopt`, `pulumi import`) has them in its state's inputs (azure-native's Read
# without old inputs takes the whole GET answer), and without ignoreChanges the first `up` after the import would
# rewrite every gateway (45 minutes) to remove them. No config key sets any of them, so ignoring them never hides
# a change the stack asks for.
AZURE_FILLED_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    VNET_TYPE: ("subnets",),
    PUBLIC_IP_TYPE: ("idleTimeoutInMinutes", "ipTags", "ddosSettings"),
    GATEWAY_TYPE: (
        "enablePrivateIpAddress",
        "disableIPSecReplayProtection",
        "enableBgpRouteTranslationForNat",
        "allowVirtualWanTraffic",
        "allowRemoteVnetTraffic",
        "natRules",
        "sku.capacity",
    ),
    CONNECTION_TYPE: (
        "routingWeight",
        "useLocalAzureIpAddress",
        "usePolicyBasedTrafficSelectors",
        "trafficSelectorPolicies",
        "connectionMode",
    ),
}


# Anything else (random passwords, providers) happens in the engine, in no time worth counting.
INSTANT: Final = TypicalDuration(0, "local to the Pulumi engine")
# From a connection's creation until both directions show Connected.
LINK_CONNECTED_AFTER: Final = TypicalDuration(
    5, f"{FIREWALL_HYBRID_DOC}: 'After about five minutes or so, the status of both connections should be Connected'"
)


# Each resource type's Azure resource ID: the PUT path of its REST API, whose path parameters are azure-native's
# inputs of the same name (Microsoft.Network 2024-05-01: virtualNetworks.json, virtualNetworkGateway.json,
# publicIpAddress.json; Microsoft.Resources resourceGroups; Monitor and Log Analytics: their resources' REST
# references, https://learn.microsoft.com/rest/api/monitor/ and /rest/api/loganalytics/). `{subscriptionId}` is the
# provider's subscription.
_IN_GROUP = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
RESOURCE_ID_TEMPLATES: Final[dict[str, str]] = {
    RESOURCE_GROUP_TYPE: "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}",
    VNET_TYPE: _IN_GROUP + "Microsoft.Network/virtualNetworks/{virtualNetworkName}",
    SUBNET_TYPE: _IN_GROUP + "Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}",
    PUBLIC_IP_TYPE: _IN_GROUP + "Microsoft.Network/publicIPAddresses/{publicIpAddressName}",
    GATEWAY_TYPE: _IN_GROUP + "Microsoft.Network/virtualNetworkGateways/{virtualNetworkGatewayName}",
    CONNECTION_TYPE: _IN_GROUP + "Microsoft.Network/connections/{virtualNetworkGatewayConnectionName}",
    WORKSPACE_TYPE: _IN_GROUP + "Microsoft.OperationalInsights/workspaces/{workspaceName}",
    DIAGNOSTIC_SETTING_TYPE: "{resourceUri}/providers/Microsoft.Insights/diagnosticSettings/{name}",
    ACTION_GROUP_TYPE: _IN_GROUP + "Microsoft.Insights/actionGroups/{actionGroupName}",
    METRIC_ALERT_TYPE: _IN_GROUP + "Microsoft.Insights/metricAlerts/{ruleName}",
    LOG_ALERT_TYPE: _IN_GROUP + "Microsoft.Insights/scheduledQueryRules/{ruleName}",
}


NAMING_RULES_DOC: Final = "https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules"
# Longest name Azure accepts, by Pulumi type token (resource-name-rules: Microsoft.Resources/resourcegroups 1-90,
# Microsoft.Network/virtualNetworks 2-64, virtualNetworks/subnets 1-80, publicIPAddresses 1-80,
# virtualNetworkGateways 1-80, connections 1-80; Microsoft.OperationalInsights/workspaces 4-63;
# Microsoft.Insights actionGroups, metricAlerts and scheduledQueryRules 1-260).
NAME_LENGTH_LIMITS: Final[dict[str, int]] = {
    WORKSPACE_TYPE: 63,
    ACTION_GROUP_TYPE: 260,
    METRIC_ALERT_TYPE: 260,
    LOG_ALERT_TYPE: 260,
    RESOURCE_GROUP_TYPE: 90,
    VNET_TYPE: 64,
    SUBNET_TYPE: 80,
    PUBLIC_IP_TYPE: 80,
    GATEWAY_TYPE: 80,
    CONNECTION_TYPE: 80,
}
# azure-native names a resource whose name input is unset after its Pulumi name plus 8 random characters
# (pulumi/pulumi-azure-native provider autonaming; pulumi docs "Resource names: auto-naming").
AUTONAME_SUFFIX_LENGTH: Final = 8

# azure-native's own limit on one long-running Azure operation when a resource sets no customTimeouts: 2 hours
# (pulumi/pulumi-azure-native provider: default operation timeout). customTimeouts replace it, also downwards.
AZURE_NATIVE_DEFAULT_TIMEOUT_MINUTES: Final = 120

# ARM accepts at most three auxiliary tenants in the x-ms-authorization-auxiliary header
# (https://learn.microsoft.com/azure/azure-resource-manager/management/authenticate-multi-tenant).
MAX_AUXILIARY_TENANTS: Final = 3

# What the user names or types, as Azure accepts it (NAMING_RULES_DOC, Microsoft.Resources and Microsoft.Network):
# - resource group: 1-90 characters, Unicode letters and digits, underscores, parentheses, hyphens and periods;
#   it cannot end with a period.
# - subnet: 1-80 characters, alphanumerics, underscores, periods and hyphens; it starts with an alphanumeric and
#   ends with an alphanumeric or an underscore.
RESOURCE_GROUP_NAME_MAX: Final = 90
SUBNET_NAME_PATTERN: Final = r"^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$"
# Subscription and tenant IDs are GUIDs (ARM resource IDs; Entra tenant ID).
GUID_PATTERN: Final = r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
# Tags (https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources): at most 50 per
# resource; names up to 512 characters, values up to 256; names cannot contain < > % & \ ? /; names are
# case-insensitive.
TAG_LIMIT_PER_RESOURCE: Final = 50
TAG_NAME_MAX: Final = 512
TAG_VALUE_MAX: Final = 256
TAG_NAME_FORBIDDEN_CHARACTERS: Final = "<>%&\\?/"
# The smallest IPv4 subnet Azure supports is /29 (VNET_FAQ: "The smallest supported IPv4 subnet is /29").
SMALLEST_SUBNET_PREFIX_LENGTH: Final = 29
# IPv6 in a VNet is dual-stack only: "VNets can be IPv4-only or dual stack (IPv4+IPv6)" (VNET_FAQ), "dual stack
# subnets" (IPV6_DOC), so every subnet has an IPv4 prefix and an IPv6 one only beside it; "The subnets for IPv6 must
# be exactly /64 in size" (IPV6_DOC; VNET_FAQ: "IPv6 subnets must be exactly /64 in size").
IPV6_DOC: Final = "https://learn.microsoft.com/azure/virtual-network/ip-services/ipv6-overview"
IPV6_SUBNET_PREFIX_LENGTH: Final = 64
# Subnets of a VNet never overlap: "Subnet address spaces cannot overlap one another", and a subnet can be added
# "as long as the subnet address range is not part of another subnet" (VNET_FAQ). Azure refuses one that does
# with this error code ("Subnet '<name>' is not valid because its IP address range overlaps with that of an
# existing subnet in virtual network '<vnet>'").
SUBNET_OVERLAP_ERROR: Final = "NetcfgSubnetRangesOverlap"


# ------------------------------------------------------------------------------------- what a change interrupts

SKU_UPGRADE_DOC: Final = "https://learn.microsoft.com/azure/vpn-gateway/gateway-sku-upgrade"
PUBLIC_IP_DOC: Final = "https://learn.microsoft.com/azure/virtual-network/ip-services/public-ip-addresses"

# Properties Azure sets only at creation: a change is a delete and a re-create. The ID's path parameters and the
# location of every resource (resource-name-rules; the REST spec marks `location` create-only), plus per type:
CREATE_ONLY: Final[dict[str, frozenset[str]]] = {
    # "You can't change the zone of a public IP address after it's created" (public-ip-addresses, Availability
    # zone); its IP version likewise.
    PUBLIC_IP_TYPE: frozenset({"zones", "publicIPAddressVersion"}),
    # A gateway's type and VPN type cannot change (VPN FAQ: "you must delete the gateway and recreate it");
    # Gen1 -> Gen2 is "Migrate Only", not an update (gateway-sku-upgrade).
    GATEWAY_TYPE: frozenset({"gatewayType", "vpnType", "vpnGatewayGeneration"}),
    # A connection's type, gateways and protocol are fixed at creation (VPN FAQ; the program replaces both
    # connections on a protocol or key change).
    CONNECTION_TYPE: frozenset(
        {"connectionType", "virtualNetworkGateway1", "virtualNetworkGateway2", "connectionProtocol"}
    ),
    # A diagnostic setting is an extension resource of its target: another target is another resource (ARM
    # extension resource IDs, https://learn.microsoft.com/azure/azure-resource-manager/management/extension-resource-types).
    DIAGNOSTIC_SETTING_TYPE: frozenset({"resourceUri"}),
}
CREATE_ONLY_EVERYWHERE: Final = frozenset({"location"})


def create_only(type_token: str) -> frozenset[str]:
    """What Azure refuses to change in place on a resource of this type: a change replaces it."""
    return CREATE_ONLY.get(type_token, frozenset()) | CREATE_ONLY_EVERYWHERE


@dataclass(frozen=True)
class Interruption:
    """What a change to a resource interrupts, for how long, and how long the change takes, with its source.
    `estimated`: Microsoft documents no figure; the minutes follow from the typical durations."""

    kind: str  # none | tunnel | gateway
    downtime_minutes: float
    duration_minutes: float
    source: str
    estimated: bool = False


# A rebuilt connection is Connected about LINK_CONNECTED_AFTER's 5 minutes after its create; with both directions
# replaced the tunnel is down from the first delete to the second create (rotation downtime is not documented:
# VPN FAQ).
CONNECTION_REBUILT: Final = Interruption(
    "tunnel",
    LINK_CONNECTED_AFTER.minutes,
    2 * LINK_CONNECTED_AFTER.minutes,
    f"{FIREWALL_HYBRID_DOC} (connections Connected 'after about five minutes'); {VPN_FAQ}",
    True,
)
# A gateway rebuilt: deleted (not documented: counted as 15 min), re-created (45 min or more), its connections
# re-created (5 min), with new public IPs (an IP cannot be kept across a gateway re-create: VPN FAQ).
GATEWAY_REBUILT: Final = Interruption(
    "gateway", 65, 65, f"{GATEWAY_SETTINGS_DOC} (45 minutes or more); {VPN_FAQ} (new public IPs)", True
)
# A SKU resize takes about 45 minutes; Microsoft documents no downtime only for non-AZ -> AZ in the same tier.
SKU_RESIZE_NO_DOWNTIME: Final = Interruption("none", 0, 45, f"{SKU_UPGRADE_DOC}: no downtime, non-AZ to AZ, same tier")
SKU_RESIZE: Final = Interruption(
    "gateway", 45, 45, f"{SKU_UPGRADE_DOC}: about 45 minutes; downtime not documented (assumed the whole window)", True
)
# An IPsec policy or DPD update on a connection: "a small disruption (a few seconds)" (VPN FAQ).
CONNECTION_UPDATED: Final = Interruption("tunnel", 0.1, 5, f"{VPN_FAQ}: 'a small disruption (a few seconds)'")
# Tags are metadata: nothing is interrupted.
METADATA_ONLY: Final = Interruption("none", 0, 1, "tags are ARM metadata (no change to the data plane)")
# Any other in-place update of a gateway (active-active, BGP): applied by a gateway update of about 45 minutes.
GATEWAY_UPDATED: Final = Interruption(
    "gateway", 45, 45, f"{GATEWAY_SETTINGS_DOC}: gateway updates take 45 minutes or more; downtime not documented", True
)
# Diagnostic settings, alerts and action groups are Azure Monitor resources outside the data path: changing,
# replacing or deleting one interrupts no tunnel (https://learn.microsoft.com/azure/azure-monitor/essentials/diagnostic-settings).
MONITORING_CHANGED: Final = Interruption(
    "none", 0, 1, "Azure Monitor resources are not in the data path (diagnostic-settings)"
)
# A workspace the stack created, deleted: no tunnel stops, but its logs go with it (recoverable for 14 days,
# https://learn.microsoft.com/azure/azure-monitor/logs/delete-workspace).
WORKSPACE_DELETED: Final = Interruption(
    "none",
    0,
    1,
    "no tunnel stops; the workspace's logs are deleted with it (soft-deleted, recoverable for 14 days: "
    "https://learn.microsoft.com/azure/azure-monitor/logs/delete-workspace)",
)
MONITORING_TYPES: Final = frozenset(
    {WORKSPACE_TYPE, DIAGNOSTIC_SETTING_TYPE, ACTION_GROUP_TYPE, METRIC_ALERT_TYPE, LOG_ALERT_TYPE}
)


# ---------------------------------------------------------------------------------------------- operating

# A VPN gateway's resource log categories (https://learn.microsoft.com/azure/vpn-gateway/monitor-vpn-gateway-reference)
# and the metric category of every resource (https://learn.microsoft.com/azure/azure-monitor/essentials/diagnostic-settings).
# P2SDiagnosticLog is left out: point-to-site is not part of a VNet-to-VNet link.
GATEWAY_LOG_CATEGORIES = ("GatewayDiagnosticLog", "TunnelDiagnosticLog", "RouteDiagnosticLog", "IKEDiagnosticLog")
ALL_METRICS_CATEGORY = "AllMetrics"

# A Log Analytics workspace the component creates: pay-as-you-go, Azure's default retention
# (https://learn.microsoft.com/azure/azure-monitor/logs/data-retention-configure: 30 days by default).
LOG_ANALYTICS_SKU = "PerGB2018"
LOG_ANALYTICS_RETENTION_DAYS = 30

# Tunnel down: Microsoft documents a log search alert on TunnelDiagnosticLog, which records each tunnel state change
# ("Tunnel connect/disconnect events have a summarized reason"), filtered on the gateway and the remote tunnel IP
# with status_s == "Disconnected" (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-howto-setup-alerts-virtual-network-gateway-log).
# An event, unlike the traffic metrics (Tunnel Ingress Bytes, Tunnel Bandwidth), which sit at zero on an idle but
# healthy tunnel and so cannot tell "down" from "quiet".
TUNNEL_DOWN_ALERT_DOC = (
    "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-howto-setup-alerts-virtual-network-gateway-log"
)
TUNNEL_DIAGNOSTIC_LOG = "TunnelDiagnosticLog"
TUNNEL_DISCONNECTED_STATUS = "Disconnected"
# BGP peer down: the BGP Peer Status metric, "average BGP connectivity status per peer and per instance", 5-minute
# granularity (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-howto-setup-alerts-virtual-network-gateway-metric);
# 1 while the session is up, so an average below 1 over the window means the peer dropped in it.
BGP_PEER_ALERT_DOC = (
    "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-howto-setup-alerts-virtual-network-gateway-metric"
)
BGP_PEER_STATUS_METRIC = "BgpPeerStatus"
BGP_PEER_ADDRESS_DIMENSION = "BgpPeerAddress"
GATEWAY_METRIC_NAMESPACE = "Microsoft.Network/virtualNetworkGateways"
# Alert windows both alert kinds accept, in minutes. Metric alerts: windowSize PT1M, PT5M, PT15M, PT30M, PT1H,
# PT6H, PT12H or PT24H (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-metric-overview; metricAlerts
# REST reference). Log search alerts: PT1M, PT5M, PT10M, PT15M, PT30M, PT45M, PT1H..PT6H, P1D or P2D
# (https://learn.microsoft.com/azure/azure-monitor/alerts/resource-manager-alerts-log; the same list in Azure's
# refusal, hashicorp/terraform-provider-azurerm #18886). BGP Peer Status has 5-minute points, and the rules run
# every 5 minutes, so nothing under 5; 24 hours is PT24H for one kind and P1D for the other, so it is left out.
ALERT_WINDOW_MINUTES = (5, 15, 30, 60, 360)
# Azure Monitor severities: 0 Critical, 1 Error, 2 Warning, 3 Informational, 4 Verbose
# (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-overview).
ALERT_SEVERITIES = range(0, 5)
# How often a rule runs: every 5 minutes, BGP Peer Status's granularity (vpn-gateway-howto-setup-alerts-virtual-
# network-gateway-metric) and the period of Microsoft's tunnel query (`ago(5m)`, TUNNEL_DOWN_ALERT_DOC); a rule
# must not run less often than its window is long (alerts-metric-overview: evaluationFrequency <= windowSize).
ALERT_EVALUATION_MINUTES = 5
# Logs reach the workspace "between 20 seconds and 3 minutes" after the event
# (https://learn.microsoft.com/azure/azure-monitor/logs/data-ingestion-time): with a 5-minute window a disconnect
# logged late falls between two runs. Three runs' worth of window overlap, so each event is seen at least once.
DEFAULT_ALERT_WINDOW_MINUTES = 15
# An action group's short name: at most 12 characters (https://learn.microsoft.com/azure/azure-monitor/alerts/action-groups).
ACTION_GROUP_SHORT_NAME_LENGTH = 12
# Action groups and metric alerts are global resources (location "global" in the actionGroups and metricAlerts REST
# references); a log search alert lives in a region: the stack's workspace and action group host's
# (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-create-log-alert-rule).
GLOBAL_LOCATION = "global"

# Azure's default IPsec/IKE offers for route-based gateways, what a connection without a custom policy may negotiate
# (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-devices#ipsec): main mode (encryption,
# integrity) pairs with DH group 2; quick mode (encryption, integrity, PFS) offers, initiator and responder.
DEFAULT_POLICY_DOC = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-devices#ipsec"
DEFAULT_MAIN_MODE_OFFERS = frozenset(
    {
        ("AES256", "SHA1"),
        ("AES256", "SHA256"),
        ("AES128", "SHA1"),
        ("AES128", "SHA256"),
        ("DES3", "SHA1"),
        ("DES3", "SHA256"),
    }
)
DEFAULT_DH_GROUPS = frozenset({"DHGROUP2"})
_QUICK_MODE_PFS = {"None": "NONE", "1": "PFS1", "2": "PFS2", "14": "PFS14", "24": "PFS24"}
DEFAULT_QUICK_MODE_OFFERS = frozenset(
    (encryption, integrity, _QUICK_MODE_PFS[pfs])
    for encryption, integrity, pfs in (
        ("GCMAES256", "GCMAES256", "None"),
        ("AES256", "SHA1", "None"),
        ("DES3", "SHA1", "None"),
        ("AES256", "SHA256", "None"),
        ("AES128", "SHA1", "None"),
        ("DES3", "SHA256", "None"),
        ("DES", "SHA1", "None"),
        ("AES256", "SHA1", "1"),
        ("AES256", "SHA1", "2"),
        ("AES256", "SHA1", "14"),
        ("AES128", "SHA1", "1"),
        ("AES128", "SHA1", "2"),
        ("AES128", "SHA1", "14"),
        ("DES3", "SHA1", "1"),
        ("DES3", "SHA1", "2"),
        ("DES3", "SHA256", "2"),
        ("AES256", "SHA256", "1"),
        ("AES256", "SHA256", "2"),
        ("AES256", "SHA256", "14"),
        ("AES256", "SHA1", "24"),
        ("AES256", "SHA256", "24"),
        ("AES128", "SHA256", "None"),
        ("AES128", "SHA256", "1"),
        ("AES128", "SHA256", "2"),
        ("AES128", "SHA256", "14"),
        ("DES3", "SHA1", "14"),
    )
)
