"""Coming back from an interrupted `up`: what `vnet2vnet recover` decides, as pure functions over plain data (the
stack's lock files and its exported state); `Operator.recover` is the shell that reads, asks and writes.

- A lock is stale only when it was taken on this machine by a process that no longer runs; any other lock (another
  machine, a live process, an update in progress on Pulumi Cloud) is removed only when the user says so.
- A pending create (`pending_operations`, what the engine had begun when it was stopped) is looked up in Azure by
  the ID its own inputs give (name and resource group: an auto-named resource gets a new name on every `up`, and
  only the state knows the one that was being built). It is put into the state at its URN; the refresh that
  follows reads it from Azure, and drops it when Azure has no such resource, so that `up` creates it.
- Pending updates and deletes are dropped (the resource keeps its state entry) and read again by the refresh.
- A resource Azure is still building is reported with what to wait for, and how long it typically takes.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vnet2vnet import azure_facts as facts
from vnet2vnet.tokens import (
    ACTION_GROUP_TYPE,
    CONNECTION_TYPE,
    DIAGNOSTIC_SETTING_TYPE,
    GATEWAY_TYPE,
    LOG_ALERT_TYPE,
    METRIC_ALERT_TYPE,
    PUBLIC_IP_TYPE,
    RESOURCE_GROUP_TYPE,
    SUBNET_TYPE,
    VNET_TYPE,
    WORKSPACE_TYPE,
)

# What users call each resource type, singular and plural.
NOUNS: dict[str, tuple[str, str]] = {
    GATEWAY_TYPE: ("gateway", "gateways"),
    CONNECTION_TYPE: ("connection", "connections"),
    VNET_TYPE: ("VNet", "VNets"),
    SUBNET_TYPE: ("subnet", "subnets"),
    PUBLIC_IP_TYPE: ("public IP", "public IPs"),
    RESOURCE_GROUP_TYPE: ("resource group", "resource groups"),
    WORKSPACE_TYPE: ("workspace", "workspaces"),
    DIAGNOSTIC_SETTING_TYPE: ("diagnostic setting", "diagnostic settings"),
    ACTION_GROUP_TYPE: ("action group", "action groups"),
    METRIC_ALERT_TYPE: ("metric alert", "metric alerts"),
    LOG_ALERT_TYPE: ("log search alert", "log search alerts"),
}
# Azure's provisioning states of a resource whose operation has not ended yet (ARM async operations:
# https://learn.microsoft.com/azure/azure-resource-manager/management/async-operations).
BUILDING_STATES = frozenset({"Creating", "Updating", "Deleting", "Accepted", "Provisioning", "Running"})
FAILED_STATES = frozenset({"Failed", "Canceled"})
# The state a looked-up resource has in the state file until the refresh reads Azure's (one of BUILDING_STATES).
UNREAD_STATE = "Accepted"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def noun(type_token: str, count: int = 1) -> str:
    singular, plural = NOUNS.get(type_token, (type_token.rsplit(":", 1)[-1], type_token.rsplit(":", 1)[-1] + "s"))
    return singular if count == 1 else plural


def typical_minutes(type_token: str) -> float:
    return facts.TYPICAL_DURATIONS.get(type_token, facts.INSTANT).minutes


def waiting_line(type_tokens: Iterable[str]) -> str:
    """The one line the first Ctrl-C prints: what the CLI is waiting for, and for how long at most (the typical
    durations' table), e.g. `waiting for 2 gateways and 1 connection, up to 45 min; Ctrl-C again stops now`."""
    counts = Counter(type_tokens)
    if not counts:
        return "cancelling: waiting for the Pulumi CLI to stop; Ctrl-C again stops now"
    parts = [
        f"{count} {noun(token, count)}" for token, count in sorted(counts.items(), key=lambda i: -typical_minutes(i[0]))
    ]
    what = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    longest = max(typical_minutes(token) for token in counts)
    return f"waiting for {what}, up to {longest:g} min; Ctrl-C again stops now"


@dataclass
class InFlight:
    """The steps the engine has begun and not ended, from its events (Automation API `on_event`)."""

    running: dict[str, str] = field(default_factory=dict)  # URN -> type

    def __call__(self, event: Any) -> None:
        began = getattr(event, "resource_pre_event", None)
        if began is not None and began.metadata is not None and _op(began.metadata) != "same":
            self.running[began.metadata.urn] = began.metadata.type
        for name in ("res_outputs_event", "res_op_failed_event"):
            ended = getattr(event, name, None)
            if ended is not None and ended.metadata is not None:
                self.running.pop(ended.metadata.urn, None)

    def line(self) -> str:
        return waiting_line(token for token in self.running.values() if not token.startswith(("pulumi:", "vnet2vnet:")))


def _op(metadata: Any) -> str:
    return str(getattr(metadata.op, "value", metadata.op))


# ------------------------------------------------------------------------------------------------ locks


@dataclass(frozen=True)
class Lock:
    """One lock file of the stack (Pulumi's DIY backend: .pulumi/locks/...): who took it, where and when."""

    path: str
    pid: int | None
    hostname: str
    username: str
    timestamp: str

    def describe(self) -> str:
        who = f"{self.username}@{self.hostname}" if self.username else self.hostname or "an unknown host"
        return f"{who} (pid {self.pid if self.pid is not None else '?'}) since {self.timestamp or 'an unknown time'}"


def parse_lock(path: str, text: str) -> Lock:
    """A lock file's content (`{"pid", "username", "hostname", "timestamp"}`); an unreadable one is nobody's known
    lock, which only the user may remove."""
    import json

    try:
        content = json.loads(text)
    except ValueError:
        content = {}
    content = content if isinstance(content, dict) else {}
    pid = content.get("pid")
    return Lock(
        path,
        pid if isinstance(pid, int) and not isinstance(pid, bool) else None,
        str(content.get("hostname") or ""),
        str(content.get("username") or ""),
        str(content.get("timestamp") or ""),
    )


def lock_is_stale(lock: Lock, this_host: str, running: Callable[[int], bool]) -> bool:
    """Taken on this machine by a process that is gone: nobody holds it (the CLI was killed). Anything else may be
    an update in progress, here or elsewhere."""
    return bool(lock.hostname) and lock.hostname == this_host and lock.pid is not None and not running(lock.pid)


# ------------------------------------------------------------------------------------------- pending operations


@dataclass(frozen=True)
class Pending:
    operation: str  # creating | updating | deleting | reading | importing
    resource: Mapping[str, Any]

    @property
    def urn(self) -> str:
        return str(self.resource.get("urn") or "")

    @property
    def type(self) -> str:
        return str(self.resource.get("type") or "")

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


def pending_operations(deployment: Mapping[str, Any]) -> list[Pending]:
    found = []
    for entry in deployment.get("pending_operations") or []:
        if isinstance(entry, Mapping) and isinstance(entry.get("resource"), Mapping):
            found.append(Pending(str(entry.get("type") or ""), entry["resource"]))
    return found


def plain(value: Any) -> Any:
    """A state value without Pulumi's secret wrapper where it is plaintext (`{"4dabf...": ..., "plaintext": ...}`);
    encrypted values stay as they are."""
    if isinstance(value, Mapping):
        if "4dabf18193072939515e22adb298388d" in value and "plaintext" in value:
            import json

            return json.loads(str(value["plaintext"]))
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def azure_id(type_token: str, inputs: Mapping[str, Any], subscription: str | None) -> str | None:
    """The resource's Azure ID from its inputs (azure_facts.RESOURCE_ID_TEMPLATES), or None when a part is unknown
    (not a type Azure holds, a path parameter missing, no subscription)."""
    template = facts.RESOURCE_ID_TEMPLATES.get(type_token)
    if template is None:
        return None
    values = {**{k: plain(v) for k, v in inputs.items()}, "subscriptionId": subscription}
    parts = {}
    for name in _PLACEHOLDER.findall(template):
        value = values.get(name)
        if not isinstance(value, str) or not value:
            return None
        parts[name] = value
    return template.format(**parts)


def path_parameters(type_token: str) -> frozenset[str]:
    template = facts.RESOURCE_ID_TEMPLATES.get(type_token, "")
    return frozenset(_PLACEHOLDER.findall(template)) - {"subscriptionId"}


_SUBSCRIPTION = re.compile(r"^/subscriptions/([^/]+)", re.IGNORECASE)


def subscription_for(deployment: Mapping[str, Any], resource: Mapping[str, Any], default: str | None) -> str | None:
    """The subscription a resource lives in: its provider's `subscriptionId` input (an explicit provider), else that
    of the IDs of the other resources its provider made, else `default` (the default provider's own: stack config,
    ARM_SUBSCRIPTION_ID, the Azure CLI's)."""
    provider_ref = str(resource.get("provider") or "")
    provider_urn, _, provider_id = provider_ref.rpartition("::")
    resources = [r for r in deployment.get("resources") or [] if isinstance(r, Mapping)]
    for candidate in resources:
        if candidate.get("urn") == provider_urn and candidate.get("id") == provider_id:
            given = plain((candidate.get("inputs") or {}).get("subscriptionId"))
            if isinstance(given, str) and given:
                return given
    for candidate in resources:
        match = _SUBSCRIPTION.match(str(candidate.get("id") or ""))
        if match and candidate.get("provider") == provider_ref:
            return match.group(1)
    return default


# ------------------------------------------------------------------------------------------- the state edit


@dataclass(frozen=True)
class Planned:
    """What recover does with one pending operation before the refresh reads Azure."""

    pending: Pending
    action: str  # "look-up" (put into the state with `id`), "read" (already in the state), "drop", "unknown-id"
    id: str | None = None
    why: str = ""


def plan_recovery(
    deployment: Mapping[str, Any], subscription: Callable[[Mapping[str, Any]], str | None], now: datetime
) -> tuple[dict[str, Any], list[Planned]]:
    """The deployment with every pending operation resolved for the refresh to check, and what was decided:
    - a pending create of an Azure resource whose ID its inputs give goes into `resources` with that ID (its
      outputs, until the refresh reads Azure's, are the inputs Azure was sent, path parameters excluded, and the
      provisioning state UNREAD_STATE);
    - a pending create of anything else (a random password: nothing exists outside the state) is dropped, and so
      is one whose ID cannot be told (`up` creates it: said so);
    - pending updates, deletes, reads and imports are dropped: their resource keeps its state entry, which the
      refresh reads again.
    A replacement in flight: the resource it replaces goes when Azure deleted it already (delete-before-replace),
    and is marked for deletion otherwise (create-before-delete), as the engine would have once the new one existed."""
    edited = copy.deepcopy(dict(deployment))
    resources: list[dict[str, Any]] = list(edited.get("resources") or [])
    decided: list[Planned] = []
    stamp = now.isoformat().replace("+00:00", "Z")
    for pending in pending_operations(deployment):
        if pending.operation != "creating":
            decided.append(Planned(pending, "read" if _in_state(resources, pending.urn) else "drop"))
            continue
        if not pending.resource.get("custom") or pending.type not in facts.RESOURCE_ID_TEMPLATES:
            decided.append(Planned(pending, "drop", why="nothing of it exists outside the state"))
            continue
        inputs = dict(pending.resource.get("inputs") or {})
        resource_id = azure_id(pending.type, inputs, subscription(pending.resource))
        if resource_id is None:
            decided.append(Planned(pending, "unknown-id", why="its inputs do not give its Azure ID"))
            continue
        # The resource it replaces: deleted already (delete-before-replace: `pendingReplacement`), so it goes;
        # or still there (create-before-delete), so the next up deletes it, as the engine would have.
        resources = [r for r in resources if not (r.get("urn") == pending.urn and r.get("pendingReplacement"))]
        for old in resources:
            if old.get("urn") == pending.urn and not old.get("delete"):
                old["delete"] = True
        parameters = path_parameters(pending.type)
        # Until the refresh reads Azure, all that is known is that the create was sent: its state is "Accepted",
        # not final, so a recover whose refresh failed is followed by one that reads the resource again
        # (`unsettled`) instead of trusting the inputs as if Azure had built them.
        sent = {k: v for k, v in inputs.items() if k not in parameters}
        entry = {
            **copy.deepcopy(dict(pending.resource)),
            "id": resource_id,
            "outputs": {**sent, "provisioningState": UNREAD_STATE},
            "created": stamp,
            "modified": stamp,
        }
        entry.pop("pendingReplacement", None)
        resources.insert(_after_dependencies(resources, entry), entry)
        decided.append(Planned(pending, "look-up", id=resource_id))
    edited["resources"] = resources
    edited.pop("pending_operations", None)
    return edited, decided


def restore_inputs(refreshed: Mapping[str, Any], decided: Sequence[Planned]) -> dict[str, Any] | None:
    """The refreshed deployment with each looked-up resource's inputs set back to those the program sent (an
    uninterrupted create records exactly them; the refresh, having only an estimate of the old outputs, folds
    Azure's extra values into them), outputs kept as Azure gave them; None when nothing is to change."""
    sent = {plan.pending.urn: plan.pending.resource.get("inputs") for plan in decided if plan.action == "look-up"}
    edited = copy.deepcopy(dict(refreshed))
    changed = False
    for resource in edited.get("resources") or []:
        urn = resource.get("urn")
        if urn in sent and not resource.get("delete") and resource.get("inputs") != sent[urn]:
            resource["inputs"] = copy.deepcopy(sent[urn])
            changed = True
    return edited if changed else None


def _after_dependencies(resources: Sequence[Mapping[str, Any]], entry: Mapping[str, Any]) -> int:
    """Where a resource goes in the state: right after the last resource it depends on (its parent, provider,
    dependencies and property dependencies), so that what depends on it still comes after it (the CLI refuses a
    state whose resource comes before a dependency of it)."""
    needed = {str(entry.get("parent") or ""), str(entry.get("provider") or "").rpartition("::")[0]}
    needed |= {str(urn) for urn in entry.get("dependencies") or []}
    needed |= {str(urn) for urns in (entry.get("propertyDependencies") or {}).values() for urn in urns or []}
    needed.discard("")
    positions = [index for index, resource in enumerate(resources) if resource.get("urn") in needed]
    return max(positions, default=-1) + 1


def _in_state(resources: Sequence[Mapping[str, Any]], urn: str) -> bool:
    return any(r.get("urn") == urn for r in resources)


def unsettled(deployment: Mapping[str, Any]) -> list[str]:
    """URNs of resources whose last known Azure state is not final (still building, or Failed): read again."""
    states = BUILDING_STATES | FAILED_STATES
    return [
        str(r["urn"])
        for r in deployment.get("resources") or []
        if isinstance(r, Mapping) and str((r.get("outputs") or {}).get("provisioningState") or "") in states
    ]


# ------------------------------------------------------------------------------------------------ outcome


@dataclass(frozen=True)
class Outcome:
    urn: str
    type: str
    operation: str  # the pending operation, or "check" for a resource read again
    action: str  # imported | dropped | built | building | failed | kept
    id: str | None
    provisioning_state: str | None
    message: str
    wait_minutes: float | None = None

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]

    def as_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "operation": self.operation,
            "action": self.action,
            "id": self.id,
            "provisioningState": self.provisioning_state,
            "waitMinutes": self.wait_minutes,
            "message": self.message,
        }


