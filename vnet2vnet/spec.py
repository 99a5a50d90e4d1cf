"""The plain, typed description of what to build, after parsing and before any Pulumi resource exists, and the
one declaration of every option: each field of these dataclasses is an option (`vnet2vnet/options.py`).

Both entry points produce it: the stack config (`Pulumi.<stack>.yaml`, camelCase keys) and the component
args (`VnetToVnetPairArgs`, snake_case keys). Field names here are the snake_case keys of both.
Values the component receives as Pulumi Outputs (a key from `config.get_secret`, a resource group name that
another resource computes) are carried through as they are; `checks.py` checks them once they resolve."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from vnet2vnet import azure_facts
from vnet2vnet.options import Kind, internal, option
from vnet2vnet.topology import Link, topology_links

Shared = TypeVar("Shared")


@dataclass(frozen=True)
class Partial(Generic[Shared]):
    """A block that sets some keys of a shared block and takes the rest from it: a VNet's own `gateway`, a link's
    own `connection`. Its keys, types and docs are the shared block's (one declaration)."""

    values: Mapping[str, Any]

    def over(self, shared: Shared) -> Shared:
        return dataclasses.replace(shared, **self.values)  # type: ignore[type-var]

    def sets(self, key: str) -> bool:
        return key in self.values


@dataclass(frozen=True)
class SubnetSpec:
    name: str = field(
        metadata=option("Subnet name, unique within the VNet (not `GatewaySubnet`, which the component creates).")
    )
    prefix: str = field(metadata=option("Subnet address prefix (CIDR) inside the VNet's address spaces."))


@dataclass(frozen=True)
class VnetSpec:
    name: str = field(
        metadata=option("Short name of the VNet (letters, digits, hyphens); used in resource names and output keys.")
    )
    # Required for a VNet the component creates (validation says so); an existing VNet's come from Azure.
    location: str | None = field(
        default=None,
        metadata=option(
            "Azure region, programmatic name (`eastus`, `swedencentral`, ...). Required unless `existing_vnet_id` "
            "is set (then read from Azure, and checked when given).",
            deferrable=True,
            default_doc="(required for a new VNet)",
        ),
    )
    address_spaces: tuple[str, ...] | None = field(
        default=None,
        metadata=option(
            "The VNet's address spaces (CIDR); they must not overlap another linked VNet's. Required unless "
            "`existing_vnet_id` is set (then read from Azure, and checked when given).",
            deferrable=True,
            type_doc="list of CIDR",
            default_doc="(required for a new VNet)",
        ),
    )
    gateway_subnet_prefix: str | None = field(
        default=None,
        metadata=option(
            "The `GatewaySubnet`'s prefix: inside the address spaces, /27 or larger (/29 for Basic). For an "
            "existing VNet: creates the GatewaySubnet when it has none (an existing one is checked, not touched).",
            deferrable=True,
            type_doc="CIDR",
            default_doc="(required for a new VNet)",
        ),
    )
    resource_group_name: Any = field(  # str | Output[str] | None: None creates a resource group
        default=None,
        metadata=option(
            "Deploy this side into an existing resource group.",
            kind=Kind.STR,
            deferrable=True,
            default_doc="create one",
        ),
    )
    subnets: tuple[SubnetSpec, ...] = field(
        default=(),
        metadata=option(
            "Workload subnets, created one after another (Azure serialises subnet writes on a VNet).",
            summarized=True,
        ),
    )
    bgp_asn: int | None = field(
        default=None,
        metadata=option(
            "BGP ASN of this side's gateway; required on every VNet when `gateway.enable_bgp` is on; distinct per VNet."
        ),
    )
    subscription_id: str | None = field(  # __main__ makes a provider from it
        default=None,
        metadata=option(
            "Makes an explicit azure-native provider for this side; all its resources and its connection use it.",
            only="config",
            default_doc="the default provider's",
        ),
    )
    tenant_id: str | None = field(
        default=None,
        metadata=option(
            "This side's Entra tenant; when linked sides' tenants differ, each provider gets the others as "
            "`auxiliaryTenantIds`.",
            only="config",
            default_doc="the default provider's",
        ),
    )
    provider: Any = field(  # an azure_native.Provider
        default=None,
        metadata=option(
            "Provider for every resource of this side, its connection included (another subscription or tenant).",
            only="args",
            kind=Kind.RESOURCE,
        ),
    )
    existing_vnet_id: str | None = field(
        default=None,
        metadata=option(
            "Resource ID of an existing VNet to use instead of creating one: its location, address spaces and "
            "resource group come from Azure; the component adds only what is missing (GatewaySubnet, public IPs, "
            "gateway).",
            default_doc="none (create the VNet)",
        ),
    )
    existing_gateway_id: str | None = field(
        default=None,
        metadata=option(
            "Resource ID of this VNet's existing route-based VPN gateway (a hub): the VNet then gets only "
            "connections; its SKU, active-active and BGP settings are read from Azure and checked against the links.",
            default_doc="none (create the gateway)",
        ),
    )
    existing_connections: int = field(
        default=0,
        metadata=option(
            "Connections the existing gateway already has (azure-native cannot list them): counted against its "
            "SKU's tunnel limit.",
        ),
    )
    existing_gateway_subnet: bool = field(
        default=False, metadata=internal("the existing VNet has a GatewaySubnet: used as it is, never created")
    )
    read_from_azure: bool = field(
        default=False, metadata=internal("its existing VNet or gateway has been read: Azure's values are in")
    )
    existing_tunnel_ips: tuple[str, ...] = field(
        default=(), metadata=internal("the existing gateway's tunnel public IPs, as Azure reports them")
    )
    existing_bgp_addresses: tuple[str, ...] = field(
        default=(), metadata=internal("the existing gateway's BGP peering addresses, as Azure reports them")
    )
    gateway: Partial[GatewaySpec] | None = field(
        default=None,
        metadata=option(
            "This VNet's own gateway settings, over the shared `gateway` block (the same keys; the ASN stays "
            "`bgp_asn`), e.g. a hub on VpnGw4AZ with spokes on VpnGw1AZ.",
            default_doc="the shared `gateway`",
            summarized=True,
        ),
    )

    @property
    def creates_vnet(self) -> bool:
        return self.existing_vnet_id is None and self.existing_gateway_id is None

    @property
    def creates_gateway(self) -> bool:
        return self.existing_gateway_id is None

    @property
    def pending(self) -> bool:
        """Its existing resources have not been read (no engine): the rules that need Azure's values wait."""
        return not (self.creates_vnet or self.read_from_azure)


