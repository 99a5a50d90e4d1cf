"""The offline engine: runs a Pulumi program on the mock runtime and records exactly what would be sent.

Used by the tests, by `plan` and by the benchmarks. It loads Pulumi.yaml defaults and Pulumi.<stack>.yaml itself
(the SDK does not), records every registration (type, name, parent, dependencies, provider, options, inputs with
their secrets marked) through a MockMonitor subclass, and answers like Azure: ARM resource IDs, public IPs from
the documentation range 203.0.113.0/24, connectionStatus `Unknown`, and deterministic RandomPassword results.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ipaddress
import json
import logging
import random
import re
import runpy
import string
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from vnet2vnet import stack_files
from vnet2vnet.azure_facts import AZURE_DEFAULT_ASN
from vnet2vnet.findings import CONFIG_NAMESPACE
from vnet2vnet.plan_model import (
    PROVIDER_TYPE_PREFIX,
    STACK_TYPE,
    UNKNOWN,
    Plan,
    RecordedResource,
    Secret,
    unwrap,
)
from vnet2vnet.tokens import (
    CONNECTION_TYPE,
    GATEWAY_TYPE,
    PASSWORD_TYPE,
    PUBLIC_IP_TYPE,
    RESOURCE_GROUP_TYPE,
    SUBNET_TYPE,
    VNET_TYPE,
)

DEFAULT_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
DOCUMENTATION_NET = "203.0.113"  # RFC 5737 TEST-NET-3: never a real address
# What the offline engine passes for a `secure:` value it cannot decrypt: opaque, and valid as a shared key.
OPAQUE_SECRET = "OpaqueSecretFromStackFile"

# Pulumi's wire signatures (sdk/python/lib/pulumi/runtime/rpc.py).
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SIG_SECRET = "1b47061264138c4ac30d75fd1eb44270"
_SIG_RESOURCE_REF = "5cf8f73096256a8f31e491e813e4eb8e"
_SIG_OUTPUT = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
# azure-native adds ~60 aliases to every resource, one per older API version: noise, not the program's choice.
_SDK_VERSION_ALIAS = re.compile(r"^azure-native:[A-Za-z]+/v\d+:")


@dataclass(frozen=True)
class ArmType:
    """How Azure names one resource type: the input holding its name and its resource ID template."""

    name_input: str
    id_template: str


_RG = "/subscriptions/{subscription}/resourceGroups/{resourceGroupName}"
_NET = _RG + "/providers/Microsoft.Network"
ARM_TYPES: dict[str, ArmType] = {
    RESOURCE_GROUP_TYPE: ArmType("resourceGroupName", "/subscriptions/{subscription}/resourceGroups/{name}"),
    VNET_TYPE: ArmType("virtualNetworkName", _NET + "/virtualNetworks/{name}"),
    SUBNET_TYPE: ArmType("subnetName", _NET + "/virtualNetworks/{virtualNetworkName}/subnets/{name}"),
    PUBLIC_IP_TYPE: ArmType("publicIpAddressName", _NET + "/publicIPAddresses/{name}"),
    GATEWAY_TYPE: ArmType("virtualNetworkGatewayName", _NET + "/virtualNetworkGateways/{name}"),
    CONNECTION_TYPE: ArmType("virtualNetworkGatewayConnectionName", _NET + "/connections/{name}"),
}


class ProgramError(Exception):
    """The program failed; the message is the program's own."""


# A project or stack file is missing or malformed: raised by the file loader, re-exported for the CLI and tests.
ConfigFileError = stack_files.ConfigFileError


