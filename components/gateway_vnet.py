"""One side of a VNet-to-VNet link: resource group, VNet, GatewaySubnet, workload subnets, public IP and a
route-based VPN gateway. It maps a `VnetSpec` to resources and decides nothing on its own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi_azure_native import network, resources

from vnet2vnet import azure_facts
from vnet2vnet.spec import GatewaySpec, VnetSpec

# A gateway takes 45 minutes or more to create (gateway settings doc); a resize about as long
# (gateway-sku-upgrade). Give the provider room beyond the typical figure before it gives up.
GATEWAY_TIMEOUTS = pulumi.CustomTimeouts(create="90m", update="90m", delete="60m")


class GatewayVnet(pulumi.ComponentResource):
    """A VNet with its GatewaySubnet and a route-based VPN gateway, ready to be linked."""

    vnet_id: pulumi.Output[str]
    """Resource ID of the VNet."""
    gateway_id: pulumi.Output[str]
    """Resource ID of the VPN gateway."""
    public_ip_addresses: pulumi.Output[list[str]]
    """The gateway's public IP addresses (one per instance)."""
    location: pulumi.Input[str]
    """Region of the VNet, its gateway and the connections that leave from it."""
    resource_group_name: pulumi.Output[str]
    """Resource group of this side."""
    provider: pulumi.ProviderResource | None
    """The explicit provider of this side, if any: its connections must use it too."""

    def __init__(
        self,
        name: str,
        vnet: VnetSpec,
        gateway: GatewaySpec,
        tags: pulumi.Input[Mapping[str, pulumi.Input[str]]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("vnet2vnet:index:GatewayVnet", name, None, opts)
        self.provider = vnet.provider
        self.location = vnet.location
        child = pulumi.ResourceOptions(parent=self, provider=vnet.provider)

        if vnet.resource_group_name is None:
            group = resources.ResourceGroup(f"{name}-rg", location=vnet.location, tags=tags, opts=child)
            self.resource_group_name = group.name
        else:
            self.resource_group_name = pulumi.Output.from_input(vnet.resource_group_name)

        # No inline `subnets`: subnets are standalone resources, and the two styles must not be mixed
        # (pulumi/pulumi-azure-native #611).
        virtual_network = network.VirtualNetwork(
            f"{name}-vnet",
            resource_group_name=self.resource_group_name,
            location=vnet.location,
            address_space=network.AddressSpaceArgs(address_prefixes=vnet.address_spaces),
            tags=tags,
            opts=child,
        )

        def subnet(
            logical_name: str, subnet_name: str, prefix: pulumi.Input[str], after: list[pulumi.Resource]
        ) -> network.Subnet:
            return network.Subnet(
                logical_name,
                subnet_name=subnet_name,
                resource_group_name=self.resource_group_name,
                virtual_network_name=virtual_network.name,
                address_prefix=prefix,
                opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=after)),
            )

        gateway_subnet = subnet(
            f"{name}-gateway-subnet", azure_facts.GATEWAY_SUBNET_NAME, vnet.gateway_subnet_prefix, []
        )
        # Azure serialises writes to one VNet's subnets and answers concurrent ones with a retryable 409
        # (AnotherOperationInProgress / InUseSubnetCannotBeUpdated): chain them.
        previous = gateway_subnet
        for workload in vnet.subnets:
            previous = subnet(f"{name}-subnet-{workload.name}", workload.name, workload.prefix, [previous])

        public_ips = [
            # New VPN gateways need a Standard, Static public IP (VPN FAQ; about-gateway-skus).
            network.PublicIPAddress(
                f"{name}-gw-ip{index}",
                resource_group_name=self.resource_group_name,
                location=vnet.location,
                sku=network.PublicIPAddressSkuArgs(
                    name=network.PublicIPAddressSkuName.STANDARD,
                    tier=network.PublicIPAddressSkuTier.REGIONAL,
                ),
                public_ip_allocation_method=network.IPAllocationMethod.STATIC,
                public_ip_address_version=network.IPVersion.I_PV4,
                tags=tags,
                opts=child,
            )
            for index in range(1, 2)
        ]

        sku = network.VirtualNetworkGatewaySkuName(gateway.sku)
        vpn_gateway = network.VirtualNetworkGateway(
            f"{name}-gw",
            resource_group_name=self.resource_group_name,
            location=vnet.location,
            # VNet-to-VNet needs route-based gateways on both sides (VPN FAQ, V2VMulti).
            gateway_type=network.VirtualNetworkGatewayType.VPN,
            vpn_type=network.VpnType.ROUTE_BASED,
            sku=network.VirtualNetworkGatewaySkuArgs(name=sku, tier=network.VirtualNetworkGatewaySkuTier(sku.value)),
            vpn_gateway_generation=network.VpnGatewayGeneration(gateway.effective_generation),
            active_active=False,
            enable_bgp=False,
            ip_configurations=[
                network.VirtualNetworkGatewayIPConfigurationArgs(
                    name=f"ipconfig{index}",
                    private_ip_allocation_method=network.IPAllocationMethod.DYNAMIC,
                    subnet=network.SubResourceArgs(id=gateway_subnet.id),
                    public_ip_address=network.SubResourceArgs(id=public_ip.id),
                )
                for index, public_ip in enumerate(public_ips, start=1)
            ],
            tags=tags,
            opts=pulumi.ResourceOptions.merge(
                child,
                pulumi.ResourceOptions(
                    custom_timeouts=GATEWAY_TIMEOUTS,
                    # One VPN gateway per VNet (gateway settings doc): a replacement must delete the old first.
                    delete_before_replace=True,
                ),
            ),
        )

        self.vnet_id = virtual_network.id
        self.gateway_id = vpn_gateway.id
        self.public_ip_addresses = pulumi.Output.all(*[ip.ip_address for ip in public_ips]).apply(
            lambda addresses: [str(address) for address in addresses if address]
        )
        outputs: dict[str, Any] = {
            "vnet_id": self.vnet_id,
            "gateway_id": self.gateway_id,
            "public_ip_addresses": self.public_ip_addresses,
            "resource_group_name": self.resource_group_name,
        }
        self.register_outputs(outputs)
