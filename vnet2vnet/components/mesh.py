"""`VnetMesh`: many VNets linked as a full mesh or hub-and-spoke, from the same parts as the pair."""

import pulumi

from vnet2vnet.checks import CheckedSpec, checked_component_spec
from vnet2vnet.components._network import build_network, built_from_checked, claim_names
from vnet2vnet.components.args import VnetMeshArgs
from vnet2vnet.naming import MESH_TYPE
from vnet2vnet.network import ResolvedNetwork
from vnet2vnet.schema import MESH


class VnetMesh(pulumi.ComponentResource):
    """Many Azure VNets connected by encrypted VNet-to-VNet VPN links (a full mesh, or a hub and its spokes),
    each link with its own secret key, the connections written in the fewest safe rounds."""

    vnet_ids: pulumi.Output[dict[str, str]]
    """VNet resource IDs by VNet name."""
    gateway_ids: pulumi.Output[dict[str, str]]
    """VPN gateway resource IDs by VNet name."""
    gateway_public_ips: pulumi.Output[dict[str, list[str]]]
    """The public IP addresses of each VNet's gateway, by VNet name."""
    gateway_bgp_peering_addresses: pulumi.Output[dict[str, list[str]]]
    """The BGP peering addresses Azure assigned to each VNet's gateway, by VNet name."""
    connection_ids: pulumi.Output[dict[str, str]]
    """Connection resource IDs keyed "<a>-to-<b>"."""
    connection_statuses: pulumi.Output[dict[str, str]]
    """Azure's connectionStatus of each connection keyed "<a>-to-<b>" (Unknown until Azure reports)."""
    shared_keys: pulumi.Output[dict[str, str]]
    """Each connection's pre-shared key keyed "<a>-to-<b>" (secret; both directions of a link share one)."""

    def __init__(self, name: str, args: VnetMeshArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        network = checked_component_spec(
            args, schema=MESH, component_name=name, defaults={"topology": "mesh"}, component_type=MESH_TYPE
        )
        self._build(name, network, opts)

    @classmethod
    def from_checked(cls, name: str, checked: CheckedSpec, opts: pulumi.ResourceOptions | None = None) -> "VnetMesh":
        """The mesh of a network its caller already checked and resolved (the stack program, from its stack
        config), built as it is: no second validation pass, no second set of warnings."""
        return built_from_checked(cls, name, checked, opts)

    def _build(self, name: str, network: ResolvedNetwork, opts: pulumi.ResourceOptions | None) -> None:
        claim_names(name, MESH_TYPE, network, opts)
        super().__init__(MESH_TYPE, name, None, opts)
        built = build_network(name, network, self)
        self.vnet_ids = built.vnet_ids
        self.gateway_ids = built.gateway_ids
        self.gateway_public_ips = built.gateway_public_ips
        self.gateway_bgp_peering_addresses = built.gateway_bgp_peering_addresses
        self.connection_ids = built.by_connection("connection_ids")
        self.connection_statuses = built.by_connection("connection_statuses")
        self.shared_keys = built.keys_by_connection()
        self.register_outputs(
            {
                "vnet_ids": self.vnet_ids,
                "gateway_ids": self.gateway_ids,
                "gateway_public_ips": self.gateway_public_ips,
                "gateway_bgp_peering_addresses": self.gateway_bgp_peering_addresses,
                "connection_ids": self.connection_ids,
                "connection_statuses": self.connection_statuses,
                "shared_keys": self.shared_keys,
            }
        )
