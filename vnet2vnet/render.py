"""Text rendering of a plan: a preview-like resource tree, the stack outputs and a summary line."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence

from vnet2vnet.engine import Plan, RecordedResource, Secret, mask
from vnet2vnet.findings import RenderedFinding

# Order siblings as a reader follows a build: containers first, connections last.
_TYPE_ORDER = (
    "pulumi:providers:azure-native",
    "vnet2vnet:index:GatewayVnet",
    "vnet2vnet:index:VnetLink",
    "azure-native:resources:ResourceGroup",
    "azure-native:network:VirtualNetwork",
    "azure-native:network:Subnet",
    "azure-native:network:PublicIPAddress",
    "azure-native:network:VirtualNetworkGateway",
    "random:index/randomPassword:RandomPassword",
    "azure-native:network:VirtualNetworkGatewayConnection",
)


def _sort_key(resource: RecordedResource) -> tuple[int, str]:
    rank = _TYPE_ORDER.index(resource.type) if resource.type in _TYPE_ORDER else len(_TYPE_ORDER)
    return rank, resource.name


def resource_tree(plan: Plan) -> list[str]:
    children: dict[str | None, list[RecordedResource]] = defaultdict(list)
    for resource in plan.resources:
        children[resource.parent].append(resource)
    width = max((len(r.type) + 2 * _depth(plan, r) for r in plan.resources), default=0) + 2
    lines: list[str] = []

    def walk(parent: str | None, depth: int) -> None:
        for resource in sorted(children.get(parent, []), key=_sort_key):
            label = f"{'  ' * depth}+ {resource.type}"
            lines.append(f"{label.ljust(width + 2)}{resource.name}")
            walk(resource.urn, depth + 1)

    walk(None, 0)
    return lines


def _depth(plan: Plan, resource: RecordedResource) -> int:
    by_urn = plan.by_urn()
    depth = 0
    while resource.parent and resource.parent in by_urn:
        resource = by_urn[resource.parent]
        depth += 1
    return depth


def outputs_lines(plan: Plan) -> list[str]:
    def shown(value: object) -> str:
        return "[secret]" if isinstance(value, Secret) else json.dumps(mask(value))

    return [f"    {name}: {shown(value)}" for name, value in sorted(plan.outputs.items())]


def summary_line(plan: Plan) -> str:
    components = [r for r in plan.resources if r.is_component]
    providers = [r for r in plan.resources if r.custom and r not in plan.custom_resources]
    extra = f", {len(providers)} explicit provider(s)" if providers else ""
    return (
        f"Resources: {len(plan.custom_resources)} to create, in {len(components)} components{extra} "
        "(offline plan: nothing was deployed)"
    )


def findings_lines(findings: Sequence[RenderedFinding]) -> list[str]:
    if not findings:
        return ["Checks: no findings (every rule in README 'What we check before you deploy' passed)"]
    return ["Checks:", *(f"  {line}" for finding in findings for line in str(finding).splitlines())]


def render_text(plan: Plan, findings: Sequence[RenderedFinding] = ()) -> str:
    header = f"Plan for stack '{plan.stack}' of project '{plan.project}'"
    lines = [header, "", *findings_lines(findings), "", *resource_tree(plan)]
    lines += ["", "Outputs:", *outputs_lines(plan), "", summary_line(plan)]
    return "\n".join(lines)
