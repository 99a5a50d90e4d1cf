"""Which VNets are linked, and in what order their connections can be written. Pure.

Azure refuses concurrent connection writes on one gateway (409 AnotherOperationInProgress,
Azure/Azure-Landing-Zones #4134), and a connection touches both of its gateways. So connections are written in
rounds where every gateway takes part in at most one write: a proper edge colouring of the link graph, each
link's two directions in different rounds. With an optimal colouring that is 2 x the edge-chromatic number:
2(N-1) rounds for a full mesh of even N, 2N for odd N, 2 x spokes for hub-and-spoke.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

Topology = Literal["pair", "mesh", "hub-and-spoke"]
TOPOLOGIES: tuple[Topology, ...] = ("pair", "mesh", "hub-and-spoke")
Link = tuple[str, str]  # (a, b) in the order the VNets are listed
Direction = tuple[str, str]  # (local, remote): the connection from local's gateway to remote's


def topology_links(names: Sequence[str], topology: str, hub: str | None = None) -> list[Link]:
    """The VNet pairs that get a tunnel, in a stable order."""
    if topology == "hub-and-spoke":
        if hub is None or hub not in names:
            return []
        return [(hub, name) for name in names if name != hub]
    if topology == "pair":
        return [(names[0], names[1])] if len(names) == 2 else []
    return [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]


def _round_robin(names: Sequence[str]) -> list[list[Link]]:
    """The circle method: a complete graph's edges in N-1 perfect matchings (N even; a bye makes N odd work,
    giving N matchings)."""
    players: list[str | None] = list(names)
    if len(players) % 2:
        players.append(None)
    count = len(players)
    order = {name: index for index, name in enumerate(names)}
    matchings: list[list[Link]] = []
    for turn in range(count - 1):
        pairs = [(players[count - 1], players[turn])]
        for k in range(1, count // 2):
            pairs.append((players[(turn + k) % (count - 1)], players[(turn - k) % (count - 1)]))
        matching = [(a, b) if order[a] < order[b] else (b, a) for a, b in pairs if a is not None and b is not None]
        matchings.append(sorted(matching, key=lambda link: (order[link[0]], order[link[1]])))
    return matchings


def edge_colouring(names: Sequence[str], links: Sequence[Link]) -> list[list[Link]]:
    """Links grouped so that no VNet appears twice in a group. Optimal for the complete graph (circle
    method) and for stars (one link per group); a greedy colouring for any other link graph."""
    wanted = set(links)
    complete = {(a, b) for i, a in enumerate(names) for b in names[i + 1 :]}
    if wanted == complete and len(names) >= 2:
        return [matching for matching in _round_robin(names) if matching]
    groups: list[list[Link]] = []
    busy: list[set[str]] = []
    for link in links:
        for group, used in zip(groups, busy, strict=True):
            if not used & set(link):
                group.append(link)
                used.update(link)
                break
        else:
            groups.append([link])
            busy.append(set(link))
    return groups


def connection_rounds(names: Sequence[str], links: Sequence[Link]) -> list[list[Direction]]:
    """Each colour class twice: first every link's a->b connection, then its b->a connection."""
    rounds: list[list[Direction]] = []
    for group in edge_colouring(names, links):
        rounds.append([(a, b) for a, b in group])
        rounds.append([(b, a) for a, b in group])
    return rounds


def round_bound(vnet_count: int, topology: str) -> int:
    """2 x the edge-chromatic number of the link graph: the fewest rounds any safe order can take."""
    if vnet_count < 2:
        return 0
    if topology == "hub-and-spoke":
        return 2 * (vnet_count - 1)
    if topology == "pair":
        return 2
    return 2 * (vnet_count - 1) if vnet_count % 2 == 0 else 2 * vnet_count


def tunnels_per_vnet(names: Sequence[str], links: Sequence[Link]) -> dict[str, int]:
    """One tunnel per link a gateway takes part in (a tunnel is the pair of connection resources)."""
    return {name: sum(name in link for link in links) for name in names}