@dataclass(frozen=True)
class IpsecPolicySpec:
    sa_life_time_seconds: int = field(metadata=option("IPsec SA (quick mode) lifetime in seconds, 300..172799."))
    sa_data_size_kilobytes: int = field(
        metadata=option("IPsec SA (quick mode) payload size in KB: 0 or 1024..2147483647.")
    )
    ipsec_encryption: str = field(metadata=option("IPsec encryption (IKE phase 2), e.g. GCMAES256."))
    ipsec_integrity: str = field(
        metadata=option("IPsec integrity (IKE phase 2), e.g. GCMAES256; equal to the GCM encryption when one is used.")
    )
    ike_encryption: str = field(metadata=option("IKE encryption (IKE phase 1), e.g. GCMAES256."))
    ike_integrity: str = field(metadata=option("IKE integrity (IKE phase 1), e.g. SHA384."))
    dh_group: str = field(metadata=option("DH group (IKE phase 1), e.g. DHGroup24."))
    pfs_group: str = field(metadata=option("PFS group (IKE phase 2), e.g. PFS24."))


@dataclass(frozen=True)
class ActiveStandby:
    """One gateway instance: one IP configuration, one public IP."""

    public_ip_count: int = 1


@dataclass(frozen=True)
class ActiveActive:
    """Two gateway instances: exactly two IP configurations, each with its own public IP
    (ActiveActiveGatewayMustHaveExactlyTwoIpConfigurations;
    https://learn.microsoft.com/azure/vpn-gateway/about-active-active-gateways)."""

    public_ip_count: int = 2


@dataclass(frozen=True)
class BgpOff:
    """No BGP: the gateway sends no bgpSettings at all."""


@dataclass(frozen=True)
class BgpOn:
    """BGP with this side's ASN: there is no BGP gateway without one."""

    asn: int


