"""`VnetToVnetPair`: two `GatewayVnet`s and the `VnetLink` between them."""

import pulumi

from vnet2vnet.checks import CheckedSpec, checked_component_spec
from vnet2vnet.components._network import build_network, built_from_checked, claim_names
from vnet2vnet.components.args import VnetToVnetPairArgs
from vnet2vnet.naming import PAIR_TYPE
from vnet2vnet.network import ResolvedNetwork


class VnetToVnetPair(pulumi.ComponentResource):
    """Two Azure VNets connected by an encrypted VNet-to-VNet VPN (two route-based gateways, two connections,
    one generated secret key)."""

    vnet_ids: pulumi.Output[dict[str, str]]
    """VNet resource IDs by VNet name."""
    gateway_ids: pulumi.Output[dict[str, str]]
    """VPN gateway resource IDs by VNet name."""
    gateway_public_ips: pulumi.Output[dict[str, list[str]]]
    """The public IP addresses of each VNet's gateway, by VNet name."""
    connection_ids: pulumi.Output[dict[str, str]]
    """Connection resource IDs keyed "<a>-to-<b>"."""
    connection_statuses: pulumi.Output[dict[str, str]]
    """Azure's connectionStatus of each connection keyed "<a>-to-<b>" (Unknown until Azure reports)."""
    shared_key: pulumi.Output[str]
    """The pre-shared key of the link (secret)."""
    gateway_bgp_peering_addresses: pulumi.Output[dict[str, list[str]]]
    """The BGP peering addresses Azure assigned to each VNet's gateway, by VNet name."""

    def __init__(self, name: str, args: VnetToVnetPairArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        # Check everything before registering anything: a mistake found here saves a 45-minute gateway build.
        self._build(name, checked_component_spec(args, component_name=name, component_type=PAIR_TYPE), opts)

    @classmethod
    def from_checked(
        cls, name: str, checked: CheckedSpec, opts: pulumi.ResourceOptions | None = None
    ) -> "VnetToVnetPair":
        """The pair of a network its caller already checked and resolved (the stack program, from its stack
        config), built as it is: no second validation pass, no second set of warnings."""
        return built_from_checked(cls, name, checked, opts)

    def _build(self, name: str, network: ResolvedNetwork, opts: pulumi.ResourceOptions | None) -> None:
        claim_names(name, PAIR_TYPE, network, opts)
        super().__init__(PAIR_TYPE, name, None, opts)
        built = build_network(name, network, self)
        (link,) = built.links.values()
        self.vnet_ids = built.vnet_ids
        self.gateway_ids = built.gateway_ids
        self.gateway_public_ips = built.gateway_public_ips
        self.gateway_bgp_peering_addresses = built.gateway_bgp_peering_addresses
        self.connection_ids = link.connection_ids
        self.connection_statuses = link.connection_statuses
        self.shared_key = link.shared_key
        self.register_outputs(
            {
                "vnet_ids": self.vnet_ids,
                "gateway_ids": self.gateway_ids,
                "gateway_public_ips": self.gateway_public_ips,
                "gateway_bgp_peering_addresses": self.gateway_bgp_peering_addresses,
                "connection_ids": self.connection_ids,
                "connection_statuses": self.connection_statuses,
                "shared_key": self.shared_key,
            }
        )
