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
      - {kind: negotiatedPolicy, resource: <name prefix or ID>, policy: {...}}   # what the tunnel negotiated
      - {kind: failOnce, resource: <name prefix>, verb: create, type: <Pulumi type>, code: InternalServerError}

`inputs` are azure-native's flattened properties (as a program would send them, without path parameters).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from vnet2vnet.emulator import azure
from vnet2vnet.emulator.store import VARIANTS

FAULT_KINDS = ("tunnelDown", "negotiatedPolicy", "failOnce")


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
