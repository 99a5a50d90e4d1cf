"""The emulated Azure's Azure Resource Manager REST face, over HTTPS: what the Azure SDK for Python
(azure-mgmt-network, api-version 2024-05-01) reads where azure-native's invokes cannot.

Azure serves the operating reads (getBgpPeerStatus, getLearnedRoutes, getikesas) as long-running operations:
`x-ms-long-running-operation` with `final-state-via: location` in the Microsoft.Network 2024-05-01 spec
(virtualNetworkGateway.json), the example VirtualNetworkGatewayConnectionGetIkeSas.json answering 202 with a
`location` header, then 200 with a JSON string. azure-native's invoke accepts only 200 or 201 and never polls
(pulumi/pulumi-azure-native provider/pkg/azure/client_azcore.go@006a62af `Post`; issue #1735), so the tool reads them
with the Azure SDK, and this server is what it reads in a rehearsal.

What it serves, for any subscription and resource group in the path (the resource must exist in the store):
- POST .../virtualNetworkGateways/{name}/getBgpPeerStatus[?peer=], .../virtualNetworkGateways/{name}/getLearnedRoutes,
  .../connections/{name}/getikesas: 202 Accepted with `Azure-AsyncOperation` (an operation status URL), `Location`
  (an operation result URL) and `Retry-After`, as ARM's asynchronous operations do
  (https://learn.microsoft.com/azure/azure-resource-manager/management/async-operations). The answer is computed
  when the POST arrives (from the store, at that emulated minute, as the stand-in provider does). The status URL
  answers {"status": "InProgress"} `polls_before_done` times (polls of either URL count), then
  {"status": "Succeeded"}; the result URL answers 202 until then, then 200 with the body in Azure's wire shape:
  BgpPeerStatusListResult {"value": [BgpPeerStatus]}, GatewayRouteListResult {"value": [GatewayRoute]}, and for
  getikesas a JSON-encoded string (the spec's `"type": "string"` response).
- GET of a connection, a gateway, a VNet (ARM's nesting: id, name, type, location, tags, etag at the top, everything
  else under `properties`, sub-resources such as a gateway's ipConfigurations and a VNet's subnets nested the same
  way) and of a connection's `/sharedkey` (ConnectionSharedKey: {"value": key}, the key Azure generated when none
  was given).
- Errors as ARM answers them, {"error": {"code", "message"}}: 401 AuthenticationFailed without an
  `Authorization: Bearer <token>` header (the token is not checked), 400 MissingApiVersionParameter or
  InvalidApiVersionParameter unless `api-version` is 2024-05-01, 404 ResourceNotFound for a missing resource or one
  of another type, 429 TooManyRequests (with `Retry-After`) for the first `throttle_first` requests.
- Entra ID's client-credentials login, for a process that authenticates as a service principal with its login host
  pointed here (azure-identity's ClientSecretCredential and the like, instance discovery off): the tenant's OpenID
  configuration (GET /{tenant}/v2.0/.well-known/openid-configuration) and its token endpoint
  (POST /{tenant}/oauth2/v2.0/token), which gives any client a bearer token for one hour (the emulator checks no
  secret; the request's body is never recorded).

Nothing here knows any client: the Azure SDK finds its way by the headers alone.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import ssl
import tempfile
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

import trustme

from vnet2vnet.emulator import azure, operating
from vnet2vnet.emulator.store import Store, emulated_minutes

API_VERSION = "2024-05-01"  # the only one the emulator serves (the spec it follows)
# ARM's error texts, as Azure answers them (the wording seen in clients' reports):
# - MissingApiVersionParameter: https://github.com/Azure/azure-dev/issues/3914
# - InvalidApiVersionParameter ("The api-version '...' is invalid. The supported versions are '...'."):
#   https://github.com/Azure/azure-sdk-for-python/issues/975
# - AuthenticationFailed ("... The 'Authorization' header is missing."):
#   https://github.com/hashicorp/terraform-provider-azurerm/issues/3612; a header of another form:
#   AuthenticationFailedInvalidHeader, https://github.com/Azure/azure-sdk-for-python/issues/4124
# - ResourceNotFound ("The Resource 'Microsoft.Network/<type>/<name>' under resource group '<group>' was not found.
#   For more details please go to https://aka.ms/ARMResourceNotFoundFix"):
#   https://github.com/Azure/azure-powershell/issues/22217
RESOURCE_NOT_FOUND_FIX = "https://aka.ms/ARMResourceNotFoundFix"
# ARM's top-level fields of a tracked resource; everything else is under `properties`. From the 2024-05-01 examples
# VirtualNetworkGatewayGet.json and VirtualNetworkGatewayConnectionGet.json.
TOP_LEVEL = ("id", "name", "type", "location", "extendedLocation", "tags", "etag")
# Sub-resources inside a resource's properties: each has its own id/name/etag and its own `properties`.
SUB_RESOURCE_LISTS = ("ipConfigurations", "subnets")
_SUB_RESOURCE_TOP_LEVEL = ("id", "name", "type", "etag")

_NETWORK = r"/subscriptions/(?P<subscription>[^/]+)/resourceGroups/(?P<group>[^/]+)/providers/Microsoft\.Network"
_COLLECTIONS = {
    "connections": azure.CONNECTION,
    "virtualnetworkgateways": azure.GATEWAY,
    "virtualnetworks": azure.VNET,
}
_ACTIONS = {"getbgppeerstatus": azure.GATEWAY, "getlearnedroutes": azure.GATEWAY, "getikesas": azure.CONNECTION}
_GATEWAY_ACTION = (
    r"/(?P<collection>virtualNetworkGateways)/(?P<name>[^/]+)/(?P<action>getBgpPeerStatus|getLearnedRoutes)"
)
_RESOURCE = r"/(?P<collection>connections|virtualNetworkGateways|virtualNetworks)/(?P<name>[^/]+)"
_OPERATION = (
    r"/subscriptions/(?P<subscription>[^/]+)/providers/Microsoft\.Network/locations/(?P<location>[^/]+)/"
    r"(?P<kind>operations|operationResults)/(?P<operation>[^/]+)"
)
# Entra ID's endpoints for a tenant (https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc): no
# Authorization header, no api-version.
_LOGIN_ROUTES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("GET", re.compile(r"/(?P<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration"), "_openid_configuration"),
    ("POST", re.compile(r"/(?P<tenant>[^/]+)/oauth2/v2\.0/token"), "_token"),
)
# (method, path, the ArmServer method that serves it); ARM's paths are case-insensitive.
_ROUTES: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (method, re.compile(pattern, re.IGNORECASE), handler)
    for method, pattern, handler in (
        ("POST", _NETWORK + _GATEWAY_ACTION, "_action"),
        ("POST", _NETWORK + r"/(?P<collection>connections)/(?P<name>[^/]+)/(?P<action>getikesas)", "_action"),
        ("GET", _NETWORK + r"/(?P<collection>connections)/(?P<name>[^/]+)/sharedkey", "_shared_key"),
        ("GET", _NETWORK + _RESOURCE, "_resource"),
        ("GET", _OPERATION, "_operation"),
    )
)


class Exchange(NamedTuple):
    """One request the server answered: its method, its path with its query, and the status it got."""

    method: str
    path: str
    status: int


@dataclass(frozen=True)
class Reply:
    """What the server sends back: a status, a body (JSON, or empty) and headers."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


