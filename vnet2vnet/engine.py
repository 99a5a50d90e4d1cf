"""The offline engine: runs a Pulumi program on the mock runtime and records exactly what would be sent.

Used by the tests, by `plan` and by the benchmarks. It loads Pulumi.yaml defaults and Pulumi.<stack>.yaml itself
(the SDK does not), records every registration (type, name, parent, dependencies, provider, options, inputs with
their secrets marked) through a MockMonitor subclass, and answers from the emulator's model of Azure (the one a
rehearsal runs against: IDs, addresses, BGP settings, GET answers, Azure's refusals) with time standing still, and
deterministic RandomPassword results.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import random
import re
import runpy
import string
import sys
import threading
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
from vnet2vnet.emulator import azure as emulated
from vnet2vnet.emulator.seed import apply_seed
from vnet2vnet.emulator.store import default_state
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
    PASSWORD_TYPE,
)

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


# azure-native's functions that read an existing resource: token -> the resource type they GET.
READ_FUNCTIONS = {
    "azure-native:network:getVirtualNetwork": emulated.VNET,
    "azure-native:network:getVirtualNetworkGateway": emulated.GATEWAY,
}
# In a plan no time passes: the emulated clock of the mocks' Azure stands still (a year of real time is a fraction
# of an emulated second).
FROZEN_CLOCK_SCALE = 1e9


class AzureMocks(pulumi_mocks.Mocks):
    """Answers registrations from the emulator's model of Azure (vnet2vnet.emulator.azure), the one a rehearsal runs
    against: the same IDs (up to azure-native's random auto-name suffix), addresses, BGP settings and GET answers,
    every request checked by Azure's rules (its refusals recorded in `refusals`, in the plan's order, and the plan
    going on), instantly. Existing resources come from a seed file's `resources`, as in a rehearsal."""

    def __init__(self, seeded: Sequence[Mapping[str, Any]] | None = None) -> None:
        self.azure = default_state(clock_scale=FROZEN_CLOCK_SCALE)
        apply_seed(self.azure, {"resources": [dict(resource) for resource in seeded or []]})
        self.subscriptions: dict[str, str] = {}  # provider id -> subscription
        self.refusals: list[dict[str, str]] = []  # Azure's refusals of the plan's requests, in order
        # The SDK calls the mocks from its thread pool, several registrations at once: one request at a time reaches
        # the emulated Azure (a rule iterating its resources while another thread adds one fails; a 100-VNet
        # hub-and-spoke did).
        self._one_at_a_time = threading.Lock()

    def _subscription(self, provider: str | None) -> str:
        return self.subscriptions.get((provider or "").rsplit("::", 1)[-1], emulated.DEFAULT_SUBSCRIPTION)

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        with self._one_at_a_time:
            return self._call(args)

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        with self._one_at_a_time:
            return self._new_resource(args)

    def _call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        type_token = READ_FUNCTIONS.get(args.token)
        if type_token is None:
            return {}, None
        resource_type = emulated.RESOURCE_TYPES[type_token]
        parameters = (*resource_type.parent_parameters, resource_type.name_parameter)
        inputs = dict(args.args)
        rid = emulated.resource_id(
            type_token, self._subscription(args.provider), {p: str(inputs.get(p, "")) for p in parameters}
        )
        record = emulated.find(self.azure, rid)
        if record is None or record["type"] != type_token:
            # A failed function call, as azure-native reports a GET of a missing resource (not an RPC error,
            # which the SDK would treat as the program's unhandled exception).
            return {}, [("id", f"ResourceNotFound: The Resource '{rid}' was not found (nor in the seed file)")]
        return emulated.answer(self.azure, record, reading=True, now=0.0), []  # (the monitor iterates failures)

    def _new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        if args.typ.startswith(PROVIDER_TYPE_PREFIX):
            provider_id = f"provider-{args.name}"
            self.subscriptions[provider_id] = inputs.get("subscriptionId") or emulated.DEFAULT_SUBSCRIPTION
            return provider_id, inputs
        if args.typ == PASSWORD_TYPE:
            return f"{args.name}-id", {**inputs, "result": deterministic_password(inputs, args.name)}
        resource_type = emulated.RESOURCE_TYPES.get(args.typ)
        if resource_type is None:
            return f"{args.name}-id", inputs
        sent = dict(inputs)
        if resource_type.name_parameter not in sent:
            # azure-native's auto-naming: the logical name and 8 hex characters (random there, stable here), and
            # its flag for a generated name.
            sent[resource_type.name_parameter] = f"{args.name}{_stable_hash(args.typ, args.name).hex()[:8]}"
            sent["__createBeforeDelete"] = True
        subscription = self._subscription(args.provider)
        parameters = (*resource_type.parent_parameters, resource_type.name_parameter)
        path_values = {p: str(sent.get(p, "")) for p in parameters}
        rid = emulated.resource_id(args.typ, subscription, path_values)
        body = {k: v for k, v in sent.items() if k not in path_values and not k.startswith("__")}
        try:
            record = emulated.accept_put(
                self.azure, "create", args.typ, rid, body, sent=sent, subscription=subscription
            )
        except emulated.AzureError as refusal:
            self.refusals.append(
                {"resource": args.name, "type": args.typ, "id": rid, "code": refusal.code, "rule": refusal.rule,
                 "message": str(refusal).rsplit("\n", 1)[-1]}
            )  # fmt: skip
            record = emulated.put_record(self.azure, args.typ, rid, body, sent=sent, subscription=subscription)
        record["provisioningState"], record["succeededAt"] = "Succeeded", 0.0
        return rid, emulated.answer(self.azure, record, reading=True, now=0.0)


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
    mocks: AzureMocks | None = None,
) -> Plan:
    """Run `program` on the mock runtime with `config` ("<namespace>:<key>" -> string) and record it; reads of
    existing resources are answered from `seeded` (a seed file's `resources`), or from `mocks` when the caller
    wants to look at the emulated Azure afterwards."""
    collector = _LogCollector()
    logger = logging.getLogger("vnet2vnet.program")
    logger.propagate = False
    logger.handlers = [collector]
    with _fresh_event_loop():
        mocks = mocks or AzureMocks(seeded)
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
    return Plan(project, stack, monitor.recorded, outputs, diagnostics=collector.messages, refusals=mocks.refusals)


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
