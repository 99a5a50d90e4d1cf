"""`vnet2vnet verify --evidence` on the real engine: the stack's state from the real CLI, the reads by the real Azure
SDK client over HTTPS against the emulated Azure's ARM endpoint (202, polls, final answers), which negotiates what
the connections ask for unless a fault in the seed file says otherwise. Offline, tests/test_evidence.py covers how
each answer is judged."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from vnet2vnet.cli import stack_config_findings
from vnet2vnet.emulator.arm_http import ArmServer
from vnet2vnet.operations import Operator
from vnet2vnet.pulumi_cli import PulumiCli
from vnet2vnet.rehearse import emulated_reads

from .conftest import PROJECT_DIR, EngineStack, arm_process_env, write_project

MakeStack = Callable[..., EngineStack]


def evidence_of(
    stack: EngineStack, name: str, pulumi_cli: PulumiCli, directory: Path
) -> tuple[int, dict[str, Any], str]:
    out = io.StringIO()
    operator = Operator(stack.work_dir, name, out=out, env=stack.rehearsal.env, cli=pulumi_cli)
    _, topology, _ = stack_config_findings(stack.work_dir, name, stack.rehearsal.seeded)
    assert topology is not None
    stack.rehearsal.settled_links()
    with ArmServer(stack.store) as server:
        code = operator.evidence(directory, interval=2, topology=topology, azure=emulated_reads(server))
        polled = [path for method, path in server.requests_seen if method == "GET" and "/operations" in path.lower()]
        assert polled, f"the long-running reads were polled: {server.requests_seen[:12]}"
    return code, json.loads((directory / "evidence.json").read_text()), out.getvalue()


def results(document: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {c["link"]: {check["check"]: check["result"] for check in c["checks"]} for c in document["connections"]}


def test_a_healthy_production_pair_passes_every_check(
    engine_stack: MakeStack, pulumi_cli: PulumiCli, tmp_path: Path
) -> None:
    stack = engine_stack("prod")
    stack.ok("up")
    code, document, out = evidence_of(stack, "prod", pulumi_cli, tmp_path / "evidence")
    assert code == 0, out
    every_check = {"connected", "traffic", "ipsec-policy", "shared-key", "bgp-peer", "routes-learned"}
    assert results(document) == {
        "neu-to-sdc": dict.fromkeys(every_check, "pass"),
        "sdc-to-neu": dict.fromkeys(every_check, "pass"),
    }, json.dumps(document, indent=1)[:3000]
    ids = {c["id"] for c in stack.connections()}
    assert {c["resource_id"] for c in document["connections"]} == ids, "the report names the Azure resources"
    markdown = (tmp_path / "evidence" / "evidence.md").read_text()
    assert "Verdict: **PASS**" in markdown and "| neu-to-sdc | PASS |" in markdown, markdown[:1500]
    keys = {c["inputs"]["sharedKey"] for c in stack.connections()}
    written = (tmp_path / "evidence" / "evidence.json").read_text() + markdown + out
    assert keys and not any(key in written for key in keys), "the key never appears in the report or the output"


def test_a_policy_mismatch_seeded_in_the_emulator_is_flagged(
    engine_stack: MakeStack, pulumi_cli: PulumiCli, tmp_path: Path
) -> None:
    stack = engine_stack(
        "prod",
        faults=(
            "{kind: negotiatedPolicy, resource: vnet2vnet-neu-to-sdc,"
            " policy: {ikeEncryption: AES128, ikeIntegrity: SHA1, dhGroup: DHGroup2}}",
        ),
    )
    stack.ok("up")
    code, document, _ = evidence_of(stack, "prod", pulumi_cli, tmp_path / "evidence")
    assert code == 1, "a mismatch fails the evidence"
    assert document["verdict"] == "fail"
    found = results(document)
    assert found["neu-to-sdc"]["ipsec-policy"] == "fail", found
    assert found["sdc-to-neu"]["ipsec-policy"] == "pass", "only the direction that negotiated less is flagged"
    (flagged,) = [c for c in document["connections"] if c["link"] == "neu-to-sdc"]
    detail = next(check["detail"] for check in flagged["checks"] if check["check"] == "ipsec-policy")
    assert "IKE AES128/SHA1/DHGroup2 instead of GCMAES256/SHA384/DHGROUP24" in detail, detail


def test_an_answer_that_cannot_be_read_is_cannot_verify(
    engine_stack: MakeStack, pulumi_cli: PulumiCli, tmp_path: Path
) -> None:
    stack = engine_stack(
        "dev", faults=("{kind: negotiatedPolicy, resource: vnet2vnet-east-to-west, raw: 'SA: AES256 up'}",)
    )
    stack.ok("up")
    code, document, _ = evidence_of(stack, "dev", pulumi_cli, tmp_path / "evidence")
    assert code == 1, "cannot-verify is not a pass"
    found = results(document)
    assert found["east-to-west"]["ipsec-policy"] == "cannot-verify", found
    assert found["west-to-east"]["ipsec-policy"] == "pass", "dev has no custom policy: Azure's default offers"
    assert document["verdict"] == "cannot-verify"


def test_a_dropped_tunnel_fails_verify_and_its_evidence_through_the_cli(
    engine_stack: MakeStack, pulumi_cli: PulumiCli, tmp_path: Path
) -> None:
    stack = engine_stack("dev", faults=("{kind: tunnelDown, resource: vnet2vnet-west-to-east}",))
    stack.ok("up")
    directory = tmp_path / "evidence"
    stack.rehearsal.settled_links()
    with ArmServer(stack.store) as server:
        completed = subprocess.run(
            [sys.executable, "-m", "vnet2vnet", "verify", "--stack", "dev", "--timeout", "0", "--interval", "2",
             "--evidence", str(directory), "--project-dir", str(stack.work_dir)],
            env={**stack.rehearsal.process_env, "VNET2VNET_PULUMI": stack.rehearsal.run_cli.path, **arm_process_env(server)},
            capture_output=True, text=True, check=False, timeout=600,
        )  # fmt: skip
        seen = server.requests_seen
    assert any("/oauth2/v2.0/token" in path for _, path in seen), f"a token was asked for, the ARM_* way: {seen[:5]}"
    assert completed.returncode == 1, completed.stdout[-2000:] + completed.stderr[-2000:]
    assert "1/2 connections Connected" in completed.stdout, completed.stdout[-2000:]
    document = json.loads((directory / "evidence.json").read_text())
    found = results(document)
    assert found["west-to-east"]["connected"] == "fail" and found["west-to-east"]["traffic"] == "fail", found
    assert found["east-to-west"]["connected"] == "pass", found
    assert "west-to-east: fail" in completed.stdout, completed.stdout[-1500:]


def test_a_hub_in_another_subscription_is_read_through_its_own_provider(
    engine_stack: MakeStack, pulumi_cli: PulumiCli, tmp_path: Path
) -> None:
    stack = engine_stack("brownfield", seed=PROJECT_DIR / "examples" / "brownfield" / "existing.yaml")
    stack.ok("up")
    code, document, out = evidence_of(stack, "brownfield", pulumi_cli, tmp_path / "evidence")
    found = results(document)
    assert set(found) == {"hub-to-spoke-a", "spoke-a-to-hub", "hub-to-spoke-b", "spoke-b-to-hub"}, found
    hub_side = [c for c in document["connections"] if c["link"].startswith("hub-to-")]
    assert all("/subscriptions/2f0c3a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b/" in c["resource_id"] for c in hub_side), (
        "the hub's connections live in the hub's subscription"
    )
    assert code == 0 and document["verdict"] == "pass", json.dumps(found, indent=1) + out[-1500:]
    policy_link = next(c for c in document["connections"] if c["link"] == "hub-to-spoke-a")
    assert policy_link["expected_policy"]["ike_encryption"] == "GCMAES256", "the link's own ipsecPolicy is expected"


CONSUMER_PROGRAM = """
import pulumi
from vnet2vnet import VnetToVnetPair
from vnet2vnet.checks import CheckedSpec, checked_stack_spec
from vnet2vnet.stack_config import read_raw_stack_config

