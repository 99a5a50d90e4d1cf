"""azure-native v3's planning, as pure functions over plain Python values: Check (auto-naming, location default,
validation), Diff (detailed diff, replacement, delete-before-replace) and the inputs of an imported resource.

Values are what `provider.plain` produces: dicts, lists, str, int/float, bool, None, and `UNKNOWN` for a value the
engine does not know yet (at preview). Nothing here does I/O except reading the REST spec files when a spec folder
is given (`SpecModel`, cached per folder).

Sources (pulumi/pulumi-azure-native unless said otherwise; the file and the commit they were read at, per
/tmp/research/azure-native.md; "[id N]" is a copy the index holds without its commit):
- DIFF: provider/pkg/provider/diff.go [id 48296842760] (`diff`, `objectDiff`, `valueDiff`,
  `calculateDetailedDiff`, `applyAzureSpecificDiff`, `calculateChangesAndReplacements`);
- PROVIDER: provider/pkg/provider/provider.go@006a62af (`Check`, `applyDefaults`, `getDefaultName`,
  `validateType`, `validateProperty`, `Diff`, `Read`);
- REPLACEMENT: provider/pkg/gen/replacement.go@1b7112af (`forceNewMap`);
- PROPERTIES: provider/pkg/gen/properties.go@000c5318 (`genProperties`, `genProperty`, `forceNew`);
- RESOURCES: provider/pkg/resources/resources.go [id 49992771763] (`AutoNamer.AutoName`, `LookupProperty`);
- RESPONSE: provider/pkg/convert/responseToSdkInputs.go@604cfd52 (`ResponseToSdkInputs`,
  `removeEmptyCollections`);
- ENGINE: pulumi/pulumi pkg/resource/deploy/step_generator.go@1b594989 (`processIgnoreChanges`) and
  sdk/go/common/resource/properties_path.go@1b594989 (`PropertyPath.Reset`, `ParsePropertyPath`).

The emulator must not share code with vnet2vnet's own validation: this module imports only `openapi` (the spec
reader), `spec_check.SPEC_TARGETS` (which PUT creates which type) and `tokens`.
"""

from __future__ import annotations

import copy
import hashlib
import math
import os
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal, NamedTuple
from urllib.parse import urljoin

from vnet2vnet.openapi import BASE, Operation, SpecFolder
from vnet2vnet.tokens import (
    PUBLIC_IP_TYPE,
    RESOURCE_GROUP_TYPE,
    SUBNET_TYPE,
    VNET_TYPE,
)

# ---------------------------------------------------------------------------------------------- unknowns