# The shapes the components map to resources: a gateway mode and a side's BGP, each one of two cases, so that an
# active-active gateway without its second IP, or BGP without an ASN, cannot be built at all.
GatewayMode = ActiveStandby | ActiveActive
BgpMode = BgpOff | BgpOn


@dataclass(frozen=True)
class GatewaySpec:
    sku: str = field(
        default=azure_facts.DEFAULT_GATEWAY_SKU, metadata=option("Gateway SKU: `VpnGw1AZ`..`VpnGw5AZ` or `Basic`.")
    )
    generation: str | None = field(  # None: the SKU's default generation (see `effective_generation`)
        default=None,
        metadata=option(
            "`Generation1` or `Generation2` (VpnGw1AZ and Basic are Generation1-only).",
            default_doc="`Generation2` where the SKU allows it, else `Generation1`",
        ),
    )
    active_active: bool = field(
        default=False,
        metadata=option(
            "Two gateway instances, two IP configurations and two Standard/Static public IPs per gateway "
            "(`gatewayPublicIps` lists both)."
        ),
    )
    enable_bgp: bool = field(
        default=False,
        metadata=option(
            "BGP on every gateway (with each VNet's `bgp_asn`) and every connection; `gatewayBgpPeeringAddresses` "
            "exports the addresses Azure assigns."
        ),
    )
    zones: tuple[str, ...] | None = field(
        default=None,
        metadata=option(
            'Availability zones of the public IPs, e.g. ["1", "2", "3"]: all three make an AZ gateway '
            "zone-redundant. Never sent in a region without zones.",
            default_doc='`["1","2","3"]` for AZ SKUs in regions with zones, none elsewhere',
        ),
    )
    protect: bool = field(
        default=False,
        metadata=option(
            "Protect gateways and their public IPs from deletion (an IP cannot be kept across a gateway re-create)."
        ),
    )

    def public_ip_zones(self, location: str) -> tuple[str, ...]:
        """Zones for the gateway's public IPs in `location`: the configured ones, by default all three for a
        zone-redundant SKU; none in a region without zones, where the gateway stays regional (SKU
        consolidation doc; reliability-virtual-network-gateway)."""
        if not azure_facts.region_has_zones(location):
            return ()
        if self.zones is not None:
            return tuple(self.zones)
        known = azure_facts.GATEWAY_SKUS.get(self.sku)
        return azure_facts.AVAILABILITY_ZONES if known is not None and known.zone_redundant else ()

    @property
    def mode(self) -> GatewayMode:
        return ActiveActive() if self.active_active else ActiveStandby()

    @property
    def public_ip_count(self) -> int:
        return self.mode.public_ip_count

    def bgp(self, vnet: VnetSpec) -> BgpMode:
        """`vnet`'s BGP: on only with its ASN (validation has already refused BGP on without one)."""
        return BgpOn(vnet.bgp_asn) if self.enable_bgp and vnet.bgp_asn is not None else BgpOff()

    @property
    def effective_generation(self) -> str:
        if self.generation is not None:
            return self.generation
        known = azure_facts.GATEWAY_SKUS.get(self.sku)
        return known.default_generation if known else azure_facts.GENERATION2


@dataclass(frozen=True)
class ConnectionSpec:
    shared_key_length: int = field(
        default=azure_facts.GENERATED_PSK_DEFAULT_LENGTH,
        metadata=option("Length of the generated pre-shared key, 32..128."),
    )
    shared_key_version: int | None = field(  # None: version 1
        default=None,
        metadata=option(
            "Change it to rotate the generated key: each link's key and both its connections are replaced.",
            default_doc="`1`",
        ),
    )
    dpd_timeout_seconds: int | None = field(
        default=None,
        metadata=option(
            "Dead peer detection timeout, 9..3600 s, sent on both connections. Unset, the connections keep what Azure "
            "has (45 on a new one): to return to 45 from another value, write 45.",
            default_doc="Azure's (45)",
        ),
    )
    connection_protocol: str | None = field(
        default=None,
        metadata=option(
            "`IKEv2` or `IKEv1` (a warning: Azure documents VNet-to-VNet as IKEv2); a change replaces both "
            "connections. Unset, the connections keep what Azure has (IKEv2 on a new one): to return to IKEv2 "
            "from IKEv1, write IKEv2.",
            default_doc="Azure's (IKEv2)",
        ),
    )
    max_key_age_days: int = field(
        default=180,
        metadata=option(
            "Warn (`plan --against`, `verify`) when a link's key is older than this many days, counted from its "
            "creation in the stack's state."
        ),
    )
    ipsec_policy: IpsecPolicySpec | None = field(
        default=None,
        metadata=option(
            "Custom IPsec/IKE policy, all eight fields, applied identically to both connections.",
            default_doc="Azure's default policy",
            summarized=True,
        ),
    )

    @property
    def effective_key_version(self) -> int:
        return self.shared_key_version if self.shared_key_version is not None else 1


