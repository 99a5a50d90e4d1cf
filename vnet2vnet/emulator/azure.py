"""Azure's behaviour for the resources vnet2vnet creates, as functions over the emulator's state.

Sources: the Microsoft.Network 2024-05-01 REST spec (resource IDs, properties, read-only fields) and the VPN Gateway
documentation, cited per rule; the Monitor and Log Analytics rules live in `monitor`, the operating reads (IKE SAs,
BGP peers, learned routes) in `operating`. The emulator's rules are its own reading of those sources: it must not
share code with vnet2vnet's validation, so that the two can disagree.

A resource record in the state: {"id", "type" (Pulumi token), "name", "subscription", "resourceGroup",
"location", "inputs" (azure-native's flattened inputs without path parameters), "computed" (what Azure adds),
"provisioningState", "seeded", "succeededAt" (emulated minute its last write finished), "traffic" (a connection's
byte counters at the last read)}.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from vnet2vnet.emulator.store import emulated_minutes

VPN_SETTINGS_DOC = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-gateway-settings"
VPN_FAQ = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq"
BGP_DOC = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-overview"
ARM_ASYNC_DOC = "https://learn.microsoft.com/azure/azure-resource-manager/management/async-operations"
DEFAULT_SUBSCRIPTION = "6d6b3f6e-0000-4000-8000-00000e000001"  # the emulator's own; never a real subscription
DEFAULT_TENANT = "6d6b3f6e-0000-4000-8000-0000000e7e77"  # the tenant of the emulator's own subscription

RG = "azure-native:resources:ResourceGroup"
VNET = "azure-native:network:VirtualNetwork"
SUBNET = "azure-native:network:Subnet"
PUBLIC_IP = "azure-native:network:PublicIPAddress"
GATEWAY = "azure-native:network:VirtualNetworkGateway"
CONNECTION = "azure-native:network:VirtualNetworkGatewayConnection"
WORKSPACE = "azure-native:operationalinsights:Workspace"
DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting"
ACTION_GROUP = "azure-native:monitor:ActionGroup"
METRIC_ALERT = "azure-native:monitor:MetricAlert"
SCHEDULED_QUERY_RULE = "azure-native:monitor:ScheduledQueryRule"
# Monitoring resources: their rules are in `monitor`, their bodies are checked against azure-native's SDK types
# (`vnet2vnet.sdk_types`); they never take a gateway's lock and take no time.
MONITOR_TYPES = frozenset({WORKSPACE, DIAGNOSTIC_SETTING, ACTION_GROUP, METRIC_ALERT, SCHEDULED_QUERY_RULE})
NETWORK_TYPES = frozenset({VNET, SUBNET, PUBLIC_IP, GATEWAY, CONNECTION})
# ARM's tracked resources: those with a location of their own (a subnet's and a diagnostic setting's are their
# parent's).
TRACKED_TYPES = frozenset({RG, VNET, PUBLIC_IP, GATEWAY, CONNECTION, WORKSPACE, ACTION_GROUP, METRIC_ALERT,
                           SCHEDULED_QUERY_RULE})  # fmt: skip


@dataclass(frozen=True)
class ResourceType:
    arm_type: str
    name_parameter: str  # the path parameter that names it (azure-native auto-names it when unset)
    parent_parameters: tuple[str, ...]  # path parameters before the name, after the subscription
    path: str  # the ARM ID template, from the spec's PUT path

    @property
    def scope_parameter(self) -> str | None:
        """The path parameter holding the whole ID of the resource an extension resource attaches to
        (`{resourceUri}/providers/Microsoft.Insights/diagnosticSettings/{name}`), or None for a resource under
        /subscriptions/{s}. ARM: extension resources,
        https://learn.microsoft.com/azure/azure-resource-manager/management/extension-resource-types"""
        first = self.parent_parameters[0] if self.parent_parameters else ""
        return first if first and self.path.startswith("{" + first + "}") else None


