"""The vnet2vnet Pulumi program: reads the stack config, checks it, builds the pair (or the mesh), exports its
outputs.

Every config read happens in `vnet2vnet.stack_config`; every rule in `vnet2vnet.validation`.
"""

from __future__ import annotations

from typing import cast

import pulumi
import pulumi_azure_native as azure_native

from components import ValidationError, VnetMesh, VnetMeshArgs, VnetToVnetPair, VnetToVnetPairArgs
from vnet2vnet.checks import checked_stack_spec, stack_already_checked
from vnet2vnet.spec import TopologySpec
from vnet2vnet.stack_config import component_args, read_raw_stack_config


def side_providers(topology: TopologySpec) -> dict[str, azure_native.Provider]:
    """An explicit provider for each VNet that names its subscription or tenant.

    A connection to a gateway in another tenant needs that tenant as an auxiliary tenant of the provider that
    creates it (VPN FAQ, cross-tenant; azure-native Provider `auxiliary_tenant_ids`).
    """
    tenants = {vnet.name: vnet.tenant_id for vnet in topology.vnets if vnet.tenant_id}
    providers: dict[str, azure_native.Provider] = {}
    for vnet in topology.vnets:
        if not (vnet.subscription_id or vnet.tenant_id):
            continue
        others = sorted({tenant for name, tenant in tenants.items() if name != vnet.name and tenant != vnet.tenant_id})
        providers[vnet.name] = azure_native.Provider(
            f"{vnet.name}-provider",
            subscription_id=vnet.subscription_id,
            tenant_id=vnet.tenant_id,
            auxiliary_tenant_ids=others or None,
        )
    return providers


try:
    topology = checked_stack_spec(read_raw_stack_config())
except ValidationError as invalid:
    # RunError ends `pulumi preview`/`up` with the findings alone, without a stack trace.
    raise pulumi.RunError(str(invalid)) from None
args = component_args(topology, side_providers(topology))
network: VnetToVnetPair | VnetMesh
with stack_already_checked():  # the findings above were reported with their stack config paths
    if topology.topology == "pair":
        # A pair stays a VnetToVnetPair: existing pair stacks keep their resources.
        network = VnetToVnetPair(pulumi.get_project(), cast(VnetToVnetPairArgs, args))
        pulumi.export("sharedKey", network.shared_key)
    else:
        network = VnetMesh(pulumi.get_project(), cast(VnetMeshArgs, args))
        pulumi.export("sharedKeys", network.shared_keys)

pulumi.export("vnetIds", network.vnet_ids)
pulumi.export("gatewayIds", network.gateway_ids)
pulumi.export("gatewayPublicIps", network.gateway_public_ips)
pulumi.export("gatewayBgpPeeringAddresses", network.gateway_bgp_peering_addresses)
pulumi.export("connectionIds", network.connection_ids)
pulumi.export("connectionStatuses", network.connection_statuses)
