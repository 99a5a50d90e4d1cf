"""The stand-in provider plugins: azure-native 3.29.0 and random 4.21.4 over the emulated Azure.

What they copy from azure-native, with its source:
- auto-naming: an unset name parameter becomes the logical name plus 8 random hex characters, kept on updates
  (old inputs) and new on replacement (the engine re-checks with no old inputs)
  (https://www.pulumi.com/docs/iac/concepts/resources/names/#autonaming; azure-native `Check`);
- state: the outputs are Azure's flattened response, the inputs the engine's (azure-native v3's
  `checkpointObjectVersioned` writes `__inputs` only before v3);
- diff: new inputs against the old inputs the engine sends (v3 `Diff`: `parseCheckpointObject(req.OldInputs,
  ...)`, `__inputs` in the old state only as a fallback); a change of a path parameter (resource group, parent,
  explicit name) or of `location` replaces, everything else updates (ARM: the ID's parts and a tracked resource's
  location are create-only, https://github.com/Azure/azure-resource-manager-rpc RPC-Put-V1-14);
- refresh: Azure's GET becomes the outputs; the inputs change only where Azure's answer changed since the last
  write, and sub-resource lists the inputs never set (a VNet's `subnets`) stay out of them
  (azure-native `Read`: projection diff applied to the old inputs; pulumi/pulumi-azure-native#3049).
- request bodies: a Microsoft.Network body is checked against the REST spec (when the spec folder is given), a
  monitoring body against azure-native's own SDK input types (`sdk_types`); a violation is Azure's 400
  InvalidRequestContent, naming the path and the problem;
- invokes (azure-native's functions, each the REST call it wraps): `getVirtualNetwork`, `getVirtualNetworkGateway`,
  `getVirtualNetworkGatewayConnection` and the monitoring resources' `get*` (the resource's GET, a connection's
  byte counters moving with the emulated clock); `getVirtualNetworkGatewayConnectionSharedKey` (GetSharedKey);
  `getVirtualNetworkGatewayConnectionIkeSas`, `getVirtualNetworkGatewayBgpPeerStatus` and
  `getVirtualNetworkGatewayLearnedRoutes` fail as azure-native's do: Azure answers their POSTs 202 Accepted
  (long-running operations) and azure-native's invoke neither accepts a 202 nor polls (`InvokeRequestError`); the
  emulator serves them to the Azure SDK instead (`arm_http`) (azure-native 3.29.0, REST 2024-05-01).
And from random (terraform-provider-random): every input of RandomPassword forces a new password; `result` and
`bcryptHash` are secret.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import secrets
import string
import sys
import time
from collections.abc import Callable, Mapping, Set
from pathlib import Path
from typing import Any, NoReturn

from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.provider.experimental.provider import (
    CheckFailure,
    CheckRequest,
    CheckResponse,
    ConfigureRequest,
    ConfigureResponse,
    CreateRequest,
    CreateResponse,
    DeleteRequest,
    DiffRequest,
    DiffResponse,
    GetSchemaRequest,
    GetSchemaResponse,
    InvokeRequest,
    InvokeResponse,
    PropertyDiff,
    PropertyDiffKind,
    Provider,
    ReadRequest,
    ReadResponse,
    UpdateRequest,
    UpdateResponse,
)

from vnet2vnet import sdk_types
from vnet2vnet.emulator import azure, planning
from vnet2vnet.emulator.store import Store, emulated_minutes, real_seconds

AZURE_NATIVE_VERSION = "3.29.0"
RANDOM_VERSION = "4.21.4"
SPEC_DIR_VARIABLE = "VNET2VNET_EMULATOR_SPEC_DIR"
INPUTS_KEY = "__inputs"
AUTONAME_RANDOM_CHARACTERS = azure.AUTONAME_RANDOM_CHARACTERS


# An unknown (computed) value: planning's, one object for the whole emulator. On the wire it is this string
# (pulumi.runtime.rpc.UNKNOWN); the experimental PropertyValue unmarshals it as a plain string and cannot marshal its
# own Computed.
UNKNOWN = planning.UNKNOWN
UNKNOWN_ON_THE_WIRE = planning.UNKNOWN_ON_THE_WIRE


def plain(value: PropertyValue) -> Any:
    """A PropertyValue as plain Python (secrets unwrapped, unknowns as UNKNOWN)."""
    inner = value.value
    if isinstance(inner, Computed) or inner == UNKNOWN_ON_THE_WIRE:
        return UNKNOWN
    if isinstance(inner, Mapping):
        return {k: plain(v) for k, v in inner.items()}
    if isinstance(inner, tuple):
        return [plain(v) for v in inner]
    return inner


def plain_map(values: Mapping[str, PropertyValue]) -> dict[str, Any]:
    return {k: plain(v) for k, v in values.items()}


def wrap(value: Any, secret: bool = False) -> PropertyValue:
    if value is UNKNOWN:
        return PropertyValue(UNKNOWN_ON_THE_WIRE, is_secret=secret)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return PropertyValue(value, is_secret=secret)
    if isinstance(value, (int, float)):
        return PropertyValue(float(value), is_secret=secret)
    if isinstance(value, Mapping):
        return PropertyValue({k: wrap(v) for k, v in value.items()}, is_secret=secret)
    if isinstance(value, (list, tuple)):
        return PropertyValue([wrap(v) for v in value], is_secret=secret)
    return PropertyValue(str(value), is_secret=secret)


def wrap_map(values: Mapping[str, Any], secret: Set[str] = frozenset()) -> dict[str, PropertyValue]:
    return {k: wrap(v, k in secret) for k, v in values.items()}


def secret_keys(values: Mapping[str, PropertyValue]) -> set[str]:
    return {k for k, v in values.items() if v.is_secret}


def _type_of(urn: str) -> str:
    return urn.split("::")[-2].rsplit("$", maxsplit=1)[-1]


def _name_of(urn: str) -> str:
    return urn.rsplit("::", maxsplit=1)[-1]


def autoname(logical_name: str, seed: bytes) -> str:
    """azure-native: the logical name plus 8 random hex characters, from the engine's per-resource seed."""
    digest = hashlib.sha256(seed or os.urandom(16)).hexdigest()
    return f"{logical_name}{digest[:AUTONAME_RANDOM_CHARACTERS]}"


