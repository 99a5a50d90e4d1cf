"""Tenants: ARM's limit on auxiliary tenants per request. Pure: spec in, findings out."""

from __future__ import annotations

from collections.abc import Iterator

from vnet2vnet import azure_facts as facts
from vnet2vnet.findings import Finding, error
from vnet2vnet.network import ResolvedNetwork


def check_auxiliary_tenants(network: ResolvedNetwork) -> Iterator[Finding]:
    """A provider reaches other tenants through ARM's auxiliary-tenant header, which takes at most three
    (authenticate-multi-tenant)."""
    topology = network.spec
    auxiliary = topology.auxiliary_tenants()
    for index, vnet in enumerate(topology.vnets):
        others = auxiliary.get(vnet.name, [])
        if len(others) > facts.MAX_AUXILIARY_TENANTS:
            yield error(
                ("vnets", index, "tenant_id"),
                f"VNet '{vnet.name}' links to VNets in {len(others)} other tenants; ARM accepts at most "
                f"{facts.MAX_AUXILIARY_TENANTS} auxiliary tenants per request, so its connections cannot be created",
                f"link it to VNets in at most {facts.MAX_AUXILIARY_TENANTS} other tenants (split the mesh, or use "
                "hub-and-spoke with the hub in the spokes' tenants)",
            )