RESOURCE_TYPES: dict[str, ResourceType] = {
    RG: ResourceType(
        "Microsoft.Resources/resourceGroups", "resourceGroupName", (), "/subscriptions/{s}/resourceGroups/{name}"
    ),
    VNET: ResourceType(
        "Microsoft.Network/virtualNetworks",
        "virtualNetworkName",
        ("resourceGroupName",),
        "/subscriptions/{s}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/virtualNetworks/{name}",
    ),
    SUBNET: ResourceType(
        "Microsoft.Network/virtualNetworks/subnets",
        "subnetName",
        ("resourceGroupName", "virtualNetworkName"),
        "/subscriptions/{s}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/virtualNetworks/"
        "{virtualNetworkName}/subnets/{name}",
    ),
    PUBLIC_IP: ResourceType(
        "Microsoft.Network/publicIPAddresses",
        "publicIpAddressName",
        ("resourceGroupName",),
        "/subscriptions/{s}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/publicIPAddresses/{name}",
    ),
    GATEWAY: ResourceType(
        "Microsoft.Network/virtualNetworkGateways",
        "virtualNetworkGatewayName",
        ("resourceGroupName",),
        "/subscriptions/{s}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/"
        "virtualNetworkGateways/{name}",
    ),
    CONNECTION: ResourceType(
        "Microsoft.Network/connections",
        "virtualNetworkGatewayConnectionName",
        ("resourceGroupName",),
        "/subscriptions/{s}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/connections/{name}",
    ),
    WORKSPACE: ResourceType(
        "Microsoft.OperationalInsights/workspaces",
        "workspaceName",
        ("resourceGroupName",),
        "/subscriptions/{s}/resourceGroups/{resourceGroupName}/providers/Microsoft.OperationalInsights/"
        "workspaces/{name}",
    ),
    DIAGNOSTIC_SETTING: ResourceType(
        "Microsoft.Insights/diagnosticSettings",
        "name",
        ("resourceUri",),
        "{resourceUri}/providers/Microsoft.Insights/diagnosticSettings/{name}",
    ),
    ACTION_GROUP: ResourceType(
        "Microsoft.Insights/actionGroups",
        "actionGroupName",
        ("resourceGroupName",),
        "/subscriptions/{s}/resourceGroups/{resourceGroupName}/providers/Microsoft.Insights/actionGroups/{name}",
    ),
    METRIC_ALERT: ResourceType(
        "Microsoft.Insights/metricAlerts",
        "ruleName",
        ("resourceGroupName",),
        "/subscriptions/{s}/resourceGroups/{resourceGroupName}/providers/Microsoft.Insights/metricAlerts/{name}",
    ),
    SCHEDULED_QUERY_RULE: ResourceType(
        "Microsoft.Insights/scheduledQueryRules",
        "ruleName",
        ("resourceGroupName",),
        "/subscriptions/{s}/resourceGroups/{resourceGroupName}/providers/Microsoft.Insights/scheduledQueryRules/{name}",
    ),
}

# Properties Azure computes and a client never sends (readOnly in the 2024-05-01 spec).
READ_ONLY = frozenset(
    {
        "id",
        "name",
        "type",
        "etag",
        "provisioningState",
        "resourceGuid",
        "connectionStatus",
        "ingressBytesTransferred",
        "egressBytesTransferred",
        "tunnelConnectionStatus",
        "ipAddress",
        "ipConfigurations",  # read-only on subnets; a gateway's are sent, and read back unchanged
        "ipConfiguration",
        "azureApiVersion",
        "managedBy",
        "properties",
        # Monitor and Log Analytics outputs (azure-native 3.29.0's output-only properties)
        "customerId",
        "createdDate",
        "modifiedDate",
        "systemData",
        "privateLinkScopedResources",
        "isMigrated",
        "lastUpdatedTime",
        "isWorkspaceAlertsStorageConfigured",
        "isLegacyLogAnalyticsRule",
        "createdWithApiVersion",
    }
)


class AzureError(Exception):
    """An error response from ARM, worded as azure-native's Azure SDK reports it."""

    def __init__(self, status: int, code: str, message: str, method: str = "PUT", resource_id: str = "") -> None:
        self.status, self.code = status, code
        self.rule = ""  # the emulator's rule that refused the request (emulator.rules), when one did
        reason = {
            400: "Bad Request", 404: "Not Found", 409: "Conflict", 429: "Too Many Requests",
            500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
        }.get(status, "")  # fmt: skip
        super().__init__(
            f"{method} https://management.azure.com{resource_id}\n"
            f"--------------------------------------------------------------------------------\n"
            f"RESPONSE {status}: {status} {reason}\nERROR CODE: {code}\n"
            f"--------------------------------------------------------------------------------\n{message}"
        )


def read_only_for(type_token: str) -> frozenset[str]:
    """READ_ONLY for one type: a gateway's ipConfigurations are what the client sent (a subnet's are Azure's)."""
    return READ_ONLY - {"ipConfigurations"} if type_token == GATEWAY else READ_ONLY


def key(resource_id: str) -> str:
    return resource_id.lower()  # ARM resource IDs are case-insensitive


def resource_id(type_token: str, subscription: str, path_values: dict[str, str]) -> str:
    resource_type = RESOURCE_TYPES[type_token]
    values = {name: path_values[name] for name in resource_type.parent_parameters}
    scope = resource_type.scope_parameter
    if scope:
        values[scope] = "/" + values[scope].strip("/")  # a resource ID, with or without its slashes at the ends
    return resource_type.path.format(s=subscription, name=path_values[resource_type.name_parameter], **values)