SUB_RESOURCE_LISTS = frozenset({"subnets"})


# What Azure adds inside a resource's own sub-objects (an IP configuration's state): readOnly in the spec. A nested
# `name` or `id` is an input there (sku.name, a sub-resource's ID).
NESTED_READ_ONLY = frozenset({"provisioningState", "etag"})


def _projection(outputs: Mapping[str, Any], type_token: str) -> dict[str, Any]:
    """Outputs in the shape of inputs: without what Azure computes, at every level. A nested object's `id` stays:
    it is an input in azure-native's types (a sub-resource's ID), and an import brings it in
    (pulumi/pulumi-azure-native#1845)."""

    def nested(value: Any) -> Any:
        if isinstance(value, Mapping):
            return {k: nested(v) for k, v in value.items() if k not in NESTED_READ_ONLY}
        if isinstance(value, list):
            return [nested(item) for item in value]
        return value

    read_only = azure.read_only_for(type_token)
    return {k: nested(v) for k, v in outputs.items() if k not in read_only and k != INPUTS_KEY}


def _changed_keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k) or new.get(k) is UNKNOWN)


# azure-native's functions that read an existing resource, by the resource type they read (the resource's GET).
READ_FUNCTIONS = {
    "azure-native:network:getVirtualNetwork": azure.VNET,
    "azure-native:network:getVirtualNetworkGateway": azure.GATEWAY,
    "azure-native:network:getVirtualNetworkGatewayConnection": azure.CONNECTION,
    "azure-native:operationalinsights:getWorkspace": azure.WORKSPACE,
    "azure-native:monitor:getDiagnosticSetting": azure.DIAGNOSTIC_SETTING,
    "azure-native:monitor:getActionGroup": azure.ACTION_GROUP,
    "azure-native:monitor:getMetricAlert": azure.METRIC_ALERT,
    "azure-native:monitor:getScheduledQueryRule": azure.SCHEDULED_QUERY_RULE,
}

# azure-native's function for a connection's key (Azure's GetSharedKey API).
SHARED_KEY_FUNCTION = "azure-native:network:getVirtualNetworkGatewayConnectionSharedKey"
# The operating reads: POST actions on a connection or a gateway (Microsoft.Network 2024-05-01).
IKE_SAS_FUNCTION = "azure-native:network:getVirtualNetworkGatewayConnectionIkeSas"
BGP_PEER_STATUS_FUNCTION = "azure-native:network:getVirtualNetworkGatewayBgpPeerStatus"
LEARNED_ROUTES_FUNCTION = "azure-native:network:getVirtualNetworkGatewayLearnedRoutes"
# The POST action each of them sends (the last segment of its REST path): long-running operations in the 2024-05-01
# spec (x-ms-long-running-operation, final-state-via location), answered 202 Accepted.
LONG_RUNNING_ACTIONS = {
    IKE_SAS_FUNCTION: "getikesas",
    BGP_PEER_STATUS_FUNCTION: "getBgpPeerStatus",
    LEARNED_ROUTES_FUNCTION: "getLearnedRoutes",
}

# What azure-native's preview of an update carries over from the old state.
STABLE_OUTPUTS = ("name", "location")


# azure-native's HTTP client (azcore; provider/pkg/azure/client_azcore.go@006a62af initPipelineOpts): a request that
# failed with a transport error, 408, 429, 5xx, or 409 AnotherOperationInProgress is sent again after 20 s, then 60 s,
# then 120 s (RetryDelay 20 s, MaxRetryDelay 120 s, azcore's default of 3 retries); anything else fails at once.
RETRY_DELAYS_SECONDS = (20.0, 60.0, 120.0)
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})
# azure-native's default operation timeout when the resource sets no customTimeouts (provider.go@006a62af
# azureContext: "the default one (2 hours)").
DEFAULT_TIMEOUT_SECONDS = 120 * 60


