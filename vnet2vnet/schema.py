"""The configuration schema, derived from the option declarations, and the one parser for both entry points.

Each option is declared once, as a field of its spec dataclass (`vnet2vnet/spec.py`, see `vnet2vnet/options.py`);
this module reads those declarations into `Field`s. Parsing checks types, required keys and unknown keys (with a
"did you mean" suggestion) and returns the typed spec plus findings; the Azure rules live in `validation/`.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import json
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from vnet2vnet import spec as s
from vnet2vnet.findings import (
    Finding,
    KeyPath,
    MapKey,
    PathStyle,
    Verbatim,
    camel_case,
    error,
    render_path,
)
from vnet2vnet.options import INTERNAL_KEY, METADATA_KEY, Kind, Option

__all__ = ["CONNECTION", "GATEWAY", "IPSEC_POLICY", "MESH", "SUBNET", "TOPOLOGY", "VNET", "Field", "Kind"]


@dataclass(frozen=True)
class Field:
    """One option as the parser and the generated docs see it, read from its declaration."""

    name: str
    kind: Kind
    doc: str
    required: bool = False
    only: PathStyle | None = None  # a key of one entry point only
    deferrable: bool = False  # may be a Pulumi Output in component args
    schema: ObjectSchema | None = None
    secret: bool = False  # never echoed in a finding, whatever its type
    default: str = ""  # what applies when unset, as the docs say it ("" when required)
    type_doc: str = ""  # the config reference's type column when the kind alone says too little (e.g. "CIDR")
    summarized: bool = False  # a nested object whose keys one config reference row lists
    partial: bool = False  # a block of some of `schema`'s keys, over a shared one (`spec.Partial`)

    def key(self, style: PathStyle) -> str:
        return camel_case(self.name) if style == "config" else self.name


@dataclass(frozen=True)
class ObjectSchema:
    name: str
    fields: tuple[Field, ...]
    build: Callable[..., Any]  # the spec type, called with the parsed values (lists as tuples)
    args_class: str  # its TypedDict among the component args
    args_omit: frozenset[str] = frozenset()  # parsed from args (for a better message) but not offered in the type

    def fields_for(self, style: PathStyle) -> dict[str, Field]:
        return {f.key(style): f for f in self.fields if f.only in (None, style)}


def _snake_case(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


@functools.cache
def schema_of(spec_class: type) -> ObjectSchema:
    """The schema of a nested spec type (`GatewaySpec` -> `gateway`, args `GatewayArgs`), one per type."""
    stem = spec_class.__name__.removesuffix("Spec")
    return object_schema(spec_class, _snake_case(stem), f"{stem}Args")


def object_schema(
    spec_class: type,
    name: str,
    args_class: str,
    *,
    exclude: frozenset[str] = frozenset(),
    docs: Mapping[str, str] | None = None,
    args_omit: frozenset[str] = frozenset(),
) -> ObjectSchema:
    """The schema of `spec_class`'s declared options, less `exclude`, with some docs worded for this entry point."""
    hints = typing.get_type_hints(spec_class)
    fields = tuple(
        _field(spec_field, hints[spec_field.name], (docs or {}).get(spec_field.name))
        for spec_field in dataclasses.fields(spec_class)
        if spec_field.name not in exclude and INTERNAL_KEY not in spec_field.metadata
    )
    return ObjectSchema(name, fields, spec_class, args_class, args_omit)


def _field(spec_field: dataclasses.Field[Any], annotation: Any, doc: str | None) -> Field:
    declared = spec_field.metadata.get(METADATA_KEY)
    if not isinstance(declared, Option):
        raise TypeError(f"{spec_field.name}: a spec field must be declared with `metadata=option(...)`")
    kind, nested, partial = _kind_of(annotation, declared, spec_field.name)
    required = spec_field.default is dataclasses.MISSING and spec_field.default_factory is dataclasses.MISSING
    return Field(
        spec_field.name,
        kind,
        doc or declared.doc,
        required=required,
        only=declared.only,
        deferrable=declared.deferrable,
        schema=schema_of(nested) if nested is not None else None,
        secret=declared.secret,
        default="" if required else declared.default_doc or _default_doc(spec_field),
        type_doc=declared.type_doc,
        summarized=declared.summarized,
        partial=partial,
    )


