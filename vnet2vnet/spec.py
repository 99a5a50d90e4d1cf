"""The plain, typed description of what to build, after parsing and before any Pulumi resource exists.

Both entry points produce it: the stack config (`Pulumi.<stack>.yaml`, camelCase keys) and the component
args (`VnetToVnetPairArgs`, snake_case keys). Field names here are the snake_case keys of both.
Values the component receives as Pulumi Outputs (a key from `config.get_secret`, a resource group name that
another resource computes) are carried through as they are; `deferred.py` checks them once they resolve.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vnet2vnet import azure_facts
from vnet2vnet.topology import Link, topology_links


@dataclass(frozen=True)
class SubnetSpec:
    name: str
    prefix: str


@dataclass(frozen=True)
class VnetSpec:
    name: str
    location: str
    address_spaces: tuple[str, ...]
    gateway_subnet_prefix: str
    resource_group_name: Any = None  # str | Output[str] | None: None creates a resource group
    subnets: tuple[SubnetSpec, ...] = ()
    bgp_asn: int | None = None
    subscription_id: str | None = None  # stack config only: __main__ makes a provider from it
    tenant_id: str | None = None  # stack config only
    provider: Any = None  # component args only: an azure_native.Provider for this side


@dataclass(frozen=True)
class IpsecPolicySpec:
    sa_life_time_seconds: int
    sa_data_size_kilobytes: int
    ipsec_encryption: str
    ipsec_integrity: str
    ike_encryption: str
    ike_integrity: str
    dh_group: str
    pfs_group: str


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
    sku: str = azure_facts.DEFAULT_GATEWAY_SKU
    generation: str | None = None  # None: the SKU's default generation (see `effective_generation`)
    active_active: bool = False
    enable_bgp: bool = False
    zones: tuple[str, ...] | None = None
    protect: bool = False

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
    shared_key_length: int = azure_facts.GENERATED_PSK_DEFAULT_LENGTH
    shared_key_version: int | None = None  # None: version 1
    dpd_timeout_seconds: int | None = None
    connection_protocol: str | None = None
    ipsec_policy: IpsecPolicySpec | None = None

    @property
    def effective_key_version(self) -> int:
        return self.shared_key_version if self.shared_key_version is not None else 1


@dataclass(frozen=True)
class TopologySpec:
    vnets: tuple[VnetSpec, ...]
    gateway: GatewaySpec = field(default_factory=GatewaySpec)
    connection: ConnectionSpec = field(default_factory=ConnectionSpec)
    shared_key: Any = None  # str | Output[str] | None: None generates a key per link
    tags: dict[str, Any] = field(default_factory=dict)
    topology: str = "pair"  # pair | mesh | hub-and-spoke
    hub: str | None = None  # hub-and-spoke only

    def vnet_names(self) -> list[str]:
        return [vnet.name for vnet in self.vnets]

    def links(self) -> list[Link]:
        return topology_links(self.vnet_names(), self.topology, self.hub)

    def auxiliary_tenants(self) -> dict[str, list[str]]:
        """For each VNet: the tenants, other than its own, of the VNets it links to. Its provider names them as
        auxiliary tenants, the ARM header that cross-tenant references need
        (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq). A VNet without a tenant (the default
        provider's) counts every tenant it reaches."""
        tenants = {vnet.name: vnet.tenant_id for vnet in self.vnets}
        reached: dict[str, set[str]] = {name: set() for name in tenants}
        for a, b in self.links():
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