def _from_wire(value: Any) -> Any:
    """A deserialised protobuf value (json_format) with Pulumi's signatures turned into markers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the wire has only doubles
    if value == _UNKNOWN:
        return UNKNOWN
    if isinstance(value, list):
        return [_from_wire(item) for item in value]
    if not isinstance(value, dict):
        return value
    signature = value.get(_SIG_KEY)
    if signature == _SIG_SECRET:
        return Secret(_from_wire(value.get("value")))
    if signature == _SIG_RESOURCE_REF:
        return value.get("id") or value.get("urn")
    if signature == _SIG_OUTPUT:
        inner = _from_wire(value["value"]) if "value" in value else UNKNOWN
        return Secret(inner) if value.get("secret") else inner
    return {key: _from_wire(item) for key, item in value.items()}


def _provider_urn(reference: str) -> str | None:
    return reference.rsplit("::", 1)[0] if reference else None


def _stable_hash(*parts: Any) -> bytes:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).digest()


def deterministic_password(inputs: Mapping[str, Any], resource_name: str = "") -> str:
    """What the random provider would produce, as a function of all the inputs (keepers included) and of the
    resource's name: two passwords with the same inputs still differ, as real random ones do."""
    classes: list[tuple[str, int]] = []
    if inputs.get("upper", True):
        classes.append((string.ascii_uppercase, int(inputs.get("minUpper", 0))))
    if inputs.get("lower", True):
        classes.append((string.ascii_lowercase, int(inputs.get("minLower", 0))))
    if inputs.get("numeric", True):
        classes.append((string.digits, int(inputs.get("minNumeric", 0))))
    if inputs.get("special", True):
        classes.append((inputs.get("overrideSpecial") or "!@#$%&*()-_=+[]{}<>:?", int(inputs.get("minSpecial", 0))))
    length = int(inputs["length"])
    rng = random.Random(_stable_hash("RandomPassword", resource_name, unwrap(dict(inputs))))
    characters = [rng.choice(charset) for charset, minimum in classes for _ in range(minimum)]
    alphabet = "".join(charset for charset, _ in classes)
    characters += [rng.choice(alphabet) for _ in range(length - len(characters))]
    rng.shuffle(characters)
    return "".join(characters[:length])


# azure-native's functions that read an existing resource: token -> (resource type, its name argument).
READ_FUNCTIONS = {
    "azure-native:network:getVirtualNetwork": ("virtualNetworks", "virtualNetworkName"),
    "azure-native:network:getVirtualNetworkGateway": ("virtualNetworkGateways", "virtualNetworkGatewayName"),
}