@dataclass(frozen=True)
class LinkSpec:
    vnets: tuple[str, ...] = field(
        metadata=option("The link's two VNets by name, in the topology's order (e.g. the hub first).")
    )
    connection: Partial[ConnectionSpec] | None = field(
        default=None,
        metadata=option(
            "This link's own connection settings, over the shared `connection` block (the same keys); both of "
            "its connections get them.",
            default_doc="the shared `connection`",
            summarized=True,
        ),
    )
    shared_key: Any = field(  # str | Output[str] | None
        default=None,
        metadata=option(
            "This link's own pre-shared key (kept secret). In a stack: `pulumi config set --secret --path "
            "'vnet2vnet:links[0].sharedKey' '<key>'`.",
            kind=Kind.STR,
            deferrable=True,
            secret=True,
            default_doc="the shared key, or a generated one",
            type_doc="secret string",
        ),
    )


@dataclass(frozen=True)
class DiagnosticsSpec:
    workspace_id: str | None = field(
        default=None,
        metadata=option(
            "Resource ID of an existing Log Analytics workspace that receives every gateway's logs "
            "(GatewayDiagnosticLog, TunnelDiagnosticLog, RouteDiagnosticLog, IKEDiagnosticLog) and AllMetrics.",
            default_doc="none (set this, or create one)",
        ),
    )
    create_workspace: bool = field(
        default=False,
        metadata=option(
            "Create a Log Analytics workspace (PerGB2018, 30-day retention) in the resource group and region of the "
            "first VNet whose gateway is created here, and send every gateway's logs and metrics to it."
        ),
    )


@dataclass(frozen=True)
class AlertsSpec:
    action_group_id: str | None = field(
        default=None,
        metadata=option(
            "Resource ID of an existing action group the alerts notify.",
            default_doc="none (set this, or give emails)",
        ),
    )
    emails: tuple[str, ...] = field(
        default=(),
        metadata=option("Create an action group that emails these addresses.", type_doc="list of email addresses"),
    )
    window_minutes: int = field(
        default=azure_facts.DEFAULT_ALERT_WINDOW_MINUTES,
        metadata=option(
            "How far back each run looks for a tunnel disconnect or a BGP peer drop: "
            f"{', '.join(str(m) for m in azure_facts.ALERT_WINDOW_MINUTES[:-1])} or "
            f"{azure_facts.ALERT_WINDOW_MINUTES[-1]} minutes (the windows both alert kinds take; rules run every "
            f"{azure_facts.ALERT_EVALUATION_MINUTES} minutes)."
        ),
    )
    severity: int = field(
        default=1,
        metadata=option("Azure Monitor severity of the alerts: 0 (Critical) to 4 (Verbose); 1 is Error."),
    )


