"""The emulator's ARM REST server (vnet2vnet.emulator.arm_http), driven by the real Azure SDK for Python.

Azure serves a gateway's BGP peers and learned routes and a connection's IKE SAs as long-running POSTs (202, then
polls); azure-native's invokes cannot read them, the Azure SDK can. These tests run the SDK's own
NetworkManagementClient against the server, over HTTPS with a throwaway certificate authority, and check that what it
reads is the emulator's model (vnet2vnet.emulator.operating) and that it gets there the way it would against Azure:
202, status polls, the final GET; Azure's errors; throttling retried.
"""

from __future__ import annotations

import http.client
import json
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.identity import ClientSecretCredential
from azure.mgmt.network import NetworkManagementClient

from tests.test_emulator import GW_A, SUB
from tests.test_emulator_operations import A_TO_B, Clock, linked
from vnet2vnet.emulator import azure, operating
from vnet2vnet.emulator import store as store_module
from vnet2vnet.emulator.arm_http import API_VERSION, ArmServer
from vnet2vnet.emulator.store import Store, default_state, emulated_minutes, real_seconds

RG = "rg"
POLL: dict[str, Any] = {"api_version": API_VERSION, "polling_interval": 0}  # what every long-running read passes


class FixedToken:
    """A credential: the SDK asks it for a token and sends it as `Authorization: Bearer t`."""

    def get_token(
        self, *scopes: str, claims: str | None = None, tenant_id: str | None = None, enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:  # fmt: skip
        return AccessToken("t", int(time.time()) + 3600)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The emulated clock, still unless a test moves it (the server's threads read the same one)."""
    fake = Clock()
    monkeypatch.setattr(store_module, "time", fake)
    return fake


def emulated_azure(tmp_path: Path, *faults: dict[str, Any]) -> Store:
    """Two BGP gateways, gw-a (ASN 65010) and gw-b (65020), and both directions of their link, Connected."""
    store = Store(tmp_path / "azure.json")
    store.create(default_state(clock_scale=1 / 60000))
    with store.locked() as state:
        state["resources"] = linked()["resources"]
        state["faults"] = list(faults)
    return store


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Store:
    emulated = emulated_azure(tmp_path)
    clock.now += real_seconds(emulated.read(), 30)  # half an hour after the link came up
    return emulated


@pytest.fixture
def server(store: Store) -> Iterator[ArmServer]:
    with ArmServer(store) as serving:
        yield serving


def network_client(server: ArmServer, **options: Any) -> NetworkManagementClient:
    """The Azure SDK's client, pointed at the server and trusting its certificate authority."""
    return NetworkManagementClient(
        credential=FixedToken(),
        subscription_id=SUB,
        base_url=server.base_url,
        connection_verify=server.ca_bundle,
        **options,
    )


@pytest.fixture
def client(server: ArmServer) -> NetworkManagementClient:
    return network_client(server)


def model(store: Store) -> tuple[dict[str, Any], float]:
    """The emulated state and minute, to compute what the server should have answered."""
    state = store.read()
    return state, emulated_minutes(state)


def record(state: dict[str, Any], rid: str) -> dict[str, Any]:
    found = azure.find(state, rid)
    assert found is not None, f"{rid} is in the emulated Azure"
    return found


def kinds(server: ArmServer) -> list[tuple[str, str, int]]:
    """The exchanges, each path reduced to what it addresses: the action, `operations` (status) or
    `operationResults` (the result), or the resource."""
    found = []
    for exchange in server.exchanges:
        path = urlsplit(exchange.path).path
        segment = path.rsplit("/", 2)[-2] if "/locations/" in path else path.rsplit("/", 1)[-1]
        found.append((exchange.method, segment, exchange.status))
    return found


class Answer(NamedTuple):
    status: int
    headers: dict[str, str]
    body: Any  # the JSON body, None when empty


def raw(server: ArmServer, method: str, path: str, headers: dict[str, str] | None = None) -> Answer:
    """One request without the SDK (to send what the SDK never would, or to look at the headers)."""
    port = urlsplit(server.base_url).port
    context = ssl.create_default_context(cafile=server.ca_bundle)
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        return Answer(response.status, dict(response.getheaders()), json.loads(body) if body else None)
    finally:
        connection.close()


GATEWAY_PATH = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/virtualNetworkGateways/gw-a"


# ------------------------------------------------------------------------------------------ long-running reads


class TestLongRunningReads:
    def test_bgp_peer_status_is_accepted_polled_then_read_from_location(
        self, store: Store, server: ArmServer, client: NetworkManagementClient
    ) -> None:
        result = client.virtual_network_gateways.begin_get_bgp_peer_status(RG, "gw-a", **POLL).result()
        state, now = model(store)
        expected = operating.bgp_peers(state, record(state, GW_A["id"]), now)
        assert [peer.as_dict() for peer in result.value or []] == expected, "the SDK reads the model's BgpPeerStatus"
        assert kinds(server) == [
            ("POST", "getBgpPeerStatus", 202),
            ("GET", "operations", 200),  # {"status": "InProgress"}
            ("GET", "operations", 200),  # {"status": "Succeeded"}
            ("GET", "operationResults", 200),  # final-state-via location: the body
        ], server.exchanges

    def test_the_sdk_polls_as_long_as_the_operation_runs(self, store: Store) -> None:
        with ArmServer(store, polls_before_done=3) as server:
            network_client(server).virtual_network_gateways.begin_get_learned_routes(RG, "gw-a", **POLL).result()
            polls = [kind for kind in kinds(server) if kind[1] == "operations"]
        assert len(polls) == 4, f"three InProgress, then Succeeded: {server.exchanges}"

    def test_peer_filters_by_neighbor(self, server: ArmServer, client: NetworkManagementClient) -> None:
        gateways = client.virtual_network_gateways
        found = gateways.begin_get_bgp_peer_status(RG, "gw-a", peer="10.2.255.30", **POLL).result()
        assert [peer.neighbor for peer in found.value or []] == ["10.2.255.30"], found
        none = gateways.begin_get_bgp_peer_status(RG, "gw-a", peer="10.9.9.9", **POLL).result()
        assert none.value == [], "no such peer: an empty list"
        assert "peer=10.2.255.30" in server.exchanges[0].path, "the SDK sends peer as a query parameter"

    def test_learned_routes_are_the_model_s(self, store: Store, client: NetworkManagementClient) -> None:
        result = client.virtual_network_gateways.begin_get_learned_routes(RG, "gw-a", **POLL).result()
        state, now = model(store)
        expected = operating.learned_routes(state, record(state, GW_A["id"]), now)
        assert [route.as_dict() for route in result.value or []] == expected, "the SDK reads the model's GatewayRoute"
        assert {(route.network, route.origin) for route in result.value or []} == {
            ("10.1.0.0/16", "Network"), ("10.2.0.0/16", "EBgp"),
        }, result  # fmt: skip

    def test_ike_sas_arrive_as_one_json_string(self, store: Store, client: NetworkManagementClient) -> None:
        result = client.virtual_network_gateway_connections.begin_get_ike_sas(RG, "a-to-b", **POLL).result()
        assert isinstance(result, str), f"the spec's 200 is a string, the SDK returns it as one: {type(result)}"
        state, now = model(store)
        assert result == operating.ike_sas(state, record(state, A_TO_B["id"]), now), "the model's JSON, verbatim"
        assert json.loads(result), "it parses: the model's security associations"

    def test_a_raw_negotiated_policy_fault_reaches_the_client_verbatim(self, tmp_path: Path, clock: Clock) -> None:
        store = emulated_azure(tmp_path, {"kind": "negotiatedPolicy", "resource": "a-to-b", "raw": "{not json"})
        with ArmServer(store) as server:
            result = (
                network_client(server)
                .virtual_network_gateway_connections.begin_get_ike_sas(RG, "a-to-b", **POLL)
                .result()
            )
        assert result == "{not json", "the server JSON-encodes the string; the SDK decodes it back"

    def test_the_answer_is_the_one_at_the_time_of_the_post(self, store: Store, server: ArmServer, clock: Clock) -> None:
        authorized = {"Authorization": "Bearer t"}
        accepted = raw(server, "POST", f"{GATEWAY_PATH}/getBgpPeerStatus?api-version={API_VERSION}", authorized)
        assert accepted.status == 202 and accepted.body is None, "accepted, no body"
        assert {"Azure-AsyncOperation", "Location", "Retry-After"} <= set(accepted.headers), accepted.headers
        state, then = model(store)
        at_post = operating.bgp_peers(state, record(state, GW_A["id"]), then)
        clock.now += real_seconds(state, 60)  # an hour passes before the client polls
        location = urlsplit(accepted.headers["Location"])
        assert location.netloc == urlsplit(server.base_url).netloc, "an operation URL on this server"
        result = f"{location.path}?{location.query}"
        assert raw(server, "GET", result, authorized).status == 202, "first poll: still running"
        done = raw(server, "GET", result, authorized)
        assert done.status == 200, "done"
        assert done.body == {"value": at_post}, "computed when Azure accepted the POST, not when it was read"
        assert done.body != {"value": operating.bgp_peers(state, record(state, GW_A["id"]), then + 60)}, (
            "(an hour later the peer's connectedDuration differs)"
        )


# ------------------------------------------------------------------------------------------ resource reads


class TestResourceReads:
    def test_the_shared_key_is_the_connection_s(self, client: NetworkManagementClient) -> None:
        shared = client.virtual_network_gateway_connections.get_shared_key(RG, "a-to-b", api_version=API_VERSION)
        assert shared.value == "k", shared

    def test_a_gateway_reads_back_in_arm_s_nesting(self, client: NetworkManagementClient) -> None:
        gateway = client.virtual_network_gateways.get(RG, "gw-a", api_version=API_VERSION)
        assert gateway.id == GW_A["id"] and gateway.name == "gw-a", gateway
        assert gateway.enable_bgp is True and gateway.bgp_settings is not None, "properties, under `properties`"
        assert gateway.bgp_settings.asn == 65010, gateway.bgp_settings
        (configuration,) = gateway.ip_configurations or []
        assert configuration.subnet is not None, "a sub-resource's own properties are nested too"
        assert configuration.subnet.id.endswith("/virtualNetworks/a/subnets/GatewaySubnet"), configuration

    def test_a_connection_reads_its_status_and_counters(self, client: NetworkManagementClient) -> None:
        connection = client.virtual_network_gateway_connections.get(RG, "a-to-b", api_version=API_VERSION)
        assert connection.connection_status == "Connected", connection
        assert (connection.ingress_bytes_transferred or 0) > 0, "half an hour of a Connected link's traffic"

    def test_a_vnet_reads_its_subnets(self, client: NetworkManagementClient) -> None:
        vnet = client.virtual_networks.get(RG, "a", api_version=API_VERSION)
        assert vnet.address_space is not None and vnet.address_space.address_prefixes == ["10.1.0.0/16"], vnet
        assert [(s.name, s.address_prefix) for s in vnet.subnets or []] == [("GatewaySubnet", "10.1.255.0/27")]


# ------------------------------------------------------------------------------------------ Azure's errors


class TestAzureErrors:
    def test_a_missing_connection_is_resource_not_found(self, client: NetworkManagementClient) -> None:
        with pytest.raises(ResourceNotFoundError) as missing:
            client.virtual_network_gateway_connections.begin_get_ike_sas(RG, "nope", **POLL)
        error = missing.value
        assert error.status_code == 404 and error.error is not None, error
        assert error.error.code == "ResourceNotFound", error.error
        assert "'Microsoft.Network/connections/nope' under resource group 'rg' was not found" in str(error), error

    def test_a_missing_gateway_is_resource_not_found(self, client: NetworkManagementClient) -> None:
        with pytest.raises(ResourceNotFoundError) as missing:
            client.virtual_network_gateways.begin_get_learned_routes(RG, "gw-x", **POLL)
        assert missing.value.error is not None and missing.value.error.code == "ResourceNotFound", missing.value

    def test_a_gateway_is_not_found_in_another_resource_group(self, client: NetworkManagementClient) -> None:
        with pytest.raises(ResourceNotFoundError):
            client.virtual_network_gateways.get("other-rg", "gw-a", api_version=API_VERSION)

    def test_an_api_version_other_than_2024_05_01_is_refused(self, client: NetworkManagementClient) -> None:
        with pytest.raises(HttpResponseError) as refused:
            client.virtual_network_gateways.begin_get_bgp_peer_status(
                RG, "gw-a", api_version="2023-09-01", polling_interval=0
            )
        error = refused.value
        assert error.status_code == 400 and error.error is not None, error
        assert error.error.code == "InvalidApiVersionParameter", error.error
        assert "'2023-09-01' is invalid" in str(error) and "'2024-05-01'" in str(error), (
            "Azure's message names the version sent and the supported ones"
        )

    def test_the_sdk_s_own_default_api_version_is_refused_too(self, client: NetworkManagementClient) -> None:
        with pytest.raises(HttpResponseError) as refused:
            client.virtual_network_gateway_connections.get_shared_key(RG, "a-to-b")
        assert refused.value.error is not None and refused.value.error.code == "InvalidApiVersionParameter", (
            "the tool must pass api_version=2024-05-01 on every call"
        )

    def test_a_request_without_a_bearer_token_is_401(self, server: ArmServer) -> None:
        path = f"{GATEWAY_PATH}?api-version={API_VERSION}"
        anonymous = raw(server, "GET", path)
        assert anonymous.status == 401, "no Authorization header"
        assert anonymous.body["error"]["code"] == "AuthenticationFailed", anonymous.body
        assert "'Authorization' header is missing" in anonymous.body["error"]["message"], anonymous.body
        basic = raw(server, "GET", path, {"Authorization": "Basic dTpw"})
        assert (basic.status, basic.body["error"]["code"]) == (401, "AuthenticationFailedInvalidHeader"), basic.body

    def test_a_request_without_api_version_is_400(self, server: ArmServer) -> None:
        answer = raw(server, "GET", GATEWAY_PATH, {"Authorization": "Bearer t"})
        assert (answer.status, answer.body["error"]["code"]) == (400, "MissingApiVersionParameter"), answer.body

    def test_a_throttled_request_is_told_when_to_retry(self, store: Store) -> None:
        with ArmServer(store, throttle_first=1, retry_after_seconds=7) as server:
            throttled = raw(server, "GET", f"{GATEWAY_PATH}?api-version={API_VERSION}", {"Authorization": "Bearer t"})
        assert throttled.status == 429 and throttled.headers.get("Retry-After") == "7", throttled
        assert throttled.body["error"]["code"] == "TooManyRequests", throttled.body

    def test_throttling_is_retried_by_the_client_and_then_succeeds(self, store: Store) -> None:
        with ArmServer(store, throttle_first=2) as server:
            client = network_client(server, retry_backoff_factor=0)
            result = client.virtual_network_gateways.begin_get_bgp_peer_status(RG, "gw-a", **POLL).result()
        assert [peer.neighbor for peer in result.value or []] == ["10.2.255.30"], result
        assert kinds(server)[:3] == [
            ("POST", "getBgpPeerStatus", 429),
            ("POST", "getBgpPeerStatus", 429),
            ("POST", "getBgpPeerStatus", 202),
        ], server.exchanges


# ------------------------------------------------------------------------------------------ Entra login

TENANT = "00000000-0000-4000-8000-0000000e7a27"


class TestEntraLogin:
    def test_a_service_principal_logs_in_here_then_reads(self, store: Store) -> None:
        """A process that authenticates as a service principal (azure-identity, its login host pointed here) gets
        its token from the server's Entra endpoints, then reads with it."""
        with ArmServer(store) as server:
            credential = ClientSecretCredential(
                TENANT, "rehearsal-client", "rehearsal-only-secret", authority=server.base_url,
                disable_instance_discovery=True, connection_verify=server.ca_bundle,
            )  # fmt: skip
            client = NetworkManagementClient(
                credential=credential, subscription_id=SUB, base_url=server.base_url,
                connection_verify=server.ca_bundle,
            )  # fmt: skip
            shared = client.virtual_network_gateway_connections.get_shared_key(RG, "a-to-b", api_version=API_VERSION)
        assert shared.value == "k", shared
        assert kinds(server)[:2] == [
            ("GET", "openid-configuration", 200),
            ("POST", "token", 200),
        ], server.exchanges
        assert "rehearsal-only-secret" not in repr(server.exchanges), "a token request's body is never recorded"

    def test_the_token_endpoint_refuses_a_request_without_a_client(self, server: ArmServer) -> None:
        refused = raw(server, "POST", f"/{TENANT}/oauth2/v2.0/token")
        assert (refused.status, refused.body["error"]) == (400, "invalid_request"), refused


# ------------------------------------------------------------------------------------------ the server itself


class TestServer:
    def test_its_certificate_is_trusted_only_through_its_own_authority(self, server: ArmServer) -> None:
        port = urlsplit(server.base_url).port
        assert server.base_url == f"https://127.0.0.1:{port}", server.base_url
        stranger = http.client.HTTPSConnection("127.0.0.1", port, context=ssl.create_default_context(), timeout=10)
        with pytest.raises(ssl.SSLCertVerificationError):
            stranger.request("GET", "/")
        stranger.close()

    def test_closing_removes_the_authority_s_directory(self, store: Store) -> None:
        server = ArmServer(store)
        bundle = Path(server.ca_bundle)
        assert bundle.read_text().startswith("-----BEGIN CERTIFICATE-----"), "a PEM the client can trust"
        server.close()
        assert not bundle.parent.exists(), "the throwaway CA goes with the server"
        server.close()  # twice is harmless

    def test_requests_seen_lists_method_and_path(self, server: ArmServer, client: NetworkManagementClient) -> None:
        client.virtual_network_gateway_connections.get_shared_key(RG, "a-to-b", api_version=API_VERSION)
        assert server.requests_seen == [
            ("GET", f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Network/connections/a-to-b/sharedkey"
                    f"?api-version={API_VERSION}"),
        ], server.requests_seen  # fmt: skip
