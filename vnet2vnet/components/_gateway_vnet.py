"""One side of a VNet-to-VNet link: resource group, VNet, GatewaySubnet, workload subnets, public IP(s) and a
route-based VPN gateway. It maps a `VnetSpec` to resources and decides nothing on its own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi_azure_native import network, resources

from vnet2vnet import azure_facts, naming
from vnet2vnet.components._monitoring import Monitoring, gateway_diagnostics, shared_resources
from vnet2vnet.spec import BgpMode, BgpOff, BgpOn, GatewaySpec, VnetSpec
from vnet2vnet.tokens import GATEWAY_TYPE, PUBLIC_IP_TYPE, SUBNET_TYPE, VNET_TYPE

# A gateway takes 45 minutes or more to create
# (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-gateway-settings) and a resize about as long
# (gateway-sku-upgrade); a slow region can take well over an hour. azure-native waits 2 hours by default and
# customTimeouts replace that default, also downwards: never shorten it, give the gateway more.
GATEWAY_TIMEOUT_MINUTES = 3 * 60
GATEWAY_TIMEOUTS = pulumi.CustomTimeouts(
    create=f"{GATEWAY_TIMEOUT_MINUTES}m", update=f"{GATEWAY_TIMEOUT_MINUTES}m", delete=f"{GATEWAY_TIMEOUT_MINUTES}m"
)

# Fields of the gateway that Azure computes and owns, never sent by this program. Azure fills bgpSettings on
# every VPN gateway, BGP or not (default ASN 65515, https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq).
# azure-native diffs new inputs against old inputs, and a refresh copies into the inputs whatever changed in Azure's
# answer (provider Read, `applyDiff`). Without these, a refreshed state differs from the program and each `pulumi up`
# rewrites the gateway:
# - bgpSettings.bgpPeeringAddress: set by Azure from the GatewaySubnet; writing it fails with
#   VirtualNetworkGatewayBgpPeeringAddressCannotBeModified (hashicorp/terraform-provider-azurerm #916, #16590;
#   PR #1040 made it computed).
# - bgpSettings.bgpPeeringAddresses: Azure adds ipconfigurationId, defaultBgpIpAddresses and tunnelIpAddresses
#   per IP configuration; leaving them out gives a perpetual diff (azurerm #11003, #11758; Azure/Azure-Landing-Zones
#   #335; Azure/terraform-azurerm-avm-ptn-alz-connectivity-hub-and-spoke-vnet #151).
# - bgpSettings.peerWeight: echoed back by Azure (0) and re-applied on every run in the same ALZ reports (#335,
#   #151).
AZURE_OWNED_GATEWAY_FIELDS = [
    "bgpSettings.bgpPeeringAddress",
    "bgpSettings.bgpPeeringAddresses",
    "bgpSettings.peerWeight",
]
# With BGP off the program sends no bgpSettings at all: a refresh that brings Azure's in would be a top-level
# "remove bgpSettings" diff, which nested paths cannot ignore (the engine's ignoreChanges needs the parent on
# both sides): the whole object is Azure's then.
AZURE_OWNED_WITHOUT_BGP = ["bgpSettings"]
# Each IP configuration's own ID (`<gateway ID>/ipConfigurations/<name>`) is Azure's too: the program never sends
# it, and a gateway imported into the stack (`vnet2vnet adopt`) has it in its inputs, which would make the first
# `up` rewrite the gateway (pulumi/pulumi-azure-native#1845: imported IP configurations carry their `id`).
AZURE_OWNED_IP_CONFIGURATION_IDS = ["ipConfigurations[*].id"]


def azure_owned_fields(enable_bgp: bool) -> list[str]:
    """The gateway's ignoreChanges: what Azure computes, given whether the program sends bgpSettings."""
    bgp = AZURE_OWNED_GATEWAY_FIELDS if enable_bgp else AZURE_OWNED_WITHOUT_BGP
    return [*bgp, *AZURE_OWNED_IP_CONFIGURATION_IDS, *azure_filled(GATEWAY_TYPE)]


def azure_filled(type_token: str) -> list[str]:
    """What Azure fills in on a resource of this type and the program never sends (azure_facts.AZURE_FILLED_FIELDS):
    ignored, so that a resource imported with them is not rewritten to remove them."""
    return list(azure_facts.AZURE_FILLED_FIELDS.get(type_token, ()))