@dataclass(frozen=True)
class TopologySpec:
    vnets: tuple[VnetSpec, ...] = field(
        metadata=option("The VNets to connect: two for a pair, two or more for a mesh or hub-and-spoke.")
    )
    gateway: GatewaySpec = field(
        default_factory=GatewaySpec,
        metadata=option("Gateway options for every VNet; a VNet's own `gateway` overrides them."),
    )
    connection: ConnectionSpec = field(
        default_factory=ConnectionSpec,
        metadata=option("Connection and pre-shared key options for every link; a `links` entry overrides them."),
    )
    shared_key: Any = field(  # str | Output[str] | None: None generates a key per link
        default=None,
        metadata=option(
            "Bring your own pre-shared key (kept secret); overrides key generation. In a stack: "
            "`pulumi config set --secret vnet2vnet:sharedKey '<key>'`.",
            kind=Kind.STR,
            deferrable=True,
            secret=True,
            default_doc="generated",
            type_doc="secret string",
        ),
    )
    tags: dict[str, Any] = field(
        default_factory=dict, metadata=option("Tags for every taggable resource.", deferrable=True)
    )
    topology: str = field(
        default="pair",
        metadata=option(
            "`pair` (exactly two VNets, `VnetToVnetPair`), `mesh` (every VNet linked to every other) or "
            "`hub-and-spoke` (the hub linked to each spoke).",
            default_doc="`pair` (a stack), `mesh` (`VnetMeshArgs`)",
        ),
    )
    hub: str | None = field(default=None, metadata=option("The hub VNet's name, for `hub-and-spoke`."))
    diagnostics: DiagnosticsSpec | None = field(
        default=None,
        metadata=option(
            "Diagnostic settings on every gateway created here, to a workspace you give (`workspace_id`) or one "
            "created for you (`create_workspace`).",
            default_doc="none (no diagnostic settings)",
        ),
    )
    alerts: AlertsSpec | None = field(
        default=None,
        metadata=option(
            "Per connection, a log search alert when its tunnel disconnects (needs `diagnostics`) and, with BGP, a "
            "metric alert when its BGP peer drops; to an action group you give (`action_group_id`) or one that "
            "emails `emails`.",
            default_doc="none (no alerts)",
        ),
    )
    links: tuple[LinkSpec, ...] = field(
        default=(),
        metadata=option(
            "Per-link settings: `vnets` (the two VNet names), `connection` and `shared_key` override the shared "
            "ones for that link only. Only links the topology has; one entry per link."
        ),
    )

    def vnet_names(self) -> list[str]:
        return [vnet.name for vnet in self.vnets]

    def link_pairs(self) -> list[Link]:
        return topology_links(self.vnet_names(), self.topology, self.hub)

    def directions(self) -> list[tuple[str, str]]:
        """Both directions of every link, as (local, remote): a link's two connections."""
        return [direction for a, b in self.link_pairs() for direction in ((a, b), (b, a))]

    def link_of(self, local: str, remote: str) -> Link:
        """The link a connection belongs to, as the topology orders its VNets (its `links` entry's order)."""
        return next(pair for pair in self.link_pairs() if set(pair) == {local, remote})

    def vnet(self, name: str) -> VnetSpec:
        return next(vnet for vnet in self.vnets if vnet.name == name)

    def monitoring_host(self) -> str:
        """The VNet whose resource group and region hold the workspace and action group the stack creates: the
        first whose gateway is created here (not a hub someone else manages), else the first."""
        return next((vnet.name for vnet in self.vnets if vnet.creates_gateway), self.vnets[0].name)

    def auxiliary_tenants(self) -> dict[str, list[str]]:
        """For each VNet: the tenants, other than its own, of the VNets it links to. Its provider names them as
        auxiliary tenants, the ARM header that cross-tenant references need
        (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq). A VNet without a tenant (the default
        provider's) counts every tenant it reaches."""
        tenants = {vnet.name: vnet.tenant_id for vnet in self.vnets}
        reached: dict[str, set[str]] = {name: set() for name in tenants}
        for a, b in self.link_pairs():
            for local, remote in ((a, b), (b, a)):
                remote_tenant = tenants.get(remote)
                if remote_tenant and remote_tenant != tenants.get(local):
                    reached[local].add(remote_tenant)
        return {name: sorted(others) for name, others in reached.items()}


MANAGED_BY_TAG = "managed-by"


def managed_tags(project: str, stack: str, user_tags: dict[str, Any]) -> dict[str, Any]:
    """Tags for every taggable resource: who manages it, merged with the user's (a user's value wins)."""
    return {MANAGED_BY_TAG: "pulumi", "pulumi-project": project, "pulumi-stack": stack, **user_tags}


def link_key(a: str, b: str) -> str:
    """The output key of the connection from VNet `a` to VNet `b` (a contract of the stack outputs)."""
    return f"{a}-to-{b}"