class ArmError(Exception):
    """An error response, as ARM words it: {"error": {"code", "message"}}."""

    def __init__(self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.reply = Reply(status, _json({"error": {"code": code, "message": message}}), dict(headers or {}))


@dataclass
class _Operation:
    """A long-running read Azure accepted: its answer (computed when it was accepted) and how often it was polled."""

    subscription: str
    result: bytes
    polls: int = 0


class ArmServer:
    """ARM's REST API over the emulated Azure in `store`, on https://127.0.0.1:<a free port>, in a background
    thread, with a certificate from a throwaway certificate authority (`ca_bundle`, the CA's PEM, for the client's
    `connection_verify`). A context manager; `close()` stops it and removes the CA's directory.

    `polls_before_done`: how many polls of an operation answer InProgress (or 202) before it is done.
    `retry_after_seconds`: the `Retry-After` of every 202 and 429 (0: the client polls at its own interval).
    `throttle_first`: the first N authenticated requests are answered 429 TooManyRequests (ARM's throttling,
    https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling).
    """

    def __init__(
        self, store: Store, *, polls_before_done: int = 1, retry_after_seconds: int = 0, throttle_first: int = 0
    ) -> None:
        self.store = store
        self.polls_before_done = polls_before_done
        self.retry_after_seconds = retry_after_seconds
        self.throttle_first = throttle_first
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()
        self._operations: dict[str, _Operation] = {}
        self._throttled = 0
        self._closed = False
        self._directory = Path(tempfile.mkdtemp(prefix="vnet2vnet-arm-"))
        try:
            authority = trustme.CA(organization_name="vnet2vnet Azure emulator")
            self.ca_bundle = str(self._directory / "ca.pem")
            authority.cert_pem.write_to_path(self.ca_bundle)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
            self._server = _HttpsServer(("127.0.0.1", 0), self, context)
        except BaseException:
            shutil.rmtree(self._directory, ignore_errors=True)
            raise
        self.base_url = f"https://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="arm-http", daemon=True
        )
        self._thread.start()

    @property
    def requests_seen(self) -> list[tuple[str, str]]:
        """Every request so far, in order: (method, path with its query)."""
        with self._lock:
            return [(exchange.method, exchange.path) for exchange in self.exchanges]

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        shutil.rmtree(self._directory, ignore_errors=True)

    def __enter__(self) -> ArmServer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    # -------------------------------------------------------------------------------------------- requests

    def respond(self, method: str, target: str, headers: Mapping[str, str], body: bytes = b"") -> Reply:
        """The answer to one request (`target`: its path and query, as sent; `headers` by lower-case name),
        recorded in `exchanges` (never its body)."""
        try:
            reply = self._respond(method, target, headers, body)
        except ArmError as error:
            reply = error.reply
        with self._lock:
            self.exchanges.append(Exchange(method, target, reply.status))
        return reply

    def _respond(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Reply:
        split = urlsplit(target)
        path, query = unquote(split.path), parse_qs(split.query, keep_blank_values=True)
        for route_method, pattern, handler in _LOGIN_ROUTES:
            match = pattern.fullmatch(path)
            if match is not None and route_method == method:
                login: Callable[[re.Match[str], bytes], Reply] = getattr(self, handler)
                return login(match, body)
        _authenticate(headers.get("authorization"))
        self._throttle()
        _check_api_version(query.get("api-version"))
        for route_method, pattern, handler in _ROUTES:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            if route_method != method:
                break
            serve: Callable[[re.Match[str], dict[str, list[str]]], Reply] = getattr(self, handler)
            return serve(match, query)
        raise ArmError(404, "NotFound", f"The Azure emulator's ARM server does not serve {method} {path}.")

    def _throttle(self) -> None:
        with self._lock:
            if self._throttled >= self.throttle_first:
                return
            self._throttled += 1
        raise ArmError(
            429,
            "TooManyRequests",
            "The request was throttled (the emulator's throttle_first). Retry after the time in Retry-After.",
            {"Retry-After": str(self.retry_after_seconds)},
        )

    def _resource(self, match: re.Match[str], query: dict[str, list[str]]) -> Reply:
        """GET of a connection, a gateway or a VNet: Azure's body, ARM's nesting."""
        type_token = _COLLECTIONS[match["collection"].lower()]
        with self.store.locked() as state:  # a connection's GET moves its byte counters (azure.transferred)
            record = _found(state, match, type_token)
            flat = azure.answer(state, record, reading=True, now=emulated_minutes(state))
        return Reply(200, _json(arm_body(flat)), {"Content-Type": "application/json; charset=utf-8"})

    def _shared_key(self, match: re.Match[str], query: dict[str, list[str]]) -> Reply:
        """GetSharedKey (ConnectionSharedKey): the key the connection uses, the one Azure generated when none was
        given (azure.effective_key), whatever a GET of the connection shows."""
        record = _found(self.store.read(), match, azure.CONNECTION)
        return _ok({"value": azure.effective_key(record)})

    def _action(self, match: re.Match[str], query: dict[str, list[str]]) -> Reply:
        """A long-running read: accepted (202) with its answer computed now; the client polls for it."""
        action = match["action"].lower()
        with self.store.locked() as state:  # the IKE SAs' packet counts move the byte counters
            record = _found(state, match, _ACTIONS[action])
            now = emulated_minutes(state)
            if action == "getikesas":
                result: Any = operating.ike_sas(state, record, now)
            elif action == "getlearnedroutes":
                result = {"value": operating.learned_routes(state, record, now)}
            else:
                peers = operating.bgp_peers(state, record, now)
                peer = (query.get("peer") or [""])[0]
                result = {"value": [p for p in peers if p["neighbor"] == peer] if peer else peers}
            location = _location_of(state, record)
        operation = str(uuid.uuid4())
        subscription = match["subscription"]
        with self._lock:
            self._operations[operation] = _Operation(subscription, _json(result))
        base = f"{self.base_url}/subscriptions/{subscription}/providers/Microsoft.Network/locations/{location}"
        return Reply(
            202,
            b"",
            {
                "Azure-AsyncOperation": f"{base}/operations/{operation}?api-version={API_VERSION}",
                "Location": f"{base}/operationResults/{operation}?api-version={API_VERSION}",
                "Retry-After": str(self.retry_after_seconds),
            },
        )

    def _operation(self, match: re.Match[str], query: dict[str, list[str]]) -> Reply:
        """An operation's status (`operations/{id}`) or its result (`operationResults/{id}`). A poll of either
        while it runs counts towards `polls_before_done`."""
        with self._lock:
            operation = self._operations.get(match["operation"].lower())
            if operation is None or operation.subscription.lower() != match["subscription"].lower():
                raise ArmError(404, "NotFound", f"Operation {match['operation']} was not found.")
            done = operation.polls >= self.polls_before_done
            if not done:
                operation.polls += 1
        status = match["kind"].lower() == "operations"
        if status:
            return _ok({"status": "Succeeded" if done else "InProgress"}, self._retry_after(done))
        if done:
            return Reply(200, operation.result, {"Content-Type": "application/json; charset=utf-8"})
        # Still running: poll here again (ARM repeats the Location of a 202).
        again = f"{self.base_url}{match.string}?api-version={API_VERSION}"
        return Reply(202, b"", {"Location": again, **self._retry_after(done)})

    def _openid_configuration(self, match: re.Match[str], body: bytes) -> Reply:
        """The tenant's OpenID configuration: where MSAL (azure-identity) finds the token endpoint."""
        tenant = f"{self.base_url}/{match['tenant']}"
        return _ok({
            "issuer": f"{tenant}/v2.0",
            "authorization_endpoint": f"{tenant}/oauth2/v2.0/authorize",
            "token_endpoint": f"{tenant}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "jwks_uri": f"{tenant}/discovery/v2.0/keys",
            "tenant_region_scope": "WW",
        })  # fmt: skip

    def _token(self, match: re.Match[str], body: bytes) -> Reply:
        """A client-credentials token: any client that names itself gets one (the emulator holds no secrets). The
        error shape is OAuth 2.0's (RFC 6749 section 5.2)."""
        form = parse_qs(body.decode("utf-8", "replace"))
        if not form.get("client_id") or (form.get("grant_type") or [""])[0] != "client_credentials":
            description = "The emulator's token endpoint serves the client_credentials grant to a named client_id."
            return Reply(400, _json({"error": "invalid_request", "error_description": description}))
        token = f"emulator-{uuid.uuid4().hex}"
        return _ok({"token_type": "Bearer", "expires_in": 3600, "ext_expires_in": 3600, "access_token": token})

    def _retry_after(self, done: bool) -> dict[str, str]:
        return {} if done else {"Retry-After": str(self.retry_after_seconds)}


# ------------------------------------------------------------------------------------------ ARM's shapes


def arm_body(flat: Mapping[str, Any]) -> dict[str, Any]:
    """A resource as ARM sends it, from the flattened fields azure-native sees (`azure.answer`): the top-level
    fields at the top, the rest under `properties`, sub-resources nested the same way, whole numbers as integers
    (the spec's int32/int64; azure-native's outputs hold them as floats)."""
    top = {name: flat[name] for name in TOP_LEVEL if name in flat}
    properties = {name: value for name, value in flat.items() if name not in TOP_LEVEL and not name.startswith("__")}
    for name in SUB_RESOURCE_LISTS:
        if isinstance(properties.get(name), list):
            properties[name] = [_sub_resource(item) for item in properties[name]]
    return {**top, "properties": properties}


def _sub_resource(item: Any) -> Any:
    if not isinstance(item, dict):
        return item
    top = {name: item[name] for name in _SUB_RESOURCE_TOP_LEVEL if name in item}
    return {**top, "properties": {k: v for k, v in item.items() if k not in _SUB_RESOURCE_TOP_LEVEL}}


def _integers(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integers(v) for v in value]
    return value


def _json(value: Any) -> bytes:
    return json.dumps(_integers(value)).encode()


def _ok(value: Any, headers: Mapping[str, str] | None = None) -> Reply:
    return Reply(200, _json(value), {"Content-Type": "application/json; charset=utf-8", **(headers or {})})


def _authenticate(authorization: str | None) -> None:
    if authorization is None:
        raise ArmError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ArmError(
            401,
            "AuthenticationFailedInvalidHeader",
            "Authentication failed. The 'Authorization' header is provided in an invalid format.",
        )


def _check_api_version(values: list[str] | None) -> None:
    if not values or not values[0]:
        message = "The api-version query parameter (?api-version=) is required for all requests."
        raise ArmError(400, "MissingApiVersionParameter", message)
    if values != [API_VERSION]:
        raise ArmError(
            400,
            "InvalidApiVersionParameter",
            f"The api-version '{','.join(values)}' is invalid. The supported versions are '{API_VERSION}'.",
        )


def _found(state: dict[str, Any], match: re.Match[str], type_token: str) -> dict[str, Any]:
    """The resource the path names (its ID: the path up to its name), or ARM's 404."""
    rid = match.string[: match.end("name")]
    record = azure.find(state, rid)
    if record is None or record["type"] != type_token:
        raise ArmError(
            404,
            "ResourceNotFound",
            f"The Resource 'Microsoft.Network/{match['collection']}/{match['name']}' under resource group "
            f"'{match['group']}' was not found. For more details please go to {RESOURCE_NOT_FOUND_FIX}",
        )
    return record


def _location_of(state: dict[str, Any], record: dict[str, Any]) -> str:
    """The region in an operation's URLs: the resource's, else its resource group's (ARM's operation URLs name a
    location; which one does not matter to a client)."""
    group = azure.find(state, azure.resource_group_id(record["id"])) or {}
    for candidate in (record, record.get("inputs") or {}, group, group.get("inputs") or {}):
        if candidate.get("location"):
            return str(candidate["location"]).replace(" ", "").lower()
    return "eastus"


# ------------------------------------------------------------------------------------------ HTTP


class _HttpsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], arm: ArmServer, context: ssl.SSLContext) -> None:
        self.arm, self.context = arm, context
        super().__init__(address, _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        """TLS on the request's own thread: a client that never completes its handshake holds up only itself."""
        connection: socket.socket = request
        connection.settimeout(30)
        try:
            secured = self.context.wrap_socket(connection, server_side=True)
        except (OSError, ssl.SSLError):
            return
        try:
            super().finish_request(secured, client_address)
        finally:
            secured.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the SDK's session reuses its connection
    server: _HttpsServer

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""  # only a token request has one
        headers = {k.lower(): v for k, v in self.headers.items()}
        reply = self.server.arm.respond(self.command, self.path, headers, body)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.body and "Content-Type" not in reply.headers:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        return None  # the test output shows `exchanges`, not an access log