class AzureMocks(pulumi_mocks.Mocks):
    """Answers registrations the way Azure and the providers would, deterministically; reads of existing
    resources from a seed file's `resources` (the emulator's format), like a GET of each."""

    def __init__(self, seeded: Sequence[Mapping[str, Any]] | None = None) -> None:
        self.seeded = {str(resource["id"]).lower(): resource for resource in seeded or []}
        self.subscriptions: dict[str, str] = {}  # provider id -> subscription
        self.public_ips: dict[int, str] = {}  # host octet -> resource ID
        self.addresses: dict[str, str] = {}  # public IP resource ID -> address
        self.subnet_prefixes: dict[str, str] = {}  # subnet resource ID -> address prefix

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        read = READ_FUNCTIONS.get(args.token)
        if read is None:
            return {}, None
        collection, name_argument = read
        subscription = self.subscriptions.get((args.provider or "").rsplit("::", 1)[-1], DEFAULT_SUBSCRIPTION)
        inputs = dict(args.args)
        rid = (
            f"/subscriptions/{subscription}/resourceGroups/{inputs.get('resourceGroupName')}"
            f"/providers/Microsoft.Network/{collection}/{inputs.get(name_argument)}"
        )
        resource = self.seeded.get(rid.lower())
        if resource is None:
            # A failed function call, as azure-native reports a GET of a missing resource (not an RPC error,
            # which the SDK would treat as the program's unhandled exception).
            return {}, [("id", f"ResourceNotFound: The Resource '{rid}' was not found (nor in the seed file)")]
        answer: dict[str, Any] = {
            **dict(resource.get("inputs") or {}),
            "id": resource["id"],
            "name": rid.rsplit("/", 1)[-1],
            "location": resource.get("location"),
        }
        if collection == "virtualNetworks":
            prefix = rid.lower() + "/subnets/"
            answer["subnets"] = [
                *answer.get("subnets", []),
                *(
                    {"id": other["id"], "name": str(other["id"]).rsplit("/", 1)[-1], **dict(other.get("inputs") or {})}
                    for key, other in sorted(self.seeded.items())
                    if key.startswith(prefix)
                ),
            ]
        if collection == "virtualNetworkGateways":
            answer["bgpSettings"] = self._seeded_bgp_settings(rid, answer)
        return answer, []  # (the mock monitor iterates the failures: never None)

    def _seeded_bgp_settings(self, gateway_id: str, gateway: Mapping[str, Any]) -> dict[str, Any]:
        """What Azure reports for an existing gateway, as for a created one: its GatewaySubnet and public IPs
        from the seed."""
        for config in gateway.get("ipConfigurations") or []:
            subnet_id = str((config.get("subnet") or {}).get("id") or "")
            subnet = self.seeded.get(subnet_id.lower()) or {}
            self.subnet_prefixes.setdefault(subnet_id, str((subnet.get("inputs") or {}).get("addressPrefix", "")))
            ip_id = str((config.get("publicIPAddress") or {}).get("id") or "")
            if ip_id and ip_id not in self.addresses:
                self.addresses[ip_id] = self._public_ip(ip_id)
        return self._bgp_settings(gateway_id, gateway)

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        if args.typ.startswith(PROVIDER_TYPE_PREFIX):
            provider_id = f"provider-{args.name}"
            self.subscriptions[provider_id] = inputs.get("subscriptionId") or DEFAULT_SUBSCRIPTION
            return provider_id, inputs
        if args.typ == PASSWORD_TYPE:
            return f"{args.name}-id", {**inputs, "result": deterministic_password(inputs, args.name)}
        arm = ARM_TYPES.get(args.typ)
        if arm is None:
            return f"{args.name}-id", inputs
        # Azure names what the program does not: like azure-native's autonaming, a suffix after the logical name.
        name = inputs.get(arm.name_input) or f"{args.name}{_stable_hash(args.typ, args.name).hex()[:8]}"
        subscription = self.subscriptions.get((args.provider or "").rsplit("::", 1)[-1], DEFAULT_SUBSCRIPTION)
        resource_id = arm.id_template.format(
            subscription=subscription, name=name, **{k: v for k, v in inputs.items() if isinstance(v, str)}
        )
        state = {**inputs, "name": name, "id": resource_id, "provisioningState": "Succeeded"}
        if args.typ == PUBLIC_IP_TYPE:
            state["ipAddress"] = self.addresses[resource_id] = self._public_ip(resource_id)
        if args.typ == SUBNET_TYPE:
            self.subnet_prefixes[resource_id] = str(inputs.get("addressPrefix", ""))
        if args.typ == GATEWAY_TYPE:
            state["bgpSettings"] = self._bgp_settings(resource_id, inputs)
        if args.typ == CONNECTION_TYPE:
            state["connectionStatus"] = "Unknown"  # what Azure shows for a new connection (azure-cli #4436)
        return resource_id, state

    def _bgp_settings(self, gateway_id: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """What Azure fills in on every VPN gateway, BGP or not: the ASN (65515 unless given) and one peering
        address per IP configuration, taken from the top of the GatewaySubnet."""
        peerings = []
        for index, config in enumerate(inputs.get("ipConfigurations") or []):
            prefix = self.subnet_prefixes.get(str((config.get("subnet") or {}).get("id")), "")
            try:
                address = str(ipaddress.ip_network(prefix).broadcast_address - 1 - index)
            except ValueError:
                address = f"10.255.255.{254 - index}"
            public_ip = self.addresses.get(str((config.get("publicIPAddress") or {}).get("id")), "")
            peerings.append(
                {
                    "ipconfigurationId": f"{gateway_id}/ipConfigurations/{config.get('name', index)}",
                    "defaultBgpIpAddresses": [address],
                    "customBgpIpAddresses": [],
                    "tunnelIpAddresses": [public_ip] if public_ip else [],
                }
            )
        given = inputs.get("bgpSettings") or {}
        return {
            "asn": int(given.get("asn", AZURE_DEFAULT_ASN)),
            "bgpPeeringAddress": ",".join(a for p in peerings for a in p["defaultBgpIpAddresses"]),
            "peerWeight": 0,
            "bgpPeeringAddresses": peerings,
        }

    def _public_ip(self, resource_id: str) -> str:
        octet = 1 + int.from_bytes(_stable_hash(resource_id)[:4], "big") % 254
        while self.public_ips.get(octet, resource_id) != resource_id:
            octet = octet % 254 + 1
        self.public_ips[octet] = resource_id
        return f"{DOCUMENTATION_NET}.{octet}"


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """MockMonitor that keeps what MockResourceArgs leaves out: parent, dependencies, provider, options."""

    def __init__(self, mocks: AzureMocks, on_register: Callable[[RecordedResource], None] | None = None) -> None:
        super().__init__(mocks)
        self._urns: set[str] = set()
        self.recorded: list[RecordedResource] = []
        self.on_register = on_register

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The URN the engine gives: the parent's whole type chain (the mock keeps only the parent's own type),
        without the stack's type for the stack's children (pulumi/pulumi sdk/go/common/resource/urn.go)."""
        qualified = type_
        if parent:
            parent_chain = parent.split("::")[2]
            if parent_chain != STACK_TYPE:
                qualified = f"{parent_chain}${type_}"
        return "urn:pulumi:" + "::".join([pulumi.get_stack(), pulumi.get_project(), qualified, name])

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        # Like the engine (pkg/resource/deploy, "Duplicate resource URN"), refuse a second resource with the same
        # URN; the mock runtime would silently keep the last one.
        urn = self.make_urn(request.parent, request.type, request.name)
        if urn in self._urns:
            raise ProgramError(f"Duplicate resource URN '{urn}'; try giving it a unique name")
        self._urns.add(urn)
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        timeouts = request.customTimeouts
        options: dict[str, Any] = {
            "protect": bool(request.protect),
            "ignoreChanges": list(request.ignoreChanges),
            "customTimeouts": {
                key: getattr(timeouts, key) for key in ("create", "update", "delete") if getattr(timeouts, key)
            },
            "deleteBeforeReplace": bool(request.deleteBeforeReplace),
            "replaceOnChanges": list(request.replaceOnChanges),
            "additionalSecretOutputs": list(request.additionalSecretOutputs),
            "retainOnDelete": bool(request.retainOnDelete),
            "replaceWith": sorted(request.replace_with),
            "replacementTrigger": _from_wire(json_format.MessageToDict(request.replacement_trigger))
            if request.HasField("replacement_trigger")
            else None,
            "aliases": [
                json_format.MessageToDict(alias)
                for alias in request.aliases
                if not _SDK_VERSION_ALIAS.match(alias.spec.type)
            ],
        }
        registration = self.resources.get(response.urn)
        self.recorded.append(
            RecordedResource(
                urn=response.urn,
                type=request.type,
                name=request.name,
                custom=bool(request.custom),
                parent=request.parent or None,
                # Sets in the engine's eyes; the SDK sends them in no stable order.
                dependencies=sorted(request.dependencies),
                property_dependencies={
                    key: sorted(deps.urns) for key, deps in sorted(request.propertyDependencies.items())
                },
                provider=_provider_urn(request.provider),
                options=options,
                inputs=_from_wire(json_format.MessageToDict(request.object)),
                id=registration.id if registration else "",
                state=dict(registration.state) if registration else {},
            )
        )
        if self.on_register is not None:
            self.on_register(self.recorded[-1])
        return response


def _message(exc: BaseException) -> str:
    """The program's own message: the root of the chain, without the runtime's wrapping
    ("While processing resource ... has risen: ...")."""
    seen = {id(exc)}
    while True:
        inner = exc.__cause__ or exc.__context__
        if inner is None or id(inner) in seen:
            return str(exc) or type(exc).__name__
        seen.add(id(inner))
        exc = inner


def _resolve(value: Any) -> Any:
    output = pulumi.Output.from_input(value)
    resolved = _sync_await(output.future())
    return Secret(resolved) if _sync_await(output.is_secret()) else resolved


class _LogCollector(logging.Handler):
    """Keeps what the program logs through the engine (pulumi.log.*), at warning level and above."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _fresh_event_loop() -> Iterator[None]:
    loop = asyncio.new_event_loop()
    # When a program fails, the SDK's other futures fail with the same error and nobody reads them; the failure
    # itself is reported once, as ProgramError, so the loop's "exception was never retrieved" logs are dropped.
    loop.set_exception_handler(lambda _loop, _context: None)
    asyncio.set_event_loop(loop)
    try:
        yield
    finally:
        # A failed program leaves work pending: cancel it so that closing the loop stays quiet.
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()
        asyncio.set_event_loop(None)


