"""`python -m vnet2vnet plan`: what users run first, in a subprocess as they would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from tests.support import PROJECT_DIR


def run_cli(*args: str, cwd: Path = PROJECT_DIR) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vnet2vnet", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_plan_prints_the_tree_outputs_and_summary() -> None:
    result = run_cli("plan", "--stack", "dev")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for expected in (
        "vnet2vnet:index:VnetToVnetPair",
        "azure-native:network:VirtualNetworkGateway ",
        "vnet2vnet-east-to-west",
        "sharedKey: [secret]",
        "Resources: 13 to create",
    ):
        assert expected in out, f"{expected!r} missing from plan output:\n{out}"


def test_unknown_stack_is_a_clear_error() -> None:
    result = run_cli("plan", "--stack", "nosuch")
    assert result.returncode == 2
    assert "Pulumi.nosuch.yaml" in result.stderr and "dev" in result.stderr and "prod" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_error_exits_non_zero_with_the_key_and_no_traceback(tmp_path: Path) -> None:
    for name in ("Pulumi.yaml",):
        (tmp_path / name).write_text((PROJECT_DIR / name).read_text())
    stack = yaml.safe_load((PROJECT_DIR / "Pulumi.dev.yaml").read_text())
    del stack["config"]["vnet2vnet:vnets"][1]["gatewaySubnetPrefix"]
    (tmp_path / "Pulumi.broken.yaml").write_text(yaml.safe_dump(stack))
    (tmp_path / "__main__.py").write_text((PROJECT_DIR / "__main__.py").read_text())
    result = run_cli("plan", "--stack", "broken", "--project-dir", str(tmp_path))
    assert result.returncode == 1, result.stdout
    assert "vnet2vnet:vnets[1].gatewaySubnetPrefix" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
