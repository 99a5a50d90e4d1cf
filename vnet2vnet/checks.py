"""The gate in front of every deployment: parse, validate, and stop with every finding at once.

Used by `__main__.py` (stack config), the components (args) and the CLI. This is the imperative shell around
the pure parser (`schema.py`) and rules (`validation/`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from vnet2vnet.existing import Reader, complete, needs_reading, read_existing
from vnet2vnet.findings import Finding, PathStyle, RenderedFinding, ValidationError, errors_in
from vnet2vnet.network import ResolvedNetwork, resolve
from vnet2vnet.schema import TOPOLOGY, ObjectSchema, parse_component_args, parse_stack_config
from vnet2vnet.spec import TopologySpec
from vnet2vnet.validation import check_identifiers, check_vnet_sources, validate


def _program_reader() -> Reader:
    from vnet2vnet.components._reads import read_with_invokes

    return read_with_invokes


def stack_findings(
    raw: Mapping[str, str], project: str, read: Reader | None = None, attach: Attach | None = None
) -> tuple[ResolvedNetwork | None, list[Finding]]:
    """Parse, resolve and validate the stack config: the single validation pass behind `plan` and `pulumi up`. The
    program names its component after the project. With `read`, existing VNets and gateways are read first (with
    the providers `attach` gives each VNet) and checked with Azure's values; without it (no engine), the rules
    that need those values wait for the program. The network is None when the config does not parse."""
    topology, findings = parse_stack_config(raw)
    return _with_rules(topology, findings, project, read, attach)


# Gives each VNet of a parsed spec its provider (the stack program makes them from subscriptionId/tenantId).
Attach = Callable[[TopologySpec], TopologySpec]


def _with_rules(
    topology: TopologySpec | None,
    findings: list[Finding],
    component_name: str | None,
    read: Reader | None,
    attach: Attach | None = None,
    *,
    component_type: str | None = None,
) -> tuple[ResolvedNetwork | None, list[Finding]]:
    if topology is None:
        return None, findings
    # What the config says before Azure is read: whether the IDs to read are well-formed.
    given = resolve(topology)
    ready_to_read = not errors_in([*check_vnet_sources(given), *check_identifiers(given)])
    unread: set[Any] = set()
    if read is not None and needs_reading(topology) and ready_to_read:
        if attach is not None:
            topology, attach = attach(topology), None  # reads go through each side's own provider
        existing = read_existing(topology, read)
        topology, found = complete(topology, existing)
        findings = findings + found
        unread = {path[1] for path in existing.unreadable}
    # Resolved once, with what Azure said of existing VNets and gateways; everything after reads this value.
    network = given if topology is given.spec else resolve(topology)
    # A VNet Azure could not describe has only that finding: the rest would be guesses about it.
    findings = findings + [
        finding
        for finding in validate(network, component_name=component_name, component_type=component_type)
        if not (finding.path[:1] == ("vnets",) and len(finding.path) > 1 and finding.path[1] in unread)
    ]
    if attach is not None and not errors_in(findings):
        network = network.with_vnets(attach(network.spec).vnets)
    return network, findings


class ProgramValidationError(ValidationError, pulumi.RunError):
    """A ValidationError that Pulumi's language hosts report as its message alone: a user's mistake ends `pulumi
    up` with the findings, not with a traceback (RunError is the runtime's "no stack trace" error)."""


def _raise_on_errors(findings: list[Finding], style: PathStyle, intro: str) -> list[RenderedFinding]:
    rendered = [finding.rendered(style) for finding in findings]
    if errors_in(findings):
        raise ProgramValidationError(rendered, intro)
    return rendered


def checked_stack_spec(
    raw: Mapping[str, str], project: str, read: Reader | None = None, attach: Attach | None = None
) -> ResolvedNetwork:
    """The checked, resolved stack config, each VNet with the provider `attach` gives it, or ValidationError."""
    network, findings = stack_findings(raw, project, read, attach)
    for warning in _raise_on_errors(findings, "config", "invalid stack configuration"):
        pulumi.log.warn(str(warning))
    assert network is not None
    return network


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
    """A network the caller already parsed, validated, resolved and reported on (the stack program, from its stack
    config): a component built `from_checked` builds it as it is, without a second pass or a second set of
    warnings."""

    network: ResolvedNetwork


def _is_azure_provider(value: Any) -> bool:
    return isinstance(value, pulumi.ProviderResource) and getattr(value, "package", None) == "azure-native"


def _validated_args(
    args: Mapping[str, Any], schema: ObjectSchema, component_name: str | None, component_type: str | None
) -> ResolvedNetwork:
    topology, findings = parse_component_args(
        args, is_deferred=lambda value: isinstance(value, pulumi.Output), schema=schema, is_provider=_is_azure_provider
    )
    network, findings = _with_rules(
        topology, findings, component_name, _program_reader(), component_type=component_type
    )
    for warning in _raise_on_errors(findings, "args", "invalid component args"):
        pulumi.log.warn(str(warning))
    assert network is not None
    return network


def checked_component_spec(
    args: Mapping[str, Any],
    schema: ObjectSchema = TOPOLOGY,
    component_name: str | None = None,
    defaults: Mapping[str, Any] | None = None,
    component_type: str | None = None,
) -> ResolvedNetwork:
    """The resolved network of valid component args (`defaults` under them), or ValidationError listing every
    finding. `component_type`: the component's, for the names it derives (checked once, then reused).

    Plain values are checked now, before any resource is registered. Values that are Outputs are checked once
    they resolve, by the same rules: every resource input fed by such a value waits for that check, so a bad
    value fails the deployment with the same messages before it reaches Azure.
    """
    args = {**(defaults or {}), **args}
    network = _validated_args(args, schema, component_name, component_type)
    leaves = _output_leaves(args)
    if leaves:
        paths = [path for path, _ in leaves]

        def check_resolved(resolved: list[Any]) -> bool:
            _validated_args(
                _with_values(args, list(zip(paths, resolved, strict=True))), schema, component_name, component_type
            )
            return True

        checked = pulumi.Output.all(*[output for _, output in leaves]).apply(check_resolved)
        gated = [(path, pulumi.Output.all(checked, output).apply(lambda pair: pair[1])) for path, output in leaves]
        network = _validated_args(_with_values(args, gated), schema, component_name, component_type)
    return network
