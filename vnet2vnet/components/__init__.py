"""vnet2vnet components: Azure VNet-to-VNet VPN connectivity as Pulumi ComponentResources.

from components import VnetToVnetPair, VnetToVnetPairArgs
"""

import pulumi

from components.args import (
    ConnectionArgs,
    GatewayArgs,
    IpsecPolicyArgs,
    SubnetArgs,
    VnetArgs,
    VnetToVnetPairArgs,
)
from components.gateway_vnet import GatewayVnet
from components.mesh import VnetMesh, VnetMeshArgs
from components.pair import VnetToVnetPair
from components.vnet_link import VnetLink
from vnet2vnet.findings import ValidationError

# The components served to other languages (provider/__main__.py); each takes TypedDict args.
PROVIDED_COMPONENTS: list[type[pulumi.ComponentResource]] = [VnetToVnetPair, VnetMesh]

__all__ = [
    "PROVIDED_COMPONENTS",
    "ConnectionArgs",
    "GatewayArgs",
    "GatewayVnet",
    "IpsecPolicyArgs",
    "SubnetArgs",
    "ValidationError",
    "VnetArgs",
    "VnetLink",
    "VnetMesh",
    "VnetMeshArgs",
    "VnetToVnetPair",
    "VnetToVnetPairArgs",
]