def outcomes(decided: Sequence[Planned], checked: Sequence[str], refreshed: Mapping[str, Any]) -> list[Outcome]:
    """What happened to each pending operation and each resource read again, from the state after the refresh."""
    by_urn: dict[str, Mapping[str, Any]] = {}
    for resource in refreshed.get("resources") or []:
        if isinstance(resource, Mapping) and not resource.get("delete"):
            by_urn[str(resource.get("urn"))] = resource
    found: list[Outcome] = []
    for plan in decided:
        pending = plan.pending
        current = by_urn.get(pending.urn)
        if plan.action in {"drop", "unknown-id"}:
            why = plan.why or "its resource keeps its state entry"
            if pending.operation == "creating":
                found.append(_dropped(pending, None, f"dropped ({why}): up creates it"))
            else:
                found.append(_read_outcome(pending.urn, pending.type, pending.operation, current, dropped_op=True))
            continue
        if current is None:
            found.append(_dropped(pending, plan.id, f"dropped: Azure has no {plan.id}; up creates it"))
            continue
        found.append(
            _read_outcome(pending.urn, pending.type, pending.operation, current, imported=plan.action == "look-up")
        )
    for urn in checked:
        if any(plan.pending.urn == urn for plan in decided):
            continue
        current = by_urn.get(urn)
        type_token = str((current or {}).get("type") or "")
        found.append(_read_outcome(urn, type_token, "check", current))
    return found


