"""vnet2vnet: Azure VNet-to-VNet VPN connectivity as Pulumi components, with the configuration model and rules
(the offline engine and the CLI are vnet2vnet-tools', the emulator vnet2vnet-rehearse's: vnet2vnet.distributions).

    from vnet2vnet import VnetToVnetPair, VnetToVnetPairArgs

The components are loaded on first use: `vnet2vnet --help` and the pure modules do not pay for importing the
Pulumi and azure-native SDKs.
"""

from __future__ import annotations

import importlib
from pkgutil import extend_path
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Three distributions install into this package (vnet2vnet.distributions): into one folder when they share a
# site-packages; one installed on another sys.path entry (pip --target, --user beside a venv) joins from there.
__path__ = extend_path(__path__, __name__)

# Public name -> the module that defines it.
_EXPORTS = {
    "VnetToVnetPair": "vnet2vnet.components.pair",
    "VnetToVnetPairArgs": "vnet2vnet.components.args",
    "VnetMesh": "vnet2vnet.components.mesh",
    "VnetMeshArgs": "vnet2vnet.components.args",
    "VnetArgs": "vnet2vnet.components.args",
    "SubnetArgs": "vnet2vnet.components.args",
    "GatewayArgs": "vnet2vnet.components.args",
    "ConnectionArgs": "vnet2vnet.components.args",
    "IpsecPolicyArgs": "vnet2vnet.components.args",
    "ValidationError": "vnet2vnet.findings",
    "PROVIDED_COMPONENTS": "vnet2vnet.components",
}

__all__ = [
    "PROVIDED_COMPONENTS",
    "ConnectionArgs",
    "GatewayArgs",
    "IpsecPolicyArgs",
    "SubnetArgs",
    "ValidationError",
    "VnetArgs",
    "VnetMesh",
    "VnetMeshArgs",
    "VnetToVnetPair",
    "VnetToVnetPairArgs",
]

if TYPE_CHECKING:
    from vnet2vnet.components import PROVIDED_COMPONENTS as PROVIDED_COMPONENTS
    from vnet2vnet.components.args import ConnectionArgs as ConnectionArgs
    from vnet2vnet.components.args import GatewayArgs as GatewayArgs
    from vnet2vnet.components.args import IpsecPolicyArgs as IpsecPolicyArgs
    from vnet2vnet.components.args import SubnetArgs as SubnetArgs
    from vnet2vnet.components.args import VnetArgs as VnetArgs
    from vnet2vnet.components.args import VnetMeshArgs as VnetMeshArgs
    from vnet2vnet.components.args import VnetToVnetPairArgs as VnetToVnetPairArgs
    from vnet2vnet.components.mesh import VnetMesh as VnetMesh
    from vnet2vnet.components.pair import VnetToVnetPair as VnetToVnetPair
    from vnet2vnet.findings import ValidationError as ValidationError


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'vnet2vnet' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
