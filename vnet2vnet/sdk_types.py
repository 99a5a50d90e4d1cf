"""Request bodies checked against azure-native's own Python input types, for the resource types whose REST spec is
not at hand (Monitor, Log Analytics): the Microsoft.Network ones are checked against the spec (`spec_check`).

azure-native 3.29.0's SDK describes each resource's inputs as an `@pulumi.input_type` class (`WorkspaceArgs`,
`ActionGroupInitArgs`, ...): every property getter carries its wire (camelCase) name, set by `@pulumi.getter`
as the attribute `_pulumi_name` (pulumi/_types.py `getter`); its return annotation is the type (`Input[str]`,
`Sequence[Input['DiagnosticsLogSettingsArgs']]`, `Union[A, B]` of criteria classes, enums); a parameter of
`__init__` without a default is required; a required parameter the class sets to a literal of its own is a
discriminator (`odataType`, `criterionType`), which picks one class of a union.

What is reported, with a JSON path over the azure-native inputs ($.logs[0].category): unknown keys, missing
required keys, a discriminator that does not fit, and values of the wrong basic type (string, boolean, number,
whole number, list, object). Enum values are not checked: azure-native's enums accept any string
(`Union[str, Enum]`), as ARM's `modelAsString` enums do.
"""

from __future__ import annotations

import collections.abc
import enum
import functools
import importlib
import inspect
import sys
import typing
from dataclasses import dataclass
from typing import Any

WIRE_NAME_ATTRIBUTE = "_pulumi_name"  # pulumi.getter(name=...) stores the wire name here on the getter
INPUT_TYPE_ATTRIBUTE = "_pulumi_input_type"  # @pulumi.input_type marks its class with this attribute

Problem = tuple[str, str]  # (JSON path, what is wrong)
_SDK_NAMES = {"pulumi_azure_native": "azure-native", "pulumi_pulumiservice": "pulumiservice"}


@dataclass(frozen=True)
class Field:
    wire_name: str
    annotation: Any
    required: bool
    constant: str | None  # the value the SDK itself always sends (a discriminator), if any


class _Sentinel:
    """What `__init__` gets for each required parameter when looking for the ones it overrides with a literal."""


def is_input_type(value: Any) -> bool:
    return isinstance(value, type) and hasattr(value, INPUT_TYPE_ATTRIBUTE)


@functools.cache
def args_class(type_token: str) -> type:
    """The input class of a resource of a Pulumi Python SDK, e.g. `azure-native:monitor:ActionGroup` ->
    `ActionGroupInitArgs`, `pulumiservice:index:DeploymentSettings` -> `DeploymentSettingsArgs`: the class named
    after the resource, else the one *Args class its module exports."""
    package_name, module_name, resource_name = type_token.split(":")
    top = f"pulumi_{package_name.replace('-', '_')}"  # azure-native -> pulumi_azure_native
    package = importlib.import_module(top if module_name == "index" else f"{top}.{module_name}")
    resource = getattr(package, resource_name)
    module = sys.modules[resource.__module__]
    exported = [name for name in getattr(module, "__all__", ()) if name.endswith("Args")]
    # A module with its nested input types as well (pulumiservice) names the resource's own by the resource.
    own = [name for name in (f"{resource_name}InitArgs", f"{resource_name}Args") if name in exported]
    names = own[:1] or exported
    if len(names) != 1:
        raise LookupError(f"{type_token}: expected one *Args class in {module.__name__}, found {names}")
    found = getattr(module, names[0])
    if not is_input_type(found):
        raise LookupError(f"{type_token}: {names[0]} is not a pulumi input type")
    return typing.cast(type, found)


@functools.cache
def fields(cls: type) -> dict[str, Field]:
    """The wire-named fields of an input type, with resolved annotations, required flags and constants."""
    import pulumi

    # Like pulumi's own `_raw_return_hints`: `Input[T]` holds a forward reference to `Output[T]`.
    local_names = {"Output": pulumi.Output, "T": type(None)}
    global_names = vars(sys.modules[cls.__module__])
    python_names: dict[str, str] = {}
    annotations: dict[str, Any] = {}
    for base in reversed(cls.__mro__):
        for python_name, member in vars(base).items():
            getter = member.fget if isinstance(member, property) else None
            if getter is not None and hasattr(getter, WIRE_NAME_ATTRIBUTE):
                python_names[python_name] = str(getattr(getter, WIRE_NAME_ATTRIBUTE))
                hints = typing.get_type_hints(getter, globalns=global_names, localns=local_names)
                annotations[python_name] = hints.get("return", Any)
    parameters = inspect.signature(cls.__init__).parameters  # type: ignore[misc]
    required = {
        name
        for name, parameter in parameters.items()
        if name in python_names and parameter.default is inspect.Parameter.empty
    }
    constants = _constants(cls, required)
    return {
        python_names[name]: Field(python_names[name], annotations[name], name in required, constants.get(name))
        for name in python_names
    }


def _constants(cls: type, required: set[str]) -> dict[str, str]:
    """Required parameters that `__init__` ignores for a literal of its own (`pulumi.set(__self__, "odata_type",
    'Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria')`): found by passing a sentinel to each."""
    sentinel = _Sentinel()
    try:
        instance = cls(**dict.fromkeys(required, sentinel))
    except Exception:  # an SDK class that validates its arguments: no constants known
        return {}
    found: dict[str, str] = {}
    for name in required:
        value = getattr(instance, name, sentinel)
        if isinstance(value, str):
            found[name] = value
    return found


