"""The gate in front of every deployment: parse, validate, and stop with every finding at once.

Used by `__main__.py` (stack config), the components (args) and the CLI. This is the imperative shell around
the pure parser (`schema.py`) and rules (`validation.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from vnet2vnet.findings import Finding, PathStyle, RenderedFinding, ValidationError, errors_in
from vnet2vnet.schema import TOPOLOGY, ObjectSchema, parse_component_args, parse_stack_config
from vnet2vnet.spec import TopologySpec
from vnet2vnet.validation import validate


def stack_findings(raw: Mapping[str, str], project: str) -> tuple[TopologySpec | None, list[Finding]]:
    """Parse and validate the stack config: the single validation pass behind `plan` and `pulumi up`. The
    program names its component after the project."""
    topology, findings = parse_stack_config(raw)
    if topology is not None:
        findings += validate(topology, component_name=project)
    return topology, findings


class ProgramValidationError(ValidationError, pulumi.RunError):
    """A ValidationError that Pulumi's language hosts report as its message alone: a user's mistake ends `pulumi
    up` with the findings, not with a traceback (RunError is the runtime's "no stack trace" error)."""


def _raise_on_errors(findings: list[Finding], style: PathStyle, intro: str) -> list[RenderedFinding]:
    rendered = [finding.rendered(style) for finding in findings]
    if errors_in(findings):
        raise ProgramValidationError(rendered, intro)
    return rendered


def checked_stack_spec(raw: Mapping[str, str], project: str) -> TopologySpec:
    topology, findings = stack_findings(raw, project)
    for warning in _raise_on_errors(findings, "config", "invalid stack configuration"):
        pulumi.log.warn(str(warning))
    assert topology is not None
    return topology


def _output_leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], pulumi.Output[Any]]]:
    if isinstance(value, pulumi.Output):
        return [(path, value)]
    if isinstance(value, Mapping):
        return [leaf for key, item in value.items() for leaf in _output_leaves(item, (*path, key))]
    if isinstance(value, (list, tuple)):
        return [leaf for index, item in enumerate(value) for leaf in _output_leaves(item, (*path, index))]
    return []


def _with_values(args: Any, values: list[tuple[tuple[Any, ...], Any]]) -> Any:
    """A copy of `args` with each path set to its value (lists and mappings copied, resources shared)."""

    def copy_tree(value: Any) -> Any:
        if isinstance(value, Mapping):
            return {key: copy_tree(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [copy_tree(item) for item in value]
        return value

    result = copy_tree(args)
    for path, value in values:
        target = result
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return result


@dataclass(frozen=True)
class CheckedSpec:
    """Component args the caller already parsed, validated and reported on (the stack program, from its stack
    config): the component builds this spec as it is, without a second pass or a second set of warnings."""

    topology: TopologySpec


def _is_azure_provider(value: Any) -> bool:
    return isinstance(value, pulumi.ProviderResource) and getattr(value, "package", None) == "azure-native"


def _validated_args(args: Mapping[str, Any], schema: ObjectSchema, component_name: str | None) -> TopologySpec:
    topology, findings = parse_component_args(
        args, is_deferred=lambda value: isinstance(value, pulumi.Output), schema=schema, is_provider=_is_azure_provider
    )
    if topology is not None:
        findings += validate(topology, component_name)
    for warning in _raise_on_errors(findings, "args", "invalid component args"):
        pulumi.log.warn(str(warning))
    assert topology is not None
    return topology


def checked_component_spec(
    args: Mapping[str, Any] | CheckedSpec,
    schema: ObjectSchema = TOPOLOGY,
    component_name: str | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> TopologySpec:
    """The spec of valid component args (`defaults` under them), or ValidationError listing every finding. A
    CheckedSpec is returned as it is.

    Plain values are checked now, before any resource is registered. Values that are Outputs are checked once
    they resolve, by the same rules: every resource input fed by such a value waits for that check, so a bad
    value fails the deployment with the same messages before it reaches Azure.
    """
    if isinstance(args, CheckedSpec):
        return args.topology
    args = {**(defaults or {}), **args}
    topology = _validated_args(args, schema, component_name)
    leaves = _output_leaves(args)
    if leaves:
        paths = [path for path, _ in leaves]

        def check_resolved(resolved: list[Any]) -> bool:
            _validated_args(_with_values(args, list(zip(paths, resolved, strict=True))), schema, component_name)
            return True

        checked = pulumi.Output.all(*[output for _, output in leaves]).apply(check_resolved)
        gated = [(path, pulumi.Output.all(checked, output).apply(lambda pair: pair[1])) for path, output in leaves]
        topology = _validated_args(_with_values(args, gated), schema, component_name)
    return topology
