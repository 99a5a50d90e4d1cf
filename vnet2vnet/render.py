"""Text rendering of a plan: a preview-like resource tree, the stack outputs and a summary line."""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from vnet2vnet.findings import RenderedFinding
from vnet2vnet.plan_model import PROVIDER_TYPE_PREFIX, Plan, RecordedResource, Secret, mask
from vnet2vnet.report import GatewayCapacity, typical_minutes
from vnet2vnet.schedule import Schedule
from vnet2vnet.tokens import (
    CONNECTION_TYPE,
    GATEWAY_TYPE,
    PASSWORD_TYPE,
    PUBLIC_IP_TYPE,
    RESOURCE_GROUP_TYPE,
    SUBNET_TYPE,
    VNET_TYPE,
)

# Order siblings as a reader follows a build: containers first, connections last.
_TYPE_ORDER = (
    "pulumi:providers:azure-native",
    "vnet2vnet:index:GatewayVnet",
    "vnet2vnet:index:VnetLink",
    RESOURCE_GROUP_TYPE,
    VNET_TYPE,
    SUBNET_TYPE,
    PUBLIC_IP_TYPE,
    GATEWAY_TYPE,
    PASSWORD_TYPE,
    CONNECTION_TYPE,
)


def _sort_key(resource: RecordedResource) -> tuple[int, str]:
    rank = _TYPE_ORDER.index(resource.type) if resource.type in _TYPE_ORDER else len(_TYPE_ORDER)
    return rank, resource.name


def resource_tree(plan: Plan) -> list[str]:
    children: dict[str | None, list[RecordedResource]] = defaultdict(list)
    for resource in plan.resources:
        children[resource.parent].append(resource)
    lines: list[tuple[int, RecordedResource]] = []

    def walk(parent: str | None, depth: int) -> None:
        for resource in sorted(children.get(parent, []), key=_sort_key):
            lines.append((depth, resource))
            walk(resource.urn, depth + 1)

    walk(None, 0)
    width = max((len(r.type) + 2 * depth for depth, r in lines), default=0) + 4
    return [f"{('  ' * depth + '+ ' + r.type).ljust(width)}{r.name}" for depth, r in lines]


def outputs_lines(plan: Plan) -> list[str]:
    def shown(value: object) -> str:
        return "[secret]" if isinstance(value, Secret) else json.dumps(mask(value))

    return [f"    {name}: {shown(value)}" for name, value in sorted(plan.outputs.items())]


def summary_line(plan: Plan) -> str:
    components = [r for r in plan.resources if r.is_component]
    providers = [r for r in plan.resources if r.custom and r.type.startswith(PROVIDER_TYPE_PREFIX)]
    extra = f", {len(providers)} explicit provider(s)" if providers else ""
    return (
        f"Resources: {len(plan.custom_resources)} to create, in {len(components)} components{extra} "
        "(offline plan: nothing was deployed)"
    )


def findings_lines(findings: Sequence[RenderedFinding]) -> list[str]:
    if not findings:
        return ["Checks: no findings (every rule in docs/checks.md passed)"]
    return ["Checks:", *(f"  {line}" for finding in findings for line in str(finding).splitlines())]


def _minutes(value: float) -> str:
    return f"{value:g} min"


def schedule_lines(plan: Plan, schedule: Schedule, rounds: Sequence[Sequence[str]] = ()) -> list[str]:
    by_urn = plan.by_urn()
    lines = ["Deployment schedule (typical Azure durations; resources in one wave run in parallel):"]
    for index, wave in enumerate(schedule.waves, start=1):
        names = ", ".join(sorted(f"{by_urn[u].name} ({_minutes(typical_minutes(by_urn[u].type))})" for u in wave))
        lines.append(f"  wave {index}: {names}")
    path = " -> ".join(by_urn[u].name for u in schedule.critical_path)
    lines.append(f"  critical path: {_minutes(schedule.critical_path_minutes)}: {path}")
    if rounds:
        lines.append(
            f"Connection rounds ({len(rounds)}; a gateway takes at most one connection write per round, "
            "Azure refuses concurrent ones):"
        )
        for index, round_ in enumerate(rounds, start=1):
            lines.append(f"  round {index}: {', '.join(sorted(by_urn[u].name for u in round_))}")
    return lines


def capacity_lines(capacity: Sequence[GatewayCapacity]) -> list[str]:
    lines = ["Gateway capacity:"]
    for gateway in capacity:
        throughput = f"{gateway.throughput_mbps} Mbps" if gateway.throughput_mbps else "unknown throughput"
        redundancy = "zone-redundant" if gateway.zone_redundant else "regional"
        tunnels = f"tunnels {gateway.tunnels_used}/{gateway.tunnel_limit}"
        lines.append(
            f"  {gateway.vnet}: {gateway.sku} {gateway.generation}, {tunnels}, {throughput} aggregate, {redundancy}"
        )
    return lines


def render_text(
    plan: Plan,
    findings: Sequence[RenderedFinding] = (),
    schedule: Schedule | None = None,
    capacity: Sequence[GatewayCapacity] = (),
    rounds: Sequence[Sequence[str]] = (),
) -> str:
    header = f"Plan for stack '{plan.stack}' of project '{plan.project}'"
    lines = [header, "", *findings_lines(findings), "", *resource_tree(plan)]
    lines += ["", "Outputs:", *outputs_lines(plan)]
    if schedule is not None:
        lines += ["", *schedule_lines(plan, schedule, rounds)]
    if capacity:
        lines += ["", *capacity_lines(capacity)]
    lines += ["", summary_line(plan)]
    return "\n".join(lines)


def plan_document(
    plan: Plan,
    findings: Sequence[RenderedFinding],
    schedule: Schedule,
    capacity: Sequence[GatewayCapacity],
    rounds: Sequence[Sequence[str]] = (),
) -> dict[str, Any]:
    """The `plan --json` document. Every secret is replaced by "[secret]"."""
    return {
        "stack": plan.stack,
        "project": plan.project,
        "resources": [
            {
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "parent": r.parent,
                "dependencies": r.dependencies,
                "provider": r.provider,
                "inputs": mask(r.inputs),
                "options": mask(r.options),
            }
            for r in plan.resources
        ],
        "outputs": mask(plan.outputs),
        "findings": [finding.as_dict() for finding in findings],
        "schedule": {
            "critical_path_minutes": schedule.critical_path_minutes,
            "critical_path": schedule.critical_path,
            "waves": schedule.waves,
            "rounds": [list(r) for r in rounds],
        },
        "capacity": [dataclasses.asdict(gateway) for gateway in capacity],
    }


def unplanned_document(stack: str, project: str, findings: Sequence[RenderedFinding]) -> dict[str, Any]:
    """The `plan --json` document when nothing was planned (config or file errors): built by plan_document from an
    empty plan, so it has the same keys and types, with the findings saying why."""
    empty = Schedule(waves=[], critical_path=[], critical_path_minutes=0.0, start_minutes={})
    return plan_document(Plan(project, stack, [], {}), findings, empty, [])