def _alternatives(annotation: Any) -> list[Any]:
    """The plain types an annotation admits: Input[T] (T | Awaitable[T] | Output[T]) and Optional[T] are T."""
    import pulumi

    origin = typing.get_origin(annotation)
    if origin is typing.Union:
        return [alternative for argument in typing.get_args(annotation) for alternative in _alternatives(argument)]
    if annotation is type(None) or origin is collections.abc.Awaitable or origin is pulumi.Output:
        return []
    if annotation is pulumi.Output:
        return []
    return [annotation]


def _kind(annotation: Any) -> str:
    """The basic JSON type of one alternative."""
    origin = typing.get_origin(annotation)
    if annotation is Any:
        return "any"
    if annotation is bool:
        return "boolean"
    if annotation is int:
        return "whole number"
    if annotation is float:
        return "number"
    if annotation is str or (isinstance(annotation, type) and issubclass(annotation, (str, enum.Enum))):
        return "string"
    if origin in (collections.abc.Sequence, list, typing.Sequence):
        return "list"
    if origin in (collections.abc.Mapping, dict, typing.Mapping) or annotation is dict:
        return "object"
    if is_input_type(annotation):
        return "object"
    return "any"


def _fits_kind(value: Any, kind: str) -> bool:
    if kind == "any":
        return True
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "whole number":
        return isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer()
    if kind == "string":
        return isinstance(value, str)
    if kind == "list":
        return isinstance(value, list)
    return isinstance(value, dict)


def _join(path: str, key: str | int) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"


def _is_plain(value: Any) -> bool:
    """A JSON value; anything else (the provider's marker for an unknown) is not checked."""
    return value is None or isinstance(value, (str, bool, int, float, list, dict))


def check_value(value: Any, annotation: Any, path: str) -> list[Problem]:
    """What is wrong with `value` as an instance of `annotation`; [] when it fits any alternative."""
    if value is None or not _is_plain(value):
        return []
    alternatives = _alternatives(annotation)
    if not alternatives:
        return []
    results: list[tuple[Any, list[Problem]]] = []
    for alternative in alternatives:
        problems = _check_one(value, alternative, path)
        if not problems:
            return []
        results.append((alternative, problems))
    if len(results) == 1:
        return results[0][1]
    kinds = sorted({_kind(alternative) for alternative, _ in results})
    classes = [alternative for alternative, _ in results if is_input_type(alternative)]
    if not isinstance(value, dict) or not classes:
        return [(path, f"expected {' or '.join(kinds)}, got {_json_type(value)}")]
    # A union of object types: the discriminator picks one; without a fitting one, say what would.
    chosen = [cls for cls in classes if _discriminators_fit(value, cls)]
    if chosen:
        return _check_object(value, chosen[0], path)
    expected = sorted(
        f"{field.wire_name}: {field.constant!r}"
        for cls in classes
        for field in fields(cls).values()
        if field.constant is not None
    )
    names = ", ".join(cls.__name__ for cls in classes)
    if expected:
        return [(path, f"fits none of {names}: the discriminator must be one of {', '.join(expected)}")]
    best = min((problems for alternative, problems in results if is_input_type(alternative)), key=len)
    return [(path, f"fits none of {names}"), *best]


def _discriminators_fit(value: dict[str, Any], cls: type) -> bool:
    constants = [field for field in fields(cls).values() if field.constant is not None]
    return bool(constants) and all(value.get(field.wire_name) == field.constant for field in constants)


def _check_one(value: Any, annotation: Any, path: str) -> list[Problem]:
    kind = _kind(annotation)
    if not _fits_kind(value, kind):
        return [(path, f"expected {kind}, got {_json_type(value)}")]
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if kind == "list" and arguments:
        return [
            problem
            for index, item in enumerate(value)
            for problem in check_value(item, arguments[0], _join(path, index))
        ]
    if kind == "object" and is_input_type(annotation):
        return _check_object(value, annotation, path)
    if kind == "object" and origin is not None and len(arguments) == 2:
        return [problem for key, item in value.items() for problem in check_value(item, arguments[1], _join(path, key))]
    return []


def _check_object(value: dict[str, Any], cls: type, path: str) -> list[Problem]:
    known = fields(cls)
    problems: list[Problem] = []
    sdk = _SDK_NAMES.get(cls.__module__.split(".")[0], cls.__module__.split(".")[0])
    for key in sorted(set(value) - set(known)):
        problems.append((_join(path, key), f"unknown property (not in {sdk}'s {cls.__name__})"))
    for name, field in known.items():
        if value.get(name) is None:
            if field.required:
                problems.append((_join(path, name), f"missing required property ({sdk}'s {cls.__name__})"))
            continue
        if field.constant is not None and value[name] != field.constant:
            problems.append((_join(path, name), f"must be {field.constant!r}, not {value[name]!r}"))
            continue
        problems += check_value(value[name], field.annotation, _join(path, name))
    return problems


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    return "object"


def violations(type_token: str, inputs: dict[str, Any]) -> list[Problem]:
    """What is wrong with a resource's azure-native inputs (path parameters included) against its SDK types."""
    return sorted(set(_check_object(inputs, args_class(type_token), "$")))
