"""Component args: TypedDicts with a docstring under each field (they become the multi-language schema).

Keys are the snake_case of the stack config keys. `vnet2vnet/schema.py` parses these dicts; a test keeps the
two in step.
"""

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_azure_native as azure_native
from typing_extensions import NotRequired, TypedDict


class SubnetArgs(TypedDict):
    name: str
    """Subnet name, unique within the VNet (not `GatewaySubnet`, which the component creates)."""
    prefix: str
    """Subnet address prefix (CIDR) inside the VNet's address spaces."""


class VnetArgs(TypedDict):
    name: str
    """Short name of the VNet (letters, digits, hyphens); used in resource names and output keys."""
    location: pulumi.Input[str]
    """Azure region, programmatic name (e.g. `eastus`)."""
    address_spaces: pulumi.Input[Sequence[pulumi.Input[str]]]
    """The VNet's address spaces (CIDR). They must not overlap the other VNet's."""
    gateway_subnet_prefix: pulumi.Input[str]
    """Prefix of the GatewaySubnet, inside the address spaces: /27 or larger (/29 or larger for Basic)."""
    resource_group_name: NotRequired[pulumi.Input[str]]
    """Existing resource group for this side. Default: the component creates one."""
    subnets: NotRequired[Sequence[SubnetArgs]]
    """Workload subnets to create in the VNet."""
    bgp_asn: NotRequired[int]
    """BGP ASN of this side's gateway; required on every VNet when `gateway.enable_bgp` is true."""
    provider: NotRequired[azure_native.Provider]
    """Provider for every resource of this side, its connection included (another subscription or tenant)."""


class IpsecPolicyArgs(TypedDict):
    sa_life_time_seconds: int
    """IPsec SA (quick mode) lifetime in seconds, 300..172799."""
    sa_data_size_kilobytes: int
    """IPsec SA (quick mode) payload size in KB: 0 or 1024..2147483647."""
    ipsec_encryption: str
    """IPsec encryption (e.g. GCMAES256)."""
    ipsec_integrity: str
    """IPsec integrity (e.g. GCMAES256; must equal the GCM encryption when one is used)."""
    ike_encryption: str
    """IKE encryption (e.g. GCMAES256)."""
    ike_integrity: str
    """IKE integrity (e.g. SHA384)."""
    dh_group: str
    """DH group (e.g. DHGroup24)."""
    pfs_group: str
    """PFS group (e.g. PFS24)."""


class GatewayArgs(TypedDict):
    sku: NotRequired[str]
    """Gateway SKU: VpnGw1AZ..VpnGw5AZ or Basic. Default VpnGw1AZ."""
    generation: NotRequired[str]
    """Generation1 or Generation2. Default: Generation2 where the SKU allows it, else Generation1."""
    active_active: NotRequired[bool]
    """Active-active gateways (two instances, two public IPs each). Default false."""
    enable_bgp: NotRequired[bool]
    """BGP on the gateways and connections; every VNet then needs `bgp_asn`. Default false."""
    zones: NotRequired[Sequence[str]]
    """Availability zones of the gateways' public IPs (e.g. ["1", "2", "3"])."""
    protect: NotRequired[bool]
    """Protect gateways and their public IPs from deletion. Default false."""


class ConnectionArgs(TypedDict):
    shared_key_length: NotRequired[int]
    """Length of the generated pre-shared key, 32..128. Default 64."""
    shared_key_version: NotRequired[int]
    """Change it to rotate the pre-shared key (both connections are replaced)."""
    dpd_timeout_seconds: NotRequired[int]
    """Dead peer detection timeout in seconds, 9..3600."""
    connection_protocol: NotRequired[str]
    """IKEv2 (Azure's default) or IKEv1."""
    ipsec_policy: NotRequired[IpsecPolicyArgs]
    """Custom IPsec/IKE policy, applied identically to both connections."""


class VnetToVnetPairArgs(TypedDict):
    vnets: Sequence[VnetArgs]
    """Exactly two VNets to connect."""
    gateway: NotRequired[GatewayArgs]
    """Gateway options, the same on both sides."""
    connection: NotRequired[ConnectionArgs]
    """Connection and pre-shared key options."""
    shared_key: NotRequired[pulumi.Input[str]]
    """Bring your own pre-shared key (kept secret); overrides key generation."""
    tags: NotRequired[pulumi.Input[Mapping[str, pulumi.Input[str]]]]
    """Tags for every taggable resource."""
