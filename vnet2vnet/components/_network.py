"""What a pair and a mesh share: the sides, the links, and the connections written in safe rounds."""

from __future__ import annotations

import dataclasses
import weakref
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import pulumi
from pulumi.runtime import settings as runtime_settings

from vnet2vnet import naming
from vnet2vnet.checks import CheckedSpec, ProgramValidationError
from vnet2vnet.components._gateway_vnet import GatewayVnet
from vnet2vnet.components._monitoring import Monitoring
from vnet2vnet.components._vnet_link import ConnectionOrder, VnetLink
from vnet2vnet.findings import RenderedFinding
from vnet2vnet.network import ResolvedNetwork
from vnet2vnet.spec import managed_tags
from vnet2vnet.topology import connection_rounds


@dataclass
class BuiltNetwork:
    sides: dict[str, GatewayVnet]
    links: dict[tuple[str, str], VnetLink]

    def by_vnet(self, attribute: str) -> pulumi.Output[dict[str, Any]]:
        return pulumi.Output.all(**{name: getattr(side, attribute) for name, side in self.sides.items()})

    def by_connection(self, attribute: str) -> pulumi.Output[dict[str, Any]]:
        parts = [getattr(link, attribute) for link in self.links.values()]
        return pulumi.Output.all(*parts).apply(lambda dicts: {k: v for d in dicts for k, v in d.items()})

    @property
    def vnet_ids(self) -> pulumi.Output[dict[str, str]]:
        return self.by_vnet("vnet_id")

    @property
    def gateway_ids(self) -> pulumi.Output[dict[str, str]]:
        return self.by_vnet("gateway_id")

    @property
    def gateway_public_ips(self) -> pulumi.Output[dict[str, list[str]]]:
        return self.by_vnet("public_ip_addresses")

    @property
    def gateway_bgp_peering_addresses(self) -> pulumi.Output[dict[str, list[str]]]:
        return self.by_vnet("bgp_peering_addresses")

    def keys_by_connection(self) -> pulumi.Output[dict[str, str]]:
        """Each connection's key (both directions of a link share one): "<a>-to-<b>" -> key, secret."""
        pairs = {direction: link.shared_key for link in self.links.values() for direction in link.connections}
        return pulumi.Output.secret(pulumi.Output.all(**pairs))


# The names each program run has registered through our components, by the run (its resource monitor): two
# components can derive one name (pairs `corp` with VNet `hq-x` and `corp-hq` with VNet `x`), which the engine
# refuses as a duplicate URN. Checked here, before registering, so that the error names both components.
_claimed: weakref.WeakKeyDictionary[Any, dict[tuple[str, str, int, str], str]] = weakref.WeakKeyDictionary()


class _NoRoot:
    """Stands for the root stack of a program run outside the engine (no stack resource to key on)."""


_NO_ROOT = _NoRoot()


def claim_names(name: str, component_type: str, network: ResolvedNetwork, opts: pulumi.ResourceOptions | None) -> None:
    """Refuse `name`'s resources if another component of this program run already derived one of them."""
    # A program run is its connection to the engine (its resource monitor): one per `pulumi up`, and a new one for
    # each `pulumi.runtime.set_mocks` of a unit test (whose root stack resource outlives it).
    run = runtime_settings.get_monitor() or runtime_settings.get_root_resource() or _NO_ROOT
    claimed = _claimed.setdefault(run, {})
    # Components under the same parent have the same URN type chains: the same type and name is the same URN.
    parent_id = id(opts.parent) if opts is not None and opts.parent is not None else 0
    mine: dict[tuple[str, str, int, str], str] = {}
    for derived in naming.derived_names(name, component_type, network):
        key = (derived.type_token, derived.parent_type, parent_id, derived.name)
        other = claimed.get(key)
        if other == name:
            finding = RenderedFinding(
                "error",
                f"component '{name}'",
                f"is created twice in this program (its {derived.type_token.rsplit(':', 1)[-1]} '{derived.name}' "
                "would have one URN twice, which Pulumi refuses)",
                "give each component its own name (in unit tests: call pulumi.runtime.set_mocks before each test)",
            )
            raise ProgramValidationError([finding], "duplicate resource names")
        if other is not None:
            finding = RenderedFinding(
                "error",
                f"component '{name}'",
                f"registers {derived.type_token.rsplit(':', 1)[-1]} '{derived.name}', which component '{other}' "
                "already registers in this program: Pulumi refuses two resources with one URN",
                f"rename component '{name}' (or its VNets) so that its names differ from component '{other}''s",
            )
            raise ProgramValidationError([finding], "duplicate resource names")
        mine[key] = name
    claimed.update(mine)