def path_values(type_token: str, resource_id_: str) -> dict[str, str] | None:
    """The path parameters of an ARM ID of `type_token` (what azure-native puts back into the inputs of an
    imported resource), or None when the ID is not of that type."""
    resource_type = RESOURCE_TYPES[type_token]
    pattern = re.escape(resource_type.path)
    for name in ("s", *resource_type.parent_parameters, "name"):
        # An extension resource's scope is a whole resource ID, slashes and all.
        value = "/.+?" if name == resource_type.scope_parameter else "[^/]+"
        pattern = pattern.replace(re.escape("{" + name + "}"), f"(?P<{name}>{value})")
    match = re.fullmatch(pattern, resource_id_, re.IGNORECASE)
    if match is None:
        return None
    values = {name: match[name] for name in resource_type.parent_parameters}
    return {**values, resource_type.name_parameter: match["name"]}


def scope_of(type_token: str, resource_id_: str) -> str | None:
    """The ID of the resource an extension resource (a diagnostic setting) attaches to; None for the others."""
    parameter = RESOURCE_TYPES[type_token].scope_parameter
    values = path_values(type_token, resource_id_) if parameter else None
    return values[parameter] if values and parameter else None


def parent_id(resource_id_: str, levels: int = 2) -> str:
    return "/".join(resource_id_.split("/")[:-levels])


def resource_group_id(resource_id_: str) -> str:
    return "/".join(resource_id_.split("/")[:5])


def subscription_of(resource_id_: str) -> str:
    parts = resource_id_.split("/")
    return parts[2] if len(parts) > 2 and parts[1].lower() == "subscriptions" else ""


def duration_minutes(type_token: str, verb: str = "create") -> float:
    """How long Azure takes for a write or delete: the emulator's own table (emulator.durations)."""
    from vnet2vnet.emulator import durations

    return durations.minutes(type_token, verb)


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("|".join(parts).encode()).digest()


# azure-native's auto-names: the logical name and 8 random lowercase hex characters.
AUTONAME_RANDOM_CHARACTERS = 8
_AUTONAME_SUFFIX = re.compile(f"[0-9a-f]{{{AUTONAME_RANDOM_CHARACTERS}}}")


def stem_id(state: dict[str, Any], resource_id_: str) -> str:
    """A resource ID with azure-native's random auto-name suffixes taken out of every name in it (its own, its
    resource group's, its VNet's): what the offline plan and a rehearsal share, the suffixes being drawn at random
    by the engine. Every value Azure derives here (public IPs, GUIDs) comes from it, so that the two agree."""
    parts = resource_id_.split("/")
    stem = list(parts)
    for index in range(len(parts)):
        record = state["resources"].get(key("/".join(parts[: index + 1])))
        if record is not None and record.get("autonamed") and len(parts[index]) > AUTONAME_RANDOM_CHARACTERS:
            stem[index] = parts[index][:-AUTONAME_RANDOM_CHARACTERS]
    return key("/".join(stem))


# The addresses public_ip_for gives (Azure's 20.0.0.0/8), as they appear in text: to recognise them in a plan.
PUBLIC_IP_PATTERN = re.compile(r"(?<![\d.])20\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\d.])")


def public_ip_for(state: dict[str, Any], resource_id_: str) -> str:
    """A public IP's address: the one it was seeded with, else the one Azure gives it (deterministic, from Azure's
    20.0.0.0/8)."""
    record = find(state, resource_id_)
    if record is not None and record.get("ipAddress"):
        return str(record["ipAddress"])
    digest = _digest(stem_id(state, resource_id_))
    return f"20.{digest[0] % 250 + 1}.{digest[1]}.{digest[2] % 250 + 1}"


def _resource_guid(resource_id_: str) -> str:
    h = _digest("guid", key(resource_id_)).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:32]}"


def _etag(record: dict[str, Any]) -> str:
    return 'W/"' + _digest(json.dumps(record.get("inputs"), sort_keys=True)).hex()[:32] + '"'


# ------------------------------------------------------------------------------------------ lookups


def find(state: dict[str, Any], resource_id_: str) -> dict[str, Any] | None:
    record = state["resources"].get(key(resource_id_))
    return record if isinstance(record, dict) else None


def of_type(state: dict[str, Any], type_token: str) -> Iterable[dict[str, Any]]:
    return (r for r in state["resources"].values() if r["type"] == type_token)


def ref(value: Any) -> str:
    return str(value.get("id", "")) if isinstance(value, dict) else ""


def gateway_subnet_id(gateway: dict[str, Any]) -> str:
    configs = gateway["inputs"].get("ipConfigurations") or []
    return ref(configs[0].get("subnet")) if configs else ""


def connections_of(state: dict[str, Any], gateway_id: str) -> list[dict[str, Any]]:
    return [
        c
        for c in of_type(state, CONNECTION)
        if key(gateway_id)
        in (key(ref(c["inputs"].get("virtualNetworkGateway1"))), key(ref(c["inputs"].get("virtualNetworkGateway2"))))
    ]


# ------------------------------------------------------------------------------------------ refusals


def _refuse(code: str, message: str, resource_id_: str, status: int = 400, method: str = "PUT") -> AzureError:
    return AzureError(status, code, message, method, resource_id_)


