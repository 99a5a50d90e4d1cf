"""One resolved network: every effective setting of a parsed spec, worked out once.

A VNet's gateway is its own `gateway` block over the shared one; a link's connection is its `links` entry's
`connection` over the shared one, its key the entry's own, else the shared `sharedKey`, else a generated one; BGP
runs on a link only when both its gateways run it. `resolve` computes these once, right after parsing, and the
rules, naming, the components, the plan report, adopt, evidence and the disruption forecast all read the result
instead of recomputing them. The names the component derives are computed once per component name and type too.
Pure: a spec in, a value out.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from vnet2vnet.spec import ConnectionSpec, GatewaySpec, LinkSpec, TopologySpec, VnetSpec
from vnet2vnet.topology import Link

if TYPE_CHECKING:
    from vnet2vnet.naming import DerivedName


@dataclass(frozen=True)
class ResolvedSide:
    """One VNet and the gateway settings that apply to it."""

    index: int  # its position in `vnets` (config paths: vnets[index])
    vnet: VnetSpec
    gateway: GatewaySpec  # its own `gateway` block over the shared one

    @property
    def name(self) -> str:
        return self.vnet.name


@dataclass(frozen=True)
class ResolvedLink:
    """One link of the topology, in the topology's order of its two VNets, and the settings of both its
    connections."""

    ends: Link
    entry: LinkSpec | None  # its `links` entry, when it has one
    entry_index: int | None  # that entry's position in `links`
    connection: ConnectionSpec  # the entry's `connection` over the shared one
    shared_key: Any  # the entry's own key, else the shared `sharedKey`; None: a key is generated for the link
    bgp: bool  # both gateways run BGP

    @property
    def generates_key(self) -> bool:
        return self.shared_key is None

    @property
    def directions(self) -> tuple[tuple[str, str], tuple[str, str]]:
        """Its two connections, as (local, remote)."""
        a, b = self.ends
        return (a, b), (b, a)


@dataclass(frozen=True)
class ResolvedNetwork:
    """A parsed spec with its effective settings; `spec` holds everything else as it was given."""

    spec: TopologySpec
    sides: tuple[ResolvedSide, ...]
    links: tuple[ResolvedLink, ...]
    # Derived names by (component name, component type): computed once. Not an init field, so that a copy made
    # with dataclasses.replace starts without them; only `with_vnets` (providers, which names never read) shares.
    derived: dict[tuple[str, str], tuple[DerivedName, ...]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def side(self, name: str) -> ResolvedSide:
        """The first VNet of that name (validation refuses a second)."""
        return next(side for side in self.sides if side.name == name)

    def link(self, a: str, b: str) -> ResolvedLink:
        """The link between `a` and `b`, given in either order."""
        return next(link for link in self.links if set(link.ends) == {a, b})

    def with_vnets(self, vnets: tuple[VnetSpec, ...]) -> ResolvedNetwork:
        """The same network with these specs of the same VNets, each given its provider: nothing that resolution
        or naming reads changes, so the effective settings and the names already derived carry over."""
        for old, new in zip(self.spec.vnets, vnets, strict=True):
            if replace(new, provider=old.provider) != old:
                raise ValueError(f"with_vnets gives VNet '{old.name}' more than a provider: resolve the spec again")
        sides = tuple(replace(side, vnet=vnet) for side, vnet in zip(self.sides, vnets, strict=True))
        network = replace(self, spec=replace(self.spec, vnets=vnets), sides=sides)
        network.derived.update(self.derived)
        return network


def resolve(spec: TopologySpec) -> ResolvedNetwork:
    """Every effective setting of `spec`, once."""
    sides = tuple(
        ResolvedSide(index, vnet, vnet.gateway.over(spec.gateway) if vnet.gateway is not None else spec.gateway)
        for index, vnet in enumerate(spec.vnets)
    )
    bgp = {side.name: side.gateway.enable_bgp for side in reversed(sides)}  # the first of a name wins
    entries: dict[tuple[str, ...], tuple[int, LinkSpec]] = {}
    for index, link_entry in enumerate(spec.links):
        entries.setdefault(tuple(link_entry.vnets), (index, link_entry))  # the first entry of a link counts
    links = []
    for a, b in spec.link_pairs():
        found = entries.get((a, b))  # validation refuses an entry written in the other order
        entry = found[1] if found else None
        links.append(
            ResolvedLink(
                ends=(a, b),
                entry=entry,
                entry_index=found[0] if found else None,
                connection=(entry.connection.over(spec.connection) if entry and entry.connection else spec.connection),
                shared_key=entry.shared_key if entry is not None and entry.shared_key is not None else spec.shared_key,
                bgp=bool(bgp.get(a)) and bool(bgp.get(b)),
            )
        )
    return ResolvedNetwork(spec, sides, tuple(links))


def resolved(value: TopologySpec | ResolvedNetwork) -> ResolvedNetwork:
    """`value` as a resolved network: as it is when it already is one (callers that hold the spec alone, such as a
    library user of the functions that take either, get it resolved here)."""
    return value if isinstance(value, ResolvedNetwork) else resolve(value)
