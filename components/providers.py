"""The explicit azure-native providers of the stack program: one for each VNet that names its subscription or
tenant in the stack config."""

from __future__ import annotations

import pulumi_azure_native as azure_native

from vnet2vnet.spec import TopologySpec


def side_providers(topology: TopologySpec, suffix: str = "-provider") -> dict[str, azure_native.Provider]:
    """An explicit provider for each VNet that names its subscription or tenant, named `<vnet><suffix>`
    (another suffix for another set in the same program: `verify --evidence` reads beside the stack's program).

    A connection to a gateway in another tenant needs that tenant as an auxiliary tenant of the provider that
    creates it (VPN FAQ, cross-tenant; azure-native Provider `auxiliary_tenant_ids`).
    """
    auxiliary = topology.auxiliary_tenants()
    return {
        vnet.name: azure_native.Provider(
            f"{vnet.name}{suffix}",
            subscription_id=vnet.subscription_id,
            tenant_id=vnet.tenant_id,
            auxiliary_tenant_ids=auxiliary.get(vnet.name) or None,
        )
        for vnet in topology.vnets
        if vnet.subscription_id or vnet.tenant_id
    }