class _BuiltFromNetwork(Protocol):
    def _build(self, name: str, network: ResolvedNetwork, opts: pulumi.ResourceOptions | None) -> None: ...


Component = TypeVar("Component", bound=_BuiltFromNetwork)


def built_from_checked(
    cls: type[Component], name: str, checked: CheckedSpec, opts: pulumi.ResourceOptions | None
) -> Component:
    """A component of class `cls` made from an already checked network: the same construction as its `__init__`
    after validation (`_build`), entered without args, so that the public args type stays true."""
    component = cls.__new__(cls)
    component._build(name, checked.network, opts)
    return component


def build_network(name: str, network: ResolvedNetwork, parent: pulumi.ComponentResource) -> BuiltNetwork:
    """Sides (built in parallel), one link per VNet pair, and connections in rounds: each waits for the previous
    connection on each of its two gateways, so no two writes ever hit one gateway together."""
    topology = network.spec
    project, stack = pulumi.get_project(), pulumi.get_stack()
    tags: pulumi.Input[dict[str, Any]] = (
        # Tags given as one Output (component args) merge once they resolve.
        topology.tags.apply(lambda user_tags: managed_tags(project, stack, user_tags))
        if isinstance(topology.tags, pulumi.Output)
        else managed_tags(project, stack, topology.tags)
    )
    child = pulumi.ResourceOptions(parent=parent)
    diagnostics, alerts = topology.diagnostics, topology.alerts
    monitoring = Monitoring(
        name,
        diagnostics,
        alerts,
        workspace_id=diagnostics.workspace_id if diagnostics else None,
        action_group_id=alerts.action_group_id if alerts else None,
        creates_workspace=naming.creates_workspace(topology),
        creates_action_group=naming.creates_action_group(topology),
    )
    # The hosting side comes first: the workspace and action group it creates serve every other side.
    host = topology.monitoring_host()
    built: dict[str, GatewayVnet] = {}
    for resolved_side in sorted(network.sides, key=lambda side: side.name != host):
        side = GatewayVnet(
            naming.side_name(name, resolved_side.name),
            resolved_side.vnet,
            resolved_side.gateway,
            tags,
            opts=child,
            monitoring=dataclasses.replace(monitoring, hosts_shared=resolved_side.name == host),
        )
        built[resolved_side.name] = side
        monitoring = side.monitoring
    sides = {vnet.name: built[vnet.name] for vnet in topology.vnets}
    order = ConnectionOrder(connection_rounds(topology.vnet_names(), topology.link_pairs()))
    links = {
        link.ends: VnetLink(
            naming.link_name(name, *link.ends),
            sides={end: sides[end] for end in link.ends},
            order=order,
            connection=link.connection,
            enable_bgp=link.bgp,
            shared_key=link.shared_key,
            resource_prefix=name,
            tags=tags,
            opts=child,
            monitoring=monitoring,
            watched=frozenset(
                direction
                for direction in link.directions
                if alerts is not None and naming.watched(topology, direction[0])
            ),
        )
        for link in network.links
    }
    return BuiltNetwork(sides, links)