def run_program(
    program: Callable[[], object],
    *,
    project: str = CONFIG_NAMESPACE,
    stack: str = "test",
    config: Mapping[str, str] | None = None,
    secret_keys: list[str] | None = None,
    on_register: Callable[[RecordedResource], None] | None = None,
    seeded: Sequence[Mapping[str, Any]] | None = None,
) -> Plan:
    """Run `program` on the mock runtime with `config` ("<namespace>:<key>" -> string) and record it; reads of
    existing resources are answered from `seeded` (a seed file's `resources`)."""
    collector = _LogCollector()
    logger = logging.getLogger("vnet2vnet.program")
    logger.propagate = False
    logger.handlers = [collector]
    with _fresh_event_loop():
        mocks = AzureMocks(seeded)
        monitor = RecordingMonitor(mocks, on_register)
        pulumi_settings.ROOT.set(None)  # a new root stack per run
        pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor, logger=logger)
        pulumi_settings.SETTINGS.rpc_manager.clear()
        pulumi_settings.SETTINGS.outputs.clear()
        set_all_config(dict(config or {}), secret_keys or [])
        try:
            _sync_await(run_pulumi_func(program))  # type: ignore[arg-type]
            root = pulumi_settings.get_root_resource()
            exported = dict(getattr(root, "outputs", {}))
            outputs = {name: _resolve(value) for name, value in exported.items()}
        except Exception as exc:
            raise ProgramError(_message(exc)) from exc
    return Plan(project, stack, monitor.recorded, outputs, diagnostics=collector.messages)


