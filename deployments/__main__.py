"""Pulumi Deployments for the vnet2vnet stacks, as code.

- dev: deploys on every push to the branch, previews pull requests;
- prod: previews pull requests, deploys when someone clicks Deploy (or through the REST API), and runs drift
  detection every six hours without auto-remediation (prod is protected; a human reviews drift);
- review: the template for pull-request review stacks. Pulumi Cloud creates a review stack from it for each pull
  request and destroys it when the pull request closes; `delete_after_destroy` (copied into each review stack's
  settings) then deletes the destroyed stack. No schedule targets the template itself: a TTL on it would destroy
  and delete the template, and no review stack would ever be created again.
All stacks log in to Azure with OIDC (no secret anywhere) and cache dependencies (one lock file,
requirements.txt, and a virtualenv named venv, as the main Pulumi.yaml declares).
"""

from __future__ import annotations

import pulumi
import pulumi_pulumiservice as service

PROJECT = "vnet2vnet"  # the main program's project name (../Pulumi.yaml)
REVIEW_TEMPLATE = "review"
DRIFT_CRON = "0 */6 * * *"

config = pulumi.Config()


def required(key: str) -> str:
    value = (config.get(key) or "").strip()
    if not value:
        raise pulumi.RunError(
            f"{pulumi.get_project()}:{key} is not set: run `pulumi config set {key} <value>` in deployments/ "
            "(see Pulumi.example.yaml)"
        )
    return value


organization = required("organization")
repository = required("repository")
branch = config.get("branch") or "main"
azure = service.AzureOIDCConfigurationArgs(
    client_id=required("azureClientId"),
    tenant_id=required("azureTenantId"),
    subscription_id=required("azureSubscriptionId"),
)


def settings(stack: str, *, deploy_commits: bool, review_template: bool = False) -> service.DeploymentSettings:
    return service.DeploymentSettings(
        f"{stack}-settings",
        organization=organization,
        project=PROJECT,
        stack=stack,
        source_context=service.DeploymentSettingsSourceContextArgs(
            git=service.DeploymentSettingsGitSourceArgs(branch=f"refs/heads/{branch}", repo_dir=".")
        ),
        github=service.DeploymentSettingsGithubArgs(
            repository=repository,
            deploy_commits=deploy_commits,
            preview_pull_requests=not review_template,
            pull_request_template=review_template,
        ),
        operation_context=service.DeploymentSettingsOperationContextArgs(
            oidc=service.OperationContextOIDCArgs(azure=azure),
            # The program runs unattended: no prompts, every value from the stack config.
            environment_variables={"PULUMI_SKIP_UPDATE_CHECK": "true"},
            options=service.OperationContextOptionsArgs(delete_after_destroy=review_template),
        ),
        cache_options=service.DeploymentSettingsCacheOptionsArgs(enable=True),
    )


dev = settings("dev", deploy_commits=True)
prod = settings("prod", deploy_commits=False)
review = settings(REVIEW_TEMPLATE, deploy_commits=False, review_template=True)

service.DriftSchedule(
    "prod-drift",
    organization=organization,
    project=PROJECT,
    stack="prod",
    schedule_cron=DRIFT_CRON,
    auto_remediate=False,
    opts=pulumi.ResourceOptions(depends_on=[prod]),
)

pulumi.export("stacks", [f"{organization}/{PROJECT}/{stack}" for stack in ("dev", "prod", REVIEW_TEMPLATE)])