def check_write(
    state: dict[str, Any],
    type_token: str,
    rid: str,
    inputs: dict[str, Any],
    *,
    verb: str = "create",
    subscription: str = "",
    auxiliary_tenants: tuple[str, ...] = (),
) -> None:
    """Azure's refusals of a PUT, before it starts: the first rule of the table (`emulator.rules`) that refuses it,
    then the monitoring resources' own checks."""
    from vnet2vnet.emulator import rules

    request = rules.Request(
        state, type_token, rid, inputs, verb, find(state, rid), subscription or subscription_of(rid), auxiliary_tenants
    )
    refusal = rules.first_refusal(request)
    if refusal is not None:
        raise refusal
    if type_token in MONITOR_TYPES:
        from vnet2vnet.emulator import monitor  # monitor builds on this module's lookups; imported when needed

        monitor.check_write(state, type_token, rid, inputs)


def check_delete(state: dict[str, Any], record: dict[str, Any]) -> None:
    from vnet2vnet.emulator import rules

    request = rules.Request(state, record["type"], record["id"], dict(record["inputs"]), "delete", record)
    refusal = rules.first_refusal(request)
    if refusal is not None:
        raise refusal


def ip_user(state: dict[str, Any], ip_id: str) -> str | None:
    """The gateway whose IP configuration uses a public IP, if any."""
    for gateway in of_type(state, GATEWAY):
        for config in gateway["inputs"].get("ipConfigurations") or []:
            if key(ref(config.get("publicIPAddress"))) == key(ip_id):
                return str(gateway["id"])
    return None


def ip_configuration_using(state: dict[str, Any], ip_id: str) -> str | None:
    """The ID of the gateway IP configuration that uses a public IP (`<gateway>/ipConfigurations/<its name>`), the
    way Azure points a public IP at what uses it."""
    for gateway in of_type(state, GATEWAY):
        for config in gateway["inputs"].get("ipConfigurations") or []:
            if key(ref(config.get("publicIPAddress"))) == key(ip_id):
                return f"{gateway['id']}/ipConfigurations/{config.get('name', 'default')}"
    return None