class _Unknown:
    """A value the engine does not know yet (resource.Computed in azure-native)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown>"

    def __deepcopy__(self, memo: dict[int, Any]) -> _Unknown:
        return self


UNKNOWN: Final = _Unknown()
# On the wire an unknown value is this string (pulumi.runtime.rpc.UNKNOWN).
UNKNOWN_ON_THE_WIRE: Final = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN or (isinstance(value, str) and value == UNKNOWN_ON_THE_WIRE)


# ---------------------------------------------------------------------------------------------- constants

# PROVIDER: `createBeforeDeleteFlag = "__createBeforeDelete"`; Check sets it on randomly named resources.
CREATE_BEFORE_DELETE: Final = "__createBeforeDelete"
# RESOURCES/PROVIDER `getDefaultName`: `resource.NewUniqueName(randomSeed, name, 8, 0, nil)`, charset 0-9a-f.
AUTONAME_RANDOM_CHARACTERS: Final = 8
LOCATION_HINT: Final = (
    ". Either set it explicitly or configure it with 'pulumi config set azure-native:location <value>'."
)

# REPLACEMENT `forceNewMap` (identical in replacement.go@1b7112af, @f8d3054a and [id 61042275242]), for the types
# the program creates, keyed by Pulumi type token. VirtualNetworkGateway and VirtualNetworkGatewayConnection have no
# entry: a change of their `location` is an in-place update. Subnet's entry is an explicit empty set ("no
# force-news"). The Monitor and Log Analytics types (monitor:DiagnosticSetting, ActionGroup, MetricAlert,
# ScheduledQueryRule, operationalinsights:Workspace) have no entry either ("Insights" lists only Component).
# The table holds top-level SDK property names; PROPERTIES `forceNew` also applies it inside the types generated
# during that resource's pass, which depends on generation order (not determinable here): no nested entry is
# listed. Path parameters always replace (DIFF `calculateDetailedDiff`), so they are not repeated here.
FORCE_NEW: Final[Mapping[str, frozenset[str]]] = {
    PUBLIC_IP_TYPE: frozenset({"location", "publicIPAddressVersion", "publicIPPrefix", "sku"}),
    VNET_TYPE: frozenset({"location"}),
    SUBNET_TYPE: frozenset(),
    RESOURCE_GROUP_TYPE: frozenset({"location"}),
}


# ------------------------------------------------------------------------------------------- value helpers


def _normalized(value: Any) -> Any:
    """A deep copy with every null object member dropped and tuples as lists: azure-native unmarshals inputs with
    `SkipNulls: true` (PROVIDER `Check`/`Diff`), and a list is what the engine's arrays become."""
    if isinstance(value, Mapping):
        return {str(k): _normalized(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_normalized(v) for v in value]
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _same(a: Any, b: Any) -> bool:
    """`PropertyValue.DeepEquals` / `reflect.DeepEqual` over plain values: every number is a float64 (1 == 1.0),
    a bool is never a number, an unknown equals only an unknown."""
    if is_unknown(a) or is_unknown(b):
        return is_unknown(a) and is_unknown(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) and _is_number(b):
        return float(a) == float(b)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and bool(a == b)


# ============================================================================================== the spec


_NO_DEFAULT: Final = object()


@dataclass(frozen=True, eq=False)
class SpecProperty:
    """A property as azure-native's metadata describes it (`resources.AzureAPIProperty`), from the REST spec.

    `type` is the spec's JSON type ("" when the spec says nothing or the definition is in a file not in the folder:
    not validated, like azure-native's `TypeAny`). An enum is only {type: "string", default, forceNew}: PROPERTIES
    `genProperty` replaces an enum's metadata so ("if m.isEnum(...) { metadataProperty = {Type: "string", Default,
    ForceNew} }"), dropping its values, pattern and ranges. `ref` is the (node, base) of an object type with
    properties; dictionaries (`additionalProperties`) have none and are not validated inside."""

    type: str = ""
    ref: tuple[Any, str] | None = None
    items: SpecProperty | None = None
    default: Any = _NO_DEFAULT
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    create_only: bool = False

    @property
    def has_default(self) -> bool:
        return self.default is not _NO_DEFAULT


@dataclass(frozen=True)
class SpecType:
    """An input type in azure-native's SDK shape: `x-ms-client-flatten` containers lifted into their parent,
    read-only properties left out (PROPERTIES `genProperties`: "Skip read-only properties for input types")."""

    properties: Mapping[str, SpecProperty]
    required: tuple[str, ...]


def _mutability_create_only(*nodes: Any) -> bool:
    """PROPERTIES `propChangeForcesRecreate`: `x-ms-mutability` with "create" but not "update"."""
    for node in nodes:
        mutability = node.get("x-ms-mutability") if isinstance(node, Mapping) else None
        if isinstance(mutability, list):
            return "create" in mutability and "update" not in mutability
    return False


_GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_GO_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


def _spec_default(node: Mapping[str, Any], json_type: str) -> Any:
    """PROPERTIES `genProperty`: `defaultValue := schema.Default` of the property itself; none for an object or an
    array; a string default of a boolean/number/integer property parsed (dropped if it does not parse); a string
    that looks like JSON dropped. A null default is no default (`prop.Default != nil` in DIFF)."""
    if "default" not in node or node["default"] is None or json_type in ("object", "array"):
        return _NO_DEFAULT
    value = node["default"]
    if isinstance(value, str):
        if value.startswith("{"):
            return _NO_DEFAULT
        try:
            if json_type == "boolean":
                if value not in _GO_TRUE | _GO_FALSE:
                    return _NO_DEFAULT
                return value in _GO_TRUE
            if json_type == "number":
                return float(value)
            if json_type == "integer":
                return int(value)
        except ValueError:
            return _NO_DEFAULT
    return value


class SpecModel:
    """azure-native's metadata for the Microsoft.Network types, rebuilt from the REST spec folder (the 2024-05-01
    files azure-native 3.x generates from). Types are built on first use (the spec's types are recursive)."""

    def __init__(self, spec_dir: Path) -> None:
        self.folder = SpecFolder(spec_dir)
        self._types: dict[tuple[str, int, bool], SpecType] = {}

    # ------------------------------------------------------------------------------------- operations

    def operation(self, type_token: str) -> Operation | None:
        from vnet2vnet.spec_check import SPEC_TARGETS

        target = SPEC_TARGETS.get(type_token)
        if target is None or self.folder.raw(target.file) is None:
            return None
        return self.folder.operation(target.file, target.operation_id)

    def put_parameters(self, type_token: str) -> list[tuple[str, str, SpecProperty | None, bool]]:
        """The PUT's parameters in the spec's order: (name, location, metadata, required); metadata is None for
        the body. `subscriptionId` and `api-version` are left out (PROVIDER `Check`: "These parameters are supplied
        by the provider, not user's code")."""
        operation = self.operation(type_token)
        if operation is None:
            return []
        document = self.folder.raw(operation.file) or {}
        base = BASE + operation.file
        found: list[tuple[str, str, SpecProperty | None, bool]] = []
        for declared in document["paths"][operation.path]["put"].get("parameters", []):
            resolved = self.folder.resolve(declared["$ref"], base) if "$ref" in declared else (declared, base)
            if resolved is None:
                continue
            parameter, parameter_base = resolved
            name, location = str(parameter.get("name", "")), str(parameter.get("in", ""))
            if name in ("subscriptionId", "api-version"):
                continue
            # A path parameter is a schema (type, pattern, lengths) beside its own keys (`required` is a bool there).
            schema = {k: v for k, v in parameter.items() if k not in ("name", "in", "required", "description")}
            metadata = None if location == "body" else self._property(schema, parameter_base, resource_level=False)
            found.append((name, location, metadata, bool(parameter.get("required"))))
        return found

    def body_type(self, type_token: str) -> SpecType | None:
        operation = self.operation(type_token)
        if operation is None:
            return None
        return self._type({"$ref": operation.body_ref}, "", resource_level=True)

    def object_type(self, prop: SpecProperty) -> SpecType | None:
        if prop.ref is None:
            return None
        node, base = prop.ref
        return self._type(node, base, resource_level=False)

    # ------------------------------------------------------------------------------------ construction

    def _type(self, node: Any, base: str, *, resource_level: bool) -> SpecType:
        key = (urljoin(base, node["$ref"]), 0, resource_level) if "$ref" in node else (base, id(node), resource_level)
        if key not in self._types:  # built on first use: object types hold their references unresolved
            self._types[key] = self._build(node, base, resource_level=resource_level)
        return self._types[key]

    def _build(self, node: Any, base: str, *, resource_level: bool) -> SpecType:
        """PROPERTIES `genProperties`: flattened containers merged into the parent (their required properties
        too), `etag` left out of a resource's inputs, read-only properties left out of input types."""
        schema, _ = self.folder.merged(node, base)
        properties: dict[str, SpecProperty] = {}
        required: list[str] = []
        for name, (prop, prop_base) in sorted(schema.get("x-merged-properties", {}).items()):
            resolved, _ = self.folder.merged(prop, prop_base)
            if prop.get("x-ms-client-flatten") is True and "additionalProperties" not in resolved:
                inner = self._build(prop, prop_base, resource_level=resource_level)
                properties.update(inner.properties)
                required += inner.required
                continue
            if name == "etag" and resource_level:
                continue
            if prop.get("readOnly") or resolved.get("readOnly"):
                continue
            properties[name] = self._property(prop, prop_base, resource_level=resource_level)
        required += [name for name in schema.get("required", []) if name in properties]
        return SpecType(properties, tuple(dict.fromkeys(required)))

    def _property(self, node: Any, base: str, *, resource_level: bool, item: bool = False) -> SpecProperty:
        resolved, resolved_base = self.folder.merged(node, base)
        create_only = resource_level and not item and _mutability_create_only(node, resolved)
        json_type = str(resolved.get("type") or "")
        if "enum" in resolved:
            default = _NO_DEFAULT if item else _spec_default(node, "string")
            return SpecProperty(type="string", default=default, create_only=create_only)
        ref = (node, base) if resolved.get("x-merged-properties") else None
        items = None
        if json_type == "array" and isinstance(resolved.get("items"), Mapping):
            items = self._property(resolved["items"], resolved_base, resource_level=False, item=True)
        if item:
            # PROPERTIES `itemTypeToProperty`: an item's metadata is its type, ref and items, no constraints.
            return SpecProperty(type=json_type, ref=ref, items=items)
        return SpecProperty(
            type=json_type,
            ref=ref,
            items=items,
            default=_spec_default(node, json_type),
            min_length=resolved.get("minLength"),
            max_length=resolved.get("maxLength"),
            pattern=resolved.get("pattern"),
            minimum=resolved.get("minimum"),
            maximum=resolved.get("maximum"),
            create_only=create_only,
        )


@cache
def spec_model(spec_dir: Path) -> SpecModel:
    return SpecModel(Path(spec_dir))


def spec_defaults(spec_dir: Path | None, type_token: str) -> dict[str, Any]:
    """Top-level input -> its spec `default` (PROPERTIES `genProperty`, see `_spec_default`), what DIFF's
    `calculateChangesAndReplacements` compares a newly added property with. Empty without a spec or for a type the
    spec folder does not describe (resource groups, Monitor, Log Analytics).

    In the 2024-05-01 files: VirtualNetwork enableDdosProtection/enableVmProtection (false), Subnet
    privateEndpointNetworkPolicies ("Disabled") and privateLinkServiceNetworkPolicies ("Enabled"); the other
    defaults there are null or objects. virtualNetworkGateway.json and publicIpAddress.json have no `default`."""
    body = spec_model(spec_dir).body_type(type_token) if spec_dir else None
    if body is None:
        return {}
    return {name: prop.default for name, prop in body.properties.items() if prop.has_default}


def spec_create_only(spec_dir: Path | None, type_token: str) -> frozenset[str]:
    """Top-level inputs whose `x-ms-mutability` has "create" but not "update": ForceNew in azure-native
    (PROPERTIES `forceNew`; "a non-updatable property at a subtype level ... does not mandate the replacement of
    the whole resource", so only the resource's own properties, flattened ones included, count).

    For the five Microsoft.Network types in the 2024-05-01 folder there are none: the only `x-ms-mutability` in
    virtualNetwork.json, virtualNetworkGateway.json, publicIpAddress.json and network.json is on network.json's
    `CommonTrackedResource` (tags; location create-only), which none of the five uses (they build on
    network.json's `Resource`, whose location has no mutability). Resource groups, Monitor and Log Analytics have
    no spec here: nothing beyond their path parameters and FORCE_NEW is known for them."""
    body = spec_model(spec_dir).body_type(type_token) if spec_dir else None
    if body is None:
        return frozenset()
    return frozenset(name for name, prop in body.properties.items() if prop.create_only)


def replace_keys(type_token: str, path_parameters: Iterable[str], spec_dir: Path | None = None) -> frozenset[str]:
    """DIFF `calculateDetailedDiff`'s replaceKeys: every path parameter ("All the parameters that are part of the
    resource path cause a replacement"), FORCE_NEW and the spec's create-only properties."""
    return frozenset(path_parameters) | FORCE_NEW.get(type_token, frozenset()) | spec_create_only(spec_dir, type_token)


# ================================================================================================= diff


class DiffKind(Enum):
    """A detailed diff entry's kind; names and values are the protocol's (pulumirpc.PropertyDiff.Kind, and
    `pulumi.provider.experimental.provider.PropertyDiffKind`)."""

    ADD = 0
    ADD_REPLACE = 1
    DELETE = 2
    DELETE_REPLACE = 3
    UPDATE = 4
    UPDATE_REPLACE = 5

    @property
    def replaces(self) -> bool:
        return self in (DiffKind.ADD_REPLACE, DiffKind.DELETE_REPLACE, DiffKind.UPDATE_REPLACE)


@dataclass(frozen=True)
class DiffResult:
    """azure-native's DiffResponse (PROVIDER `Diff`).

    - `changes`: DIFF_SOME when `diffs` is not empty (an added property at its default value is in
      `detailed_diff` but not in `diffs`, so it alone is DIFF_NONE);
    - `replaces`: the detailed diff's paths that replace ("sku.name", not "sku"), as azure-native sends them;
    - `diffs`: each detailed path's first "."-segment ("ipConfigurations[0]" for "ipConfigurations[0].subnet.id"),
      sorted and without the duplicates azure-native's list has;
    - `detailed_diff`: path -> kind, every entry an input diff (`InputDiff = true`);
    - `delete_before_replace`: `len(replaces) > 0`, overridden by the old inputs' `__createBeforeDelete`."""

    changes: bool
    replaces: list[str]
    diffs: list[str]
    detailed_diff: dict[str, DiffKind]
    delete_before_replace: bool


@dataclass
class _ObjectDiff:
    adds: dict[str, Any] = field(default_factory=dict)
    deletes: dict[str, Any] = field(default_factory=dict)
    updates: dict[str, _ValueDiff] = field(default_factory=dict)


@dataclass
class _ArrayDiff:
    adds: dict[int, Any] = field(default_factory=dict)
    deletes: dict[int, Any] = field(default_factory=dict)
    updates: dict[int, _ValueDiff] = field(default_factory=dict)


@dataclass
class _ValueDiff:
    old: Any
    new: Any
    object: _ObjectDiff | None = None
    array: _ArrayDiff | None = None


def _ignored(key: str) -> bool:
    # DIFF `ignoreKey`: `strings.HasPrefix(string(key), "__")`, at every level of `objectDiff`.
    return key.startswith("__")


def _object_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> _ObjectDiff | None:
    """DIFF `objectDiff`."""
    result = _ObjectDiff()
    for key, old_value in old.items():
        if _ignored(key):
            continue
        if key in new:
            new_value = new[key]
            change = _value_diff(old_value, new_value)
            if change is None:
                continue
            if old_value is None:
                result.adds[key] = new_value
            elif new_value is None:
                result.deletes[key] = old_value
            else:
                result.updates[key] = change
        elif old_value is not None:
            result.deletes[key] = old_value
    for key, new_value in new.items():
        if not _ignored(key) and key not in old and new_value is not None:
            result.adds[key] = new_value
    return result if result.adds or result.deletes or result.updates else None


def _value_diff(old: Any, new: Any) -> _ValueDiff | None:
    """DIFF `valueDiff`: arrays index by index, objects key by key, anything else by deep equality.

    Arrays whose spec carries `x-ms-identifiers` are compared as keyed sets in azure-native (`diffKeyedArrays`);
    that is left out: no input array of the five Microsoft.Network types has a non-empty `x-ms-identifiers` in the
    2024-05-01 files (gatewayCustomBgpIpAddresses and policyMembers have `[]`, which azure-native compares by
    index), and Monitor and Log Analytics have no spec here."""
    if isinstance(old, list) and isinstance(new, list):
        array = _ArrayDiff(
            adds={i: new[i] for i in range(len(old), len(new))},
            deletes={i: old[i] for i in range(len(new), len(old))},
        )
        for i in range(min(len(old), len(new))):
            change = _value_diff(old[i], new[i])
            if change is not None:
                array.updates[i] = change
        return _ValueDiff(old, new, array=array) if array.adds or array.deletes or array.updates else None
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        inner = _object_diff(old, new)
        return _ValueDiff(old, new, object=inner) if inner is not None else None
    return None if _same(old, new) else _ValueDiff(old, new)


def normalized_location(location: str) -> str:
    """DIFF `normalizedLocation`: "West US 2" and "WestUS2" are "westus2"."""
    return location.replace(" ", "").lower()


def _same_managed_cluster_sku(old: Any, new: Any) -> bool:
    """DIFF `sameManagedClusterSku` (pulumi-azure-native#2600): a {name, tier} `sku` whose names are equal or
    Basic/Base and tiers equal or Paid/Standard is no change. azure-native applies it to every type's top-level
    `sku`, not only AKS clusters."""
    if not (isinstance(old, Mapping) and isinstance(new, Mapping) and len(old) == 2 and len(new) == 2):
        return False
    values = [old.get("name"), new.get("name"), old.get("tier"), new.get("tier")]
    if not all(isinstance(v, str) for v in values):
        return False
    old_name, new_name, old_tier, new_tier = values
    same_name = old_name == new_name or {old_name, new_name} == {"Basic", "Base"}
    same_tier = old_tier == new_tier or {old_tier, new_tier} == {"Paid", "Standard"}
    return same_name and same_tier


def _apply_azure_specific_diff(diff: _ObjectDiff) -> None:
    """DIFF `applyAzureSpecificDiff`, on top-level updates only: `resourceGroupName` is case-insensitive,
    `location` case- and space-insensitive (so "East US" -> "eastus" neither updates nor replaces, even where
    location is ForceNew), and the AKS `sku` equivalence."""
    for key, change in list(diff.updates.items()):
        old, new = change.old, change.new
        if key == "resourceGroupName" and isinstance(old, str) and isinstance(new, str):
            same = old.lower() == new.lower()  # strings.EqualFold(strings.ToLower(old), new)
        elif key == "location" and isinstance(old, str) and isinstance(new, str):
            same = normalized_location(old) == normalized_location(new)
        elif key == "sku":
            same = _same_managed_cluster_sku(old, new)
        else:
            same = False
        if same and not is_unknown(new):
            del diff.updates[key]


def _object_details(diff: _ObjectDiff, diff_base: str, replace_base: str, keys: Collection[str]) -> dict[str, DiffKind]:
    """DIFF `differ.calculateObjectDiff`."""
    details: dict[str, DiffKind] = {}
    for key, change in diff.updates.items():
        details.update(_value_details(change, diff_base + key, replace_base + key, keys))
    for key in diff.adds:
        details[diff_base + key] = DiffKind.ADD_REPLACE if replace_base + key in keys else DiffKind.ADD
    for key in diff.deletes:
        details[diff_base + key] = DiffKind.DELETE_REPLACE if replace_base + key in keys else DiffKind.DELETE
    return details


def _value_details(change: _ValueDiff, diff_base: str, replace_base: str, keys: Collection[str]) -> dict[str, DiffKind]:
    """DIFF `differ.calculateValueDiff`. An object's child UPDATEs replace when the object itself is a replace key
    ("If the parent property causes a replacement, all child properties cause a replacement"); its child adds and
    deletes replace only when they are replace keys themselves. An array's items are matched as "prop[]" and its
    element adds and deletes are always plain ADD/DELETE; an array is never promoted as a whole."""
    if change.object is not None:
        inner = _object_details(change.object, diff_base + ".", replace_base + ".", keys)
        promote = replace_base in keys
        return {
            path: DiffKind.UPDATE_REPLACE if promote and kind is DiffKind.UPDATE else kind
            for path, kind in inner.items()
        }
    if change.array is not None:
        details: dict[str, DiffKind] = {}
        for index, item in change.array.updates.items():
            details.update(_value_details(item, f"{diff_base}[{index}]", replace_base + "[]", keys))
        for index in change.array.adds:
            details[f"{diff_base}[{index}]"] = DiffKind.ADD
        for index in change.array.deletes:
            details[f"{diff_base}[{index}]"] = DiffKind.DELETE
        return details
    return {diff_base: DiffKind.UPDATE_REPLACE if replace_base in keys else DiffKind.UPDATE}


# ----------------------------------------------------------------------------------------- ignoreChanges


def parse_property_path(path: str) -> list[str | int] | None:
    """ENGINE `ParsePropertyPath` (loose mode): `a.b`, `a[0]`, `a["k.x"]`, `a[*].b`, `a.*`; None when malformed
    (the engine then skips the path)."""
    elements: list[str | int] = []
    if path.startswith("."):
        return None
    rest = path
    while rest:
        if rest[0] == ".":
            rest = rest[1:]
            if not rest:
                return None
            continue
        if rest[0] == "[":
            if rest[1:2] == '"':
                match = re.match(r'\["((?:\\"|[^"])*)"\]', rest)
                if match is None:
                    return None
                elements.append(match[1].replace('\\"', '"'))
                rest = rest[match.end() :]
                continue
            end = rest.find("]")
            if end == -1:
                return None
            index = rest[1:end]
            if index == "*":
                elements.append("*")
            elif index.isdigit():
                elements.append(int(index))
            else:
                return None
            rest = rest[end + 1 :]
            continue
        match = re.match(r"[^.\[]+", rest)
        assert match is not None
        elements.append(match[0])
        rest = rest[match.end() :]
    return elements or None


def _reset(path: Sequence[str | int], old: Any, new: Any) -> bool:
    """ENGINE `PropertyPath.reset`: set `new` at `path` to `old`'s value there (deleting it where `old` has none),
    never creating intermediate objects or changing an array's length; False is the engine's "cannot ignore
    changes in added or removed elements of the path"."""
    key = path[0]
    leaf = len(path) == 1
    if isinstance(key, int):
        if key < 0:
            return False
        both = isinstance(old, list) and isinstance(new, list)
        if not both:
            return not isinstance(old, list) and not isinstance(new, list)
        if leaf and key >= len(old) and key >= len(new):
            return True
        if key >= len(old) or key >= len(new):
            return False
        if leaf:
            new[key] = copy.deepcopy(old[key])
            return True
        return _reset(path[1:], old[key], new[key])
    if key == "*":
        if leaf:
            if isinstance(new, dict):
                if isinstance(old, dict):
                    new.clear()
                    new.update(copy.deepcopy(old))
                return True
            if isinstance(new, list):
                if isinstance(old, list):
                    for i in range(min(len(old), len(new))):
                        new[i] = copy.deepcopy(old[i])
                    return len(old) == len(new)
                return True
            return False
        if isinstance(old, dict) and isinstance(new, dict):
            return all(k in new and _reset(path[1:], old[k], new[k]) for k in old)
        if isinstance(old, list) and isinstance(new, list):
            items_ok = all(_reset(path[1:], o, n) for o, n in zip(old, new, strict=False))
            return items_ok and len(old) == len(new)
        return False
    if leaf:
        if isinstance(old, dict) and key in old:
            if not isinstance(new, dict):
                return False
            new[key] = copy.deepcopy(old[key])
        elif isinstance(new, dict):
            new.pop(key, None)
        return True
    if not isinstance(old, dict) or not isinstance(new, dict):
        return not isinstance(old, dict) and not isinstance(new, dict)
    if key in old and key not in new:
        return False
    if key not in old and key not in new:
        return True
    return _reset(path[1:], old.get(key), new[key])


def apply_ignore_changes(
    old_inputs: Mapping[str, Any], new_inputs: Mapping[str, Any], ignore_changes: Iterable[str]
) -> dict[str, Any]:
    """The new inputs with every ignoreChanges path reset to its old value (ENGINE `processIgnoreChanges`, which the
    engine runs before Check; azure-native's Diff itself never reads `req.IgnoreChanges`). Applying it again in
    Diff changes nothing for inputs the engine already reset, and covers a caller that did not."""
    old = _normalized(old_inputs)
    new = _normalized(new_inputs)
    for ignored in ignore_changes:
        path = parse_property_path(ignored)
        if path is not None:
            _reset(path, old, new)
    return dict(new)


def diff(
    type_token: str,
    old_inputs: Mapping[str, Any],
    new_inputs: Mapping[str, Any],
    ignore_changes: Iterable[str] = (),
    *,
    path_parameters: Iterable[str],
    defaults: Mapping[str, Any] | None = None,
    old_outputs: Mapping[str, Any] | None = None,
    force_new: Collection[str] | None = None,
    spec_dir: Path | None = None,
) -> DiffResult:
    """azure-native v3's Diff (PROVIDER `Diff` -> DIFF `diff` -> `calculateChangesAndReplacements`): the new inputs
    against the old inputs (v3 diffs inputs, not outputs).

    - `path_parameters`: the PUT's path parameters (parents and the name); each replaces;
    - `defaults`: top-level input -> spec default (`spec_defaults`; read from `spec_dir` when not given);
    - `old_outputs`: the old state, for the ADD_REPLACE -> ADD rule (workaround for pulumi-azure-nextgen#238);
    - `force_new`: replace keys besides the path parameters, as DIFF spells them ("sku", "sku.name",
      "ipConfigurations[].subnet"); default FORCE_NEW plus the spec's create-only properties.
    """
    old = _normalized(old_inputs)
    new = apply_ignore_changes(old, new_inputs, ignore_changes)
    keys = frozenset(path_parameters) | (
        frozenset(force_new)
        if force_new is not None
        else FORCE_NEW.get(type_token, frozenset()) | spec_create_only(spec_dir, type_token)
    )
    if defaults is None:
        defaults = spec_defaults(spec_dir, type_token)
    outputs = _normalized(old_outputs) if old_outputs is not None else {}

    object_diff = _object_diff(old, new)
    if object_diff is None:
        return DiffResult(changes=False, replaces=[], diffs=[], detailed_diff={}, delete_before_replace=False)
    _apply_azure_specific_diff(object_diff)
    detailed = _object_details(object_diff, "", "", keys)

    # DIFF `calculateChangesAndReplacements`; its lookups use the whole path as a top-level key, so both special
    # cases apply to top-level properties only.
    changes: set[str] = set()
    replaces: list[str] = []
    for path, kind in sorted(detailed.items()):
        added = path not in old and path in new
        if kind is DiffKind.ADD_REPLACE:
            if added and path in outputs and _same(new[path], outputs[path]):
                detailed[path] = DiffKind.ADD
            else:
                replaces.append(path)
        elif kind is DiffKind.ADD:
            # "If this is a new property that is merely being initialized with its default value, we don't need
            # to show a noisy diff." The entry stays in the detailed diff.
            if added and path in defaults and _same(new[path], defaults[path]):
                continue
        elif kind.replaces:
            replaces.append(path)
        changes.add(path.split(".")[0])

    # PROVIDER `Diff`: "TODO: implement create-before-delete for children of randomly auto-named resources."
    delete_before_replace = bool(replaces)
    flag = old.get(CREATE_BEFORE_DELETE)
    if isinstance(flag, bool):
        delete_before_replace = not flag
    return DiffResult(
        changes=bool(changes),
        replaces=replaces,
        diffs=sorted(changes),
        detailed_diff=detailed,
        delete_before_replace=delete_before_replace,
    )


# ================================================================================================ check


class Failure(NamedTuple):
    """A Check failure. azure-native sends only the reason (its CheckFailure has no Property; the path is in the
    reason's text): to show what azure-native shows, send CheckFailure("", reason). `path` says where it applies."""

    path: str
    reason: str


@dataclass(frozen=True)
class CheckResult:
    inputs: dict[str, Any]
    failures: list[Failure]


AutoNameKind = Literal["random", "copy"]


def autoname(logical_name: str, seed: bytes) -> str:
    """The logical name plus 8 lowercase hex characters, deterministic from the engine's per-resource seed.
    azure-native uses `resource.NewUniqueName(randomSeed, name, 8, 0, nil)` (frand seeded with the seed's SHA-256,
    charset 0-9a-f); this takes the first 8 hex digits of the SHA-256 itself: same length and alphabet, same
    determinism, not the same characters. No seed: random."""
    digest = hashlib.sha256(seed or os.urandom(16)).hexdigest()
    return f"{logical_name}{digest[:AUTONAME_RANDOM_CHARACTERS]}"


def autoname_kind(path_template: str | None) -> AutoNameKind:
    """RESOURCES `AutoNamer.AutoName` for the name parameter (the path's last `{...}`): "random" for a top-level
    resource (one `{` after the last "microsoft.", or no "microsoft." at all, like a resource group), "copy" (the
    logical name as is) for a child such as a subnet. No path: "random". (The uuid strategies, for `format: uuid`
    and role assignments, concern none of the emulated types.)"""
    if not path_template:
        return "random"
    parts = path_template.lower().split("microsoft.")
    return "random" if len(parts) == 1 or parts[-1].count("{") == 1 else "copy"


def _go_float(value: float) -> str:
    return "%f" % value  # noqa: UP031 (Go's %f: six decimals)


def _validate_property(model: SpecModel, ctx: str, prop: SpecProperty | None, value: Any) -> list[Failure]:
    """PROVIDER `validateProperty` (its reasons verbatim)."""
    if is_unknown(value) or prop is None or (not prop.type and prop.ref is None):
        return []
    if isinstance(value, Mapping):
        object_type = model.object_type(prop)
        return _validate_type(model, ctx, object_type, value) if object_type is not None else []
    if isinstance(value, (list, tuple)):
        if prop.type != "array":
            return [Failure(ctx, f"'{ctx}' should be of type '{prop.type}' but got an array")]
        failures: list[Failure] = []
        for index, item in enumerate(value):
            failures += _validate_property(model, f"{ctx}[{index}]", prop.items, item)
        return failures
    if isinstance(value, str):
        if prop.type != "string":
            return [Failure(ctx, f"'{ctx}' should be of type '{prop.type}' but got a string")]
        failures = []
        length = len(value.encode())  # Go's len(string): bytes
        if prop.min_length is not None and length < prop.min_length:
            reason = f"'{ctx}' is too short ({length}): at least {prop.min_length} characters required"
            failures.append(Failure(ctx, reason))
        if prop.max_length is not None and length > prop.max_length:
            reason = f"'{ctx}' is too long ({length}): at most {prop.max_length} characters allowed"
            failures.append(Failure(ctx, reason))
        if prop.pattern:
            try:
                compiled = re.compile(prop.pattern)
            except re.error:
                compiled = None  # "TODO: Support ECMA-262 regexp": a pattern that does not compile is skipped
            # Go's MatchString finds a match anywhere, like re.search. (Go compiles RE2, this Python's re: a
            # pattern one of them refuses is skipped by that one only.)
            if compiled is not None and compiled.search(value) is None:
                failures.append(Failure(ctx, f"'{ctx}' does not match expression '{prop.pattern}'"))
        return failures
    if _is_number(value):
        if prop.type not in ("number", "integer"):
            return [Failure(ctx, f"'{ctx}' should be of type '{prop.type}' but got a number")]
        number = float(value)
        failures = []
        if prop.type == "integer":
            fraction = math.modf(abs(number))[0]
            if 1e-9 < fraction < 1.0 - 1e-9:
                failures.append(Failure(ctx, f"'{ctx}' must be an integer but got {_go_float(number)}"))
        if prop.minimum is not None and number < prop.minimum:
            reason = f"'{ctx}' is too low ({_go_float(number)} < {_go_float(prop.minimum)})"
            failures.append(Failure(ctx, reason))
        if prop.maximum is not None and number > prop.maximum:
            reason = f"'{ctx}' is too high ({_go_float(number)} > {_go_float(prop.maximum)})"
            failures.append(Failure(ctx, reason))
        return failures
    return []  # booleans and nulls: azure-native has no case for them


def _validate_type(model: SpecModel, ctx: str, spec_type: SpecType, values: Mapping[str, Any]) -> list[Failure]:
    """PROVIDER `validateType`: missing required properties, then each property present. Properties the type does
    not have (`__createBeforeDelete`, `azureApiVersion`, typos) are not failures."""
    failures: list[Failure] = []
    for name in sorted(spec_type.required):
        if name not in values:
            path = f"{ctx}.{name}" if ctx else name
            reason = f"missing required property '{path}'" + (LOCATION_HINT if path == "location" else "")
            failures.append(Failure(path, reason))
    for name in sorted(spec_type.properties):
        if name in values:
            path = f"{ctx}.{name}" if ctx else name
            failures += _validate_property(model, path, spec_type.properties[name], values[name])
    return failures


def validate(type_token: str, inputs: Mapping[str, Any], *, spec_dir: Path) -> list[Failure]:
    """PROVIDER `Check`'s validation, from the REST spec: every PUT parameter but `subscriptionId` and
    `api-version`, in the spec's order; the body through `validateType`. Empty for a type the spec folder does not
    describe. Unknown values are skipped at every level."""
    model = spec_model(spec_dir)
    values = _normalized(inputs)
    failures: list[Failure] = []
    for name, location, metadata, required in model.put_parameters(type_token):
        if location == "body":
            body = model.body_type(type_token)
            if body is not None:
                failures += _validate_type(model, "", body, values)
        elif name in values:
            failures += _validate_property(model, name, metadata, values[name])
        elif required:
            failures.append(Failure(name, f"missing required property '{name}'"))
    return failures


def check(
    type_token: str,
    old_inputs: Mapping[str, Any],
    new_inputs: Mapping[str, Any],
    random_seed: bytes,
    *,
    name_parameter: str,
    parent_parameters: Sequence[str],
    logical_name: str,
    spec_dir: Path | None = None,
    path_template: str | None = None,
    default_location: Any = None,
    api_version: str | None = None,
) -> CheckResult:
    """azure-native v3's Check (PROVIDER `Check` -> `applyDefaults`, then validation); the engine calls it at
    preview and at update alike, and again without old inputs before a replacement (ENGINE step_generator.go: "If
    we are going to perform a replacement, we need to recompute the default values"), which gives a replacement a
    fresh random name.

    - name (`getDefaultName`): an unset name parameter takes the old inputs' name, and their
      `__createBeforeDelete` when it is a bool; else a new name by `autoname_kind` of the PUT path (the spec's
      when `spec_dir` describes the type, else `path_template`, else "random"): random -> `autoname` plus
      `__createBeforeDelete: true`; copy -> the logical name, no flag;
    - location (`getDefaultLocation`): an unset `location` takes the old inputs' location, else
      `default_location` (the caller's config value or resource group location, or UNKNOWN; None: no default).
      When the spec describes the type, only if its body has a `location`;
    - `api_version`: v3 also sets `azureApiVersion` to the resource's API version when unset (None: not set; it is
      not a body property, so a caller that sets it must leave it out of the ARM body);
    - failures: with `spec_dir`, `validate` (types, lengths, patterns, ranges, required; not enums); without,
      only the missing path parameters.
    """
    olds = _normalized(old_inputs)
    news = _normalized(new_inputs)
    model = spec_model(spec_dir) if spec_dir else None
    operation = model.operation(type_token) if model else None

    if name_parameter not in news:
        if name_parameter in olds:
            news[name_parameter] = olds[name_parameter]
            flag = olds.get(CREATE_BEFORE_DELETE)
            if isinstance(flag, bool) and flag:
                news[CREATE_BEFORE_DELETE] = True
        elif autoname_kind(operation.path if operation else path_template) == "random":
            news[name_parameter] = autoname(logical_name, random_seed)
            news[CREATE_BEFORE_DELETE] = True
        else:
            news[name_parameter] = logical_name

    body = model.body_type(type_token) if model else None
    takes_location = body is None or "location" in body.properties
    if "location" not in news and takes_location:
        location = olds.get("location", default_location)
        if location is not None:
            news["location"] = location

    if api_version and "azureApiVersion" not in news:
        news["azureApiVersion"] = api_version

    if spec_dir is not None and operation is not None:
        failures = validate(type_token, news, spec_dir=spec_dir)
    else:
        failures = [
            Failure(p, f"missing required property '{p}'")
            for p in (*parent_parameters, name_parameter)
            if p not in news
        ]
    return CheckResult(inputs=news, failures=failures)


# =============================================================================================== import

# What Azure adds inside a resource's own sub-objects without being an input (readOnly in the spec), for types
# without a spec here. A nested `id` or `name` is an input (a sub-resource's ID, an IP configuration's name).
NESTED_READ_ONLY: Final = frozenset({"provisioningState", "etag"})


def remove_empty_collections(value: Any) -> Any:
    """RESPONSE `removeEmptyCollections`: None for an empty map or array, at every level (members and items that
    become None are dropped)."""
    if isinstance(value, Mapping):
        members = {k: remove_empty_collections(v) for k, v in value.items()}
        kept = {k: v for k, v in members.items() if v is not None}
        return kept or None
    if isinstance(value, (list, tuple)):
        items = [remove_empty_collections(v) for v in value]
        kept_items = [v for v in items if v is not None]
        return kept_items or None
    return value


def _sdk_inputs(model: SpecModel, prop: SpecProperty | None, value: Any) -> Any:
    if prop is None:
        return value
    if isinstance(value, Mapping):
        object_type = model.object_type(prop)
        return _type_inputs(model, object_type, value) if object_type is not None else dict(value)
    if isinstance(value, (list, tuple)) and prop.items is not None:
        return [_sdk_inputs(model, prop.items, item) for item in value]
    return value


def _type_inputs(model: SpecModel, spec_type: SpecType, value: Mapping[str, Any]) -> dict[str, Any]:
    """`BodyPropertiesToSDK` with an input type: only the type's (non-read-only) properties, recursively. An ARM
    body's `properties` container is lifted (the emulator's answers are already flat)."""
    source = dict(value)
    nested = value.get("properties")
    if "properties" not in spec_type.properties and isinstance(nested, Mapping):
        for key, item in nested.items():
            source.setdefault(key, item)
    return {
        key: _sdk_inputs(model, spec_type.properties[key], item)
        for key, item in source.items()
        if key in spec_type.properties and item is not None
    }


def _strip_nested(value: Any, nested_read_only: Collection[str]) -> Any:
    if isinstance(value, Mapping):
        return {k: _strip_nested(v, nested_read_only) for k, v in value.items() if k not in nested_read_only}
    if isinstance(value, (list, tuple)):
        return [_strip_nested(v, nested_read_only) for v in value]
    return value


def import_inputs(
    type_token: str,
    get_answer: Mapping[str, Any],
    resource_id: str,
    *,
    path_values: Mapping[str, str] | Callable[[str, str], Mapping[str, str] | None],
    read_only: Collection[str],
    spec_dir: Path | None = None,
    nested_read_only: Collection[str] = NESTED_READ_ONLY,
) -> dict[str, Any]:
    """azure-native's Read with no old inputs (an import; PROVIDER `Read`: "There may be no old state (i.e.,
    importing a new resource). Extract inputs from resource's ID and response body.") via RESPONSE
    `ResponseToSdkInputs`:

    - the path parameters parsed from the ID (`path_values`: the parsed values, or a parser such as
      `azure.path_values` called with (type_token, resource_id)), `subscriptionId` left out;
    - the GET answer limited to what the PUT body takes: with `spec_dir` for a type it describes, the input type's
      properties at every level (read-only ones are not in input types); otherwise the answer without
      `read_only` at the top and without `nested_read_only` below;
    - without a top-level `id` ("`id` is a special property to Pulumi and will always cause diffs"), `read_only`
      also left out at the top, and empty maps and arrays removed at every level (a property left with nothing is
      dropped, as the engine drops null inputs).
    """
    values = path_values(type_token, resource_id) if callable(path_values) else path_values
    if values is None:
        raise ValueError(f"'{resource_id}' is not the ID of a {type_token}")
    inputs: dict[str, Any] = {k: v for k, v in values.items() if k.lower() != "subscriptionid"}
    answer = _normalized(get_answer)
    model = spec_model(spec_dir) if spec_dir else None
    body_type = model.body_type(type_token) if model else None
    if model is not None and body_type is not None:
        body = _type_inputs(model, body_type, answer)
    else:
        body = {k: _strip_nested(v, nested_read_only) for k, v in answer.items()}
    for key, value in body.items():
        if key == "id" or key in read_only:
            continue
        kept = remove_empty_collections(value)
        if kept is not None:
            inputs[key] = kept
    return inputs
