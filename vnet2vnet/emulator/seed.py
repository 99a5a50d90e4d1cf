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
    faults:
      - {kind: tunnelDown, resource: <name prefix or ID>}        # that connection reports NotConnected
      - {kind: noTraffic, resource: <name prefix or ID>}         # Connected, but its byte counters stand still
      - {kind: negotiatedPolicy, resource: <name prefix or ID>, policy: {ikeEncryption: AES128, pfsGroup: PFS2}}
      - {kind: negotiatedPolicy, resource: <name prefix or ID>, raw: "not json"}
      - {kind: failOnce, resource: <name prefix>, verb: create, type: <Pulumi type>, code: InternalServerError}

`inputs` are azure-native's flattened properties (as a program would send them, without path parameters). A resource
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
- failOnce: the first matching write (verb create, update or delete; type a Pulumi type) fails with `code`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from vnet2vnet.emulator import azure
from vnet2vnet.emulator.operating import POLICY_KEYS
from vnet2vnet.emulator.store import VARIANTS

FAULT_KINDS = ("tunnelDown", "noTraffic", "negotiatedPolicy", "failOnce")


class SeedError(ValueError):
    """A seed file the emulator cannot use; the message names the file and the key."""


def load_seed(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text()
        document = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise SeedError(f"{path}: cannot read the seed file: {error}") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise SeedError(f"{path}: a seed file is a mapping with variants, resources and faults")
    unknown = sorted(set(document) - {"variants", "resources", "faults"})
    if unknown:
        raise SeedError(f"{path}: unknown key(s) {', '.join(unknown)}; expected variants, resources, faults")
    _check(path, document)
    return document


def _check(path: Path, document: dict[str, Any]) -> None:
    for name, option in (document.get("variants") or {}).items():
        if name not in VARIANTS:
            raise SeedError(f"{path}: variants.{name} is unknown; known: {', '.join(VARIANTS)}")
        if option not in VARIANTS[name]:
            raise SeedError(f"{path}: variants.{name} must be one of {', '.join(VARIANTS[name])}, not {option!r}")
    for index, resource in enumerate(document.get("resources") or []):
        where = f"{path}: resources[{index}]"
        if not isinstance(resource, dict) or not isinstance(resource.get("id"), str):
            raise SeedError(f"{where}.id: each resource needs its Azure resource ID")
        if resource.get("type") not in azure.RESOURCE_TYPES:
            raise SeedError(f"{where}.type must be one of {', '.join(azure.RESOURCE_TYPES)}")
    for index, fault in enumerate(document.get("faults") or []):
        if not isinstance(fault, dict) or fault.get("kind") not in FAULT_KINDS:
            raise SeedError(f"{path}: faults[{index}].kind must be one of {', '.join(FAULT_KINDS)}")
        if not fault.get("resource"):
            raise SeedError(f"{path}: faults[{index}].resource: name the resource (name prefix or ID)")
        if fault["kind"] == "negotiatedPolicy":
            _check_negotiated_policy(f"{path}: faults[{index}]", fault)


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
        }  # fmt: skip
