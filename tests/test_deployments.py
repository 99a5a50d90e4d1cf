"""deployments/: the Pulumi Deployments settings and schedules, run on the offline engine."""

from __future__ import annotations

import pytest
import yaml

from tests.support import PROJECT_DIR
from vnet2vnet.engine import run_stack
from vnet2vnet.plan_model import Plan, RecordedResource

SETTINGS = "pulumiservice:index:DeploymentSettings"
OIDC = {
    "clientId": "00000000-0000-0000-0000-0000000000c1",
    "tenantId": "00000000-0000-0000-0000-0000000000a1",
    "subscriptionId": "00000000-0000-0000-0000-0000000000b1",
}


@pytest.fixture(scope="module")
def plan() -> Plan:
    return run_stack(PROJECT_DIR / "deployments", "example")


def project_name() -> str:
    return str(yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())["name"])


def settings_for(plan: Plan, stack: str) -> RecordedResource:
    (found,) = [r for r in plan.of_type(SETTINGS) if r.inputs["stack"] == stack]
    return found


@pytest.mark.parametrize("stack", ["dev", "prod", "review"])
def test_every_stack_deploys_from_git_with_azure_oidc_and_caching(plan: Plan, stack: str) -> None:
    inputs = settings_for(plan, stack).inputs
    assert inputs["organization"] == "my-org", "from the deployments stack's config"
    assert inputs["project"] == project_name(), "the project the settings deploy is this repository's Pulumi.yaml"
    assert inputs["sourceContext"]["git"]["branch"] == "refs/heads/main"
    assert inputs["github"]["repository"] == "my-org/vnet2vnet"
    assert inputs["operationContext"]["oidc"]["azure"] == OIDC, "Azure OIDC values come from the config"


def test_dev_deploys_on_push_and_prod_does_not(plan: Plan) -> None:
    assert settings_for(plan, "dev").inputs["github"]["deployCommits"] is True
    assert settings_for(plan, "prod").inputs["github"]["deployCommits"] is False
    assert settings_for(plan, "prod").inputs["github"]["previewPullRequests"] is True


def test_prod_has_a_drift_schedule_and_nothing_else_does(plan: Plan) -> None:
    (drift,) = plan.of_type("pulumiservice:index:DriftSchedule")
    assert drift.inputs["stack"] == "prod", "only production is checked for drift"
    assert drift.inputs["autoRemediate"] is False


def test_review_stacks_come_from_the_template_and_nothing_expires_the_template(plan: Plan) -> None:
    review = settings_for(plan, "review").inputs
    assert review["github"]["pullRequestTemplate"] is True
    # Review stacks copy the template's settings: each is deleted once Pulumi Cloud destroys it (pull request
    # closed). A TtlSchedule on the template would delete the template and its settings, and with them every
    # future review stack.
    assert review["operationContext"]["options"]["deleteAfterDestroy"] is True
    assert plan.of_type("pulumiservice:index:TtlSchedule") == [], "no schedule may destroy the review template"
    for stack in ("dev", "prod"):
        assert not settings_for(plan, stack).inputs["operationContext"]["options"]["deleteAfterDestroy"], stack


def test_missing_config_is_named() -> None:
    from vnet2vnet.engine import ProgramError

    with pytest.raises(ProgramError, match=r"vnet2vnet-deployments:organization is not set: run `pulumi config set"):
        run_stack(
            PROJECT_DIR / "deployments",
            "example",
            config_overrides={"vnet2vnet-deployments:organization": ""},
        )