def _dropped(pending: Pending, resource_id: str | None, message: str) -> Outcome:
    return Outcome(pending.urn, pending.type, pending.operation, "dropped", resource_id, None, message)


def _read_outcome(
    urn: str,
    type_token: str,
    operation: str,
    current: Mapping[str, Any] | None,
    *,
    imported: bool = False,
    dropped_op: bool = False,
) -> Outcome:
    if current is None:
        return Outcome(
            urn, type_token, operation, "dropped", None, None, "Azure no longer has it: removed from the state"
        )
    state = str((current.get("outputs") or {}).get("provisioningState") or "") or None
    resource_id = str(current.get("id") or "") or None
    if state in BUILDING_STATES:
        minutes = typical_minutes(type_token)
        return Outcome(
            urn, type_token, operation, "building", resource_id, state,
            f"Azure is still building it ({state}): a {noun(type_token)} typically takes {minutes:g} min; run "
            "`vnet2vnet recover` again once it is done, then `vnet2vnet up`",
            minutes,
        )  # fmt: skip
    if state in FAILED_STATES:
        return Outcome(
            urn, type_token, operation, "failed", resource_id, state,
            f"Azure reports it {state}: see its activity log; `pulumi up --target-replace '{urn}'` rebuilds it",
        )  # fmt: skip
    if imported:
        return Outcome(
            urn, type_token, operation, "imported", resource_id, state, f"imported at its URN: Azure has {resource_id}"
        )
    what = "its interrupted operation dropped; " if dropped_op else ""
    return Outcome(
        urn, type_token, operation, "kept", resource_id, state, f"{what}Azure has it ({state or 'no state reported'})"
    )