def accept_put(
    state: dict[str, Any],
    verb: str,
    type_token: str,
    rid: str,
    body: dict[str, Any],
    *,
    sent: dict[str, Any],
    subscription: str,
    auxiliary_tenants: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A PUT Azure accepts (its rules passed; `auxiliary_tenants` are the tenants the client holds tokens of, its
    own first): the resource as Azure now holds it, `Updating` until its operation ends (`settle`). azure-native's
    own check comes first: it GETs before a create and refuses to create over what exists
    (provider/pkg/provider/crud/crud.go CanCreate: "cannot create already existing resource")."""
    existing = find(state, rid)
    if verb == "create" and existing is not None and not existing.get("adopted"):
        raise AzureError(409, "ResourceAlreadyExists", f"cannot create already existing resource '{rid}'", "PUT", rid)
    check_write(state, type_token, rid, body, verb=verb, subscription=subscription, auxiliary_tenants=auxiliary_tenants)
    return put_record(state, type_token, rid, body, sent=sent, subscription=subscription)


def put_record(
    state: dict[str, Any], type_token: str, rid: str, body: dict[str, Any], *, sent: dict[str, Any], subscription: str
) -> dict[str, Any]:
    """The resource as a PUT leaves it in Azure, its checks aside (the offline plan records a refusal and goes on)."""
    existing = find(state, rid)
    record = {
        "id": rid,
        "type": type_token,
        "name": rid.rsplit("/", 1)[-1],
        "subscription": subscription,
        "location": body.get("location"),
        "inputs": body,
        "sent": sent,
        "provisioningState": "Updating",
        "seeded": False,
        # A name azure-native generated: the logical name and an 8-character suffix (its Check's flag).
        "autonamed": bool(sent.get("__createBeforeDelete")) or bool(existing and existing.get("autonamed")),
        # An update keeps a connection's byte counters: they never go back.
        **({"traffic": existing["traffic"]} if existing is not None and "traffic" in existing else {}),
    }
    if (
        type_token == CONNECTION
        and existing is not None
        and all(existing["inputs"].get(name) == body.get(name) for name in TUNNEL_FIELDS)
    ):
        # The tunnel stays up through a write that does not touch it.
        record["tunnelKeptFrom"] = _tunnel_written(existing)
    state["resources"][key(rid)] = record
    return record


def answer(
    state: dict[str, Any], record: dict[str, Any], reading: bool = True, now: float | None = None
) -> dict[str, Any]:
    """Azure's answer for a resource, flattened as azure-native's outputs: what it holds of the request plus what it
    computes (`computed`); a GET (`reading`) at emulated minute `now`."""
    from vnet2vnet.emulator.defaults import with_server_defaults

    merged = with_server_defaults(record["type"], {**record["inputs"], **computed(state, record, reading, now)})
    return {k: v for k, v in merged.items() if v is not None}


def subnet_prefixes(body: dict[str, Any]) -> list[str]:
    """A subnet's prefixes: `addressPrefix`, or `addressPrefixes` (a dual-stack subnet has both kinds)."""
    found = [body["addressPrefix"]] if body.get("addressPrefix") else []
    return [str(p) for p in [*found, *(body.get("addressPrefixes") or [])]]


def delete(state: dict[str, Any], record: dict[str, Any]) -> None:
    """Remove a resource; a resource group takes everything in it (ARM deletes a group's resources with it)."""
    state["resources"].pop(key(record["id"]), None)
    if record["type"] == RG:
        prefix = key(record["id"]) + "/"
        for rid in [rid for rid in state["resources"] if rid.startswith(prefix)]:
            del state["resources"][rid]
    if record["type"] == VNET:
        prefix = key(record["id"]) + "/subnets/"
        for rid in [rid for rid in state["resources"] if rid.startswith(prefix)]:
            del state["resources"][rid]


# ------------------------------------------------------------------------------------------ long-running operations


def begin(
    state: dict[str, Any],
    verb: str,
    rid: str,
    locks: list[str],
    *,
    until: float,
    log: dict[str, Any],
    failure: str = "",
) -> None:
    """Azure has accepted a write or a delete (202): it runs until `until` (real time) whatever its client does
    (https://learn.microsoft.com/azure/azure-resource-manager/management/async-operations: the operation continues
    on the server; the client only polls). `settle` finishes it; the operation holds `locks` until then."""
    state.setdefault("inflight", {})[key(rid)] = {
        "id": rid, "verb": verb, "until": until, "locks": locks, "log": log, "failure": failure,
    }  # fmt: skip
    for lock in locks:
        state["busy"][lock] = {"id": rid, "until": until}


def settle(state: dict[str, Any], now: float, *, due: str | None = None) -> None:
    """Finish every accepted operation whose time has come (and `due`, an operation its client finds finished):
    a write's resource becomes Succeeded, a delete's goes, its locks are released and it enters the log. Run on
    every read and write of the state, so an operation ends on the emulated clock even when the plugin process that
    began it has died (its client killed), as Azure's do."""
    inflight = state.setdefault("inflight", {})
    for rid, operation in sorted(inflight.items(), key=lambda item: float(item[1]["until"])):
        if operation["until"] > now and rid != (key(due) if due else None):
            continue
        del inflight[rid]
        record = find(state, operation["id"])
        if operation["verb"] == "delete":
            if record is not None:
                delete(state, record)
        elif record is not None and operation.get("failure"):
            # Accepted, then failed (ARM: the operation ends Failed and the resource keeps that state).
            record["provisioningState"] = "Failed"
            record["failure"] = operation["failure"]
        elif record is not None:
            record["provisioningState"] = "Succeeded"
            record.pop("failure", None)
            record["succeededAt"] = emulated_minutes(state, min(float(operation["until"]), now))
        for lock in operation["locks"]:
            if state["busy"].get(lock, {}).get("id") == operation["id"]:
                del state["busy"][lock]
        state["operations"].append({**operation["log"], "end": emulated_minutes(state, min(operation["until"], now))})


def in_flight(state: dict[str, Any], rid: str) -> bool:
    return key(rid) in state.get("inflight", {})


# ------------------------------------------------------------------------------------------ 409s


def lock_keys(state: dict[str, Any], type_token: str, rid: str, inputs: dict[str, Any]) -> list[str]:
    """What one write holds for its whole duration. Azure answers 409 AnotherOperationInProgress to a write on a
    gateway, or a connection of it, while another runs ({ARM_ASYNC_DOC}); subnet writes serialise on their VNet."""
    if type_token == GATEWAY:
        return [f"gateway:{key(rid)}"]
    if type_token == CONNECTION:
        return [f"gateway:{key(ref(inputs.get('virtualNetworkGateway1')))}"]
    if type_token == SUBNET:
        return [f"vnet:{key(parent_id(rid))}"]
    if type_token == VNET:
        return [f"vnet:{key(rid)}"]
    return [f"resource:{key(rid)}"]


def conflict(state: dict[str, Any], keys: list[str], now: float) -> str | None:
    for lock in keys:
        holder = state["busy"].get(lock)
        if holder and holder["until"] > now:
            return str(holder["id"])
    return None


def status_of(code: str) -> int:
    """The HTTP status Azure answers with an error code (for injected faults): server errors for the codes ARM
    uses for them, 429 for throttling, 400 otherwise."""
    return {
        "InternalServerError": 500, "ServiceUnavailable": 503, "GatewayTimeout": 504, "BadGateway": 502,
        "TooManyRequests": 429, "RetryableError": 500, "AnotherOperationInProgress": 409, "Conflict": 409,
    }.get(code, 400)  # fmt: skip


def another_operation_in_progress(rid: str, holder: str, method: str = "PUT") -> AzureError:
    return AzureError(
        409,
        "AnotherOperationInProgress",
        f"Another operation on this or dependent resource is in progress. To retrieve status of the operation use "
        f"uri: https://management.azure.com{holder}/operations. Operation on {rid} was refused.",
        method,
        rid,
    )


# ------------------------------------------------------------------------------------------ computed outputs


def computed(
    state: dict[str, Any], record: dict[str, Any], reading: bool = False, now: float | None = None
) -> dict[str, Any]:
    """What Azure adds to a resource's PUT response or, `reading`, its GET: IDs, states, addresses, BGP settings,
    connection status. The uncertain variants apply to GET only: a PUT response echoes the request. A GET at
    emulated minute `now` moves a connection's byte counters (and records them on the record)."""
    rid, type_token, inputs = record["id"], record["type"], record["inputs"]
    out: dict[str, Any] = {
        "id": rid,
        "name": record["name"],
        "type": RESOURCE_TYPES[type_token].arm_type,
    }
    if type_token == RG:
        out["properties"] = {"provisioningState": record["provisioningState"]}
        return out
    if type_token in MONITOR_TYPES:
        from vnet2vnet.emulator import monitor

        return {**out, **monitor.computed(record)}
    out["etag"] = _etag(record)
    out["provisioningState"] = record["provisioningState"]
    if type_token == VNET:
        out["resourceGuid"] = _resource_guid(stem_id(state, rid))
        prefix = key(rid) + "/subnets/"
        out["subnets"] = [
            {"id": s["id"], "name": s["name"], "addressPrefix": s["inputs"].get("addressPrefix")}
            for k, s in sorted(state["resources"].items())
            if k.startswith(prefix)
        ]
    elif type_token == SUBNET:
        users = [g for g in of_type(state, GATEWAY) if key(gateway_subnet_id(g)) == key(rid)]
        if users:
            out["ipConfigurations"] = [
                {"id": f"{g['id']}/ipConfigurations/{c.get('name', 'default')}"}
                for g in users
                for c in g["inputs"].get("ipConfigurations") or []
            ]
    elif type_token == PUBLIC_IP:
        out["ipAddress"] = public_ip_for(state, rid)
        out["resourceGuid"] = _resource_guid(stem_id(state, rid))
        configuration = ip_configuration_using(state, rid)
        if configuration:
            out["ipConfiguration"] = {"id": configuration}
    elif type_token == GATEWAY:
        out["resourceGuid"] = _resource_guid(stem_id(state, rid))
        out["bgpSettings"] = _bgp_settings(state, record)
        out["ipConfigurations"] = [
            {
                **config,
                "id": f"{rid}/ipConfigurations/{config.get('name', 'default')}",
                "provisioningState": "Succeeded",
            }
            for config in inputs.get("ipConfigurations") or []
        ]
        if (
            reading
            and state["variants"].get("generationOnRead") == "Generation2"
            and inputs.get("vpnGatewayGeneration")
        ):
            out["vpnGatewayGeneration"] = "Generation2"
    elif type_token == CONNECTION:
        out["resourceGuid"] = _resource_guid(stem_id(state, rid))
        out["connectionStatus"] = connection_status(state, record, now)
        ingress, egress = transferred(state, record, now) if reading and now is not None else (0.0, 0.0)
        out["ingressBytesTransferred"] = ingress
        out["egressBytesTransferred"] = egress
        if reading and state["variants"].get("sharedKeyOnRead") == "omitted":
            out["sharedKey"] = None
        elif not inputs.get("sharedKey"):
            out["sharedKey"] = effective_key(record)  # the key Azure generated for it
    return out


def _bgp_settings(state: dict[str, Any], gateway: dict[str, Any]) -> dict[str, Any]:
    """Every VPN gateway reports bgpSettings, BGP on or off: ASN 65515 unless set, and a peering address from
    its GatewaySubnet ({BGP_DOC}; FAQ: the default BGP IP comes from the GatewaySubnet)."""
    sent = gateway["inputs"].get("bgpSettings") or {}
    subnet = find(state, gateway_subnet_id(gateway))
    hosts = list(ipaddress.ip_network(str(subnet["inputs"]["addressPrefix"])).hosts()) if subnet else []
    configs = gateway["inputs"].get("ipConfigurations") or []
    # Azure takes the last usable addresses of the GatewaySubnet for the gateway instances.
    addresses = [str(hosts[-1 - index]) for index in range(len(configs))] if hosts else []
    return {
        "asn": float(sent.get("asn") or 65515),
        "bgpPeeringAddress": ",".join(addresses),
        "peerWeight": float(sent.get("peerWeight") or 0),
        "bgpPeeringAddresses": [
            {
                "ipconfigurationId": f"{gateway['id']}/ipConfigurations/{config.get('name', 'default')}",
                "defaultBgpIpAddresses": [addresses[index]] if addresses else [],
                "customBgpIpAddresses": list(
                    ((sent.get("bgpPeeringAddresses") or [{}] * len(configs))[index] or {}).get("customBgpIpAddresses")
                    or []
                )
                if index < len(sent.get("bgpPeeringAddresses") or [])
                else [],
                "tunnelIpAddresses": [public_ip_for(state, ref(config.get("publicIPAddress")))],
            }
            for index, config in enumerate(configs)
        ],
    }


def _policy(connection: dict[str, Any]) -> str:
    inputs = connection["inputs"]
    return json.dumps(
        [inputs.get("ipsecPolicies") or [], inputs.get("connectionProtocol") or "IKEv2"], sort_keys=True, default=str
    )


# "After about five minutes or so, the status of both connections should be Connected"
# (https://learn.microsoft.com/azure/firewall/tutorial-hybrid-portal): the write itself ends first (emulator.durations),
# then the link is Connecting for the rest of those minutes.
CONNECTING_MINUTES = 3.0


def effective_key(connection: dict[str, Any]) -> str:
    """The key a connection uses: the one it was given, else the one Azure generated for it, different for every
    connection ("By default, Azure generates different preshared keys for different VPN connections", VPN FAQ): two
    directions without a key never agree."""
    given = connection["inputs"].get("sharedKey")
    return str(given) if given else _digest("psk", key(connection["id"])).hex()[:32]


def connection_status(state: dict[str, Any], connection: dict[str, Any], now: float | None = None) -> str:
    """Unknown while its write runs; Connected once the opposite direction agrees with it (`counterpart`: key,
    protocol and policy, BGP on both with different ASNs, VNets that do not overlap) and a few minutes have passed
    (`CONNECTING_MINUTES`, Connecting until then); NotConnected otherwise ({VPN_FAQ}: both connections of a
    VNet-to-VNet link must use the same shared key and policy)."""
    if connection["provisioningState"] != "Succeeded" and "tunnelKeptFrom" not in connection:
        return "Unknown"
    if fault_for(state, connection, "tunnelDown") is not None:
        return "NotConnected"
    if counterpart(state, connection) is None:
        return "NotConnected"
    moment = emulated_minutes(state) if now is None else now
    return "Connected" if moment >= connected_since(state, connection) else "Connecting"


def _vnet_spaces(state: dict[str, Any], gateway: dict[str, Any] | None) -> list[Network]:
    vnet = find(state, parent_id(gateway_subnet_id(gateway))) if gateway else None
    return networks(((vnet or {}).get("inputs", {}).get("addressSpace") or {}).get("addressPrefixes") or [])


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(prefixes: Iterable[Any]) -> list[Network]:
    """The prefixes that are CIDR prefixes (a malformed one is its format rule's to refuse)."""
    found: list[Network] = []
    for prefix in prefixes:
        try:
            found.append(ipaddress.ip_network(str(prefix)))
        except ValueError:
            continue
    return found


def link_disagreement(
    state: dict[str, Any], connection: dict[str, Any], other: dict[str, Any]
) -> tuple[str, str] | None:
    """Why two opposite directions of a link never come up, as (the rule of emulator.rules that declares it, why),
    or None when they agree. None of these is an error Azure answers: the tunnel or its BGP session simply never
    forms."""
    if effective_key(other) != effective_key(connection):
        given = [bool(c["inputs"].get("sharedKey")) for c in (connection, other)]
        rule = "link-keys-differ" if any(given) else "link-keys-generated"
        return rule, "the two directions have different keys"
    if _policy(other) != _policy(connection):
        return "link-policy-differs", "the two directions differ in protocol or IPsec policy"
    local = find(state, ref(connection["inputs"].get("virtualNetworkGateway1")))
    remote = find(state, ref(connection["inputs"].get("virtualNetworkGateway2")))
    bgp = [bool(c["inputs"].get("enableBgp")) for c in (connection, other)]
    if any(bgp):
        if not all(bgp):
            return "bgp-on-one-side", "BGP is enabled on only one direction"
        asns = [
            float(((g or {}).get("inputs", {}).get("bgpSettings") or {}).get("asn") or 65515) for g in (local, remote)
        ]
        if asns[0] == asns[1]:
            return "bgp-equal-asns", "both gateways have the same ASN"
    if any(
        a.version == b.version and a.overlaps(b)
        for a in _vnet_spaces(state, local)
        for b in _vnet_spaces(state, remote)
    ):
        return "link-vnets-overlap", "the two VNets' address spaces overlap"
    return None


def _opposites(state: dict[str, Any], connection: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """The succeeded connections in the opposite direction of `connection`'s link."""
    inputs = connection["inputs"]
    local, remote = ref(inputs.get("virtualNetworkGateway1")), ref(inputs.get("virtualNetworkGateway2"))
    for other in of_type(state, CONNECTION):
        other_inputs = other["inputs"]
        if (
            key(ref(other_inputs.get("virtualNetworkGateway1"))) == key(remote)
            and key(ref(other_inputs.get("virtualNetworkGateway2"))) == key(local)
            and other["provisioningState"] == "Succeeded"
        ):
            yield other


def link_rule(state: dict[str, Any], connection: dict[str, Any]) -> tuple[str, str] | None:
    """The rule (and why) that keeps a connection's link from ever connecting though Azure accepted both
    directions; None when an opposite direction agrees with it, or there is none yet to disagree with."""
    reasons = [link_disagreement(state, connection, other) for other in _opposites(state, connection)]
    return None if not reasons or None in reasons else reasons[0]


def counterpart(state: dict[str, Any], connection: dict[str, Any]) -> dict[str, Any] | None:
    """The opposite direction of a VNet-to-VNet link that agrees with this one (`link_disagreement`), if any."""
    return next((o for o in _opposites(state, connection) if link_disagreement(state, connection, o) is None), None)


def fault_for(state: dict[str, Any], record: dict[str, Any], kind: str) -> dict[str, Any] | None:
    """The first fault of `kind` in the fault file that names this resource."""
    return next((f for f in state.get("faults") or [] if f.get("kind") == kind and _matches(f, record)), None)


def connected_since(state: dict[str, Any], connection: dict[str, Any]) -> float:
    """The emulated minute a link is up: `CONNECTING_MINUTES` after the later of its two directions finished its
    last write; 0 (the rehearsal's start) when both existed before it (seeded)."""
    other = counterpart(state, connection)
    ends = [_tunnel_written(r) for r in (connection, other) if r is not None]
    written = [float(end) for end in ends if end is not None]
    return max(written) + CONNECTING_MINUTES if written else 0.0


# What the tunnel is made of: a write that changes none of these (tags, a DPD timeout) does not renegotiate it.
TUNNEL_FIELDS = (
    "sharedKey", "ipsecPolicies", "connectionProtocol", "virtualNetworkGateway1", "virtualNetworkGateway2",
    "enableBgp", "connectionType", "usePolicyBasedTrafficSelectors",
)  # fmt: skip


def _tunnel_written(connection: dict[str, Any]) -> float | None:
    """When the tunnel's own settings were last written (None: before the rehearsal, a seeded connection)."""
    if "tunnelKeptFrom" in connection:
        return connection["tunnelKeptFrom"]  # type: ignore[no-any-return]
    return connection.get("succeededAt")


# A quiet VNet-to-VNet link still carries IKE keepalives, DPD and BGP: a few KB per minute each way. Each
# direction has its own steady rate (from the two gateways' IDs), so A's egress rate is B's ingress rate.
TRAFFIC_BYTES_PER_MINUTE = 4096


def traffic_rate(source_gateway: str, destination_gateway: str) -> float:
    """Bytes per emulated minute from one gateway to the other: 4-6 KB."""
    digest = _digest("traffic", key(source_gateway), key(destination_gateway))
    return float(TRAFFIC_BYTES_PER_MINUTE + int.from_bytes(digest[:2], "big") % 2048)


def transferred(state: dict[str, Any], connection: dict[str, Any], now: float) -> tuple[float, float]:
    """A connection's ingress and egress byte counters at emulated minute `now`, recorded on the record.

    They grow only while traffic flows: the link is Connected and no `noTraffic` fault names it. Between two reads
    the link counts as it is at the second one (monotonic, deterministic for given read times); the first read
    counts from when the link came up (`connected_since`)."""
    flowing = connection_status(state, connection) == "Connected" and fault_for(state, connection, "noTraffic") is None
    since = connected_since(state, connection)
    previous = connection.get("traffic") or {"at": since if flowing else now, "ingress": 0.0, "egress": 0.0}
    ingress, egress, at = float(previous["ingress"]), float(previous["egress"]), float(previous["at"])
    if flowing:
        minutes = max(0.0, now - max(at, since))
        inputs = connection["inputs"]
        local, remote = ref(inputs.get("virtualNetworkGateway1")), ref(inputs.get("virtualNetworkGateway2"))
        ingress += traffic_rate(remote, local) * minutes
        egress += traffic_rate(local, remote) * minutes
    connection["traffic"] = {"at": max(at, now), "ingress": ingress, "egress": egress}
    return float(int(ingress)), float(int(egress))


def names_resource(target: str, name: str) -> bool:
    """Whether a fault's `resource` names the resource called `name` in Azure: its whole name, or its name less
    azure-native's auto-name suffix. `vnet2vnet-east-gw` names the gateway `vnet2vnet-east-gw1a2b3c4d`, never the
    public IP `vnet2vnet-east-gw-ip1...` (a name prefix would)."""
    if not target:
        return False
    if name == target:
        return True
    suffix = name[len(target) :]
    return name.startswith(target) and _AUTONAME_SUFFIX.fullmatch(suffix) is not None


def _matches(fault: dict[str, Any], record: dict[str, Any]) -> bool:
    """A fault names its resource by Azure ID, by name, or by name less the auto-name suffix."""
    target = str(fault.get("resource") or "")
    return bool(target) and (key(record["id"]) == key(target) or names_resource(target, record["name"]))