_SCALARS: dict[Any, Kind] = {str: Kind.STR, int: Kind.INT, bool: Kind.BOOL}


def _kind_of(annotation: Any, declared: Option, name: str) -> tuple[Kind, type | None, bool]:
    """The kind (nested spec type, whether partial) an annotation says: `int | None` is INT, `tuple[X, ...]` a
    list of X, `Partial[X]` some of X's keys."""
    if declared.kind is not None:
        return declared.kind, None, False
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = next(arg for arg in typing.get_args(annotation) if arg is not type(None))
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation in _SCALARS:
        return _SCALARS[annotation], None, False
    if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
        return Kind.OBJECT, annotation, False
    if origin is s.Partial:
        return Kind.OBJECT, args[0], True
    if origin is dict:
        return Kind.STR_MAP, None, False
    if origin is tuple and args[1:] == (Ellipsis,):
        item = args[0]
        if item is str:
            return Kind.STR_LIST, None, False
        if dataclasses.is_dataclass(item) and isinstance(item, type):
            return Kind.OBJECT_LIST, item, False
    raise TypeError(f"{name}: cannot tell the kind of {annotation!r}; declare it with option(kind=...)")


def _default_doc(spec_field: dataclasses.Field[Any]) -> str:
    """The docs' words for a default the dataclass states: `false`, `VpnGw1AZ`, `64`; `{}` for a nested object;
    none for nothing or an empty list or map."""
    if spec_field.default_factory is not dataclasses.MISSING:
        value = spec_field.default_factory()
        return "`{}`" if dataclasses.is_dataclass(value) else "none"
    value = spec_field.default
    if value is None or value == ():
        return "none"
    return f"`{json.dumps(value)}`" if isinstance(value, bool) else f"`{value}`"


SUBNET = schema_of(s.SubnetSpec)
VNET = schema_of(s.VnetSpec)
IPSEC_POLICY = schema_of(s.IpsecPolicySpec)
GATEWAY = schema_of(s.GatewaySpec)
CONNECTION = schema_of(s.ConnectionSpec)

# The stack config and VnetMeshArgs also choose the topology; VnetToVnetPairArgs is always a pair.
TOPOLOGY = object_schema(
    s.TopologySpec,
    "topology",
    "VnetToVnetPairArgs",
    exclude=frozenset({"topology", "hub"}),
    docs={"vnets": "Exactly two VNets to connect."},
)
MESH = object_schema(
    s.TopologySpec,
    "mesh",
    "VnetMeshArgs",
    # One key for every link of a mesh is refused by a rule with its own message; the type does not offer it.
    args_omit=frozenset({"shared_key"}),
)


def _describe_kind(value: Any) -> str:
    """The kind of a value without the value itself (for secrets)."""
    for kind, described in ((bool, "a boolean"), (int, "an integer"), (float, "a number"), (str, "a string")):
        if isinstance(value, kind):
            return described
    return _describe(value)


def never_deferred(_: Any) -> bool:
    return False


def any_resource(_: Any) -> bool:
    return True


