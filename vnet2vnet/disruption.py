"""The disruption forecast: what each change from a deployed stack to the planned one interrupts, and for how long.

Pure: the offline plan and the stack's exported state (`pulumi stack export`) in; per changed resource, whether it
is replaced, updated or deleted (replace when a create-only property changes, `azure_facts.CREATE_ONLY`, or when a
resource it is replaced with is: `replaceWith`, or an input it takes from a replaced resource) and what that
interrupts (`azure_facts.Interruption`, one table with sources). A protected resource that would be replaced or
deleted is `blocked`: `pulumi up` stops there.

Key age: when each link's key was created (its RandomPassword's, else its connections', `created` in state), held to
that link's own `maxKeyAgeDays`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vnet2vnet import azure_facts as facts
from vnet2vnet import naming
from vnet2vnet.findings import CONFIG_NAMESPACE, KeyPath, render_path
from vnet2vnet.network import ResolvedLink, ResolvedNetwork, resolved
from vnet2vnet.plan_model import Plan, RecordedResource, Secret, unwrap
from vnet2vnet.spec import TopologySpec
from vnet2vnet.state_export import parse_created
from vnet2vnet.tokens import (
    CONNECTION_TYPE,
    GATEWAY_TYPE,
    PASSWORD_TYPE,
    PUBLIC_IP_TYPE,
    SUBNET_TYPE,
    WORKSPACE_TYPE,
)

# Keys that are resource names and references: their values come from other resources (mock IDs offline), so a
# change shows as a replacement of what they point to, not as a value to compare.
_NAME_SUFFIX = "Name"


@dataclass(frozen=True)
class Disruption:
    resource: str  # URN
    change: str  # replace | update | delete
    interruption: str  # none | tunnel | gateway | blocked
    downtime_minutes: float
    duration_minutes: float
    why: str
    source: str
    estimated: bool

    def as_json(self) -> dict[str, Any]:
        """The `--json` contract: exactly these keys."""
        return {
            "resource": self.resource,
            "change": self.change,
            "interruption": self.interruption,
            "downtime_minutes": self.downtime_minutes,
            "duration_minutes": self.duration_minutes,
        }


def deployment_of(document: Mapping[str, Any]) -> Mapping[str, Any]:
    """`pulumi stack export` prints {"version": 3, "deployment": {...}}; accept the deployment alone too."""
    inner = document.get("deployment")
    return inner if isinstance(inner, Mapping) else document


def _comparable(value: Any) -> Any:
    return json.dumps(unwrap(value), sort_keys=True, default=str)


def _is_secret(value: Any) -> bool:
    return isinstance(value, Secret) or (
        isinstance(value, Mapping) and "4dabf18193072939515e22adb298388d" in value  # Pulumi's secret signature
    )


def _changed_keys(planned: RecordedResource, deployed: Mapping[str, Any]) -> list[str]:
    """Inputs the program sets to a different value than the state holds. Secrets cannot be compared here (the
    state holds ciphertext); inputs that come from other resources are judged by what happens to those."""
    ignored = [_path_parts(str(path)) for path in planned.options.get("ignoreChanges") or []]
    old = _without_paths(unwrap(dict(deployed.get("inputs") or {})), ignored)
    new = _without_paths(unwrap(dict(planned.inputs)), ignored)
    changed = []
    for key in planned.inputs:
        if key not in new or planned.property_dependencies.get(key):
            continue  # ignored as a whole, or judged by what happens to the resource it comes from
        if _is_secret(planned.inputs[key]) or _is_secret((deployed.get("inputs") or {}).get(key)):
            continue
        if key.endswith(_NAME_SUFFIX) and key not in old:
            continue
        if key not in old or _comparable(new[key]) != _comparable(old[key]):
            changed.append(key)
    return changed


# Create-only inputs that Azure gives a value when none is sent: writing that value where none was is no change.
_AZURE_DEFAULTS = {(CONNECTION_TYPE, "connectionProtocol"): facts.DEFAULT_CONNECTION_PROTOCOL}


def _effective_change(planned: RecordedResource, deployed: Mapping[str, Any], key: str) -> bool:
    """Whether a changed create-only input changes what Azure has: an unset connection protocol is Azure's IKEv2, so
    writing IKEv2 out replaces nothing (the program's replacement trigger compares the effective protocol too)."""
    default = _AZURE_DEFAULTS.get((planned.type, key))
    if default is None:
        return True
    old = unwrap((deployed.get("inputs") or {}).get(key)) or default
    return bool(_comparable(unwrap(planned.inputs.get(key)) or default) != _comparable(old))


def _path_parts(path: str) -> list[str]:
    """An ignoreChanges path (`a.b`, `a[*].b`, `a[0]`, `a["b.c"]`) as its steps; `*` matches every element."""
    return [quoted or bracketed or plain for quoted, bracketed, plain in _PATH_STEP.findall(path)]


_PATH_STEP = re.compile(r'\["([^"]*)"\]|\[([^\]]*)\]|([^.\[\]]+)')


def _without_paths(value: Any, paths: list[list[str]]) -> Any:
    """`value` with every ignored path removed, as the engine leaves them out of its diff."""
    for parts in paths:
        value = _without(value, parts)
    return value


def _without(value: Any, parts: list[str]) -> Any:
    if not parts:
        return value
    head, rest = parts[0], parts[1:]
    if isinstance(value, Mapping):
        if head not in value:
            return value
        if not rest:
            return {k: v for k, v in value.items() if k != head}
        return {**value, head: _without(value[head], rest)}
    if isinstance(value, list):
        if head == "*":
            return [_without(item, rest) for item in value] if rest else []
        if head.isdigit() and int(head) < len(value):
            index = int(head)
            return [_without(item, rest) if i == index else item for i, item in enumerate(value) if rest or i != index]
    return value


def forecast(plan: Plan, document: Mapping[str, Any]) -> list[Disruption]:
    """Every change from the deployed stack in `document` to `plan`, with what it interrupts."""
    deployed = {str(r["urn"]): r for r in deployment_of(document).get("resources") or [] if r.get("custom")}
    planned = {r.urn: r for r in plan.resources if r.custom and not r.type.startswith("pulumi:providers:")}
    changed = {urn: _changed_keys(r, deployed[urn]) for urn, r in planned.items() if urn in deployed}
    replaced: dict[str, str] = {}
    for urn, keys in changed.items():
        create_only = sorted(
            key
            for key in set(keys) & facts.create_only(planned[urn].type)
            if _effective_change(planned[urn], deployed[urn], key)
        )
        if create_only or (planned[urn].type == PASSWORD_TYPE and keys):
            replaced[urn] = f"{', '.join(create_only or keys)} changed"
    # A replacement carries over to what is replaced with it, or takes an input from it.
    growing = True
    while growing:
        growing = False
        for urn, resource in planned.items():
            if urn in replaced or urn not in deployed:
                continue
            causes = [u for u in resource.options.get("replaceWith") or [] if u in replaced]
            causes += [u for deps in resource.property_dependencies.values() for u in deps if u in replaced]
            if causes:
                replaced[urn] = f"{_name(causes[0])} is replaced"
                growing = True
    disruptions = []
    for urn, resource in planned.items():
        if urn in replaced:
            disruptions.append(_disruption(urn, resource.type, "replace", replaced[urn], deployed=deployed[urn]))
        elif changed.get(urn):
            disruptions.append(
                _disruption(
                    urn,
                    resource.type,
                    "update",
                    ", ".join(changed[urn]) + " changed",
                    deployed=deployed[urn],
                    keys=changed[urn],
                )
            )
    for urn, resource in deployed.items():
        if urn not in planned and not str(resource.get("type", "")).startswith("pulumi:providers:"):
            disruptions.append(
                _disruption(urn, str(resource.get("type")), "delete", "no longer in the program", deployed=resource)
            )
    return disruptions


@dataclass(frozen=True)
class OneUpdateProblem:
    """A change Pulumi's engine cannot apply in one update without Azure refusing a delete halfway: `pulumi up` must
    not start it (`plan --against` errors, `rehearse --change` stops); `fix` says how to make it in steps."""

    resource: str  # URN
    message: str
    fix: str


# Pulumi's engine (pkg/resource/deploy/step_generator.go at v3.274.1) deletes what depends on a resource it deletes
# before replacing, but (1) skips a dependent another such replacement already deletes, without waiting for it, and
# (2) decides which dependents go from a diff of their old inputs alone (`calculateDependentReplacements`), which
# never sees a gateway's own replaceOnChanges. Azure refuses to delete a gateway a connection still names, and a
# subnet a gateway still uses (InUseVirtualNetworkGatewayCannotBeDeleted, InUseSubnetCannotBeDeleted).
ENGINE_SOURCE = "github.com/pulumi/pulumi pkg/v3@v3.274.1 resource/deploy/step_generator.go"


def one_update_problems(plan: Plan, disruptions: Iterable[Disruption]) -> list[OneUpdateProblem]:
    """The changes of a forecast that one `pulumi up` cannot apply (ENGINE_SOURCE): both gateways of a link
    rebuilt at once, and a GatewaySubnet rebuilt under its gateway (a region move, a VNet rebuilt)."""
    replaced = {d.resource for d in disruptions if d.change == "replace"}
    planned = plan.by_urn()
    problems: list[OneUpdateProblem] = []
    both: set[tuple[str, ...]] = set()
    for resource in plan.of_type(CONNECTION_TYPE):
        ends = tuple(
            sorted(
                urn
                for key in ("virtualNetworkGateway1", "virtualNetworkGateway2")
                for urn in resource.property_dependencies.get(key) or []
                if urn in planned and planned[urn].type == GATEWAY_TYPE
            )
        )
        if len(ends) == 2 and set(ends) <= replaced and resource.urn in replaced and ends not in both:
            both.add(ends)
            problems.append(
                OneUpdateProblem(
                    ends[1],
                    f"{_name(ends[0])} and {_name(ends[1])} are both rebuilt in one update: Pulumi's engine deletes "
                    "their shared connections without waiting, and Azure refuses the second gateway's delete while a "
                    "connection still names it",
                    "rebuild one side at a time: make the change in one VNet's own `gateway` block (vnets[i].gateway), "
                    "`pulumi up`, then in the other's",
                )
            )
    for gateway in plan.of_type(GATEWAY_TYPE):
        subnets = [
            urn
            for urn in gateway.property_dependencies.get("ipConfigurations") or []
            if urn in replaced and urn in planned and planned[urn].type == SUBNET_TYPE
        ]
        if subnets:
            problems.append(
                OneUpdateProblem(
                    subnets[0],
                    f"{_name(subnets[0])} is rebuilt (its VNet is: a region move, or a new resource group) while "
                    f"{_name(gateway.urn)} still uses it: Pulumi's engine deletes the subnet first, and Azure refuses",
                    "move a VNet by giving it a new name (vnets[i].name) with its new location: the new side is "
                    "built beside the old one, which is deleted after; or remove the VNet in one update and add it "
                    "back in the next",
                )
            )
    return problems


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _disruption(
    urn: str, type_token: str, change: str, why: str, *, deployed: Mapping[str, Any], keys: Iterable[str] = ()
) -> Disruption:
    impact = _impact(type_token, change, set(keys), deployed)
    if deployed.get("protect") and change in ("replace", "delete"):
        # `protect` stops the engine before it deletes: nothing is interrupted, nothing is changed.
        return Disruption(urn, change, "blocked", 0, 0, f"{why}; protected: pulumi up stops here", impact.source, False)
    return Disruption(
        urn, change, impact.kind, impact.downtime_minutes, impact.duration_minutes, why, impact.source, impact.estimated
    )


def _impact(type_token: str, change: str, keys: set[str], deployed: Mapping[str, Any]) -> facts.Interruption:
    if change == "update" and keys <= {"tags"}:
        return facts.METADATA_ONLY
    if type_token in facts.MONITORING_TYPES:
        return (
            facts.WORKSPACE_DELETED if type_token == WORKSPACE_TYPE and change != "update" else facts.MONITORING_CHANGED
        )
    if type_token == CONNECTION_TYPE:
        return facts.CONNECTION_REBUILT if change != "update" else facts.CONNECTION_UPDATED
    if type_token == GATEWAY_TYPE and change == "update":
        if "sku" in keys:
            return _resize(deployed)
        return facts.GATEWAY_UPDATED
    if type_token == PASSWORD_TYPE:
        return facts.Interruption("none", 0, 0, "the key itself: its connections are listed with what they interrupt")
    if change == "update":
        return facts.METADATA_ONLY if type_token != PUBLIC_IP_TYPE else facts.GATEWAY_UPDATED
    # A public IP, GatewaySubnet, VNet, resource group or gateway replaced or deleted: the gateway goes with it.
    return facts.GATEWAY_REBUILT


def _resize(deployed: Mapping[str, Any]) -> facts.Interruption:
    return facts.SKU_RESIZE if _sku_of(deployed) not in facts.RETIRED_NON_AZ_SKUS else facts.SKU_RESIZE_NO_DOWNTIME


def _sku_of(deployed: Mapping[str, Any]) -> str:
    sku = (deployed.get("inputs") or {}).get("sku") or {}
    return str(sku.get("name", "")) if isinstance(sku, Mapping) else ""


# ----------------------------------------------------------------------------------------------------- key age

SHARED_LIMIT: KeyPath = ("connection", "max_key_age_days")


@dataclass(frozen=True)
class KeyAge:
    """How old one link's key is, and the limit it is held to."""

    link: str  # URN of the resource that holds the key: the link's RandomPassword, else its oldest connection
    created: datetime
    age_days: float
    max_age_days: int
    limit_path: KeyPath = SHARED_LIMIT  # where that limit is set: the shared block, or the link's `links` entry
    rotation: str = "raise connection.sharedKeyVersion by one"  # what to change to rotate it
    ends: tuple[str, ...] = ()  # the link's two VNets, in the topology's order (none without the topology)

    @property
    def too_old(self) -> bool:
        return self.age_days > self.max_age_days

    @property
    def limit_key(self) -> str:
        """The limit's stack config key, without the namespace: `connection.maxKeyAgeDays`,
        `links[2].connection.maxKeyAgeDays`."""
        return render_path(self.limit_path, "config").removeprefix(f"{CONFIG_NAMESPACE}:")


def _created(resource: Mapping[str, Any]) -> datetime | None:
    try:
        return parse_created(str(resource["created"])) if resource.get("created") else None
    except ValueError:  # a file's is checked on reading (state_export); an unreadable one dates nothing
        return None


def _age(created: datetime, now: datetime) -> float:
    return (now - created).total_seconds() / 86400


def key_ages(
    document: Mapping[str, Any], now: datetime, network: ResolvedNetwork | TopologySpec, component: str
) -> list[KeyAge]:
    """When each link of `network` (built by the component named `component`; a stack's is its project) got its key,
    from the stack's state in `document`, held to that link's own limit: its `links` entry's
    `connection.maxKeyAgeDays`, else the shared one. A generated key is as old as its RandomPassword; a key of the
    link's own (or the shared `sharedKey`) is set on its connections when they are created (and on each replacement),
    so it is as old as the older of them. A link whose key holder is not in the state yet is left out."""
    by_name: dict[tuple[str, str], Mapping[str, Any]] = {
        (str(r.get("type")), str(r["urn"]).rsplit("::", 1)[-1]): r
        for r in deployment_of(document).get("resources") or []
        if r.get("urn")
    }
    network = resolved(network)
    ages = []
    for link in network.links:
        a, b = link.ends
        if link.generates_key:
            holders = [by_name.get((PASSWORD_TYPE, naming.key_name(naming.link_name(component, a, b))))]
        else:
            connections = (naming.connection_name(component, *ends) for ends in ((a, b), (b, a)))
            holders = [by_name.get((CONNECTION_TYPE, name)) for name in connections]
        dated = [(created, holder) for holder in holders if holder and (created := _created(holder))]
        if not dated:
            continue
        created, holder = min(dated, key=lambda pair: pair[0])
        ages.append(
            KeyAge(
                str(holder["urn"]),
                created,
                _age(created, now),
                link.connection.max_key_age_days,
                _limit_path(link),
                _rotation(link, network.spec.shared_key),
                (a, b),
            )
        )
    return ages


def _limit_path(link: ResolvedLink) -> KeyPath:
    own = link.entry.connection if link.entry is not None else None
    if own is not None and own.sets("max_key_age_days") and link.entry_index is not None:
        return ("links", link.entry_index, "connection", "max_key_age_days")
    return SHARED_LIMIT


def _rotation(link: ResolvedLink, shared_key: Any) -> str:
    """What rotates this link's key: a new key of its own, or the next generated key version, in its `links` entry
    when it has one (the shared `connection.sharedKeyVersion` rotates every link that does not set its own)."""
    if link.entry is not None and link.entry.shared_key is not None:
        return f"set a new links[{link.entry_index}].sharedKey"
    if shared_key is not None:
        return "set a new sharedKey"
    following = link.connection.effective_key_version + 1
    where = f"links[{link.entry_index}].connection" if link.entry is not None else "connection"
    return f"set {where}.sharedKeyVersion to {following}"


def resource_key_ages(document: Mapping[str, Any], now: datetime, max_age_days: int) -> list[KeyAge]:
    """Without the topology: every RandomPassword's age, or with no generated key at all every connection's, held
    to one limit (which key belongs to which link is not known here)."""
    ages = [
        KeyAge(str(resource["urn"]), created, _age(created, now), max_age_days)
        for resource in deployment_of(document).get("resources") or []
        if resource.get("type") in (PASSWORD_TYPE, CONNECTION_TYPE) and (created := _created(resource))
    ]
    passwords = [age for age in ages if PASSWORD_TYPE in age.link]
    return passwords or ages
