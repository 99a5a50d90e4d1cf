"""One encrypted link between two gateways: the pre-shared key and the two `Vnet2Vnet` connections.

"A VNet-to-VNet tunnel consists of two connection resources" and "the shared key must match for both
connections" (VPN FAQ; vpn-gateway-vnet-vnet-rm-ps).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_random as random
from pulumi_azure_native import network

from components.gateway_vnet import GatewayVnet
from vnet2vnet import azure_facts
from vnet2vnet.spec import ConnectionSpec, link_key


def generated_key(name: str, connection: ConnectionSpec, opts: pulumi.ResourceOptions) -> pulumi.Output[str]:
    """A key of only the characters Azure accepts: printable ASCII except space, `-` and `~` (VPN FAQ)."""
    password = random.RandomPassword(
        name,
        length=connection.shared_key_length,
        special=True,
        override_special=azure_facts.GENERATED_PSK_SPECIALS,
        min_upper=1,
        min_lower=1,
        min_numeric=1,
        min_special=1,
        opts=opts,
    )
    # Under the engine RandomPassword.result is secret; wrap it so that it stays secret everywhere we pass it.
    return pulumi.Output.secret(password.result)


class VnetLink(pulumi.ComponentResource):
    """Both directions of a VNet-to-VNet tunnel between two `GatewayVnet`s, sharing one secret key."""

    connection_ids: pulumi.Output[dict[str, str]]
    """Connection resource IDs keyed "<a>-to-<b>"."""
    connection_statuses: pulumi.Output[dict[str, str]]
    """Azure's connectionStatus of each connection, keyed "<a>-to-<b>"."""
    shared_key: pulumi.Output[str]
    """The pre-shared key of both connections (secret)."""
    connections: list[network.VirtualNetworkGatewayConnection]
    """The two connections, in creation order."""

    def __init__(
        self,
        name: str,
        *,
        sides: tuple[tuple[str, GatewayVnet], tuple[str, GatewayVnet]],
        connection: ConnectionSpec,
        shared_key: pulumi.Input[str] | None,
        resource_prefix: str,
        tags: pulumi.Input[Mapping[str, pulumi.Input[str]]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("vnet2vnet:index:VnetLink", name, None, opts)
        (name_a, side_a), (name_b, side_b) = sides
        if shared_key is None:
            self.shared_key = generated_key(f"{name}-psk", connection, pulumi.ResourceOptions(parent=self))
        else:
            self.shared_key = pulumi.Output.secret(shared_key)

        self.connections = []
        for (local_name, local), (remote_name, remote) in (
            ((name_a, side_a), (name_b, side_b)),
            ((name_b, side_b), (name_a, side_a)),
        ):
            # Writing two connections on one gateway at once fails with 409 AnotherOperationInProgress
            # (Azure/Azure-Landing-Zones #4134): the second waits for the first.
            after = self.connections[-1:]
            self.connections.append(
                network.VirtualNetworkGatewayConnection(
                    f"{resource_prefix}-{link_key(local_name, remote_name)}",
                    # A connection lives in the region and resource group of its virtual_network_gateway1
                    # (VPN FAQ; MicrosoftLearning/AZ-700 #307), created with that side's provider.
                    resource_group_name=local.resource_group_name,
                    location=local.location,
                    connection_type=network.VirtualNetworkGatewayConnectionType.VNET2_VNET,
                    # Full resource IDs: a bare name across resource groups fails (Azure/azure-cli #4436).
                    virtual_network_gateway1=network.VirtualNetworkGatewayArgs(id=local.gateway_id),
                    virtual_network_gateway2=network.VirtualNetworkGatewayArgs(id=remote.gateway_id),
                    shared_key=self.shared_key,
                    enable_bgp=False,
                    tags=tags,
                    opts=pulumi.ResourceOptions(
                        parent=self,
                        provider=local.provider,
                        depends_on=after,
                        # azure-native declares no secret outputs for sharedKey (pulumi-notes).
                        additional_secret_outputs=["sharedKey"],
                    ),
                )
            )

        keys = [link_key(name_a, name_b), link_key(name_b, name_a)]
        self.connection_ids = pulumi.Output.all(*[c.id for c in self.connections]).apply(
            lambda ids: dict(zip(keys, ids, strict=True))
        )
        self.connection_statuses = pulumi.Output.all(*[c.connection_status for c in self.connections]).apply(
            lambda statuses: dict(zip(keys, statuses, strict=True))
        )
        outputs: dict[str, Any] = {
            "connection_ids": self.connection_ids,
            "connection_statuses": self.connection_statuses,
            "shared_key": self.shared_key,
        }
        self.register_outputs(outputs)