network = checked_stack_spec(read_raw_stack_config(), pulumi.get_project())
VnetToVnetPair.from_checked(pulumi.get_project(), CheckedSpec(network))
"""


def test_a_consumer_project_without_this_repository_runs_verify_evidence(
    engine_stack: MakeStack, pulumi_cli: PulumiCli, tmp_path: Path
) -> None:
    """Its own __main__.py and the dev stack config, no `components/` anywhere it can import from: `verify
    --evidence` through the CLI, run from outside this repository, reads and passes every check."""
    config = yaml.safe_load((PROJECT_DIR / "Pulumi.dev.yaml").read_text())["config"]
    project = write_project(tmp_path / "consumer", CONSUMER_PROGRAM, "dev", config, name="consumer")
    stack = engine_stack("dev", project_dir=project)
    stack.ok("up")
    assert not (stack.work_dir / "components").exists(), "the consumer's project has no components/"
    stack.rehearsal.settled_links()
    directory = tmp_path / "evidence"
    with ArmServer(stack.store) as server:
        completed = subprocess.run(
            [sys.executable, "-m", "vnet2vnet", "verify", "--stack", "dev", "--timeout", "0", "--interval", "2",
             "--evidence", str(directory), "--project-dir", str(stack.work_dir)],
            env={**stack.rehearsal.process_env, "VNET2VNET_PULUMI": stack.rehearsal.run_cli.path, **arm_process_env(server)},
            capture_output=True, text=True, check=False, timeout=600, cwd=tmp_path,
        )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    found = results(json.loads((directory / "evidence.json").read_text()))
    assert set(found) == {"east-to-west", "west-to-east"} and all(
        set(checks.values()) == {"pass"} for checks in found.values()
    ), found
