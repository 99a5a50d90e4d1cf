"""A stand-in for the pulumiservice provider (pulumi-pulumiservice 1.5.0) over an emulated Pulumi Cloud, so that
`deployments/` runs on the real engine: Deployment settings and schedules are checked as Pulumi Cloud checks them,
then kept in the emulator's state file (`pulumiCloud`). Pulumi Cloud itself is not reachable here; each rule below
names its source, and says so where no Pulumi document states it (then it is a rule our project set for Pulumi
Cloud's behaviour, and may be stricter than the Cloud is):

- every body against pulumi-pulumiservice's own SDK input types (`sdk_types`: unknown keys, missing required
  keys, wrong types, with their path);
- the stack must exist (Pulumi Cloud answers 404 for settings or a schedule of a stack it does not have:
  https://www.pulumi.com/docs/pulumi-cloud/reference/cloud-rest-api/deployments/); the emulated Cloud's stacks are
  the seed file's `pulumiCloud.stacks` (`org/project/stack`);
- one review stack template (`github.pullRequestTemplate`) per project and branch ("configured at the branch
  level ... a review stack template for each one": https://www.pulumi.com/docs/deployments/concepts/review-stacks/);
- a template deletes its review stacks after destroying them (`operationContext.options.deleteAfterDestroy`), and no
  TTL schedule targets the template (a TTL destroys the stack it targets, the template with it, and no review stack
  is created again): not found stated in Pulumi's documents; the rules issue 27 set for the emulated Cloud;
- `scheduleCron` is a five-field cron expression (https://www.pulumi.com/docs/deployments/concepts/schedules/).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pulumi.provider.experimental.provider import (
    CheckFailure,
    CheckRequest,
    CheckResponse,
    CreateRequest,
    CreateResponse,
    DeleteRequest,
    DiffRequest,
    DiffResponse,
    PropertyDiff,
    PropertyDiffKind,
    Provider,
    ReadRequest,
    ReadResponse,
    UpdateRequest,
    UpdateResponse,
)

from vnet2vnet import sdk_types
from vnet2vnet.emulator.store import Store

PULUMISERVICE_VERSION = "1.5.0"
SETTINGS = "pulumiservice:index:DeploymentSettings"
SCHEDULES = {
    "pulumiservice:index:DriftSchedule",
    "pulumiservice:index:TtlSchedule",
    "pulumiservice:index:DeploymentSchedule",
}
TTL = "pulumiservice:index:TtlSchedule"
# What names the Cloud resource: a change of any of these is another resource (replace).
IDENTITY = ("organization", "project", "stack")
CRON_FIELDS = (  # name, lowest, highest, names allowed
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")),
    ("day of week", 0, 7, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")),
)


class CloudRefusalError(Exception):
    """What Pulumi Cloud answers instead of accepting a body: its status and words."""


def cron_problem(expression: Any) -> str | None:
    """Why `expression` is not a five-field cron expression, or None."""
    if not isinstance(expression, str):
        return f"scheduleCron must be a string, not {expression!r}"
    fields = expression.split()
    if len(fields) != len(CRON_FIELDS):
        return f"scheduleCron {expression!r} has {len(fields)} fields; a cron expression has 5"
    for text, (name, lowest, highest, names) in zip(fields, CRON_FIELDS, strict=True):
        for part in text.split(","):
            if not _cron_part_fits(part, lowest, highest, names):
                return f"scheduleCron {expression!r}: {part!r} is not a valid {name} ({lowest}-{highest})"
    return None


def _cron_part_fits(part: str, lowest: int, highest: int, names: tuple[str, ...]) -> bool:
    match = re.fullmatch(r"(\*|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:/([0-9]+))?", part)
    if match is None:
        return False
    span, step = match.groups()
    if step is not None and int(step) == 0:
        return False
    if span == "*":
        return True
    bounds = [_cron_value(value, names) for value in span.split("-")]
    if any(value is None or not lowest <= value <= highest for value in bounds):
        return False
    return len(bounds) == 1 or bounds[0] <= bounds[1]  # type: ignore[operator]


def _cron_value(text: str, names: tuple[str, ...]) -> int | None:
    if text.isdigit():
        return int(text)
    upper = text.upper()
    return names.index(upper) + (1 if len(names) == 12 else 0) if upper in names else None


def _stack_id(inputs: Mapping[str, Any]) -> str:
    return "/".join(str(inputs.get(key, "")) for key in IDENTITY)


def _branch(settings: Mapping[str, Any]) -> str:
    git = (settings.get("sourceContext") or {}).get("git") or {}
    return str(git.get("branch") or "")


def _is_template(settings: Mapping[str, Any]) -> bool:
    return bool((settings.get("github") or {}).get("pullRequestTemplate"))


def refusals(cloud: Mapping[str, Any], type_token: str, inputs: Mapping[str, Any]) -> list[str]:
    """What Pulumi Cloud would refuse in writing `inputs` as a `type_token`, given what it holds (`cloud`)."""
    found = [f"400 {path}: {problem}" for path, problem in sdk_types.violations(type_token, dict(inputs))]
    stack = _stack_id(inputs)
    if stack not in (cloud.get("stacks") or []):
        found.append(f"404 stack {stack} not found: create it (`pulumi stack init`) before its Deployment settings")
    settings = cloud.get("settings") or {}
    if type_token == SETTINGS and _is_template(inputs):
        project = stack.rsplit("/", 1)[0]
        others = [
            other
            for other, held in settings.items()
            if other != stack and other.rsplit("/", 1)[0] == project and _is_template(held)
            and _branch(held) == _branch(inputs)
        ]  # fmt: skip
        if others:
            found.append(
                f"409 {others[0]} is already the review stack template of {project} for {_branch(inputs) or 'its'} "
                "branch: one template per project and branch"
            )
        options = (inputs.get("operationContext") or {}).get("options") or {}
        if not options.get("deleteAfterDestroy"):
            found.append(
                f"400 {stack} is a review stack template: set operationContext.options.deleteAfterDestroy, or "
                "every closed pull request leaves its destroyed stack behind"
            )
        if any(s["type"] == TTL and s["stack"] == stack for s in (cloud.get("schedules") or {}).values()):
            found.append(f"409 {stack} has a TTL schedule: a review stack template must not expire")
    if type_token in SCHEDULES:
        problem = cron_problem(inputs.get("scheduleCron")) if "scheduleCron" in inputs else None
        if problem:
            found.append(f"400 {problem}")
        if type_token == TTL and _is_template(settings.get(stack) or {}):
            found.append(f"409 {stack} is a review stack template: a TTL schedule would destroy and delete it")
    return found


class PulumiServiceEmulator(Provider):
    """DeploymentSettings and the schedules over the emulated Pulumi Cloud in the rehearsal's state file."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def check(self, request: CheckRequest) -> CheckResponse:
        type_token = request.urn.split("::")[2].rsplit("$", 1)[-1]
        if type_token != SETTINGS and type_token not in SCHEDULES:
            return CheckResponse(
                failures=[CheckFailure("", f"the pulumiservice stand-in does not provide {type_token}")]
            )
        return CheckResponse(inputs=dict(request.new_inputs))

    async def diff(self, request: DiffRequest) -> DiffResponse:
        from vnet2vnet.emulator.provider import plain_map

        olds, news = plain_map(request.old_state), plain_map(request.new_inputs)
        changed = sorted(k for k in set(olds) | set(news) if olds.get(k) != news.get(k) and k != "scheduleId")
        replaces = [k for k in changed if k in IDENTITY]
        kind = {True: PropertyDiffKind.UPDATE_REPLACE, False: PropertyDiffKind.UPDATE}
        return DiffResponse(
            changes=bool(changed),
            replaces=replaces,
            diffs=changed,
            detailed_diff={k: PropertyDiff(kind[k in replaces], True) for k in changed},
        )

    def _write(self, urn: str, inputs: Mapping[str, Any], previous_id: str | None = None) -> str:
        type_token = urn.split("::")[2]
        with self.store.locked() as state:
            cloud = state.setdefault("pulumiCloud", {})
            if previous_id is not None:  # an update is judged without the record it replaces
                cloud.get("settings", {}).pop(previous_id, None)
                cloud.get("schedules", {}).pop(previous_id, None)
            found = refusals(cloud, type_token, inputs)
            if found:
                raise CloudRefusalError(f"Pulumi Cloud refused {type_token}: " + "; ".join(found))
            stack = _stack_id(inputs)
            if type_token == SETTINGS:
                cloud.setdefault("settings", {})[stack] = dict(inputs)
                return stack
            schedule_id = previous_id or f"{stack}/{urn.rsplit('::', 1)[-1]}"
            cloud.setdefault("schedules", {})[schedule_id] = {**inputs, "type": type_token, "stack": stack}
            return schedule_id

    async def create(self, request: CreateRequest) -> CreateResponse:
        from vnet2vnet.emulator.provider import plain_map

        inputs = plain_map(request.properties)
        if request.preview:
            return CreateResponse(resource_id="", properties=request.properties)
        resource_id = self._write(request.urn, inputs)
        return CreateResponse(resource_id=resource_id, properties=request.properties)

    async def update(self, request: UpdateRequest) -> UpdateResponse:
        from vnet2vnet.emulator.provider import plain_map

        if not request.preview:
            self._write(request.urn, plain_map(request.news), previous_id=request.resource_id)
        return UpdateResponse(properties=request.news)

    async def read(self, request: ReadRequest) -> ReadResponse:
        return ReadResponse(resource_id=request.resource_id, properties=request.properties, inputs=request.inputs)

    async def delete(self, request: DeleteRequest) -> None:
        with self.store.locked() as state:
            cloud = state.setdefault("pulumiCloud", {})
            cloud.get("settings", {}).pop(request.resource_id, None)
            cloud.get("schedules", {}).pop(request.resource_id, None)
