"""The `vnet2vnet` command line: what users run first. In-process through `cli.main` (fast); two tests start
`python -m vnet2vnet` itself, as users do."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import PROJECT_DIR
from vnet2vnet import __version__, cli


@dataclass(frozen=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, cwd: Path = PROJECT_DIR) -> CliResult:
    """`vnet2vnet <args>` run from `cwd`, in this process: exit code, stdout and stderr as a user sees them."""
    out, err = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(list(args))
            except SystemExit as exit_:  # argparse: --help, --version and usage errors
                code = exit_.code if isinstance(exit_.code, int) else int(exit_.code is not None)
    finally:
        os.chdir(previous)
    return CliResult(code, out.getvalue(), err.getvalue())


def run_cli_process(*args: str, cwd: Path = PROJECT_DIR) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def dev_config() -> dict[str, Any]:
    """The dev stack's config section, fresh for each caller to change."""
    config: dict[str, Any] = yaml.safe_load((PROJECT_DIR / "Pulumi.dev.yaml").read_text())["config"]
    return config


def project_copy(tmp_path: Path) -> Path:
    """A copy of this project (no stacks) that tests add stack files to."""
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(PROJECT_DIR / name, tmp_path / name)
    shutil.copytree(PROJECT_DIR / "components", tmp_path / "components")
    return tmp_path


def write_stack(project: Path, stack: str, config: dict[str, Any]) -> None:
    (project / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}))


def broken_dev_config() -> dict[str, Any]:
    config = dev_config()
    del config["vnet2vnet:vnets"][1]["gatewaySubnetPrefix"]
    return config


class TestEntryPoint:
    def test_python_m_vnet2vnet_plan_prints_the_tree_outputs_and_summary(self) -> None:
        result = run_cli_process("-m", "vnet2vnet", "plan", "--stack", "dev")
        assert result.returncode == 0, result.stderr
        for expected in (
            "vnet2vnet:index:VnetToVnetPair",
            "azure-native:network:VirtualNetworkGateway ",
            "vnet2vnet-east-to-west",
            "sharedKey: [secret]",
            "Resources: 13 to create",
        ):
            assert expected in result.stdout, f"{expected!r} missing from plan output:\n{result.stdout}"

    def test_version_prints_the_version_without_loading_the_pulumi_sdks(self) -> None:
        result = run_cli_process("-X", "importtime", "-m", "vnet2vnet", "--version")
        assert result.returncode == 0, result.stderr
        assert result.stdout == f"vnet2vnet {__version__}\n", result.stdout
        imported = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line]
        assert "vnet2vnet.cli" in imported, "the import log must cover the CLI"
        heavy = [name for name in imported if name.split(".")[0] in ("pulumi", "pulumi_azure_native", "grpc")]
        assert heavy == [], f"--version must stay fast; it imported {heavy[:5]}"


