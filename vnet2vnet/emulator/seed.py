"""The seed and fault file: what exists in the emulated Azure before a rehearsal, and what goes wrong in it.

YAML or JSON:

    variants:                      # uncertain Azure behaviour (store.VARIANTS), default the first option
      sharedKeyOnRead: omitted
    resources:                     # pre-existing resources: a hub VNet, its gateway, hand-built connections
      - id: /subscriptions/<sub>/resourceGroups/hub-rg
        type: azure-native:resources:ResourceGroup
        location: eastus
      - id: /subscriptions/<sub>/resourceGroups/hub-rg/providers/Microsoft.Network/connections/hub-to-a
        type: azure-native:network:VirtualNetworkGatewayConnection
        inputs: {connectionType: Vnet2Vnet, sharedKey: <key>, virtualNetworkGateway1: {id: ...}, ...}
    pulumiCloud:                   # the emulated Pulumi Cloud, for deployments/ (emulator/pulumiservice.py)
      stacks: [my-org/vnet2vnet/dev] # the stacks it has, as organization/project/stack
    faults:
      - {kind: tunnelDown, resource: <name prefix or ID>}        # that connection reports NotConnected
      - {kind: noTraffic, resource: <name prefix or ID>}         # Connected, but its byte counters stand still
      - {kind: negotiatedPolicy, resource: <name prefix or ID>, policy: {ikeEncryption: AES128, pfsGroup: PFS2}}
      - {kind: negotiatedPolicy, resource: <name prefix or ID>, raw: "not json"}
      - {kind: failOnce, resource: <name>, verb: create, type: <Pulumi type>, code: BadRequest}
      - {kind: failAccepted, resource: <name>, verb: create, code: InternalServerError}

A public IP may carry the `ipAddress` Azure gave it (else the emulator gives it one). `inputs` are azure-native's
flattened properties (as a program would send them, without path parameters). A resource
is of any type the emulator knows (azure.RESOURCE_TYPES), an existing Log Analytics workspace or action group
included; a diagnostic setting's ID is its target's ID + /providers/Microsoft.Insights/diagnosticSettings/<name>.

A fault names its resource by Azure name prefix (a logical name: auto-names add 8 characters) or by ID (failOnce:
by name prefix only).
- tunnelDown: the connection reports NotConnected; its byte counters stop, its IKE SAs are "[]", its BGP peers
  Connecting.
- noTraffic: the connection stays Connected, but its ingress/egress byte counters keep their value (a quiet link).
- negotiatedPolicy: what getVirtualNetworkGatewayConnectionIkeSas reports as negotiated. `policy` overrides any of
  azure-native's IpsecPolicy keys (ikeEncryption, ikeIntegrity, dhGroup, ipsecEncryption, ipsecIntegrity, pfsGroup:
  strings; saLifeTimeSeconds: a number) over the connection's own policy or Azure's defaults; `raw` (instead) is
  returned verbatim as the invoke's string whatever the tunnel's state, to exercise a caller's parsing.
- failOnce: the first matching request (verb create, update or delete; type a Pulumi type) is answered with `code`
  at once (a 5xx or 429 code is retried by azure-native's client, as on Azure, and then succeeds: use a 4xx code, such
  as BadRequest, to make the write fail).
- failAccepted: the first matching write is accepted, runs its time, and ends Failed with `code`: the resource exists
  (provisioningState Failed) and azure-native keeps it in state with the error (ErrorResourceInitFailed).
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

from vnet2vnet.documents import SEED_FILE, ConfigFileError, one_line, read_document
from vnet2vnet.emulator import azure
from vnet2vnet.emulator.operating import POLICY_KEYS
from vnet2vnet.emulator.store import VARIANTS

FAULT_KINDS = ("tunnelDown", "noTraffic", "negotiatedPolicy", "failOnce", "failAccepted")
FAULT_VERBS = ("create", "update", "delete")
_RESOURCE_KEYS = ("id", "type", "location", "inputs", "ipAddress")
_FAULT_KEYS = {
    "tunnelDown": ("kind", "resource"),
    "noTraffic": ("kind", "resource"),
    "negotiatedPolicy": ("kind", "resource", "policy", "raw"),
    "failOnce": ("kind", "resource", "verb", "type", "code"),
    "failAccepted": ("kind", "resource", "verb", "type", "code"),
}


class SeedError(ValueError):
    """A seed file the emulator cannot use; the message (one line) names the file and the key."""

    def __init__(self, message: str) -> None:
        # A key or value from the file may hold line breaks or other control characters: shown escaped,
        # so the message stays one line and still names exactly what is in the file.
        super().__init__(_CONTROL_CHARACTERS.sub(lambda found: repr(found.group())[1:-1], message))


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


SEED_KEYS = ("variants", "resources", "faults", "pulumiCloud")
STACK_PATH = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


def load_seed(path: Path) -> dict[str, Any]:
    """The seed file, read through the one reader (`vnet2vnet.documents`: UTF-8, no alias bombs or
    self-references, bounded depth and size) and checked in shape before anything uses it."""
    try:
        document = read_document(path, SEED_FILE)
    except ConfigFileError as error:
        raise SeedError(one_line(error)) from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise SeedError(f"{path}: a seed file is a mapping with {', '.join(SEED_KEYS)}")
    unknown = sorted(map(str, set(document) - set(SEED_KEYS)))
    if unknown:
        raise SeedError(f"{path}: unknown key(s) {', '.join(unknown)}; expected {', '.join(SEED_KEYS)}")
    _check(path, document)
    return document


def _entries(path: Path, document: dict[str, Any], key: str, what: str) -> list[dict[str, Any]]:
    value = document.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise SeedError(f"{path}: {key} must be a list of {what}, not {_shown(value)}")
    for index, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise SeedError(f"{path}: {key}[{index}] must be a mapping ({what[:-1]}), not {_shown(entry)}")
    return value


def _shown(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return repr(value)[:60]


def _check(path: Path, document: dict[str, Any]) -> None:
    variants = document.get("variants")
    if variants is not None and not isinstance(variants, dict):
        raise SeedError(f"{path}: variants must be a mapping of variant names to options, not {_shown(variants)}")
    for name, option in (variants or {}).items():
        if name not in VARIANTS:
            raise SeedError(f"{path}: variants.{name} is unknown; known: {', '.join(VARIANTS)}")
        if option not in VARIANTS[name]:
            raise SeedError(f"{path}: variants.{name} must be one of {', '.join(VARIANTS[name])}, not {option!r}")
    seen: dict[str, int] = {}
    for index, resource in enumerate(_entries(path, document, "resources", "resources")):
        _check_resource(f"{path}: resources[{index}]", resource)
        first = seen.setdefault(azure.key(resource["id"]), index)
        if first != index:
            raise SeedError(
                f"{path}: resources[{index}].id names the same resource as resources[{first}] (IDs are "
                "case-insensitive); keep one"
            )
    for index, fault in enumerate(_entries(path, document, "faults", "faults")):
        _check_fault(f"{path}: faults[{index}]", fault)
    _check_cloud(path, document.get("pulumiCloud"))


def _check_cloud(path: Path, cloud: Any) -> None:
    if cloud is None:
        return
    if not isinstance(cloud, dict) or set(map(str, cloud)) - {"stacks"}:
        raise SeedError(f"{path}: pulumiCloud must be a mapping with `stacks` (organization/project/stack names)")
    stacks = cloud.get("stacks") or []
    if not isinstance(stacks, list) or not all(isinstance(s, str) and STACK_PATH.fullmatch(s) for s in stacks):
        raise SeedError(f"{path}: pulumiCloud.stacks must be a list of organization/project/stack names")


def _check_resource(where: str, resource: dict[str, Any]) -> None:
    rid = resource.get("id")
    segments = rid.strip("/").split("/") if isinstance(rid, str) else []
    if len(segments) < 4 or not rid.startswith("/") or segments[0].lower() != "subscriptions":  # type: ignore[union-attr]
        raise SeedError(
            f"{where}.id: each resource needs its Azure resource ID (/subscriptions/<id>/resourceGroups/<group>...)"
        )
    if not _known_type(resource.get("type")):
        raise SeedError(f"{where}.type must be one of {', '.join(azure.RESOURCE_TYPES)}")
    unknown = sorted(set(resource) - set(_RESOURCE_KEYS))
    if unknown:
        raise SeedError(
            f"{where}: unknown key(s) {', '.join(map(str, unknown))}; a resource has {', '.join(_RESOURCE_KEYS)}"
        )
    location = resource.get("location")
    if location is not None and (not isinstance(location, str) or not location):
        raise SeedError(f"{where}.location must be an Azure region name (a string), not {_shown(location)}")
    inputs = resource.get("inputs")
    if inputs is not None and not isinstance(inputs, dict):
        raise SeedError(f"{where}.inputs must be a mapping of azure-native properties, not {_shown(inputs)}")
    _check_ip_address(where, resource)


def _check_ip_address(where: str, resource: dict[str, Any]) -> None:
    """An existing public IP keeps the address Azure gave it; without one the emulator gives it one."""
    if "ipAddress" not in resource:
        return
    if resource.get("type") != azure.PUBLIC_IP:
        raise SeedError(f"{where}.ipAddress: only a {azure.PUBLIC_IP} has an address of its own")
    try:
        ipaddress.IPv4Address(resource["ipAddress"])
    except (ipaddress.AddressValueError, ValueError, TypeError):
        raise SeedError(f"{where}.ipAddress must be an IPv4 address, not {_shown(resource['ipAddress'])}") from None


def _known_type(value: Any) -> bool:
    return isinstance(value, str) and value in azure.RESOURCE_TYPES


def _check_fault(where: str, fault: dict[str, Any]) -> None:
    kind = fault.get("kind")
    if kind not in FAULT_KINDS:
        raise SeedError(f"{where}.kind must be one of {', '.join(FAULT_KINDS)}")
    target = fault.get("resource")
    if not isinstance(target, str) or not target:
        raise SeedError(f"{where}.resource: name the resource (its name or ID), as a string")
    unknown = sorted(set(fault) - set(_FAULT_KEYS[kind]))
    if unknown:
        raise SeedError(
            f"{where}: unknown key(s) {', '.join(map(str, unknown))}; a {kind} fault has {', '.join(_FAULT_KEYS[kind])}"
        )
    if kind == "negotiatedPolicy":
        _check_negotiated_policy(where, fault)
    if kind in ("failOnce", "failAccepted"):
        if "verb" in fault and fault["verb"] not in FAULT_VERBS:
            raise SeedError(f"{where}.verb must be one of {', '.join(FAULT_VERBS)}, not {_shown(fault['verb'])}")
        if "type" in fault and not _known_type(fault["type"]):
            raise SeedError(f"{where}.type must be one of {', '.join(azure.RESOURCE_TYPES)}")
        if "code" in fault and (not isinstance(fault["code"], str) or not fault["code"]):
            raise SeedError(f"{where}.code must be an Azure error code (a string), e.g. InternalServerError")


def _check_negotiated_policy(where: str, fault: dict[str, Any]) -> None:
    """`policy`, a mapping of azure-native IpsecPolicy keys, or `raw`, a string: exactly one."""
    if ("policy" in fault) == ("raw" in fault):
        raise SeedError(f"{where}: a negotiatedPolicy fault has either policy (a mapping) or raw (a string)")
    if "raw" in fault:
        if not isinstance(fault["raw"], str):
            raise SeedError(f"{where}.raw must be a string (returned verbatim as the IKE SAs)")
        return
    policy = fault["policy"]
    if not isinstance(policy, dict) or not policy:
        raise SeedError(f"{where}.policy must be a mapping of {', '.join(POLICY_KEYS)}")
    for name, value in policy.items():
        if name not in POLICY_KEYS:
            raise SeedError(f"{where}.policy.{name} is unknown; known: {', '.join(POLICY_KEYS)}")
        if name == "saLifeTimeSeconds":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise SeedError(f"{where}.policy.{name} must be a positive number of seconds, not {value!r}")
        elif not isinstance(value, str) or not value:
            raise SeedError(f"{where}.policy.{name} must be an algorithm name (a string), not {value!r}")


def apply_seed(state: dict[str, Any], seed: dict[str, Any]) -> None:
    state["variants"].update(seed.get("variants") or {})
    if seed.get("pulumiCloud"):
        state["pulumiCloud"] = {
            "stacks": list(seed["pulumiCloud"].get("stacks") or []),
            "settings": {},
            "schedules": {},
        }
    state["faults"] = [dict(fault) for fault in seed.get("faults") or []]
    for resource in seed.get("resources") or []:
        rid = str(resource["id"])
        parts = rid.split("/")
        state["resources"][azure.key(rid)] = {
            "id": rid,
            "type": resource["type"],
            "name": parts[-1],
            "subscription": parts[2] if len(parts) > 2 else azure.DEFAULT_SUBSCRIPTION,
            "location": resource.get("location"),
            "inputs": {**({"location": resource["location"]} if resource.get("location") else {}),
                       **(resource.get("inputs") or {})},
            "sent": dict(resource.get("inputs") or {}),
            "provisioningState": "Succeeded",
            "seeded": True,
            **({"ipAddress": resource["ipAddress"]} if "ipAddress" in resource else {}),
        }  # fmt: skip
