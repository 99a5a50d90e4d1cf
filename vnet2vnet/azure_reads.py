"""Reading what Azure serves, with the Azure SDK for Python (azure-mgmt-network), for `verify --evidence` and
`adopt`'s key read.

Why not azure-native invokes: getBgpPeerStatus, getLearnedRoutes and getikesas are long-running operations (spec
2024-05-01: `x-ms-long-running-operation`, 202 then a poll), and azure-native v3's Invoke accepts only 200 and 201
and never polls (pulumi/pulumi-azure-native provider/pkg/azure/client_azcore.go@006a62af, `Post`:
`runtime.HasStatusCode(resp, http.StatusOK, http.StatusCreated)`; open issue pulumi/pulumi-azure-native#1735). The
SDK polls as Azure documents. Every call names `api_version="2024-05-01"`, the version azure-native 3.29 uses for
these resources (the client's own default is newer).

Credentials are chosen as the stack's azure-native providers choose theirs (`vnet2vnet.azure_auth`): the default
provider's from the stack's `azure-native:*` config and `ARM_*`; a side with its own subscription or tenant (an
explicit provider, made from its arguments and the environment only) from those. Answers are flattened as
azure-native flattens them (`properties` lifted to the top), so the pure evidence code reads one shape.

`VNET2VNET_ARM_URL` and `VNET2VNET_LOGIN_URL` point the reads at another Resource Manager and Entra endpoint
than the cloud's (a private endpoint, Azure Stack Hub, a rehearsal's emulated Azure); `REQUESTS_CA_BUNDLE` names
the certificate authorities to trust, as for any Python HTTPS client.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from vnet2vnet import azure_auth

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential
    from azure.mgmt.network import NetworkManagementClient

    from vnet2vnet.spec import TopologySpec

# The API version azure-native 3.29 uses for Microsoft.Network's VPN resources (the spec in ../shared).
API_VERSION = "2024-05-01"
ARM_URL_VARIABLE = "VNET2VNET_ARM_URL"
LOGIN_URL_VARIABLE = "VNET2VNET_LOGIN_URL"
# Azure's own Retry-After governs each poll; without one, azure-mgmt-core waits this long between polls.
POLLING_INTERVAL_SECONDS = 10.0


class AzureReads(Protocol):
    """The reads behind the evidence and adopt's keys, each by ARM resource ID, answers flattened."""

    def connection(self, connection_id: str) -> Mapping[str, Any]: ...
    def shared_key(self, connection_id: str) -> str | None: ...
    def ike_sas(self, connection_id: str) -> str | None: ...
    def bgp_peer_status(self, gateway_id: str) -> Mapping[str, Any]: ...
    def learned_routes(self, gateway_id: str) -> Mapping[str, Any]: ...
    def gateway(self, gateway_id: str) -> Mapping[str, Any]: ...
    def virtual_network(self, vnet_id: str) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class ArmId:
    subscription: str
    resource_group: str
    name: str

    @classmethod
    def parse(cls, resource_id: str) -> ArmId:
        """/subscriptions/<s>/resourceGroups/<g>/providers/<namespace>/<type>/<name>; a ValueError otherwise."""
        parts = resource_id.strip("/").split("/")
        if len(parts) < 8 or parts[0].lower() != "subscriptions" or parts[2].lower() != "resourcegroups":
            raise ValueError(f"not an Azure resource ID: {resource_id!r}")
        return cls(parts[1], parts[3], parts[-1])


def flattened(model: Any) -> dict[str, Any]:
    """An SDK model (or its wire JSON) as azure-native flattens it: every `properties` lifted into its object, the
    resource's and its sub-resources' (a gateway's ipConfigurations, a VNet's subnets) alike."""
    document = model.as_dict() if hasattr(model, "as_dict") else dict(model or {})
    lifted = _lifted(document)
    return lifted if isinstance(lifted, dict) else {}


def _lifted(value: Any) -> Any:
    if isinstance(value, Mapping):
        inner = {key: _lifted(item) for key, item in value.items() if key != "properties"}
        properties = value.get("properties")
        return {**inner, **_lifted(properties)} if isinstance(properties, Mapping) else inner
    if isinstance(value, list):
        return [_lifted(item) for item in value]
    return value


