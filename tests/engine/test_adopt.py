"""`vnet2vnet adopt`: a pair built outside the stack comes under it through `pulumi import --file`, with its key as
the stack's secret, and the next `up` rebuilds nothing (issue 16.5). The hand-built pair is seeded in the emulator:
what a first stack built, given to a second, empty stack as resources that already exist."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from vnet2vnet.emulator import azure
from vnet2vnet.emulator.arm_http import ArmServer
from vnet2vnet.pulumi_cli import PulumiCli
from vnet2vnet.rehearse import Rehearsal, change_counts

from .conftest import PROJECT_DIR, EngineStack, arm_process_env, hand_built_seed


def _hand_built(tmp_path: Path, pulumi_cli: PulumiCli, *, with_tags: bool) -> tuple[Path, dict[str, str], str]:
    """A pair built by other means: its Azure resources as a seed file, our names -> their IDs, and its key."""
    builder = EngineStack(Rehearsal(PROJECT_DIR, "dev", pulumi_cli, tmp_path / "builder", say=lambda _: None))
    result = builder.run("up", "hand-build")
    assert "error" not in result, result.get("error")
    state = builder.azure()
    seed = tmp_path / "hand-built.yaml"
    names = hand_built_seed(builder, result["deployment"], seed, drop=() if with_tags else ("tags",))
    (key,) = {c["inputs"]["sharedKey"] for c in azure.of_type(state, azure.CONNECTION)}
    return seed, names, key


def _adopt(stack: EngineStack, ids: dict[str, str], pulumi_cli: PulumiCli) -> subprocess.CompletedProcess[str]:
    ids_file = stack.work_dir.parent / "ids.json"
    ids_file.write_text(json.dumps(ids))
    # The keys are read with the Azure SDK, from the emulated Azure's HTTPS endpoint, the ARM_* way.
    with ArmServer(stack.store) as server:
        env = {
            **stack.rehearsal.process_env,
            "VNET2VNET_PULUMI": stack.rehearsal.run_cli.path,
            **arm_process_env(server),
        }
        return subprocess.run(
            [sys.executable, "-m", "vnet2vnet", "adopt", "--stack", "dev", "--ids", str(ids_file),
             "--project-dir", str(stack.work_dir)],
            capture_output=True, text=True, env=env, cwd=PROJECT_DIR, check=False,
        )  # fmt: skip


def _import(stack: EngineStack) -> None:
    """`pulumi import --file` as a user runs it: from the project itself, whose Python language host the CLI loads
    (ours, beside the sandbox's CLI) before it reads the import file."""
    assert stack.rehearsal.through_host, "the import runs through the project's own language host"
    imported = subprocess.run(
        [stack.rehearsal.run_cli.path, "import", "--stack", "dev", "--file", str(stack.work_dir / "adopt-dev.json"),
         "--generate-code=false", "--yes", "--non-interactive"],
        capture_output=True, text=True, env=stack.rehearsal.process_env, cwd=stack.work_dir, check=False,
    )  # fmt: skip
    assert imported.returncode == 0, imported.stdout[-3000:] + imported.stderr[-3000:]


@pytest.mark.parametrize("with_tags", [True, False], ids=["as-the-program-builds-it", "without-our-tags"])
def test_a_hand_built_pair_comes_under_the_stack_and_up_rebuilds_nothing(
    tmp_path: Path, pulumi_cli: PulumiCli, with_tags: bool
) -> None:
    seed, ids, key = _hand_built(tmp_path, pulumi_cli, with_tags=with_tags)
    stack = EngineStack(
        Rehearsal(PROJECT_DIR, "dev", pulumi_cli, tmp_path / "adopter", seed_file=seed, say=lambda _: None)
    )
    existing_before = {record["id"]: record["inputs"] for record in stack.azure()["resources"].values()}

    adopted = _adopt(stack, ids, pulumi_cli)
    assert adopted.returncode == 0, adopted.stderr[-3000:]
    assert key not in adopted.stdout + adopted.stderr, "the key is never printed"
    stack_file = (stack.work_dir / "Pulumi.dev.yaml").read_text()
    assert "vnet2vnet:sharedKey" in stack_file and key not in stack_file, "the key is the stack's secret, encrypted"
    _import(stack)

    preview = stack.ok("preview", "after-import")
    assert preview["create"] == 0 and preview["replace"] == 0 and preview["delete"] == 0, f"no rebuild: {preview}"
    if with_tags:
        assert preview["update"] == 0, f"the pair is exactly what the program builds: a no-op {preview}"
    up = stack.ok("up", "after-import")
    assert up == preview, f"up does what preview said: {up}"
    state = stack.azure()
    assert {c["inputs"]["sharedKey"] for c in azure.of_type(state, azure.CONNECTION)} == {key}, "the key is kept"
    assert set(existing_before) == {record["id"] for record in state["resources"].values()}, "the same resources"
    again = change_counts(stack.run("preview", "second")["changes"])
    assert sum(again.values()) == again["same"], f"and the stack is settled: {again}"


def test_an_ids_file_that_does_not_match_the_stack_is_refused_with_the_names(
    tmp_path: Path, pulumi_cli: PulumiCli
) -> None:
    stack = EngineStack(Rehearsal(PROJECT_DIR, "dev", pulumi_cli, tmp_path / "adopter", say=lambda _: None))
    ids: dict[str, Any] = {
        "vnet2vnet-east-vnett": "/subscriptions/x/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v"
    }
    refused = _adopt(stack, ids, pulumi_cli)
    assert refused.returncode == 2, refused.stderr
    assert "did you mean 'vnet2vnet-east-vnet'?" in refused.stderr and "no ID for:" in refused.stderr, refused.stderr
    assert not (stack.work_dir / "adopt-dev.json").exists(), "nothing is written for a bad map"
