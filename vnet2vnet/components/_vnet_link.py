"""One encrypted link between two gateways: the pre-shared key and the two `Vnet2Vnet` connections.

"A VNet-to-VNet tunnel consists of two connection resources" and "the shared key must match for both
connections" (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq; vpn-gateway-vnet-vnet-rm-ps).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping, Sequence

import pulumi
import pulumi_random as random
from pulumi_azure_native import network

from vnet2vnet import azure_facts, naming
from vnet2vnet.components._gateway_vnet import GatewayVnet, azure_filled, replaced_on_change
from vnet2vnet.components._monitoring import Monitoring, WatchedConnection, connection_alerts
from vnet2vnet.spec import ConnectionSpec, link_key
from vnet2vnet.tokens import CONNECTION_TYPE


def replacement_trigger(key: str | None, protocol: str | None) -> dict[str, str]:
    """What must replace both connections when it changes, and nothing else:
    - the key: a plain PUT may leave an existing connection's key unchanged (the Terraform provider moved to the
      SetSharedKey API for this: hashicorp/terraform-provider-azurerm #11673, PR #11742) and azure-native has no
      shared-key resource;
    - the *effective* protocol: it cannot change after creation, but writing the default (IKEv2) where it was
      unset is no change.
    A trigger, not `replaceOnChanges` on the inputs: a refresh may drop or mask the write-only key in the state's
    inputs, and an input diff on it must never recreate the tunnels. Only a digest of the key is kept (and as a
    secret): the trigger is stored in the state."""
    return {
        # A key is never None on a real run; in a consumer's unit test, mocks that return the inputs as outputs
        # (Pulumi's testing guide) leave RandomPassword.result unset, and the component must still build.
        "sharedKeySha256": hashlib.sha256((key or "").encode()).hexdigest(),
        "connectionProtocol": protocol or azure_facts.DEFAULT_CONNECTION_PROTOCOL,
    }


def generated_key(
    name: str, connection: ConnectionSpec, opts: pulumi.ResourceOptions
) -> tuple[pulumi.Output[str], random.RandomPassword]:
    """A key of only the characters Azure accepts: printable ASCII except space, `-` and `~`
    (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq).
    Changing `shared_key_version` changes the keepers, so a new key is generated (rotation)."""
    password = random.RandomPassword(
        name,
        length=connection.shared_key_length,
        keepers={"shared_key_version": str(connection.effective_key_version)},
        special=True,
        override_special=azure_facts.GENERATED_PSK_SPECIALS,
        min_upper=1,
        min_lower=1,
        min_numeric=1,
        min_special=1,
        opts=opts,
    )
    # Under the engine RandomPassword.result is secret; wrap it so that it stays secret everywhere we pass it.
    return pulumi.Output.secret(password.result), password


def _ipsec_policies(connection: ConnectionSpec) -> list[network.IpsecPolicyArgs] | None:
    # A custom policy must be identical on both connections or the tunnel does not establish
    # (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq).
    policy = connection.ipsec_policy
    if policy is None:
        return None
    return [
        network.IpsecPolicyArgs(
            sa_life_time_seconds=policy.sa_life_time_seconds,
            sa_data_size_kilobytes=policy.sa_data_size_kilobytes,
            ipsec_encryption=network.IpsecEncryption(policy.ipsec_encryption),
            ipsec_integrity=network.IpsecIntegrity(policy.ipsec_integrity),
            ike_encryption=network.IkeEncryption(policy.ike_encryption),
            ike_integrity=network.IkeIntegrity(policy.ike_integrity),
            dh_group=network.DhGroup(policy.dh_group),
            pfs_group=network.PfsGroup(policy.pfs_group),
        )
    ]


class ConnectionOrder:
    """One connection write per gateway at a time (409 AnotherOperationInProgress otherwise;
    Azure/Azure-Landing-Zones #4134): each connection waits for the previous connection of `rounds` on either of its
    gateways. Links build both their connections in their constructors, in whatever order the links are built; a
    connection whose predecessor is not built yet waits for it through a future (`depends_on` takes an Output),
    resolved as soon as that predecessor is built."""

    def __init__(self, rounds: list[list[tuple[str, str]]]) -> None:
        self._round: dict[tuple[str, str], int] = {}
        self._waits_for: dict[tuple[str, str], list[tuple[str, str]]] = {}
        last: dict[str, tuple[str, str]] = {}
        for index, round_ in enumerate(rounds):
            for local, remote in round_:
                self._round[(local, remote)] = index
                self._waits_for[(local, remote)] = list(dict.fromkeys(last[g] for g in (local, remote) if g in last))
                last[local] = last[remote] = (local, remote)
        self._built: dict[tuple[str, str], asyncio.Future[pulumi.Resource]] = {}

    def directions(self, a: str, b: str) -> list[tuple[str, str]]:
        """The link's two connections, in the order of their rounds."""
        return sorted([(a, b), (b, a)], key=lambda direction: self._round[direction])

    def _future(self, direction: tuple[str, str]) -> asyncio.Future[pulumi.Resource]:
        if direction not in self._built:
            self._built[direction] = asyncio.get_event_loop().create_future()
        return self._built[direction]

    def after(self, direction: tuple[str, str]) -> pulumi.Input[Sequence[pulumi.Input[pulumi.Resource]]]:
        futures = [self._future(previous) for previous in self._waits_for[direction]]
        if all(future.done() for future in futures):
            return [future.result() for future in futures]

        async def built() -> list[pulumi.Resource]:
            return [await future for future in futures]

        return pulumi.Output.from_input(built())

    def built(self, direction: tuple[str, str], connection: pulumi.Resource) -> None:
        self._future(direction).set_result(connection)


class VnetLink(pulumi.ComponentResource):
    """Both directions of a VNet-to-VNet tunnel between two `GatewayVnet`s, sharing one secret key: the key and
    both connections, written in the order `order` gives (one connection write per gateway at a time)."""

    connection_ids: pulumi.Output[dict[str, str]]
    """Connection resource IDs keyed "<a>-to-<b>"."""
    connection_statuses: pulumi.Output[dict[str, str]]
    """Azure's connectionStatus of each connection, keyed "<a>-to-<b>"."""
    shared_key: pulumi.Output[str]
    """The pre-shared key of both connections (secret)."""
    connections: dict[str, network.VirtualNetworkGatewayConnection]
    """The connections, keyed "<a>-to-<b>", in the order of their rounds."""

    def __init__(
        self,
        name: str,
        *,
        sides: dict[str, GatewayVnet],
        order: ConnectionOrder,
        connection: ConnectionSpec,
        enable_bgp: bool,
        shared_key: pulumi.Input[str] | None,
        resource_prefix: str,
        tags: pulumi.Input[Mapping[str, pulumi.Input[str]]],
        opts: pulumi.ResourceOptions | None = None,
        monitoring: Monitoring | None = None,
        watched: frozenset[tuple[str, str]] = frozenset(),
    ) -> None:
        super().__init__(naming.LINK_TYPE, name, None, opts)
        # Replaced with the generated key (a rotation): both connections are replaced too, even on the first run
        # after an upgrade, whatever the state's inputs say (`replace_with`).
        key_resources: list[pulumi.Resource] = []
        if shared_key is None:
            self.shared_key, password = generated_key(
                naming.key_name(name), connection, pulumi.ResourceOptions(parent=self)
            )
            key_resources.append(password)
        else:
            self.shared_key = pulumi.Output.secret(shared_key)
        self.connections = {}
        a, b = sides
        for local_name, remote_name in order.directions(a, b):
            created = self._connection(
                sides[local_name],
                sides[remote_name],
                resource_name=naming.connection_name(resource_prefix, local_name, remote_name),
                connection=connection,
                enable_bgp=enable_bgp,
                tags=tags,
                opts=pulumi.ResourceOptions(
                    parent=self,
                    provider=sides[local_name].provider,
                    depends_on=order.after((local_name, remote_name)),
                    # Azure refuses to delete a gateway that still has connections: a gateway rebuilt (a change
                    # Azure cannot apply in place) takes its connections with it, deleted first and recreated after.
                    replace_with=[
                        *(side.gateway for side in (sides[local_name], sides[remote_name]) if side.gateway),
                        *key_resources,
                    ],
                ),
            )
            order.built((local_name, remote_name), created)
            self.connections[link_key(local_name, remote_name)] = created
            if monitoring is not None and monitoring.alerts is not None and (local_name, remote_name) in watched:
                local, remote = sides[local_name], sides[remote_name]
                connection_alerts(
                    WatchedConnection(
                        name=naming.connection_name(resource_prefix, local_name, remote_name),
                        key=link_key(local_name, remote_name),
                        resource_group_name=local.resource_group_name,
                        gateway_id=local.gateway_id,
                        remote_tunnel_ips=remote.tunnel_ip_addresses,
                        remote_bgp_addresses=remote.peer_addresses if enable_bgp else None,
                    ),
                    monitoring,
                    tags,
                    pulumi.ResourceOptions(parent=self, provider=local.provider),
                )
        keys = list(self.connections)
        connections = list(self.connections.values())
        self.connection_ids = pulumi.Output.all(*[c.id for c in connections]).apply(
            lambda ids: dict(zip(keys, ids, strict=True))
        )
        self.connection_statuses = pulumi.Output.all(*[c.connection_status for c in connections]).apply(
            lambda statuses: dict(zip(keys, statuses, strict=True))
        )
        self.register_outputs(
            {
                "connection_ids": self.connection_ids,
                "connection_statuses": self.connection_statuses,
                "shared_key": self.shared_key,
            }
        )

    def _connection(
        self,
        local: GatewayVnet,
        remote: GatewayVnet,
        *,
        resource_name: str,
        connection: ConnectionSpec,
        enable_bgp: bool,
        tags: pulumi.Input[Mapping[str, pulumi.Input[str]]],
        opts: pulumi.ResourceOptions,
    ) -> network.VirtualNetworkGatewayConnection:
        """The connection from `local`'s gateway to `remote`'s."""
        protocol = connection.connection_protocol
        return network.VirtualNetworkGatewayConnection(
            resource_name,
            # A connection lives in the region and resource group of its virtual_network_gateway1
            # (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq; MicrosoftLearning/AZ-700 #307),
            # created with that side's provider.
            resource_group_name=local.resource_group_name,
            location=local.location,
            connection_type=network.VirtualNetworkGatewayConnectionType.VNET2_VNET,
            # Full resource IDs: a bare name across resource groups fails (Azure/azure-cli #4436).
            virtual_network_gateway1=network.VirtualNetworkGatewayArgs(id=local.gateway_id),
            virtual_network_gateway2=network.VirtualNetworkGatewayArgs(id=remote.gateway_id),
            shared_key=self.shared_key,
            enable_bgp=enable_bgp,
            ipsec_policies=_ipsec_policies(connection),
            # Both accepted on every connection type by the API spec; DPD 9..3600 s
            # (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq).
            dpd_timeout_seconds=connection.dpd_timeout_seconds,
            connection_protocol=network.VirtualNetworkGatewayConnectionProtocol(protocol) if protocol else None,
            tags=tags,
            opts=pulumi.ResourceOptions.merge(
                opts,
                pulumi.ResourceOptions(
                    # azure-native declares no secret outputs for sharedKey
                    # (https://www.pulumi.com/registry/packages/azure-native/api-docs/network/virtualnetworkgatewayconnection/).
                    additional_secret_outputs=["sharedKey"],
                    replacement_trigger=pulumi.Output.secret(
                        self.shared_key.apply(lambda key: replacement_trigger(key, protocol))
                    ),
                    # Both directions must be recreated with the new key; names stay the same.
                    delete_before_replace=True,
                    # The protocol by the trigger above (its effective value), the gateways by `replace_with` (an
                    # imported connection's gateway references may differ in shape, never in what they name).
                    replace_on_changes=replaced_on_change(
                        CONNECTION_TYPE,
                        except_for=frozenset(
                            {"connectionProtocol", "virtualNetworkGateway1", "virtualNetworkGateway2"}
                        ),
                    ),
                    ignore_changes=[*azure_filled(CONNECTION_TYPE), *_left_to_azure(connection)],
                ),
            ),
        )


def _left_to_azure(connection: ConnectionSpec) -> list[str]:
    """The connection settings the config leaves unset. Azure fills them in (IKEv2, DPD 45 s: the VPN FAQ), an
    imported connection (`vnet2vnet adopt`) has them in its state's inputs, and the program, which sends neither,
    must not write the connection to remove them. Set a value to change one."""
    unset = {"connectionProtocol": connection.connection_protocol, "dpdTimeoutSeconds": connection.dpd_timeout_seconds}
    return [key for key, value in unset.items() if value is None]
