"""The deployment schedule: which resources can be created together, and how long the whole takes.

Pure: a dependency graph in, waves and a critical path out. A dependency on a component means a dependency on
all of its descendants, as the Pulumi engine treats it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Node:
    urn: str
    type: str
    parent: str | None
    dependencies: tuple[str, ...]  # dependencies and property dependencies together
    schedulable: bool  # a custom resource (components and the stack are containers only)


@dataclass(frozen=True)
class Schedule:
    waves: list[list[str]]  # URNs that can run together, in order
    critical_path: list[str]  # URNs, first to last
    critical_path_minutes: float
    start_minutes: dict[str, float]  # earliest start of each resource

    def wave_of(self, urn: str) -> int:
        return next(index for index, wave in enumerate(self.waves) if urn in wave)


class CycleError(ValueError):
    pass


def _descendants(nodes: Mapping[str, Node]) -> dict[str, list[str]]:
    children: dict[str, list[str]] = defaultdict(list)
    for node in nodes.values():
        if node.parent is not None:
            children[node.parent].append(node.urn)
    memo: dict[str, list[str]] = {}

    def collect(urn: str) -> list[str]:
        if urn not in memo:
            memo[urn] = [d for child in children.get(urn, []) for d in (child, *collect(child))]
        return memo[urn]

    for urn in nodes:
        collect(urn)
    return memo


def resolved_dependencies(nodes: Iterable[Node]) -> dict[str, set[str]]:
    """For each schedulable resource, the schedulable resources it waits for (components expanded)."""
    by_urn = {node.urn: node for node in nodes}
    descendants = _descendants(by_urn)
    resolved: dict[str, set[str]] = {}
    for node in by_urn.values():
        if not node.schedulable:
            continue
        waits: set[str] = set()
        for dependency in node.dependencies:
            target = by_urn.get(dependency)
            if target is None or dependency == node.urn:
                continue
            if target.schedulable:
                waits.add(dependency)
            waits.update(d for d in descendants.get(dependency, []) if by_urn[d].schedulable and d != node.urn)
        resolved[node.urn] = waits
    return resolved


def compute_schedule(nodes: Iterable[Node], minutes: Callable[[Node], float]) -> Schedule:
    """Waves by dependency depth; the critical path by duration (longest weighted path)."""
    nodes = list(nodes)
    by_urn = {node.urn: node for node in nodes}
    waits = resolved_dependencies(nodes)
    order = _topological_order(waits)
    level: dict[str, int] = {}
    finish: dict[str, float] = {}
    start: dict[str, float] = {}
    via: dict[str, str | None] = {}
    for urn in order:
        before = sorted(waits[urn])
        level[urn] = 1 + max((level[d] for d in before), default=-1)
        latest = max(before, key=lambda d: (finish[d], d), default=None)
        start[urn] = finish[latest] if latest is not None else 0.0
        via[urn] = latest
        finish[urn] = start[urn] + minutes(by_urn[urn])
    waves: list[list[str]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for urn in sorted(level):
        waves[level[urn]].append(urn)
    path: list[str] = []
    last = max(finish, key=lambda u: (finish[u], u), default=None)
    while last is not None:
        path.append(last)
        last = via[last]
    path.reverse()
    total = finish[path[-1]] if path else 0.0
    return Schedule(waves, path, total, start)


def _topological_order(waits: Mapping[str, set[str]]) -> list[str]:
    remaining = {urn: set(deps) for urn, deps in waits.items()}
    dependents: dict[str, list[str]] = defaultdict(list)
    for urn, deps in remaining.items():
        for dependency in deps:
            dependents[dependency].append(urn)
    ready = sorted(urn for urn, deps in remaining.items() if not deps)
    order: list[str] = []
    while ready:
        urn = ready.pop()
        order.append(urn)
        for dependent in dependents[urn]:
            remaining[dependent].discard(urn)
            if not remaining[dependent]:
                ready.append(dependent)
    if len(order) != len(remaining):
        stuck = sorted(urn for urn, deps in remaining.items() if deps)
        raise CycleError(f"dependency cycle among: {', '.join(stuck)}")
    return order
