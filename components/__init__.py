"""vnet2vnet components: Azure VNet-to-VNet VPN connectivity as Pulumi ComponentResources.

from components import VnetToVnetPair, VnetToVnetPairArgs
"""

from components.args import (
    ConnectionArgs,
    GatewayArgs,
    IpsecPolicyArgs,
    SubnetArgs,
    VnetArgs,
    VnetToVnetPairArgs,
)
from components.gateway_vnet import GatewayVnet
from components.pair import VnetToVnetPair
from components.vnet_link import VnetLink
from vnet2vnet.findings import ValidationError

__all__ = [
    "ConnectionArgs",
    "GatewayArgs",
    "GatewayVnet",
    "IpsecPolicyArgs",
    "SubnetArgs",
    "ValidationError",
    "VnetArgs",
    "VnetLink",
    "VnetToVnetPair",
    "VnetToVnetPairArgs",
]
