"""`vnet2vnet rehearse` on the shipped stacks: the whole lifecycle through the real engine against the emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from vnet2vnet.differential import program_copy
from vnet2vnet.pulumi_cli import PulumiCli
from vnet2vnet.rehearse import STEP_NAMES, rehearse

from .conftest import PROJECT_DIR

# Links per stack: a rotation replaces each link's key and its two connections.
LINKS = {"dev": 1, "prod": 1, "mesh": 10, "brownfield": 2}


def check_lifecycle(document: dict[str, Any], stack: str) -> None:
    assert document["ok"], f"rehearsal of {stack} failed: {document['problems']}"
    steps = {step["name"]: step for step in document["steps"]}
    assert list(steps) == list(STEP_NAMES), f"every step runs, in order: {list(steps)}"
    created = steps["up"]["changes"]["create"]
    assert created > 0 and steps["destroy"]["changes"]["delete"] == created, "destroy removes what up created"
    for quiet in ("preview", "preview_after_refresh"):
        assert steps[quiet]["changes"]["same"] == created, f"{quiet} shows no change: {steps[quiet]['changes']}"
    assert steps["rotate"]["changes"]["replace"] == 3 * LINKS[stack], steps["rotate"]["changes"]
    checks = steps["evidence"]["checks"]
    assert len(checks) >= 4 * 2 * LINKS[stack], f"verify --evidence checked every direction: {checks}"
    assert {c["result"] for c in checks} == {"pass"}, [c for c in checks if c["result"] != "pass"]
    assert document["conflicts"] == 0 and document["state_plaintext_secrets"] == 0, document
    assert document["state_secret_values_searched"] > 0, "the state was searched for at least one key or secret"
    span = document["makespan"]
    # Not a performance check (bench/real_engine.py has the figures): the emulated up and the plan's critical path
    # are two models of Azure's durations (emulator.durations and azure_facts.TYPICAL_DURATIONS) that agree within
    # their estimates; far apart, one of them (or the schedule) is wrong.
    assert span["planned_critical_path_minutes"] > 0 and 0.8 <= span["ratio"] <= 1.25, span


def test_rehearse_dev_through_the_cli_prints_the_json_contract(pulumi_cli: PulumiCli, tmp_path: Path) -> None:
    keep = tmp_path / "kept"
    result = subprocess.run(
        [sys.executable, "-m", "vnet2vnet", "rehearse", "--stack", "dev", "--json", "--keep", str(keep)],
        cwd=PROJECT_DIR,
        env={**os.environ, "VNET2VNET_PULUMI": pulumi_cli.path},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    document = json.loads(result.stdout)
    contract = {
        "stack",
        "cli_version",
        "clock_scale",
        "steps",
        "conflicts",
        "makespan",
        "state_plaintext_secrets",
        "state_secret_values_searched",
        "ok",
    }
    assert contract <= set(document), f"missing keys: {contract - set(document)}"
    assert set(document["makespan"]) >= {"emulated_minutes", "planned_critical_path_minutes", "ratio"}
    for step in document["steps"]:
        extra = {"checks"} if step["name"] == "evidence" else set()
        assert set(step) == {"name", "changes", "seconds", "errors"} | extra, step
        assert step["errors"] == [], f"Azure refused nothing: {step['errors']}"
        assert set(step["changes"]) == {"create", "update", "replace", "delete", "same"}, step
    assert document["cli_version"].startswith("v3."), document["cli_version"]
    check_lifecycle(document, "dev")
    assert (keep / "azure.json").is_file() and (keep / "backend" / ".pulumi").is_dir(), "--keep keeps both states"
    assert "rehearse dev: up" in result.stderr, "progress goes to stderr, step by step"


@pytest.mark.parametrize("stack", ["prod", "mesh"])
def test_rehearse_holds_for_the_shipped_stack(stack: str, pulumi_cli: PulumiCli) -> None:
    document = rehearse(PROJECT_DIR, stack, pulumi_cli, say=lambda _: None)
    check_lifecycle(document, stack)
    if stack == "prod":
        assert any("unprotected" in note for note in document["notes"]), "prod's protected gateways need unprotecting"
        monitoring = {
            token: count for token, count in document["built"].items() if ":monitor:" in token or "insights" in token
        }
        assert monitoring == {
            "azure-native:monitor:ActionGroup": 1,
            "azure-native:monitor:DiagnosticSetting": 2,
            "azure-native:monitor:MetricAlert": 2,
            "azure-native:monitor:ScheduledQueryRule": 2,
            "azure-native:operationalinsights:Workspace": 1,
        }, f"prod's diagnostics and alerts are created in Azure by up: {document['built']}"


def test_brownfield_rehearses_with_the_existing_hub_untouched(pulumi_cli: PulumiCli) -> None:
    seed = PROJECT_DIR / "examples" / "brownfield" / "existing.yaml"
    document = rehearse(PROJECT_DIR, "brownfield", pulumi_cli, seed=seed, say=lambda _: None)
    check_lifecycle(document, "brownfield")  # includes: no step changed or took over an existing resource
    created = {step["name"]: step for step in document["steps"]}["up"]["changes"]["create"]
    assert created == 24, f"the spokes, the links and the components, nothing of the hub: {created}"
    assert document["makespan"]["planned_critical_path_minutes"] > 0, "the offline plan read the seed too"


def test_a_write_that_fails_fails_the_rehearsal_with_azures_words(pulumi_cli: PulumiCli, tmp_path: Path) -> None:
    """The README's fault names the gateway by its logical name, with no type: it fails the gateway (auto-named
    `vnet2vnet-east-gw<8 hex>`), not the public IP `vnet2vnet-east-gw-ip1<8 hex>` that a name prefix also fits; the
    step says what the engine did before the failure and Azure's error in one line, without the emulator's
    traceback."""
    seed = tmp_path / "seed.yaml"
    seed.write_text("faults:\n  - {kind: failOnce, resource: vnet2vnet-east-gw, verb: create, code: BadRequest}\n")
    kept = tmp_path / "kept"
    document = rehearse(PROJECT_DIR, "dev", pulumi_cli, seed=seed, keep=kept, say=lambda _: None)
    assert not document["ok"], "a failed up fails the rehearsal"
    assert [step["name"] for step in document["steps"]] == ["up"], "nothing runs after a failed up"
    (up,) = document["steps"]
    (error,) = up["errors"]
    assert error["resource"].endswith("VirtualNetworkGateway::vnet2vnet-east-gw"), f"the gateway failed: {error}"
    assert error["code"] == "BadRequest" and error["message"] == "Injected fault.", error
    assert up["changes"]["create"] > 0, f"what the engine created before the failure is reported: {up['changes']}"
    (problem,) = document["problems"]
    assert problem == "up failed: vnet2vnet-east-gw: BadRequest: Injected fault.", problem
    log = (kept / "up.log").read_text()
    assert "BadRequest" in log and "Traceback" not in log and 'File "' not in log, log[-2000:]


def test_the_evidence_step_fails_where_the_seed_file_drops_a_tunnel_and_the_rehearsal_holds(
    pulumi_cli: PulumiCli, tmp_path: Path
) -> None:
    """`verify --evidence` through the Azure SDK over HTTPS against the emulated Azure: the dropped direction fails
    `connected`, as the fault says it must; the rehearsal holds, since the evidence agrees with the emulator."""
    seed = tmp_path / "seed.yaml"
    seed.write_text("faults:\n  - {kind: tunnelDown, resource: vnet2vnet-west-to-east}\n")
    document = rehearse(PROJECT_DIR, "dev", pulumi_cli, seed=seed, say=lambda _: None)
    (step,) = [s for s in document["steps"] if s["name"] == "evidence"]
    results = {(c["link"], c["check"]): c["result"] for c in step["checks"]}
    assert results[("west-to-east", "connected")] == "fail", results
    assert results[("east-to-west", "connected")] == "pass", results
    assert not [p for p in document["problems"] if p.startswith("evidence")], document["problems"]


class TestChange:
    """`rehearse --stack S --change T`: after the rotation, stack T's config is applied to the deployed stack S as a
    step named `change` (the forecast, then up), before destroy."""

    @staticmethod
    def run(project: Path, pulumi_cli: PulumiCli, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "vnet2vnet", "rehearse", "--stack", "dev", *args, "--project-dir", str(project)],
            env={**os.environ, "VNET2VNET_PULUMI": pulumi_cli.path},
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )

    @staticmethod
    def project(tmp_path: Path) -> Path:
        project = program_copy(PROJECT_DIR, tmp_path / "project")
        dev = yaml.safe_load((PROJECT_DIR / "Pulumi.dev.yaml").read_text())
        (project / "Pulumi.dev.yaml").write_text(yaml.safe_dump(dev))
        dev["config"]["vnet2vnet:connection"]["dpdTimeoutSeconds"] = 30
        (project / "Pulumi.dpd.yaml").write_text(yaml.safe_dump(dev))
        return project

    def test_the_change_step_and_its_json(self, pulumi_cli: PulumiCli, tmp_path: Path) -> None:
        result = self.run(self.project(tmp_path), pulumi_cli, "--change", "dpd", "--json")
        assert result.returncode == 0, result.stderr[-3000:]
        document = json.loads(result.stdout)
        names = [step["name"] for step in document["steps"]]
        assert names == [*STEP_NAMES[:-1], "change", STEP_NAMES[-1]], f"change comes before destroy: {names}"
        change = document["change"]
        assert set(change) == {"stack", "forecast_matches", "mismatches", "up_ok", "refused_by", "ok"}, change
        assert change == {
            "stack": "dpd", "forecast_matches": True, "mismatches": [], "up_ok": True, "refused_by": None, "ok": True
        }, change  # fmt: skip
        (step,) = [s for s in document["steps"] if s["name"] == "change"]
        assert step["changes"]["update"] == 2, f"DPD is set on both connections in place: {step['changes']}"

    def test_a_change_stack_that_does_not_exist_is_a_usage_error(self, pulumi_cli: PulumiCli, tmp_path: Path) -> None:
        result = self.run(self.project(tmp_path), pulumi_cli, "--change", "nosuch")
        assert result.returncode == 2 and "Pulumi.nosuch.yaml does not exist" in result.stderr, result.stderr