def replaced_on_change(type_token: str, *, except_for: frozenset[str] = frozenset()) -> list[str]:
    """The resource's `replaceOnChanges`: what Azure refuses to change in place (azure_facts.create_only), so that
    the engine replaces the resource where azure-native would send an update Azure refuses (it marks neither a
    public IP's zones nor a gateway's location, VPN type or generation as replacing), less what `except_for` names
    (replaced another way)."""
    return sorted(azure_facts.create_only(type_token) - except_for)


def _ignoring_filled(opts: pulumi.ResourceOptions, type_token: str) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(ignore_changes=azure_filled(type_token)))


def _bgp_settings(bgp: BgpMode) -> network.BgpSettingsArgs | None:
    match bgp:
        case BgpOn(asn=asn):
            return network.BgpSettingsArgs(asn=asn)
        case BgpOff():
            return None


def _bgp_peering_addresses(settings: Any) -> list[str]:
    """Every BGP address Azure gave the gateway: per IP configuration when reported, else the legacy field."""
    if settings is None:
        return []
    per_config = [
        address
        for peering in (settings.bgp_peering_addresses or [])
        for address in (peering.default_bgp_ip_addresses or [])
    ]
    if per_config:
        return per_config
    legacy = settings.bgp_peering_address or ""
    return [address for address in legacy.split(",") if address]


