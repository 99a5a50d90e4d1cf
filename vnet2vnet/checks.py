"""The gate in front of every deployment: parse, validate, and stop with every finding at once.

Used by `__main__.py` (stack config) and by the components (args). This is the imperative shell around the
pure parser (`schema.py`) and rules (`validation.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pulumi

from vnet2vnet.findings import Finding, PathStyle, ValidationError, errors_in
from vnet2vnet.schema import parse_component_args, parse_stack_config
from vnet2vnet.spec import TopologySpec
from vnet2vnet.validation import TopologyKind, validate


class NotBuiltError(ValueError):
    """An option the arg types already accept, whose implementation has not been built yet."""


# Production options accepted by the arg types and by validation, not built yet: the component refuses
# them instead of ignoring them. Each entry: (key path, is it used?).
def unbuilt_options(topology: TopologySpec) -> list[str]:
    used: list[tuple[str, bool]] = [
        ("gateway.active_active", topology.gateway.active_active),
        ("gateway.enable_bgp", topology.gateway.enable_bgp),
        ("gateway.zones", topology.gateway.zones is not None),
        ("gateway.protect", topology.gateway.protect),
        ("connection.shared_key_version", topology.connection.shared_key_version is not None),
        ("connection.dpd_timeout_seconds", topology.connection.dpd_timeout_seconds is not None),
        ("connection.connection_protocol", topology.connection.connection_protocol is not None),
        ("connection.ipsec_policy", topology.connection.ipsec_policy is not None),
    ]
    used += [(f"vnets[{i}].bgp_asn", vnet.bgp_asn is not None) for i, vnet in enumerate(topology.vnets)]
    return [path for path, in_use in used if in_use]


def _raise_on_errors(findings: Iterable[Finding], style: PathStyle, intro: str) -> None:
    findings = list(findings)
    rendered = [finding.rendered(style) for finding in findings]
    if errors_in(findings):
        raise ValidationError(rendered, intro)
    for finding in rendered:
        pulumi.log.warn(str(finding))


def checked_stack_spec(raw: Mapping[str, str], topology_kind: TopologyKind = "pair") -> TopologySpec:
    topology, findings = parse_stack_config(raw)
    if topology is not None:
        findings += validate(topology, topology_kind)
    _raise_on_errors(findings, "config", "invalid stack configuration")
    assert topology is not None
    return topology


def checked_component_spec(args: Mapping[str, Any], topology_kind: TopologyKind = "pair") -> TopologySpec:
    topology, findings = parse_component_args(args, is_deferred=lambda value: isinstance(value, pulumi.Output))
    if topology is not None:
        findings += validate(topology, topology_kind)
    _raise_on_errors(findings, "args", "invalid component args")
    assert topology is not None
    unbuilt = unbuilt_options(topology)
    if unbuilt:
        raise NotBuiltError(
            f"not built yet: {', '.join(unbuilt)}. These production options are accepted by the arg types "
            "and validation but are not implemented in this version; remove them to deploy."
        )
    return topology
