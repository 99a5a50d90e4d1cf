"""The pulumiservice stand-in judges Deployment settings and schedules as Pulumi Cloud does (its documented rules,
vnet2vnet/emulator/pulumiservice.py), so that `deployments/` is proven on the real engine: one refused body and
one accepted near miss per rule."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from vnet2vnet.emulator.pulumiservice import SETTINGS, TTL, cron_problem, refusals

STACKS = ["acme/vnet2vnet/dev", "acme/vnet2vnet/prod", "acme/vnet2vnet/review", "acme/vnet2vnet/review-release"]
DRIFT = "pulumiservice:index:DriftSchedule"


def settings(
    stack: str = "dev", *, template: bool = False, branch: str = "main", delete: bool | None = None
) -> dict[str, Any]:
    """A DeploymentSettings body as the engine sends it (camelCase wire names), like deployments/ writes it."""
    return {
        "organization": "acme",
        "project": "vnet2vnet",
        "stack": stack,
        "sourceContext": {"git": {"branch": f"refs/heads/{branch}", "repoDir": "."}},
        "github": {"repository": "acme/vnet2vnet", "deployCommits": not template, "pullRequestTemplate": template},
        "operationContext": {"options": {"deleteAfterDestroy": template if delete is None else delete}},
        "cacheOptions": {"enable": True},
    }


def cloud(*held: dict[str, Any], schedules: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "stacks": STACKS,
        "settings": {f"acme/vnet2vnet/{s['stack']}": s for s in held},
        "schedules": schedules or {},
    }


def drift(cron: Any = "0 */6 * * *", stack: str = "prod") -> dict[str, Any]:
    return {
        "organization": "acme",
        "project": "vnet2vnet",
        "stack": stack,
        "scheduleCron": cron,
        "autoRemediate": False,
    }


TTL_ON_REVIEW = {"organization": "acme", "project": "vnet2vnet", "stack": "review", "timestamp": "2030-01-01T00:00:00Z"}


# (what, held cloud, type, body, refused with) -- the near miss of each rule is the case after it
CASES: list[tuple[str, dict[str, Any], str, dict[str, Any], str | None]] = [
    ("the stack is missing", {"stacks": [], "settings": {}}, SETTINGS, settings(), "404 stack acme/vnet2vnet/dev not found"),
    ("the stack exists", cloud(), SETTINGS, settings(), None),
    ("a second template on one branch", cloud(settings("review", template=True)), SETTINGS,
     settings("review-release", template=True), "one template per project and branch"),
    ("a second template on another branch", cloud(settings("review", template=True)), SETTINGS,
     settings("review-release", template=True, branch="release"), None),
    ("a template that keeps destroyed stacks", cloud(), SETTINGS, settings("review", template=True, delete=False),
     "deleteAfterDestroy"),
    ("a template that deletes them", cloud(), SETTINGS, settings("review", template=True), None),
    ("a TTL on the template", cloud(settings("review", template=True)), TTL, TTL_ON_REVIEW, "would destroy and delete it"),
    ("a template made of a stack with a TTL",
     cloud(schedules={"s": {"type": TTL, "stack": "acme/vnet2vnet/review"}}), SETTINGS,
     settings("review", template=True), "has a TTL schedule"),
    ("a TTL on a stack that is no template", cloud(settings("review")), TTL, TTL_ON_REVIEW, None),
    ("six fields", cloud(), DRIFT, drift("0 */6 * * * *"), "has 6 fields"),
    ("a minute out of range", cloud(), DRIFT, drift("60 * * * *"), "not a valid minute"),
    ("a valid cron", cloud(), DRIFT, drift("0 */6 * * MON-FRI"), None),
    ("a key the SDK does not have", cloud(), SETTINGS, {**settings(), "pullRequestTemplate": True},
     "400 $.pullRequestTemplate"),
    ("a value of the wrong type", cloud(), SETTINGS, {**settings(), "github": {"deployCommits": "yes"}},
     "400 $.github.deployCommits"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "held", "type_token", "body", "refused_with"), CASES, ids=[c[0] for c in CASES])
def test_pulumi_cloud_rules(
    what: str, held: dict[str, Any], type_token: str, body: dict[str, Any], refused_with: str | None
) -> None:
    found = refusals(copy.deepcopy(held), type_token, body)
    if refused_with is None:
        assert found == [], f"{what}: Pulumi Cloud accepts it, the stand-in refused: {found}"
    else:
        assert any(refused_with in refusal for refusal in found), f"{what}: expected {refused_with!r} in {found}"


@pytest.mark.parametrize(
    ("cron", "valid"),
    [("0 */6 * * *", True), ("*/15 0-23 1,15 JAN-DEC SUN", True), ("0 0 * * 7", True), ("0 0 31 2 *", True),
     ("0 24 * * *", False), ("0 0 0 * *", False), ("*/0 * * * *", False), ("5-1 * * * *", False), ("@daily", False),
     ("", False), (6, False)],
)  # fmt: skip
def test_cron_expressions(cron: Any, valid: bool) -> None:
    assert (cron_problem(cron) is None) == valid, f"{cron!r}: {cron_problem(cron)}"