class TestHelpAndVersion:
    def test_top_level_help_lists_every_exit_code(self) -> None:
        result = run_cli("--help")
        assert result.returncode == 0, result.stderr
        assert "exit codes:" in result.stdout, result.stdout
        codes = result.stdout.split("exit codes:", 1)[1]
        for code, meaning in (("0", "success"), ("1", "findings"), ("2", "usage"), ("3", "Pulumi CLI"), ("130", "")):
            assert re.search(rf"^\s+{code}\s+.*{meaning}", codes, re.M), f"exit code {code} not listed:\n{codes}"
        assert "not a vnet2vnet project" in codes, "exit 2 covers running outside a project"

    def test_every_subcommand_help_says_what_it_does(self) -> None:
        (subcommands,) = [a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
        assert set(subcommands.choices) == {
            "plan", "preview", "up", "refresh", "destroy", "outputs", "verify", "rehearse", "adopt", "recover"
        }  # fmt: skip
        for name, parser in subcommands.choices.items():
            assert parser.description, f"`vnet2vnet {name} --help` needs a description"
            result = run_cli(name, "--help")
            assert result.returncode == 0, result.stderr
            shown = " ".join(result.stdout.split())
            assert " ".join(parser.description.split()) in shown, f"{name} --help lacks its description:\n{shown}"
            assert "--project-dir DIR" in shown and "exit codes:" in shown, f"{name} --help:\n{result.stdout}"

    def test_version(self) -> None:
        result = run_cli("--version")
        assert (result.returncode, result.stdout) == (0, f"vnet2vnet {__version__}\n"), result

    def test_usage_errors_exit_2(self) -> None:
        for args in ((), ("plan", "--format", "yaml"), ("nosuch",), ("plan", "--nosuch")):
            result = run_cli(*args)
            assert result.returncode == 2, f"{args}: {result}"
            assert "usage:" in result.stderr and result.stdout == "", f"{args}: {result}"


class TestNotAProject:
    def test_plan_in_an_empty_directory_says_so(self, tmp_path: Path) -> None:
        result = run_cli("plan", cwd=tmp_path)
        assert result.returncode == 2, result
        assert f"error: {tmp_path} is not a vnet2vnet project (no Pulumi.yaml)" in result.stderr, result.stderr
        assert "--project-dir" in result.stderr, "the message says how to point at the project"
        assert "is required" not in result.stderr and "Traceback" not in result.stderr, result.stderr
        assert result.stdout == ""

    def test_plan_in_another_pulumi_project_says_so(self, tmp_path: Path) -> None:
        (tmp_path / "Pulumi.yaml").write_text("name: website\nruntime: python\nconfig:\n  region:\n    default: x\n")
        (tmp_path / "__main__.py").write_text("import pulumi\n")
        (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  website:region: eu\n")
        result = run_cli("plan", cwd=tmp_path)
        assert result.returncode == 2, result
        assert f"{tmp_path} is not a vnet2vnet project (its Pulumi.yaml is project 'website'" in result.stderr
        assert "vnet2vnet:vnets" not in result.stderr and "Traceback" not in result.stderr, result.stderr

    def test_a_project_in_another_language_is_not_ours(self, tmp_path: Path) -> None:
        (tmp_path / "Pulumi.yaml").write_text("name: vnet2vnet\nruntime: nodejs\n")
        result = run_cli("plan", "--project-dir", str(tmp_path))
        assert result.returncode == 2, result
        assert "is not a vnet2vnet project" in result.stderr and "runtime 'nodejs'" in result.stderr, result.stderr

    @pytest.mark.parametrize("command", ["up", "recover"])
    def test_the_operations_refuse_too_before_any_pulumi_call(self, tmp_path: Path, command: str) -> None:
        result = run_cli(command, "--stack", "dev", "--project-dir", str(tmp_path))
        assert result.returncode == 2 and "is not a vnet2vnet project" in result.stderr, result

    def test_a_renamed_project_whose_program_imports_vnet2vnet_is_ours(self, tmp_path: Path) -> None:
        (tmp_path / "Pulumi.yaml").write_text("name: corpnet\nruntime: python\n")
        (tmp_path / "__main__.py").write_text("from vnet2vnet import VnetToVnetPair\n")
        write_stack(tmp_path, "dev", broken_dev_config())
        result = run_cli("plan", "--project-dir", str(tmp_path))
        assert "not a vnet2vnet project" not in result.stderr, result.stderr
        assert result.returncode == 1, "its vnet2vnet: keys are checked as the program reads them"
        assert "vnet2vnet:vnets[1].gatewaySubnetPrefix" in result.stderr, result.stderr


class TestStackFileErrors:
    def test_an_unknown_stack_names_the_file_and_the_stacks_there(self) -> None:
        result = run_cli("plan", "--stack", "nosuch")
        assert result.returncode == 2
        assert "Pulumi.nosuch.yaml" in result.stderr and "dev" in result.stderr and "prod" in result.stderr
        assert "Traceback" not in result.stderr

    def test_a_stack_without_vnet2vnet_keys_says_which_keys_to_set(self, tmp_path: Path) -> None:
        project = project_copy(tmp_path)
        write_stack(project, "fresh", {"azure-native:location": "westeurope"})
        result = run_cli("plan", "--stack", "fresh", "--project-dir", str(project))
        assert result.returncode == 1, result
        for expected in (
            "error: vnet2vnet:vnets:",
            "Pulumi.fresh.yaml sets no vnet2vnet: keys (only azure-native:location)",
            "name, location, addressSpaces and gatewaySubnetPrefix",
            "vnet2vnet:gateway",
        ):
            assert expected in result.stderr, f"{expected!r} missing from:\n{result.stderr}"


def test_config_error_exits_1_with_the_key_and_no_traceback(tmp_path: Path) -> None:
    project = project_copy(tmp_path)
    write_stack(project, "broken", broken_dev_config())
    result = run_cli("plan", "--stack", "broken", "--project-dir", str(project))
    assert result.returncode == 1, result.stdout
    assert "vnet2vnet:vnets[1].gatewaySubnetPrefix" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout == "", "nothing is planned, so the text plan prints nothing on stdout"


def test_the_rehearsal_summary_counts_the_evidence_checks_that_pass() -> None:
    from vnet2vnet.cli import render_rehearsal

    zero = {"create": 0, "update": 0, "replace": 0, "delete": 0, "same": 0}
    checks = [{"link": "a-to-b", "check": "connected", "result": "pass", "detail": ""}] * 3 + [
        {"link": "b-to-a", "check": "connected", "result": "fail", "detail": "NotConnected"}
    ]
    document = {
        "stack": "dev", "cli_version": "v3.274.1", "clock_scale": 0.01, "conflicts": 0,
        "state_plaintext_secrets": 0, "state_secret_values_searched": 2, "ok": False, "problems": [], "notes": [],
        "makespan": {"emulated_minutes": 1, "planned_critical_path_minutes": 1, "ratio": 1},
        "steps": [{"name": "evidence", "changes": zero, "seconds": 1.0, "errors": [], "checks": checks}],
    }  # fmt: skip
    assert "evidence               3/4 checks pass" in render_rehearsal(document), render_rehearsal(document)
    document["program_run"] = "language host"
    assert render_rehearsal(document).splitlines()[0] == (
        "Rehearsal of 'dev' on v3.274.1 (clock scale 0.01, program through the language host)"
    ), "the summary says how the program ran"
