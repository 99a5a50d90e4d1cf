"""deployments/ on the real engine (issue 27): its own program, venv and plugins through the language host, against
the pulumiservice stand-in, which checks every Deployment settings and schedule body against pulumi-pulumiservice's
own SDK input types and Pulumi Cloud's documented rules (vnet2vnet/emulator/pulumiservice.py). Pulumi Cloud itself
is not reachable here."""

from __future__ import annotations

from pathlib import Path

import yaml

from vnet2vnet.pulumi_cli import PulumiCli
from vnet2vnet.rehearse import Rehearsal

from .conftest import PROJECT_DIR, EngineStack

ORGANIZATION = "my-org"  # deployments/Pulumi.example.yaml


def cloud_seed(path: Path, stacks: list[str]) -> Path:
    path.write_text(yaml.safe_dump({"pulumiCloud": {"stacks": [f"{ORGANIZATION}/vnet2vnet/{s}" for s in stacks]}}))
    return path


def moved(changes: dict[str, int]) -> dict[str, int]:
    return {kind: count for kind, count in changes.items() if count}


def sandbox(tmp_path: Path, pulumi_cli: PulumiCli, seed: Path) -> EngineStack:
    return EngineStack(
        Rehearsal(PROJECT_DIR / "deployments", "example", pulumi_cli, tmp_path / "sandbox", seed_file=seed,
                  ours=False, say=lambda _: None)
    )  # fmt: skip


def test_the_settings_and_schedule_deploy_preview_clean_and_destroy(tmp_path: Path, pulumi_cli: PulumiCli) -> None:
    stack = sandbox(tmp_path, pulumi_cli, cloud_seed(tmp_path / "cloud.yaml", ["dev", "prod", "review"]))
    assert stack.rehearsal.through_host, stack.rehearsal.notes
    assert moved(stack.ok("up")) == {"create": 5}, "the stack, three settings and prod's drift schedule"
    cloud = stack.azure()["pulumiCloud"]
    assert sorted(cloud["settings"]) == [f"{ORGANIZATION}/vnet2vnet/{s}" for s in ("dev", "prod", "review")]
    templates = [stack for stack, body in cloud["settings"].items() if body["github"].get("pullRequestTemplate")]
    assert templates == [f"{ORGANIZATION}/vnet2vnet/review"], templates
    (drift,) = cloud["schedules"].values()
    assert (drift["stack"], drift["scheduleCron"]) == (f"{ORGANIZATION}/vnet2vnet/prod", "0 */6 * * *"), drift
    assert moved(stack.ok("preview")) == {"same": 5}, "a preview right after up changes nothing"
    assert moved(stack.ok("destroy")) == {"delete": 5}
    cloud = stack.azure()["pulumiCloud"]
    assert cloud["settings"] == {} and cloud["schedules"] == {}, cloud


def test_deployments_passes_its_rehearsal(tmp_path: Path, pulumi_cli: PulumiCli) -> None:
    seed = cloud_seed(tmp_path / "cloud.yaml", ["dev", "prod", "review"])
    rehearsal = Rehearsal(
        PROJECT_DIR / "deployments", "example", pulumi_cli, tmp_path / "sandbox", seed_file=seed, ours=False,
        say=lambda _: None,
    )  # fmt: skip
    report = rehearsal.run()
    assert report["program_run"] == "language host", report["notes"]
    assert report["ok"], report["problems"]
    assert report["built"] == {"pulumiservice:index:DeploymentSettings": 3, "pulumiservice:index:DriftSchedule": 1}


def test_settings_for_a_stack_pulumi_cloud_does_not_have_are_refused(tmp_path: Path, pulumi_cli: PulumiCli) -> None:
    stack = sandbox(tmp_path, pulumi_cli, cloud_seed(tmp_path / "cloud.yaml", ["dev", "prod"]))  # no template
    up = stack.run("up")
    assert "error" in up, "Pulumi Cloud has no review stack: its settings cannot be written"
    log = Path(up["log"]).read_text()
    assert f"404 stack {ORGANIZATION}/vnet2vnet/review not found" in log, log[-3000:]
    assert "Traceback" not in log, "the Cloud's words, not the stand-in's traceback"