@dataclass
class _Parser:
    style: PathStyle
    is_deferred: Callable[[Any], bool]
    is_provider: Callable[[Any], bool] = any_resource
    findings: list[Finding] = field(default_factory=list)

    def fail(self, path: KeyPath, message: str, fix: str) -> None:
        self.findings.append(error(path, message, fix))

    def parse_object(self, raw: Any, schema: ObjectSchema, path: KeyPath, partial: bool = False) -> Any:
        if not isinstance(raw, Mapping):
            self.fail(path, f"expected {Kind.OBJECT.value}, got {_describe(raw)}", _object_fix(schema, self.style))
            return None
        allowed = schema.fields_for(self.style)
        values: dict[str, Any] = {}
        valid = True
        for key, value in raw.items():
            declared = allowed.get(key)
            if declared is None:
                # Reported, but it does not stop the object from being built: the rules still run, so that
                # one typo does not hide the other mistakes.
                self._unknown_key(str(key), schema, path)
                continue
            if value is None:  # `key:` with no value in YAML means "not set"
                continue
            parsed, ok = self.parse_value(value, declared, (*path, declared.name))
            valid = valid and ok
            values[declared.name] = parsed
        if partial:  # some keys of a shared block: none is required, none defaults
            return s.Partial(values) if valid else None
        for declared in allowed.values():
            if declared.required and declared.name not in values and raw.get(declared.key(self.style)) is None:
                self.fail(
                    (*path, declared.name),
                    f"is required ({declared.doc})",
                    f"set {render_path((*path, declared.name), self.style)}",
                )
                valid = False
        return schema.build(**values) if valid else None

    def parse_value(self, value: Any, declared: Field, path: KeyPath) -> tuple[Any, bool]:
        if self.is_deferred(value):
            if declared.deferrable:
                return value, True
            self.fail(
                path,
                "must be a plain value, not a Pulumi Output: it decides which resources are created",
                "pass the value itself (resolve it before constructing the component)",
            )
            return None, False
        kind = declared.kind
        if kind is Kind.OBJECT and declared.schema is not None:
            parsed = self.parse_object(value, declared.schema, path, declared.partial)
            return parsed, parsed is not None
        if kind is Kind.OBJECT_LIST and declared.schema is not None:
            return self._parse_list(value, declared, path)
        if kind is Kind.STR_LIST:
            return self._parse_strings(value, declared, path)
        if kind is Kind.STR_MAP:
            return self._parse_string_map(value, declared, path)
        if kind is Kind.RESOURCE and not self.is_provider(value):
            self.fail(
                path, f"expected an azure-native Provider, got {_describe(value)}", "pass an azure_native.Provider"
            )
            return None, False
        scalar, ok = self._scalar(value, kind)
        if not ok:
            # A key of the wrong type is still a key: name its type, never its value.
            got = _describe_kind(value) if declared.secret else _describe(value)
            self.fail(path, f"expected {kind.value}, got {got}", f"write {kind.value}")
        return scalar, ok

    def _scalar(self, value: Any, kind: Kind) -> tuple[Any, bool]:
        if kind is Kind.RESOURCE:
            return value, True
        if kind is Kind.STR:
            return value, isinstance(value, str)
        if kind is Kind.BOOL:
            if isinstance(value, bool):
                return value, True
            # `pulumi config set --path` stores scalars as strings
            if self.style == "config" and isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true", True
            return None, False
        # Kind.INT
        if isinstance(value, int) and not isinstance(value, bool):
            return value, True
        if self.style == "args" and isinstance(value, float) and value.is_integer():
            return int(value), True  # other languages send every number as a double
        if self.style == "config" and isinstance(value, str):
            # One optional minus and 1-20 ASCII digits: str.isdigit() also takes "²" and "٣", and lstrip("-") took
            # "--64", all of which int() refuses; and int() refuses over 4300 digits (CPython's str-to-int limit).
            text = value.strip()
            digits = text.removeprefix("-")
            if 0 < len(digits) <= 20 and digits.isascii() and digits.isdigit():
                return int(text), True
        return None, False

    def _parse_list(self, value: Any, declared: Field, path: KeyPath) -> tuple[Any, bool]:
        if not _is_list(value):
            self.fail(
                path,
                f"expected {declared.kind.value}, got {_describe(value)}",
                f"write {declared.kind.value}",
            )
            return None, False
        assert declared.schema is not None
        items = tuple(self.parse_object(item, declared.schema, (*path, index)) for index, item in enumerate(value))
        return items, all(item is not None for item in items)

    def _parse_strings(self, value: Any, declared: Field, path: KeyPath) -> tuple[Any, bool]:
        if not _is_list(value):
            self.fail(
                path,
                f"expected {Kind.STR_LIST.value}, got {_describe(value)}",
                f'write e.g. ["{_example(declared)}"]',
            )
            return None, False
        valid = True
        for index, item in enumerate(value):
            if isinstance(item, str) or (declared.deferrable and self.is_deferred(item)):
                continue
            self.fail((*path, index), f"expected {Kind.STR.value}, got {_describe(item)}", "quote the value")
            valid = False
        return tuple(value), valid

    def _parse_string_map(self, value: Any, declared: Field, path: KeyPath) -> tuple[Any, bool]:
        if not isinstance(value, Mapping):
            self.fail(
                path,
                f"expected {Kind.STR_MAP.value}, got {_describe(value)}",
                "write e.g. {environment: dev}",
            )
            return None, False
        valid = True
        for key, item in value.items():
            if not isinstance(key, str):
                self.fail(
                    (*path, MapKey(str(key))),
                    f"a name must be a string, got {_describe(key)}",
                    "quote the name",
                )
                valid = False
                continue
            if isinstance(item, str) or (declared.deferrable and self.is_deferred(item)):
                continue
            self.fail((*path, MapKey(key)), f"expected {Kind.STR.value}, got {_describe(item)}", "quote the value")
            valid = False
        return dict(value), valid

    def _unknown_key(self, key: str, schema: ObjectSchema, path: KeyPath) -> None:
        allowed = schema.fields_for(self.style)
        other_style: PathStyle = "args" if self.style == "config" else "config"
        other = schema.fields_for(other_style)
        here = (*path, Verbatim(key))
        if key in other and other[key].only == other_style:
            where = "the stack config" if other_style == "config" else "the component args"
            self.fail(here, f"unknown key '{key}': it exists only in {where}", _only_fix(other[key]))
            return
        renamed = camel_case(key) if self.style == "config" else _snake_case(key)
        if renamed in allowed and renamed != key:
            self.fail(here, f"unknown key '{key}'; did you mean '{renamed}'?", f"rename it to '{renamed}'")
            return
        close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        fix = f"rename it to '{close[0]}'" if close else f"remove it; valid keys: {', '.join(sorted(allowed))}"
        self.fail(here, f"unknown key '{key}'{hint}", fix)