@dataclass(frozen=True)
class StackConfig:
    values: dict[str, str]
    secret_keys: list[str]
    opaque_keys: list[str]  # secure values the offline engine cannot decrypt
    warnings: list[str] = field(default_factory=list)  # about the files themselves (e.g. a plain-text key)


def _read_yaml(path: Path) -> stack_files.YamlFile:
    # One strict loader for both files: what the Pulumi CLI refuses is refused here, with the key path or line.
    return stack_files.read_yaml_file(path)


def _config_section(document: stack_files.YamlFile, project: str) -> dict[str, Any]:
    return stack_files.config_entries(document, project)


def _as_config_string(value: Any) -> str:
    return stack_files.config_string(value)


def _secret_warning(key: str, value: Any, file: str) -> list[str]:
    # The key the program reads (stack_config.read_raw_stack_config), whatever the project is called.
    if key == f"{CONFIG_NAMESPACE}:sharedKey" and value is not None:
        return [stack_files.plaintext_secret_warning(key, file)]
    return []


def load_stack_config(project_dir: Path, stack: str) -> tuple[str, StackConfig]:
    """Merge the project's config defaults with Pulumi.<stack>.yaml, as the CLI does before running a program."""
    project_file = _read_yaml(project_dir / "Pulumi.yaml")
    name = stack_files.project_name(project_file)
    values: dict[str, str] = {}
    warnings: list[str] = []
    for key, declaration in _config_section(project_file, name).items():
        if isinstance(declaration, dict) and ("default" in declaration or "value" in declaration):
            value = declaration.get("value", declaration.get("default"))
        elif not isinstance(declaration, dict):
            value = declaration
        else:
            continue  # a declaration without a value: the stack file sets it, or the program reports it missing
        values[key] = _as_config_string(value)
        warnings += _secret_warning(key, value, project_file.name)
    stack_file = project_dir / f"Pulumi.{stack}.yaml"
    if not stack_file.exists():
        stacks = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))
        raise ConfigFileError(f"no stack file {stack_file.name}; stacks here: {', '.join(stacks) or 'none'}")
    secret_keys: list[str] = []
    opaque_keys: list[str] = []
    stack_document = _read_yaml(stack_file)
    stack_files.check_stack_settings(stack_document)
    for key, value in _config_section(stack_document, name).items():
        if value is None:  # loaders.go checkForEmptyConfig: the CLI passes "" and warns
            values[key] = ""
            warnings.append(stack_files.empty_value_warning(key, stack_file.name))
            continue
        plain, encrypted = stack_files.replace_secure(value, OPAQUE_SECRET)
        if encrypted:
            secret_keys.append(key)
            opaque_keys.append(key)
        else:
            warnings += _secret_warning(key, value, stack_file.name)
        values[key] = _as_config_string(plain)
    return name, StackConfig(values, secret_keys, opaque_keys, warnings)


def run_stack(
    project_dir: Path | str,
    stack: str,
    *,
    config_overrides: Mapping[str, Any] | None = None,
    on_register: Callable[[RecordedResource], None] | None = None,
    seeded: Sequence[Mapping[str, Any]] | None = None,
) -> Plan:
    """Run the project's `__main__.py` for `stack` on the offline engine (existing resources from `seeded`)."""
    project_dir = Path(project_dir).resolve()
    project, stack_config = load_stack_config(project_dir, stack)
    values = dict(stack_config.values)
    secret_keys = list(stack_config.secret_keys)
    for key, override in (config_overrides or {}).items():
        if isinstance(override, Secret):
            secret_keys.append(key)
        values[key] = _as_config_string(unwrap(override))
    if str(project_dir) not in sys.path:
        sys.path.insert(0, str(project_dir))
    main = project_dir / "__main__.py"

    def program() -> None:
        runpy.run_path(str(main), run_name="__main__")

    plan = run_program(
        program,
        project=project,
        stack=stack,
        config=values,
        secret_keys=secret_keys,
        on_register=on_register,
        seeded=seeded,
    )
    plan.warnings.extend(stack_config.warnings)
    plan.warnings.extend(
        f"{key} is encrypted in Pulumi.{stack}.yaml; the offline engine cannot decrypt it, so its value is "
        "checked at `pulumi up`"
        for key in stack_config.opaque_keys
    )
    return plan
