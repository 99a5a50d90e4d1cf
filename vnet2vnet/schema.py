"""The configuration schema, kept as data, and the one parser for both entry points.

Each field is declared once with its snake_case name (component args), its type and its documentation; the
stack config key is the camelCase of the same name. Parsing checks types, required keys and unknown keys (with a
"did you mean" suggestion) and returns the typed spec plus findings; the Azure rules live in `validation.py`.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
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


class Kind(Enum):
    STR = "a string"
    INT = "an integer"
    BOOL = "a boolean (true or false)"
    STR_LIST = "a list of strings"
    STR_MAP = "a map of strings"
    OBJECT = "an object"
    OBJECT_LIST = "a list of objects"
    RESOURCE = "a Pulumi resource"


@dataclass(frozen=True)
class Field:
    """One option, declared once: the parser, the component args (TypedDicts, hence the multi-language schema),
    the README config table and the `Pulumi.yaml` descriptions all derive from it (`vnet2vnet/option_docs.py`).

    In `doc`, a key in backticks is written in snake_case (`gateway.enable_bgp`); each entry point shows it in its
    own spelling."""

    name: str
    kind: Kind
    doc: str
    required: bool = False
    only: PathStyle | None = None  # a key of one entry point only
    deferrable: bool = False  # may be a Pulumi Output in component args
    schema: ObjectSchema | None = None
    secret: bool = False  # never echoed in a finding, whatever its type
    default: str = ""  # what applies when unset, as the docs say it ("" when required)
    type_doc: str = ""  # the README's type column when the kind alone says too little (e.g. "CIDR")

    def key(self, style: PathStyle) -> str:
        return camel_case(self.name) if style == "config" else self.name


@dataclass(frozen=True)
class ObjectSchema:
    name: str
    fields: tuple[Field, ...]
    build: Callable[..., Any]  # the spec type, called with the parsed values (lists as tuples)
    args_class: str  # its TypedDict among the component args
    args_omit: frozenset[str] = frozenset()  # parsed from args (for a better message) but not offered in the type
    summarized: bool = False  # one README row lists its keys instead of a row per key

    def fields_for(self, style: PathStyle) -> dict[str, Field]:
        return {f.key(style): f for f in self.fields if f.only in (None, style)}


SUBNET = ObjectSchema(
    "subnet",
    (
        Field(
            "name",
            Kind.STR,
            "Subnet name, unique within the VNet (not `GatewaySubnet`, which the component creates).",
            required=True,
        ),
        Field("prefix", Kind.STR, "Subnet address prefix (CIDR) inside the VNet's address spaces.", required=True),
    ),
    s.SubnetSpec,
    "SubnetArgs",
    summarized=True,
)

VNET = ObjectSchema(
    "vnet",
    (
        Field(
            "name",
            Kind.STR,
            "Short name of the VNet (letters, digits, hyphens); used in resource names and output keys.",
            required=True,
        ),
        Field(
            "location",
            Kind.STR,
            "Azure region, programmatic name (`eastus`, `swedencentral`, ...).",
            required=True,
            deferrable=True,
        ),
        Field(
            "address_spaces",
            Kind.STR_LIST,
            "The VNet's address spaces (CIDR); they must not overlap another linked VNet's.",
            required=True,
            deferrable=True,
            type_doc="list of CIDR",
        ),
        Field(
            "gateway_subnet_prefix",
            Kind.STR,
            "The `GatewaySubnet`'s prefix: inside the address spaces, /27 or larger (/29 for Basic).",
            required=True,
            deferrable=True,
            type_doc="CIDR",
        ),
        Field(
            "resource_group_name",
            Kind.STR,
            "Deploy this side into an existing resource group.",
            deferrable=True,
            default="create one",
        ),
        Field(
            "subnets",
            Kind.OBJECT_LIST,
            "Workload subnets, created one after another (Azure serialises subnet writes on a VNet).",
            schema=SUBNET,
            default="none",
        ),
        Field(
            "bgp_asn",
            Kind.INT,
            "BGP ASN of this side's gateway; required on every VNet when `gateway.enable_bgp` is on; distinct per "
            "VNet.",
            default="none",
        ),
        Field(
            "subscription_id",
            Kind.STR,
            "Makes an explicit azure-native provider for this side; all its resources and its connection use it.",
            only="config",
            default="the default provider's",
        ),
        Field(
            "tenant_id",
            Kind.STR,
            "This side's Entra tenant; when linked sides' tenants differ, each provider gets the others as "
            "`auxiliaryTenantIds`.",
            only="config",
            default="the default provider's",
        ),
        Field(
            "provider",
            Kind.RESOURCE,
            "Provider for every resource of this side, its connection included (another subscription or tenant).",
            only="args",
        ),
    ),
    s.VnetSpec,
    "VnetArgs",
)

IPSEC_POLICY = ObjectSchema(
    "ipsec_policy",
    (
        Field(
            "sa_life_time_seconds", Kind.INT, "IPsec SA (quick mode) lifetime in seconds, 300..172799.", required=True
        ),
        Field(
            "sa_data_size_kilobytes",
            Kind.INT,
            "IPsec SA (quick mode) payload size in KB: 0 or 1024..2147483647.",
            required=True,
        ),
        Field("ipsec_encryption", Kind.STR, "IPsec encryption (IKE phase 2), e.g. GCMAES256.", required=True),
        Field(
            "ipsec_integrity",
            Kind.STR,
            "IPsec integrity (IKE phase 2), e.g. GCMAES256; equal to the GCM encryption when one is used.",
            required=True,
        ),
        Field("ike_encryption", Kind.STR, "IKE encryption (IKE phase 1), e.g. GCMAES256.", required=True),
        Field("ike_integrity", Kind.STR, "IKE integrity (IKE phase 1), e.g. SHA384.", required=True),
        Field("dh_group", Kind.STR, "DH group (IKE phase 1), e.g. DHGroup24.", required=True),
        Field("pfs_group", Kind.STR, "PFS group (IKE phase 2), e.g. PFS24.", required=True),
    ),
    s.IpsecPolicySpec,
    "IpsecPolicyArgs",
    summarized=True,
)

GATEWAY = ObjectSchema(
    "gateway",
    (
        Field("sku", Kind.STR, "Gateway SKU: `VpnGw1AZ`..`VpnGw5AZ` or `Basic`.", default="`VpnGw1AZ`"),
        Field(
            "generation",
            Kind.STR,
            "`Generation1` or `Generation2` (VpnGw1AZ and Basic are Generation1-only).",
            default="`Generation2` where the SKU allows it, else `Generation1`",
        ),
        Field(
            "active_active",
            Kind.BOOL,
            "Two gateway instances, two IP configurations and two Standard/Static public IPs per gateway "
            "(`gatewayPublicIps` lists both).",
            default="`false`",
        ),
        Field(
            "enable_bgp",
            Kind.BOOL,
            "BGP on every gateway (with each VNet's `bgp_asn`) and every connection; `gatewayBgpPeeringAddresses` "
            "exports the addresses Azure assigns.",
            default="`false`",
        ),
        Field(
            "zones",
            Kind.STR_LIST,
            'Availability zones of the public IPs, e.g. ["1", "2", "3"]: all three make an AZ gateway '
            "zone-redundant. Never sent in a region without zones.",
            default='`["1","2","3"]` for AZ SKUs in regions with zones, none elsewhere',
        ),
        Field(
            "protect",
            Kind.BOOL,
            "Protect gateways and their public IPs from deletion (an IP cannot be kept across a gateway re-create).",
            default="`false`",
        ),
    ),
    s.GatewaySpec,
    "GatewayArgs",
)

CONNECTION = ObjectSchema(
    "connection",
    (
        Field("shared_key_length", Kind.INT, "Length of the generated pre-shared key, 32..128.", default="`64`"),
        Field(
            "shared_key_version",
            Kind.INT,
            "Change it to rotate the generated key: each link's key and both its connections are replaced.",
            default="`1`",
        ),
        Field(
            "dpd_timeout_seconds",
            Kind.INT,
            "Dead peer detection timeout, 9..3600 s, sent on both connections.",
            default="Azure's (45)",
        ),
        Field(
            "connection_protocol",
            Kind.STR,
            "`IKEv2` or `IKEv1` (a warning: Azure documents VNet-to-VNet as IKEv2); a change replaces both "
            "connections.",
            default="Azure's (IKEv2)",
        ),
        Field(
            "ipsec_policy",
            Kind.OBJECT,
            "Custom IPsec/IKE policy, all eight fields, applied identically to both connections.",
            schema=IPSEC_POLICY,
            default="Azure's default policy",
        ),
    ),
    s.ConnectionSpec,
    "ConnectionArgs",
)

_GATEWAY = Field("gateway", Kind.OBJECT, "Gateway options, the same for every VNet.", schema=GATEWAY, default="`{}`")
_CONNECTION = Field(
    "connection", Kind.OBJECT, "Connection and pre-shared key options.", schema=CONNECTION, default="`{}`"
)
_SHARED_KEY = Field(
    "shared_key",
    Kind.STR,
    "Bring your own pre-shared key (kept secret); overrides key generation. In a stack: "
    "`pulumi config set --secret vnet2vnet:sharedKey '<key>'`.",
    deferrable=True,
    secret=True,
    default="generated",
    type_doc="secret string",
)
_TAGS = Field("tags", Kind.STR_MAP, "Tags for every taggable resource.", deferrable=True, default="none")

TOPOLOGY = ObjectSchema(
    "topology",
    (
        Field("vnets", Kind.OBJECT_LIST, "Exactly two VNets to connect.", required=True, schema=VNET),
        _GATEWAY,
        _CONNECTION,
        _SHARED_KEY,
        _TAGS,
    ),
    s.TopologySpec,
    "VnetToVnetPairArgs",
)

# The stack config and VnetMeshArgs also choose the topology; VnetToVnetPairArgs is always a pair.
MESH = ObjectSchema(
    "mesh",
    (
        Field(
            "vnets",
            Kind.OBJECT_LIST,
            "The VNets to connect: two for a pair, two or more for a mesh or hub-and-spoke.",
            required=True,
            schema=VNET,
        ),
        _GATEWAY,
        _CONNECTION,
        _SHARED_KEY,
        _TAGS,
        Field(
            "topology",
            Kind.STR,
            "`pair` (exactly two VNets, `VnetToVnetPair`), `mesh` (every VNet linked to every other) or "
            "`hub-and-spoke` (the hub linked to each spoke).",
            default="`pair` (a stack), `mesh` (`VnetMeshArgs`)",
        ),
        Field("hub", Kind.STR, "The hub VNet's name, for `hub-and-spoke`.", default="none"),
    ),
    s.TopologySpec,
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

    def parse_object(self, raw: Any, schema: ObjectSchema, path: KeyPath) -> Any:
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
            parsed = self.parse_object(value, declared.schema, path)
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


def _snake_case(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


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
