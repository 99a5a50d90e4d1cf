"""The plan model: what a program registered, as plain data. The offline engine records it; the renderers, the
schedule, the report and the spec checker read it without importing any Pulumi runtime."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_TYPE_PREFIX = "pulumi:providers:"


@dataclass(frozen=True)
class Secret:
    """A value the program marked secret."""

    value: Any


class Unknown:
    """A value not known until deployment."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = Unknown()


@dataclass
class RecordedResource:
    urn: str
    type: str
    name: str
    custom: bool
    parent: str | None
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    provider: str | None
    options: dict[str, Any]
    inputs: dict[str, Any]
    id: str = ""
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def is_component(self) -> bool:
        return not self.custom and self.type != STACK_TYPE


@dataclass
class Plan:
    project: str
    stack: str
    resources: list[RecordedResource]
    outputs: dict[str, Any]
    warnings: list[str] = field(default_factory=list)  # from the engine (e.g. secrets it cannot decrypt)
    diagnostics: list[str] = field(default_factory=list)  # what the program logged (pulumi.log.warn/error)
    # What Azure, as the emulator models it, refused of the plan's requests, in order: {resource, type, id, code,
    # rule, message}.
    refusals: list[dict[str, str]] = field(default_factory=list)

    def of_type(self, type_token: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == type_token]

    def by_urn(self) -> dict[str, RecordedResource]:
        return {r.urn: r for r in self.resources}

    @property
    def custom_resources(self) -> list[RecordedResource]:
        return [r for r in self.resources if r.custom and not r.type.startswith(PROVIDER_TYPE_PREFIX)]


def unwrap(value: Any) -> Any:
    """The value with every Secret marker removed."""
    if isinstance(value, Secret):
        return unwrap(value.value)
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


def mask(value: Any, placeholder: str = "[secret]") -> Any:
    """The value with every secret replaced by `placeholder` and unknowns by None."""
    if isinstance(value, Secret):
        return placeholder
    if isinstance(value, Unknown):
        return None
    if isinstance(value, dict):
        return {k: mask(v, placeholder) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v, placeholder) for v in value]
    return value