class GatewayVnet(pulumi.ComponentResource):
    """A VNet with its GatewaySubnet and a route-based VPN gateway, ready to be linked."""

    vnet_id: pulumi.Output[str]
    """Resource ID of the VNet."""
    gateway_id: pulumi.Output[str]
    """Resource ID of the VPN gateway."""
    public_ip_addresses: pulumi.Output[list[str]]
    """The gateway's public IP addresses (one per instance)."""
    bgp_peering_addresses: pulumi.Output[list[str]]
    """The gateway's BGP peering addresses, as Azure assigns them from the GatewaySubnet."""
    location: pulumi.Input[str]
    """Region of the VNet, its gateway and the connections that leave from it."""
    resource_group_name: pulumi.Output[str]
    """Resource group of this side."""
    provider: pulumi.ProviderResource | None
    """The explicit provider of this side, if any: its connections must use it too."""
    gateway: network.VirtualNetworkGateway | None
    """The VPN gateway, when created here: a connection is replaced whenever either of its gateways is."""
    monitoring: Monitoring
    """The stack's diagnostics and alerts, with the workspace and action group this side created, if it hosts them."""
    tunnel_ip_addresses: pulumi.Input[list[str]]
    """The gateway's tunnel endpoints, created here or read from Azure: what alerts on connections to it filter on."""
    peer_addresses: pulumi.Input[list[str]]
    """The gateway's BGP addresses, created here or read from Azure: the peers the BGP alerts watch."""

    def __init__(
        self,
        name: str,
        vnet: VnetSpec,
        gateway: GatewaySpec,
        tags: pulumi.Input[Mapping[str, pulumi.Input[str]]],
        opts: pulumi.ResourceOptions | None = None,
        *,
        monitoring: Monitoring | None = None,
    ) -> None:
        super().__init__(naming.SIDE_TYPE, name, None, opts)
        self.provider = vnet.provider
        assert vnet.location is not None  # a new VNet's is required, an existing one's read from Azure
        self.location = vnet.location
        child = pulumi.ResourceOptions(parent=self, provider=vnet.provider)
        # A gateway's public IP cannot be kept across a re-create
        # (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq): protect both together. Unset (None)
        # unless asked for: a child inherits its parent's `protect` only when its own is None, so a consumer's
        # `protect=True` on the component reaches these too.
        protected = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(protect=gateway.protect or None))

        if vnet.creates_vnet:
            virtual_network = self._new_vnet(name, vnet, tags, child)
            self.vnet_id, vnet_name = virtual_network.id, virtual_network.name
        else:
            # An existing VNet (checks.py has read it and completed the spec): only what it lacks is added.
            assert vnet.existing_vnet_id is not None and vnet.resource_group_name is not None
            self.resource_group_name = pulumi.Output.from_input(vnet.resource_group_name)
            self.vnet_id = pulumi.Output.from_input(vnet.existing_vnet_id)
            vnet_name = pulumi.Output.from_input(vnet.existing_vnet_id.rsplit("/", 1)[-1])

        self.monitoring = monitoring or Monitoring(name)
        if self.monitoring.hosts_shared:
            # The hosting side (TopologySpec.monitoring_host) holds the stack's workspace and action group, in its
            # resource group and region.
            self.monitoring = shared_resources(
                self.monitoring,
                resource_group_name=self.resource_group_name,
                location=vnet.location,
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
                virtual_network_name=vnet_name,
                address_prefix=prefix,
                opts=pulumi.ResourceOptions.merge(
                    _ignoring_filled(child, SUBNET_TYPE), pulumi.ResourceOptions(depends_on=after)
                ),
            )

        # Azure serialises writes to one VNet's subnets and answers concurrent ones with a retryable 409
        # (AnotherOperationInProgress / InUseSubnetCannotBeUpdated): chain them.
        previous: list[pulumi.Resource] = []
        gateway_subnet_id: pulumi.Input[str] = self.vnet_id.apply(
            lambda vnet_id: f"{vnet_id}/subnets/{azure_facts.GATEWAY_SUBNET_NAME}"
        )
        if vnet.creates_gateway and not vnet.existing_gateway_subnet:
            assert vnet.gateway_subnet_prefix is not None  # validation requires it
            gateway_subnet = subnet(
                naming.gateway_subnet_name(name), azure_facts.GATEWAY_SUBNET_NAME, vnet.gateway_subnet_prefix, []
            )
            gateway_subnet_id, previous = gateway_subnet.id, [gateway_subnet]
        for workload in vnet.subnets:
            previous = [
                subnet(naming.workload_subnet_name(name, workload.name), workload.name, workload.prefix, previous)
            ]

        self.gateway = None
        if not vnet.creates_gateway:
            assert vnet.existing_gateway_id is not None
            self.gateway_id = pulumi.Output.from_input(vnet.existing_gateway_id)
            # Not managed here: its addresses are Azure's to report (az network vnet-gateway show).
            self.public_ip_addresses = pulumi.Output.from_input([])
            self.bgp_peering_addresses = pulumi.Output.from_input([])
            self.tunnel_ip_addresses = list(vnet.existing_tunnel_ips)
            self.peer_addresses = list(vnet.existing_bgp_addresses)
        else:
            self._new_gateway(
                name,
                vnet,
                gateway,
                tags=tags,
                child=child,
                protected=protected,
                gateway_subnet_id=gateway_subnet_id,
                previous=previous,
            )
        if self.monitoring.diagnostics is not None and self.gateway is not None:
            assert self.monitoring.workspace_id is not None  # given, or created by the hosting side
            gateway_diagnostics(name, self.gateway.id, self.monitoring.workspace_id, child)
        outputs: dict[str, Any] = {
            "vnet_id": self.vnet_id,
            "gateway_id": self.gateway_id,
            "public_ip_addresses": self.public_ip_addresses,
            "bgp_peering_addresses": self.bgp_peering_addresses,
            "resource_group_name": self.resource_group_name,
        }
        self.register_outputs(outputs)

    def _new_vnet(
        self,
        name: str,
        vnet: VnetSpec,
        tags: pulumi.Input[Mapping[str, pulumi.Input[str]]],
        child: pulumi.ResourceOptions,
    ) -> network.VirtualNetwork:
        assert vnet.location is not None and vnet.address_spaces is not None  # validation requires them
        if vnet.resource_group_name is None:
            group = resources.ResourceGroup(
                naming.resource_group_name(name), location=vnet.location, tags=tags, opts=child
            )
            self.resource_group_name = group.name
        else:
            self.resource_group_name = pulumi.Output.from_input(vnet.resource_group_name)
        # No inline `subnets`: subnets are standalone resources, and the two styles must not be mixed
        # (pulumi/pulumi-azure-native #611).
        return network.VirtualNetwork(
            naming.vnet_name(name),
            resource_group_name=self.resource_group_name,
            location=vnet.location,
            address_space=network.AddressSpaceArgs(address_prefixes=vnet.address_spaces),
            tags=tags,
            opts=_ignoring_filled(child, VNET_TYPE),
        )

    def _new_gateway(
        self,
        name: str,
        vnet: VnetSpec,
        gateway: GatewaySpec,
        *,
        tags: pulumi.Input[Mapping[str, pulumi.Input[str]]],
        child: pulumi.ResourceOptions,
        protected: pulumi.ResourceOptions,
        gateway_subnet_id: pulumi.Input[str],
        previous: list[pulumi.Resource],
    ) -> None:
        assert vnet.location is not None
        # Zone-redundant gateways need AZ SKUs and Standard public IPs in the zones (reliability doc); a region
        # without zones gets none. The location may still be an Output (component args).
        zones = pulumi.Output.from_input(vnet.location).apply(
            lambda location: list(gateway.public_ip_zones(location)) or None
        )
        public_ips = [
            # New VPN gateways need Standard, Static public IPs
            # (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq; about-gateway-skus).
            network.PublicIPAddress(
                naming.public_ip_name(name, index),
                resource_group_name=self.resource_group_name,
                location=vnet.location,
                sku=network.PublicIPAddressSkuArgs(
                    name=network.PublicIPAddressSkuName.STANDARD,
                    tier=network.PublicIPAddressSkuTier.REGIONAL,
                ),
                public_ip_allocation_method=network.IPAllocationMethod.STATIC,
                public_ip_address_version=network.IPVersion.I_PV4,
                zones=zones,
                tags=tags,
                opts=pulumi.ResourceOptions.merge(
                    _ignoring_filled(protected, PUBLIC_IP_TYPE),
                    pulumi.ResourceOptions(replace_on_changes=replaced_on_change(PUBLIC_IP_TYPE)),
                ),
            )
            for index in range(1, gateway.public_ip_count + 1)
        ]

        sku = network.VirtualNetworkGatewaySkuName(gateway.sku)
        vpn_gateway = network.VirtualNetworkGateway(
            naming.gateway_name(name),
            resource_group_name=self.resource_group_name,
            location=vnet.location,
            # VNet-to-VNet needs route-based gateways on both sides
            # (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq#vnet-to-vnet).
            gateway_type=network.VirtualNetworkGatewayType.VPN,
            vpn_type=network.VpnType.ROUTE_BASED,
            sku=network.VirtualNetworkGatewaySkuArgs(name=sku, tier=network.VirtualNetworkGatewaySkuTier(sku.value)),
            vpn_gateway_generation=network.VpnGatewayGeneration(gateway.effective_generation),
            active_active=gateway.active_active,
            enable_bgp=gateway.enable_bgp,
            # Only the ASN: every other BGP field is Azure's (AZURE_OWNED_GATEWAY_FIELDS).
            bgp_settings=_bgp_settings(gateway.bgp(vnet)),
            ip_configurations=[
                network.VirtualNetworkGatewayIPConfigurationArgs(
                    name=f"ipconfig{index}",
                    private_ip_allocation_method=network.IPAllocationMethod.DYNAMIC,
                    subnet=network.SubResourceArgs(id=gateway_subnet_id),
                    public_ip_address=network.SubResourceArgs(id=public_ip.id),
                )
                for index, public_ip in enumerate(public_ips, start=1)
            ],
            tags=tags,
            opts=pulumi.ResourceOptions.merge(
                protected,
                pulumi.ResourceOptions(
                    custom_timeouts=GATEWAY_TIMEOUTS,
                    # One VPN gateway per VNet
                    # (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-gateway-settings): a
                    # replacement must delete the old first.
                    delete_before_replace=True,
                    replace_on_changes=replaced_on_change(GATEWAY_TYPE),
                    # A gateway keeps the public IPs it was built with: a new IP (another zone) is a new gateway
                    # (an IP cannot be kept across a gateway re-create, nor swapped under a running one: VPN FAQ).
                    replace_with=list[pulumi.Resource](public_ips),
                    ignore_changes=azure_owned_fields(gateway.enable_bgp),
                    # Subnet writes on the VNet must not race the gateway's 45-minute build on the same VNet.
                    depends_on=previous,
                ),
            ),
        )
        self.gateway = vpn_gateway
        self.gateway_id = vpn_gateway.id
        self.public_ip_addresses = pulumi.Output.all(*[ip.ip_address for ip in public_ips]).apply(
            lambda addresses: [str(address) for address in addresses if address]
        )
        self.bgp_peering_addresses = vpn_gateway.bgp_settings.apply(_bgp_peering_addresses)
        self.tunnel_ip_addresses, self.peer_addresses = self.public_ip_addresses, self.bgp_peering_addresses