class InvokeRequestError(Exception):
    """An invoke whose request failed, worded as azure-native v3 reports it: `errors.Wrapf(err, "request failed %v",
    id)`, `id` the request's path (provider/pkg/provider/provider.go@006a62af Invoke)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"request failed {path}: {reason}")
        self.path = path


_AZCORE_RULE = "-" * 80


def accepted_response_error(path: str) -> str:
    """azure-native's error for a POST invoke Azure answers 202 Accepted (client_azcore.go@006a62af `Post`:
    `if !runtime.HasStatusCode(resp, http.StatusOK, http.StatusCreated) { return nil, newResponseError(resp) }`;
    pulumi/pulumi-azure-native#1735).

    Assumed (not seen against live Azure): the 202 has no body, as in the spec's example
    VirtualNetworkGatewayConnectionGetIkeSas.json (headers only). newResponseError then finds no JSON payload and
    returns azcore's own ResponseError, whose text is this: the method and URL (no query), the status, "ERROR CODE
    UNAVAILABLE" (no x-ms-error-code header, no error body) and "Response contained no body" (azcore's
    ResponseError.Error(); azure-sdk-for-go's tests expect exactly this for a 202 without a payload). Were the body
    JSON `null`, it would be `Status=202 Message="null"` (PulumiAzcoreResponseError, no error code); azure-native's
    older autorest client said `Status=202 Code="Unknown" Message="Unknown service error"` (issue #1735)."""
    return (
        f"POST https://management.azure.com{path}\n{_AZCORE_RULE}\nRESPONSE 202: 202 Accepted\nERROR CODE UNAVAILABLE\n"
        f"{_AZCORE_RULE}\nResponse contained no body\n{_AZCORE_RULE}\n"
    )


def retryable(error: azure.AzureError) -> bool:
    return error.status in RETRYABLE_STATUS or (error.status == 409 and error.code == "AnotherOperationInProgress")


class PartialFailure(Exception):  # noqa: N818 (azure-native's ErrorResourceInitFailed, not an emulator failure)
    """Azure accepted the write, then it failed or timed out: the resource exists (its ID and, when Azure answered,
    its properties), and azure-native reports `ErrorResourceInitFailed` so that the engine keeps it in state
    (provider/pkg/provider/crud/crud.go@0354c94d partialError)."""

    def __init__(self, resource_id: str, properties: dict[str, PropertyValue], reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.resource_id, self.properties, self.reasons = resource_id, properties, reasons


class _Operations:
    """Long-running Azure operations on the shared store, with Azure's conflicts, refusals and faults, sent the way
    azure-native's client sends them: retried, timed out, and checkpointed when they fail after being accepted."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def run(
        self,
        verb: str,
        *,
        type_token: str,
        rid: str,
        locks: list[str],
        start: Callable[[dict[str, Any]], None],
        finish: Callable[[dict[str, Any]], Any],
        timeout_seconds: float = 0,
    ) -> Any:
        for attempt in range(len(RETRY_DELAYS_SECONDS) + 1):
            try:
                until, sent_at = self._send(verb, type_token, rid, locks, start)
                break
            except azure.AzureError as error:
                if not retryable(error) or attempt == len(RETRY_DELAYS_SECONDS):
                    raise
                await asyncio.sleep(self.store.real_seconds(RETRY_DELAYS_SECONDS[attempt] / 60))
        limit = self.store.real_seconds((timeout_seconds or DEFAULT_TIMEOUT_SECONDS) / 60)
        if sent_at + limit < until:
            # The client gives up; Azure goes on (azure.settle finishes it). azure-native keeps the ID it has
            # ("operation timed out": azure.go@006a62af), its follow-up GET failing on the expired context.
            await asyncio.sleep(max(0.0, sent_at + limit - time.time()))
            raise PartialFailure(rid, {}, ["operation timed out"])
        await asyncio.sleep(max(0.0, until - time.time()))
        with self.store.locked() as state:
            # Finished by the store on its clock (azure.settle); a sleep that woke a hair early finishes it now.
            azure.settle(state, time.time(), due=rid)
            return finish(state)

    def _send(
        self, verb: str, type_token: str, rid: str, locks: list[str], start: Callable[[dict[str, Any]], None]
    ) -> tuple[float, float]:
        """One request: Azure's answer now (a refusal, a 409, an injected fault) or its acceptance (202), after which
        the operation runs until the returned time whatever the client does."""
        now = time.time()
        error: azure.AzureError | None = None
        with self.store.locked() as state:  # written back only when the block ends without an exception
            name = rid.rsplit("/", 1)[-1]
            operation = {"verb": verb, "type": type_token, "id": rid, "phase": state.get("phase", "")}
            holder = azure.conflict(state, locks, now)
            fault = self._take_fault(state, "failOnce", verb, type_token, name)
            method = "DELETE" if verb == "delete" else "PUT"
            if holder:
                # Counted whether a retry absorbs it or not: `rehearse --json` `conflicts`.
                state["conflicts"].append({**operation, "holder": holder, "at": emulated_minutes(state, now)})
                error = azure.another_operation_in_progress(rid, holder, method)
            elif fault:
                code = str(fault.get("code") or "InternalServerError")
                error = azure.AzureError(azure.status_of(code), code, "Injected fault.", method, rid)
            else:
                try:
                    start(state)
                except azure.AzureError as refusal:
                    state["refusals"].append({**operation, "code": refusal.code, "rule": refusal.rule})
                    error = refusal
            if error is None:
                until = now + real_seconds(state, azure.duration_minutes(type_token, verb))
                operation["start"] = emulated_minutes(state, now)
                later = self._take_fault(state, "failAccepted", verb, type_token, name)
                code = str((later or {}).get("code") or "InternalServerError")
                failure = f"{code}: Injected failure after acceptance." if later else ""
                azure.begin(state, verb, rid, locks, until=until, log=operation, failure=failure)
        if error is not None:
            raise error
        return until, now

    @staticmethod
    def _take_fault(state: dict[str, Any], kind: str, verb: str, type_token: str, name: str) -> dict[str, Any] | None:
        for fault in state.get("faults") or []:
            if (
                fault.get("kind") == kind
                and not fault.get("spent")
                and fault.get("verb", verb) == verb
                and fault.get("type", type_token) == type_token
                and azure.names_resource(str(fault.get("resource") or ""), name)
            ):
                fault["spent"] = True
                return dict(fault)
        return None


class AzureNativeEmulator(Provider):
    def __init__(self, store: Store) -> None:
        self.store = store
        self.operations = _Operations(store)
        self.subscription = azure.DEFAULT_SUBSCRIPTION
        self.tenant = azure.DEFAULT_TENANT
        self.auxiliary_tenants: tuple[str, ...] = ()
        self.default_location = ""
        self._spec_checker: Any = None
        spec_dir = os.environ.get(SPEC_DIR_VARIABLE)
        self._spec_folder = Path(spec_dir) if spec_dir and Path(spec_dir).is_dir() else None
        if spec_dir and Path(spec_dir).is_dir():
            from vnet2vnet.spec_check import SPEC_TARGETS, SpecChecker

            self._spec_checker, self._spec_targets = SpecChecker(Path(spec_dir)), SPEC_TARGETS

    async def configure(self, request: ConfigureRequest) -> ConfigureResponse:
        """The provider's subscription, tenant and auxiliary tenants (its args, else the stack's `azure-native:*`
        config): every request is made in that subscription, with a token of that tenant and, for each auxiliary
        tenant, the `x-ms-authorization-auxiliary` header azure-native sends (pulumi-azure-native #4726)."""
        subscription = self._setting(request, "subscriptionId")
        if isinstance(subscription, str) and subscription:
            self.subscription = subscription
        location = self._setting(request, "location")
        self.default_location = location if isinstance(location, str) else ""
        tenant = self._setting(request, "tenantId")
        auxiliary = self._setting(request, "auxiliaryTenantIds")
        if isinstance(auxiliary, str):  # config values arrive as JSON text
            import json

            try:
                auxiliary = json.loads(auxiliary)
            except ValueError:
                auxiliary = [auxiliary]
        self.auxiliary_tenants = tuple(str(t) for t in auxiliary or [] if t)
        with self.store.locked() as state:
            tenants = state.setdefault("tenants", {})
            # The emulator's own subscription is in its own tenant; any other is in the tenant its provider names.
            tenants.setdefault(azure.key(azure.DEFAULT_SUBSCRIPTION), azure.DEFAULT_TENANT)
            if isinstance(tenant, str) and tenant:
                tenants[azure.key(self.subscription)] = tenant
            self.tenant = str(tenants.get(azure.key(self.subscription)) or azure.DEFAULT_TENANT)
        return ConfigureResponse(accept_secrets=True, supports_preview=True, accept_outputs=True)

    async def get_schema(self, request: GetSchemaRequest) -> GetSchemaResponse:
        return GetSchemaResponse(schema=json.dumps(azure_native_schema()))

    @staticmethod
    def _setting(request: ConfigureRequest, name: str) -> Any:
        if name in request.args:
            return plain(request.args[name])
        return request.variables.get(f"azure-native:config:{name}")

    # ------------------------------------------------------------------------------ check and diff

    async def check(self, request: CheckRequest) -> CheckResponse:
        """azure-native v3's Check (emulator.planning.check): the name (auto-named with its create-before-delete
        flag), the location default (old inputs, `azure-native:location`, the resource group's), and the spec's
        validation, at preview as at update."""
        type_token = _type_of(request.urn)
        resource_type = azure.RESOURCE_TYPES.get(type_token)
        if resource_type is None:
            return CheckResponse(failures=[CheckFailure("", f"the Azure emulator does not emulate {type_token}")])
        news, olds = plain_map(request.new_inputs), plain_map(request.old_inputs)
        checked = planning.check(
            type_token,
            olds,
            news,
            request.random_seed,
            name_parameter=resource_type.name_parameter,
            parent_parameters=resource_type.parent_parameters,
            logical_name=_name_of(request.urn),
            spec_dir=self._spec_dir(type_token),
            path_template=resource_type.path,
            default_location=self._default_location(type_token, news) if "location" not in olds else None,
        )
        secret = secret_keys(request.new_inputs)
        inputs = {
            k: request.new_inputs[k] if k in request.new_inputs and k in news and news[k] == v else wrap(v, k in secret)
            for k, v in checked.inputs.items()
        }
        failures = [CheckFailure(failure.path, failure.reason) for failure in checked.failures]
        return CheckResponse(inputs=inputs, failures=failures or None)

    def _spec_dir(self, type_token: str) -> Path | None:
        """The REST spec folder for a network type (Monitor and Log Analytics have none here)."""
        return self._spec_folder if type_token in azure.NETWORK_TYPES else None

    def _default_location(self, type_token: str, news: Mapping[str, Any]) -> Any:
        """azure-native's location default when the program sets none (provider.go@006a62af applyDefaults): the
        `azure-native:location` config, else the resource group's location (a GET), unknown while the group's name
        is; None for types without a location of their own."""
        if type_token not in azure.TRACKED_TYPES:
            return None
        if self.default_location:
            return self.default_location
        group = news.get("resourceGroupName")
        if not isinstance(group, str):
            return planning.UNKNOWN if group is not None else None
        record = azure.find(self.store.read(), f"/subscriptions/{self.subscription}/resourceGroups/{group}")
        return (record or {}).get("location") or ((record or {}).get("inputs") or {}).get("location")

    async def diff(self, request: DiffRequest) -> DiffResponse:
        """azure-native v3's Diff (emulator.planning.diff): the new inputs against the old inputs the engine sends,
        replacing only for path parameters, azure-native's force-new table and the spec's create-only properties,
        with nested paths in the detailed diff and delete-before-replace unless the name was generated."""
        type_token = _type_of(request.urn)
        resource_type = azure.RESOURCE_TYPES[type_token]
        given = getattr(request, "old_inputs", None)  # the engine's, through Servicer.Diff
        old_state = request.old_state.get(INPUTS_KEY)  # a state written before v3
        old_inputs = plain_map(given) if given else plain(old_state) if old_state is not None else {}
        found = planning.diff(
            type_token,
            old_inputs,
            plain_map(request.new_inputs),
            request.ignore_changes,
            path_parameters=(*resource_type.parent_parameters, resource_type.name_parameter),
            old_outputs=plain_map(request.old_state),
            spec_dir=self._spec_dir(type_token),
        )
        return DiffResponse(
            changes=found.changes,
            replaces=list(found.replaces),
            diffs=list(found.diffs),
            detailed_diff={
                path: PropertyDiff(PropertyDiffKind(kind.value), True) for path, kind in found.detailed_diff.items()
            },
            delete_before_replace=found.delete_before_replace,
        )

    # ------------------------------------------------------------------------------ CRUD

    def _identity(self, type_token: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        resource_type = azure.RESOURCE_TYPES[type_token]
        path_values = {p: str(inputs[p]) for p in (*resource_type.parent_parameters, resource_type.name_parameter)}
        rid = azure.resource_id(type_token, self.subscription, path_values)
        # azure-native's own keys (`__createBeforeDelete`) never reach Azure.
        body = {k: v for k, v in inputs.items() if k not in path_values and not k.startswith("__")}
        return rid, body

    def _spec_violations(self, type_token: str, inputs: dict[str, Any], rid: str) -> None:
        if type_token in azure.MONITOR_TYPES:
            # No REST spec here for Monitor or Log Analytics: azure-native's SDK input types stand in for it.
            problems = sdk_types.violations(type_token, inputs)
        elif self._spec_checker is None or type_token not in self._spec_targets:
            return
        else:
            body = self._spec_checker.arm_body(type_token, inputs)
            problems = self._spec_checker.violations(type_token, body)
        if problems:
            detail = "; ".join(f"{path}: {message}" for path, message in problems)
            raise azure.AzureError(
                400, "InvalidRequestContent", f"The request content was invalid: {detail}", "PUT", rid
            )

    def _outputs(
        self,
        state: dict[str, Any],
        record: dict[str, Any],
        secret: set[str],
        reading: bool = False,
        now: float | None = None,
    ) -> dict[str, PropertyValue]:
        return wrap_map(azure.answer(state, record, reading, now), secret)

    async def _write(
        self, verb: str, type_token: str, news: Mapping[str, PropertyValue], preview: bool, timeout: float = 0
    ) -> tuple[str, dict[str, PropertyValue]]:
        inputs = plain_map(news)
        secret = secret_keys(news)
        if preview or any(v is UNKNOWN for v in inputs.values()):
            outputs = {k: v for k, v in news.items()}
            return "", outputs
        rid, body = self._identity(type_token, inputs)

        def start(state: dict[str, Any]) -> None:
            self._spec_violations(type_token, {k: v for k, v in inputs.items() if not k.startswith("__")}, rid)
            azure.accept_put(
                state, verb, type_token, rid, body, sent=inputs, subscription=self.subscription,
                auxiliary_tenants=(self.tenant, *self.auxiliary_tenants),
            )  # fmt: skip

        def finish(state: dict[str, Any]) -> dict[str, PropertyValue]:
            record = azure.find(state, rid)
            if record is None:  # deleted meanwhile (its resource group went): Azure would fail the operation
                raise azure.AzureError(404, "NotFound", f"{rid} was deleted during the operation", "PUT", rid)
            # Read after write: the outputs are the GET that follows the PUT (provider.go@006a62af readAfterWrite:
            # "it may not match precisely the shape of Read responses"), so Azure's GET variants show at once.
            outputs = self._outputs(state, record, secret, reading=True, now=emulated_minutes(state))
            if record["provisioningState"] == "Failed":
                raise PartialFailure(rid, outputs, [str(record.get("failure") or "the operation failed")])
            return outputs

        locks = azure.lock_keys({}, type_token, rid, body)
        outputs = await self.operations.run(
            verb, type_token=type_token, rid=rid, locks=locks, start=start, finish=finish, timeout_seconds=timeout
        )
        return rid, outputs

    async def create(self, request: CreateRequest) -> CreateResponse:
        rid, outputs = await self._write(
            "create", _type_of(request.urn), request.properties, request.preview, request.timeout
        )
        return CreateResponse(resource_id=rid or None, properties=outputs)

    async def update(self, request: UpdateRequest) -> UpdateResponse:
        _, outputs = await self._write("update", _type_of(request.urn), request.news, request.preview, request.timeout)
        if request.preview:
            # azure-native's preview of an update: the new inputs plus the outputs that never change in place
            # (`name`, `location`), so that dependents see them known and a tag change replaces nothing
            # (pulumi-azure-native provider.go, Update: "a limited list of outputs that are universally immutable").
            outputs.update({key: request.olds[key] for key in STABLE_OUTPUTS if key in request.olds})
        return UpdateResponse(properties=outputs)

    async def delete(self, request: DeleteRequest) -> None:
        type_token, rid = _type_of(request.urn), request.resource_id

        def start(state: dict[str, Any]) -> None:
            record = azure.find(state, rid)
            if record is not None:
                azure.check_delete(state, record)
                record["provisioningState"] = "Deleting"

        def finish(state: dict[str, Any]) -> None:
            return None  # the store deleted it when the operation ended (azure.settle)

        record = azure.find(self.store.read(), rid)
        locks = azure.lock_keys({}, type_token, rid, record["inputs"] if record else {})
        await self.operations.run("delete", type_token=type_token, rid=rid, locks=locks, start=start, finish=finish)

    async def invoke(self, request: InvokeRequest) -> InvokeResponse:
        """azure-native's functions: the GET of what already exists (READ_FUNCTIONS; a missing one is Azure's
        404), a connection's key, and the operating reads of a connection or a gateway."""
        args = plain_map(request.args)
        if request.tok == SHARED_KEY_FUNCTION:
            return self._shared_key(args)
        if request.tok in LONG_RUNNING_ACTIONS:
            self._long_running_read(request.tok, args)
        type_token = READ_FUNCTIONS.get(request.tok)
        if type_token is None:
            raise azure.AzureError(
                400, "InvalidFunction", f"the Azure emulator does not serve {request.tok}", "POST", ""
            )
        rid = self._rid(type_token, args)
        # Locked: a connection's GET records its byte counters.
        with self.store.locked() as state:
            record = self._found(state, type_token, rid)
            outputs = self._outputs(state, record, set(), reading=True, now=emulated_minutes(state))
        return InvokeResponse(return_value=outputs)

    def _rid(self, type_token: str, args: Mapping[str, Any]) -> str:
        """The ID an invoke's arguments (the REST call's path parameters) name."""
        resource_type = azure.RESOURCE_TYPES[type_token]
        parameters = (*resource_type.parent_parameters, resource_type.name_parameter)
        return azure.resource_id(type_token, self.subscription, {p: str(args.get(p, "")) for p in parameters})

    @staticmethod
    def _found(state: dict[str, Any], type_token: str, rid: str, method: str = "GET") -> dict[str, Any]:
        record = azure.find(state, rid)
        if record is None or record["type"] != type_token:
            raise azure.AzureError(404, "ResourceNotFound", f"The Resource '{rid}' was not found.", method, rid)
        return record

    def _long_running_read(self, token: str, args: Mapping[str, Any]) -> NoReturn:
        """getikesas, getBgpPeerStatus, getLearnedRoutes: Azure accepts them (202) and answers through polling, which
        azure-native's invoke never does, so the invoke fails (`accepted_response_error`). A missing connection or
        gateway is still Azure's 404 (the POST is refused before anything is accepted). The model's answers
        (`operating`) are served to the Azure SDK by `arm_http`."""
        type_token = azure.CONNECTION if token == IKE_SAS_FUNCTION else azure.GATEWAY
        rid = self._rid(type_token, args)
        self._found(self.store.read(), type_token, rid, "POST")
        path = f"{rid}/{LONG_RUNNING_ACTIONS[token]}"
        raise InvokeRequestError(path, accepted_response_error(path))

    def _shared_key(self, args: Mapping[str, Any]) -> InvokeResponse:
        """The connection's key, as Azure's GetSharedKey API returns it (a dedicated read, whatever GET does)."""
        rid = self._rid(azure.CONNECTION, args)
        record = self._found(self.store.read(), azure.CONNECTION, rid)
        return InvokeResponse(return_value=wrap_map({"value": record["inputs"].get("sharedKey")}, {"value"}))

    async def read(self, request: ReadRequest) -> ReadResponse:
        old_inputs = plain_map(request.inputs)
        secret = secret_keys(request.inputs) | {
            k for k, v in request.properties.items() if v.is_secret and k != INPUTS_KEY
        }
        # Locked: a connection's GET records its byte counters.
        with self.store.locked() as state:
            record = azure.find(state, request.resource_id)
            if record is None:
                return ReadResponse(resource_id=None)  # gone from Azure: the engine drops it from state
            outputs = self._outputs(state, record, secret, reading=True, now=emulated_minutes(state))
        type_token = record["type"]
        if not old_inputs and not request.properties:
            # An import: azure-native's Read with no old state takes the whole GET answer as inputs (what the PUT
            # body takes, server defaults included), with the path parameters of the ID (planning.import_inputs).
            imported = planning.import_inputs(
                type_token,
                plain_map(outputs),
                record["id"],
                path_values=azure.path_values,
                read_only=azure.read_only_for(type_token),
                spec_dir=self._spec_dir(type_token),
            )
            return ReadResponse(resource_id=request.resource_id, properties=outputs, inputs=wrap_map(imported, secret))
        new_view = _projection(plain_map(outputs), type_token)
        old_view = _projection(plain_map(request.properties), type_token)
        # azure-native Read: what changed in Azure's answer since the last write is applied to the old inputs;
        # sub-resource lists the inputs never set stay out (pulumi/pulumi-azure-native#3049).
        inputs = dict(old_inputs)
        for name in sorted(set(old_view) | set(new_view)):
            if old_view.get(name) == new_view.get(name) or (name in SUB_RESOURCE_LISTS and name not in old_inputs):
                continue
            if name in new_view:
                inputs[name] = new_view[name]
            else:
                inputs.pop(name, None)
        # Like azure-native's Read, the state keeps the inputs it computed, so the next diff compares the program
        # against them.
        return ReadResponse(
            resource_id=request.resource_id, properties=outputs, inputs=wrap_map(inputs, secret_keys(request.inputs))
        )


# ---------------------------------------------------------------------------------------------- random

PASSWORD_DEFAULTS: dict[str, Any] = {
    "length": 16.0,  # set by the program in practice; the provider requires it
    "lower": True,
    "upper": True,
    "numeric": True,
    "number": True,
    "special": True,
    "minLower": 0.0,
    "minUpper": 0.0,
    "minNumeric": 0.0,
    "minSpecial": 0.0,
    "overrideSpecial": "!@#$%&*()-_=+[]{}<>:?",
}


def azure_native_schema() -> dict[str, Any]:
    """The part of azure-native 3.29.0's schema that other packages' schemas reference: its provider resource
    (`#/resources/pulumi:providers:azure-native`, which the vnet2vnet component package's `provider` inputs name),
    with the provider's settings (`azure_auth.AZURE_NATIVE_SETTINGS`, plus `location`). The engine binds a
    component package's schema against it (`pulumi package add`, a YAML program's types); no resource type of
    azure-native is described here, so a program typed against one fails at binding, as it would without it."""
    from vnet2vnet.azure_auth import AZURE_NATIVE_SETTINGS

    kinds: dict[str, dict[str, Any]] = {
        "text": {"type": "string"},
        "flag": {"type": "boolean"},
        "json-list": {"type": "array", "items": {"type": "string"}},
    }
    settings = {
        s.key: {**kinds[s.kind], "description": s.doc, **({"secret": True} if s.secret else {})}
        for s in AZURE_NATIVE_SETTINGS
    }
    settings["location"] = {"type": "string", "description": "The default location of the resources that set none."}
    return {
        "name": "azure-native",
        "displayName": "Azure Native (vnet2vnet's emulator)",
        "version": AZURE_NATIVE_VERSION,
        "config": {"variables": settings},
        "provider": {"description": "The azure-native provider.", "inputProperties": settings},
        "resources": {},
        "functions": {},
    }


def generate_password(settings: Mapping[str, Any]) -> str:
    """terraform-provider-random's RandomPassword: each class at least its minimum, the rest from the allowed
    classes, shuffled."""
    classes = {
        "lower": (string.ascii_lowercase, "minLower"),
        "upper": (string.ascii_uppercase, "minUpper"),
        "numeric": (string.digits, "minNumeric"),
        "special": (str(settings.get("overrideSpecial") or PASSWORD_DEFAULTS["overrideSpecial"]), "minSpecial"),
    }
    length = int(settings["length"])
    chosen: list[str] = []
    pool = ""
    for flag, (alphabet, minimum) in classes.items():
        if settings.get(flag, True):
            pool += alphabet
            chosen += [secrets.choice(alphabet) for _ in range(int(settings.get(minimum) or 0))]
    chosen += [secrets.choice(pool) for _ in range(max(0, length - len(chosen)))]
    generator = secrets.SystemRandom()
    generator.shuffle(chosen)
    return "".join(chosen)


class RandomEmulator(Provider):
    SUPPORTED = "random:index/randomPassword:RandomPassword"

    def __init__(self, store: Store) -> None:
        self.store = store

    async def check(self, request: CheckRequest) -> CheckResponse:
        if _type_of(request.urn) != self.SUPPORTED:
            return CheckResponse(failures=[CheckFailure("", f"the random stand-in only provides {self.SUPPORTED}")])
        if "length" not in request.new_inputs:
            return CheckResponse(failures=[CheckFailure("length", "missing required property 'length'")])
        return CheckResponse(inputs=dict(request.new_inputs))

    async def diff(self, request: DiffRequest) -> DiffResponse:
        olds = plain_map(request.old_state)
        news = plain_map(request.new_inputs)
        changed = [
            k
            for k in sorted(set(news) | {k for k in olds if k in PASSWORD_DEFAULTS or k == "keepers"})
            if k not in request.ignore_changes
            and news.get(k, PASSWORD_DEFAULTS.get(k)) != olds.get(k, PASSWORD_DEFAULTS.get(k))
        ]
        return DiffResponse(
            changes=bool(changed),
            replaces=changed,  # every RandomPassword input is ForceNew
            diffs=changed,
            detailed_diff={k: PropertyDiff(PropertyDiffKind.UPDATE_REPLACE, True) for k in changed},
        )

    async def create(self, request: CreateRequest) -> CreateResponse:
        inputs = plain_map(request.properties)
        settings = {**PASSWORD_DEFAULTS, **inputs}
        outputs = wrap_map(settings, secret_keys(request.properties))
        if request.preview:
            outputs["result"] = wrap(UNKNOWN, secret=True)
            outputs["bcryptHash"] = wrap(UNKNOWN, secret=True)
            return CreateResponse(resource_id="", properties=outputs)
        result = generate_password(settings)
        outputs["result"] = PropertyValue(result, is_secret=True)
        # Not bcrypt (no bcrypt module here): a salted SHA-256 in its place, secret like the real one.
        salt = secrets.token_hex(8)
        outputs["bcryptHash"] = PropertyValue(
            f"$emulated$sha256${salt}${hashlib.sha256((salt + result).encode()).hexdigest()}", is_secret=True
        )
        return CreateResponse(resource_id="none", properties=outputs)

    async def read(self, request: ReadRequest) -> ReadResponse:
        return ReadResponse(resource_id=request.resource_id, properties=request.properties, inputs=request.inputs)

    async def delete(self, request: DeleteRequest) -> None:
        return None


def azure_error_of(error: BaseException | None) -> azure.AzureError | None:
    """The Azure error an exception carries (itself, or what it was raised from or during), if any."""
    while error is not None:
        if isinstance(error, azure.AzureError):
            return error
        error = error.__cause__ or error.__context__
    return None


async def _stop_when_orphaned(server: Any, every: float = 0.5) -> None:
    """Stop when the engine that started this plugin is gone (killed, or terminated with a second Ctrl-C before it
    could stop its plugins): its plugins must not outlive it. Go providers exit when the engine's health check fails
    (pulumi sdk/go/pulumi/provider/main.go); this is the same for a Python one. What Azure accepted from this process
    still finishes, on the store's clock (azure.settle)."""
    parent = os.getppid()
    while os.getppid() == parent:
        await asyncio.sleep(every)
    await server.stop(None)


def _cloud_refusal_of(error: BaseException) -> BaseException | None:
    """What the emulated Pulumi Cloud refused (emulator/pulumiservice.py), told in its words alone."""
    from vnet2vnet.emulator.pulumiservice import CloudRefusalError

    return error if isinstance(error, CloudRefusalError) else None


def _partial_failure_of(error: BaseException | None) -> PartialFailure | None:
    while error is not None:
        if isinstance(error, PartialFailure):
            return error
        error = error.__cause__ or error.__context__
    return None


async def _abort_with_init_failure(context: Any, partial: PartialFailure, request: Any) -> None:
    """Answer the engine as a provider whose resource was created but failed to initialize: gRPC UNKNOWN with an
    `ErrorResourceInitFailed` detail (its ID, properties, inputs and reasons), which the engine checkpoints
    (pulumi provider.proto; azure-native crud.go partialError)."""
    import grpc
    from google.protobuf import any_pb2
    from google.rpc import status_pb2
    from pulumi.runtime.proto import provider_pb2

    detail = provider_pb2.ErrorResourceInitFailed(
        id=partial.resource_id,
        properties=PropertyValue.marshal_map(partial.properties),
        reasons=partial.reasons,
        inputs=getattr(request, "properties", None) or getattr(request, "news", None),
    )
    packed = any_pb2.Any()
    packed.Pack(detail)
    status = status_pb2.Status(code=grpc.StatusCode.UNKNOWN.value[0], message=str(partial), details=[packed])
    await context.abort(
        grpc.StatusCode.UNKNOWN,
        str(partial),
        trailing_metadata=(("grpc-status-details-bin", status.SerializeToString()),),
    )


def serve(arguments: list[str], version: str, provider: Provider) -> None:
    """The plugin's gRPC server, as `pulumi.provider.experimental.server.main` runs it, except for Azure's errors:
    they reach the engine as azure-native reports them, Azure's words alone, without this emulator's Python
    traceback (which the experimental servicer appends to every exception)."""
    import argparse

    import grpc
    from pulumi.provider.experimental.server import ProviderServicer
    from pulumi.runtime.proto import provider_pb2 as proto
    from pulumi.runtime.proto import provider_pb2_grpc

    class Servicer(ProviderServicer):
        async def _answer(self, call: Callable[..., Any], request: Any, context: Any) -> Any:
            try:
                return await call(request, context)
            except Exception as error:
                partial = _partial_failure_of(error)
                if partial is not None:
                    await _abort_with_init_failure(context, partial, request)
                refusal = azure_error_of(error) or _cloud_refusal_of(error)
                if refusal is None:
                    raise
                await context.abort(grpc.StatusCode.UNKNOWN, str(refusal))

        async def Check(self, request: Any, context: Any) -> Any:  # noqa: N802 (the gRPC method's name)
            return await self._answer(super().Check, request, context)

        async def Diff(self, request: Any, context: Any) -> Any:  # noqa: N802
            return await self._answer(self._diff, request, context)

        async def _diff(self, request: Any, context: Any) -> Any:
            """The experimental servicer leaves out the old inputs the engine sends, which azure-native v3 diffs
            against: they reach `diff` as `DiffRequest.old_inputs`."""
            diff_request = DiffRequest(
                request.urn,
                request.id,
                PropertyValue.unmarshal_map(request.olds),
                PropertyValue.unmarshal_map(request.news),
                list(request.ignoreChanges),
            )
            diff_request.old_inputs = PropertyValue.unmarshal_map(request.old_inputs)  # type: ignore[attr-defined]
            answer = await self._provider.diff(diff_request)
            changes = {True: proto.DiffResponse.DIFF_SOME, False: proto.DiffResponse.DIFF_NONE}
            return proto.DiffResponse(
                replaces=answer.replaces,
                stables=answer.stables,
                deleteBeforeReplace=answer.delete_before_replace,
                changes=changes.get(answer.changes, proto.DiffResponse.DIFF_UNKNOWN),  # type: ignore[arg-type]
                diffs=answer.diffs,
                # The provider's kinds are the protocol's, in its order (ADD=0 ... UPDATE_REPLACE=5).
                detailedDiff={
                    k: proto.PropertyDiff(kind=v.kind.value, inputDiff=v.input_diff)  # type: ignore[arg-type]
                    for k, v in answer.detailed_diff.items()
                },
                hasDetailedDiff=True,
            )

        async def Create(self, request: Any, context: Any) -> Any:  # noqa: N802
            return await self._answer(super().Create, request, context)

        async def Read(self, request: Any, context: Any) -> Any:  # noqa: N802
            return await self._answer(super().Read, request, context)

        async def Update(self, request: Any, context: Any) -> Any:  # noqa: N802
            return await self._answer(super().Update, request, context)

        async def Delete(self, request: Any, context: Any) -> Any:  # noqa: N802
            return await self._answer(super().Delete, request, context)

        async def Invoke(self, request: Any, context: Any) -> Any:  # noqa: N802
            return await self._answer(super().Invoke, request, context)

    parser = argparse.ArgumentParser(description="vnet2vnet's Azure emulator as a Pulumi provider plugin")
    parser.add_argument("engine", help="the Pulumi engine's address")
    # The engine may pass flags (--logflow, --logtostderr) that mean nothing here.
    known, _ = parser.parse_known_args(arguments)

    async def run() -> None:
        server = grpc.aio.server(options=[("grpc.max_receive_message_length", 400 * 1024 * 1024)])
        servicer = Servicer(arguments, version, provider, engine_address=known.engine)
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)  # type: ignore[no-untyped-call]
        port = server.add_insecure_port(address="127.0.0.1:0")
        await server.start()
        sys.stdout.buffer.write(f"{port}\n".encode())
        sys.stdout.buffer.flush()
        watchdog = asyncio.create_task(_stop_when_orphaned(server))
        await server.wait_for_termination()
        watchdog.cancel()

    with contextlib.suppress(KeyboardInterrupt):  # the engine stops its plugins with SIGINT
        asyncio.run(run())


def main(argv: list[str]) -> None:
    which = argv[0] if argv else ""
    try:
        store = Store.from_environment()
    except RuntimeError as refusal:
        print(f"error: {refusal}", file=sys.stderr)
        sys.exit(1)
    if which == "azure-native":
        serve(argv[1:], AZURE_NATIVE_VERSION, AzureNativeEmulator(store))
    elif which == "random":
        serve(argv[1:], RANDOM_VERSION, RandomEmulator(store))
    elif which == "pulumiservice":
        from vnet2vnet.emulator.pulumiservice import PULUMISERVICE_VERSION, PulumiServiceEmulator

        serve(argv[1:], PULUMISERVICE_VERSION, PulumiServiceEmulator(store))
    else:
        print(
            "usage: python -m vnet2vnet.emulator.provider {azure-native|random|pulumiservice} ENGINE_ADDRESS",
            file=sys.stderr,
        )
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv[1:])
