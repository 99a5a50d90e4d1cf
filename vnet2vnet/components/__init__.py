"""The Pulumi components: `VnetToVnetPair` and `VnetMesh`, made of private building blocks (`GatewayVnet`
sides and `VnetLink`s). Import them from `vnet2vnet`."""

import pulumi

from vnet2vnet.components.mesh import VnetMesh
from vnet2vnet.components.pair import VnetToVnetPair

# The components served to other languages (provider/__main__.py); each takes TypedDict args.
PROVIDED_COMPONENTS: list[type[pulumi.ComponentResource]] = [VnetToVnetPair, VnetMesh]