def _only_fix(declared: Field) -> str:
    if declared.name == "provider":
        return "set subscriptionId (and tenantId) on the VNet; __main__.py makes the provider"
    return "pass an azure_native.Provider as `provider` for that side"


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def _example(declared: Field) -> str:
    return "10.10.0.0/16" if declared.name == "address_spaces" else "1"


def _object_fix(schema: ObjectSchema, style: PathStyle) -> str:
    keys = ", ".join(schema.fields_for(style))
    return f"write an object with the keys: {keys}"


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"number {value}"
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, Mapping):
        return "an object"
    if _is_list(value):
        return "a list"
    return type(value).__name__


def parse_component_args(
    args: Mapping[str, Any],
    is_deferred: Callable[[Any], bool] = never_deferred,
    schema: ObjectSchema = TOPOLOGY,
    is_provider: Callable[[Any], bool] = any_resource,
) -> tuple[s.TopologySpec | None, list[Finding]]:
    """Parse `VnetToVnetPairArgs` (or `VnetMeshArgs` with `schema=MESH`): snake_case keys, Outputs allowed where a
    field is deferrable; `is_provider` tells an azure-native provider from anything else."""
    parser = _Parser("args", is_deferred, is_provider)
    topology = parser.parse_object(args, schema, ())
    return topology, parser.findings


def parse_stack_config(raw: Mapping[str, str]) -> tuple[s.TopologySpec | None, list[Finding]]:
    """Parse the project's stack config: keys without the `vnet2vnet:` namespace, values as the engine passes
    them (strings; structured values JSON-encoded)."""
    parser = _Parser("config", never_deferred)
    allowed = MESH.fields_for("config")
    decoded: dict[str, Any] = {}
    for key, value in raw.items():
        declared = allowed.get(key)
        if declared is None or declared.kind in (Kind.STR, Kind.INT, Kind.BOOL):
            decoded[key] = value
            continue
        try:
            decoded[key] = json.loads(value) if isinstance(value, str) else value
        except json.JSONDecodeError:
            decoded[key] = value  # the type check below reports it with the expected type
    topology = parser.parse_object(decoded, MESH, ())
    return topology, parser.findings