@dataclass
class SdkReads:
    """AzureReads over azure-mgmt-network: a client per subscription, each with its credential."""

    credential_for: Callable[[str], TokenCredential]
    base_url: str
    scope: str
    polling_interval: float = POLLING_INTERVAL_SECONDS
    connection_verify: str | bool = True  # a CA bundle's path, or True for the system's (and REQUESTS_CA_BUNDLE)
    # False for an endpoint on this machine: no HTTPS_PROXY from the environment stands between (a rehearsal).
    use_env_settings: bool = True
    _clients: dict[str, NetworkManagementClient] = field(default_factory=dict)

    def _client(self, subscription: str) -> NetworkManagementClient:
        if subscription not in self._clients:
            from azure.mgmt.network import NetworkManagementClient

            self._clients[subscription] = NetworkManagementClient(
                self.credential_for(subscription),
                subscription,
                base_url=self.base_url,
                credential_scopes=[self.scope],
                polling_interval=self.polling_interval,
                connection_verify=self.connection_verify,
                use_env_settings=self.use_env_settings,
            )
        return self._clients[subscription]

    def _of(self, resource_id: str) -> tuple[NetworkManagementClient, ArmId]:
        arm = ArmId.parse(resource_id)
        return self._client(arm.subscription), arm

    def connection(self, connection_id: str) -> Mapping[str, Any]:
        client, arm = self._of(connection_id)
        return flattened(
            client.virtual_network_gateway_connections.get(arm.resource_group, arm.name, api_version=API_VERSION)
        )

    def shared_key(self, connection_id: str) -> str | None:
        client, arm = self._of(connection_id)
        answer = client.virtual_network_gateway_connections.get_shared_key(
            arm.resource_group, arm.name, api_version=API_VERSION
        )
        value = flattened(answer).get("value")
        return value if isinstance(value, str) else None

    def ike_sas(self, connection_id: str) -> str | None:
        client, arm = self._of(connection_id)
        poller = client.virtual_network_gateway_connections.begin_get_ike_sas(
            arm.resource_group, arm.name, api_version=API_VERSION
        )
        answer = poller.result()
        return answer if isinstance(answer, str) else None

    def bgp_peer_status(self, gateway_id: str) -> Mapping[str, Any]:
        client, arm = self._of(gateway_id)
        poller = client.virtual_network_gateways.begin_get_bgp_peer_status(
            arm.resource_group, arm.name, api_version=API_VERSION
        )
        return flattened(poller.result())

    def learned_routes(self, gateway_id: str) -> Mapping[str, Any]:
        client, arm = self._of(gateway_id)
        poller = client.virtual_network_gateways.begin_get_learned_routes(
            arm.resource_group, arm.name, api_version=API_VERSION
        )
        return flattened(poller.result())

    def gateway(self, gateway_id: str) -> Mapping[str, Any]:
        client, arm = self._of(gateway_id)
        return flattened(client.virtual_network_gateways.get(arm.resource_group, arm.name, api_version=API_VERSION))

    def virtual_network(self, vnet_id: str) -> Mapping[str, Any]:
        client, arm = self._of(vnet_id)
        return flattened(client.virtual_networks.get(arm.resource_group, arm.name, api_version=API_VERSION))


def side_choices(
    stack_config: Mapping[str, str], env: Mapping[str, str], topology: TopologySpec
) -> tuple[azure_auth.AuthChoice | None, dict[str, azure_auth.AuthChoice]]:
    """The default provider's choice (None when it cannot be made: reads in its subscription then fail, each with
    the reason) and, by subscription, the choice of each side with its own subscription or tenant. Raises
    AuthConfigError for a side whose explicit provider could not authenticate either."""
    try:
        default: azure_auth.AuthChoice | None = azure_auth.choose_auth(stack_config, env)
    except azure_auth.AuthConfigError:
        if not any(vnet.subscription_id or vnet.tenant_id for vnet in topology.vnets):
            raise
        default = None
    auxiliary = topology.auxiliary_tenants()
    sides: dict[str, azure_auth.AuthChoice] = {}
    for vnet in topology.vnets:
        if not (vnet.subscription_id or vnet.tenant_id):
            continue
        config = azure_auth.explicit_provider_config(
            vnet.subscription_id, vnet.tenant_id, auxiliary.get(vnet.name) or ()
        )
        choice = azure_auth.choose_auth(config, env)
        if choice.subscription_id:
            sides.setdefault(choice.subscription_id.lower(), choice)
    return default, sides


def sdk_reads(
    stack_config: Mapping[str, str], topology: TopologySpec, env: Mapping[str, str] | None = None
) -> SdkReads:
    """The reads as the stack's providers would make them: credentials by subscription, the cloud's endpoints
    (or VNET2VNET_ARM_URL / VNET2VNET_LOGIN_URL). Raises AuthConfigError naming the setting that is missing."""
    env = os.environ if env is None else env
    default, sides = side_choices(stack_config, env, topology)
    any_choice = default or next(iter(sides.values()), None)
    if any_choice is None:
        # No default provider's credentials, and no side with a subscription of its own to read with.
        azure_auth.choose_auth(stack_config, env)  # raises the AuthConfigError naming the missing setting
        raise azure_auth.AuthConfigError("no Azure credentials: set azure-native:subscriptionId and a credential")
    endpoint = azure_auth.management_endpoint(any_choice)
    base_url = (env.get(ARM_URL_VARIABLE) or endpoint.base_url).rstrip("/")
    login = env.get(LOGIN_URL_VARIABLE) or None
    built: dict[str, TokenCredential] = {}

    def credential_for(subscription: str) -> TokenCredential:
        choice = sides.get(subscription.lower()) or (
            azure_auth.for_subscription(default, subscription) if default is not None else None
        )
        if choice is None:
            raise azure_auth.AuthConfigError(
                f"no credential for subscription {subscription}: set azure-native:subscriptionId and its "
                "credentials (see docs/operate.md, 'Credentials')"
            )
        if subscription not in built:
            built[subscription] = azure_auth.build_credential(choice, authority=login)
        return built[subscription]

    return SdkReads(credential_for, base_url, endpoint.scope)


@dataclass(frozen=True)
class FixedToken:
    """A credential with one bearer token: for an endpoint that checks only that one is sent (a rehearsal's
    emulated Azure), so that no credential is ever built from the user's environment there."""

    token: str = "vnet2vnet-rehearsal"

    def get_token(self, *scopes: str, **options: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken(self.token, 4_102_444_800)  # 2100-01-01: never refreshed during a run
