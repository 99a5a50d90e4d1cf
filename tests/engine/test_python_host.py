"""The real CLI runs our program the way `pulumi up` does (issue 27): through a Python language host (ours,
tools/pulumi/python-host, beside the rehearsal's hard link of the CLI), which reads Pulumi.yaml's runtime options,
checks the virtualenv, lists the program's plugins from the installed packages and runs `__main__.py` through the
SDK's own runner, at the CLI's version, in a process of its own. Each test here would fail against a stand-in that
ran the program any other way."""

from __future__ import annotations

import json
import re
import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from vnet2vnet.pulumi_cli import PulumiCli
from vnet2vnet.rehearse import Rehearsal

from .conftest import PROJECT_DIR, EngineStack

RUNTIME = {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}}
# The program records how it was started: its process, the outermost frame (the runner) and its command line.
RECORDING_PROGRAM = textwrap.dedent(
    """
    import inspect, json, os
    from pathlib import Path
    import pulumi
    from pulumi.runtime import settings

    arguments = Path("/proc/self/cmdline").read_bytes().split(b"\\0")
    Path(os.environ["RECORD_TO"]).write_text(json.dumps({
        "pid": os.getpid(),
        "runner": inspect.stack()[-1].filename,
        "argv": [a.decode() for a in arguments if a],
        "cwd": os.getcwd(),
        "project": pulumi.get_project(),
        "stack": pulumi.get_stack(),
        "organization": pulumi.get_organization(),
        "root_directory": settings.get_root_directory(),
        "dry_run": settings.is_dry_run(),
        "config": pulumi.Config().get("greeting"),
    }))
    pulumi.export("greeting", pulumi.Config().get("greeting"))
    """
)


def project(directory: Path, program: str, runtime: Any = None, requirements: Path | None = None) -> Path:
    """A project with the repository's runtime requirements (the venv the suite builds once) and one stack."""
    directory.mkdir(parents=True)
    (directory / "Pulumi.yaml").write_text(yaml.safe_dump({"name": "hosted", "runtime": runtime or RUNTIME}))
    (directory / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": {"hosted:greeting": "hello"}}))
    (directory / "requirements.txt").write_bytes((requirements or PROJECT_DIR / "requirements.txt").read_bytes())
    (directory / "__main__.py").write_text(program)
    return directory


class Hosted:
    """A project in a rehearsal's sandbox, run with the sandbox's CLI as a user runs `pulumi`."""

    def __init__(self, stack: EngineStack) -> None:
        self.stack = stack
        self.rehearsal = stack.rehearsal

    def pulumi(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.rehearsal.run_cli.path, *args, "--non-interactive"],
            cwd=self.stack.work_dir, env={**self.rehearsal.process_env, **(env or {})},
            capture_output=True, text=True, check=False, timeout=600,
        )  # fmt: skip

    def init(self) -> None:
        created = self.pulumi("stack", "init", self.rehearsal.stack)
        assert created.returncode == 0, created.stderr

    def resource_plugins(self) -> set[str]:
        """The program's plugins as the CLI hears them from the language host (`pulumi about`)."""
        about = self.pulumi("about", "--json", "--stack", self.rehearsal.stack)
        document = json.loads(about.stdout)
        return {p["name"] for p in document["plugins"] if p["kind"] == "resource"}


MakeHosted = Callable[..., Hosted]


@pytest.fixture
def hosted(tmp_path: Path, pulumi_cli: PulumiCli) -> MakeHosted:
    def make(project_dir: Path, stack: str = "dev", init: bool = True) -> Hosted:
        rehearsal = Rehearsal(project_dir, stack, pulumi_cli, tmp_path / f"sandbox-{project_dir.name}", ours=False)
        rehearsal.say = lambda _: None
        made = Hosted(EngineStack(rehearsal))
        assert rehearsal.through_host, f"the program runs through the language host: {rehearsal.notes}"
        if init:
            made.init()
        return made

    return make


def runner_options(runner: Path) -> set[str]:
    """Every option the SDK's runner declares (its argparse `--names`)."""
    return set(re.findall(r'add_argument\(\s*"--(\w+)"', runner.read_text()))


class TestTheProgramRunsAsPulumiUpRunsIt:
    def test_through_the_sdk_runner_of_the_cli_version_in_a_new_process_with_every_option(
        self, hosted: MakeHosted, tmp_path: Path
    ) -> None:
        stack = hosted(project(tmp_path / "recording", RECORDING_PROGRAM))
        records = []
        for run in ("first", "second"):
            record = tmp_path / f"{run}.json"
            previewed = stack.pulumi("preview", "--stack", "dev", env={"RECORD_TO": str(record)})
            assert previewed.returncode == 0, previewed.stdout + previewed.stderr
            records.append(json.loads(record.read_text()))
        first, second = records
        version = stack.pulumi("version").stdout.strip()
        runner = Path(first["runner"])
        assert runner.name == "pulumi-language-python-exec", f"the runner ran the program: {first['runner']}"
        assert f"sdk/v3@{version}/python/cmd" in runner.as_posix(), f"the runner of the CLI's {version}: {runner}"
        assert first["pid"] != second["pid"], "every run of the program is a process of its own"
        passed = {argument[2:] for argument in first["argv"] if argument.startswith("--")}
        # --tracing is passed only with a tracing endpoint, which a rehearsal has not.
        assert passed == runner_options(runner) - {"tracing"}, f"every option the runner accepts: {first['argv']}"
        work_dir = str(stack.stack.work_dir)
        assert (first["project"], first["stack"], first["dry_run"]) == ("hosted", "dev", True), first
        assert first["organization"] == "organization", "the file backend's organization reached the program"
        assert first["root_directory"] == work_dir and first["cwd"] == work_dir, first
        assert first["config"] == "hello", "the stack's config reached the program (PULUMI_CONFIG)"

    def test_an_unhandled_error_ends_through_the_runner_exit_code_32(self, hosted: MakeHosted, tmp_path: Path) -> None:
        stack = hosted(project(tmp_path / "failing", "raise ValueError('the program broke here')\n"))
        previewed = stack.pulumi("preview", "--stack", "dev")
        output = previewed.stdout + previewed.stderr
        assert previewed.returncode != 0, output
        assert "Program failed with an unhandled exception" in output, f"the runner's own report: {output}"
        assert "the program broke here" in output, output
        # Code 32 means the runner has told the user: the host bails without a second, generic error.
        assert "non-zero exit code" not in output, f"exit 32 is not a generic failure: {output}"


class TestRuntimeOptionsAndTheVirtualenv:
    def test_a_typo_in_the_toolchain_fails_as_the_real_host_fails(self, hosted: MakeHosted, tmp_path: Path) -> None:
        stack = hosted(project(tmp_path / "typo", RECORDING_PROGRAM))
        pulumi_yaml = stack.stack.work_dir / "Pulumi.yaml"
        document = yaml.safe_load(pulumi_yaml.read_text())
        document["runtime"]["options"]["toolchain"] = "pipp"
        pulumi_yaml.write_text(yaml.safe_dump(document))
        previewed = stack.pulumi("preview", "--stack", "dev")
        assert previewed.returncode != 0
        assert "unsupported toolchain option: pipp" in previewed.stdout + previewed.stderr, previewed.stderr

    @pytest.mark.parametrize(
        ("make_it", "said"),
        [
            (lambda path: path.write_text("a file\n"), "is set to {path!r} but it is not a directory"),
            (lambda path: (path.mkdir(), (path / "README").write_text("a folder\n")), "-m pip list --format json"),
        ],
        ids=["a-file", "a-folder-without-python"],
    )
    def test_a_virtualenv_that_is_not_one_gets_the_toolchain_own_error(
        self, hosted: MakeHosted, tmp_path: Path, make_it: Callable[[Path], Any], said: str
    ) -> None:
        stack = hosted(project(tmp_path / "novenv", RECORDING_PROGRAM))
        pulumi_yaml = stack.stack.work_dir / "Pulumi.yaml"
        document = yaml.safe_load(pulumi_yaml.read_text())
        document["runtime"]["options"]["virtualenv"] = "not-a-venv"
        pulumi_yaml.write_text(yaml.safe_dump(document))
        path = stack.stack.work_dir / "not-a-venv"
        make_it(path)
        previewed = stack.pulumi("preview", "--stack", "dev")
        output = previewed.stdout + previewed.stderr
        assert previewed.returncode != 0, output
        expected = said.format(path=str(path)).replace("'", '"')
        assert expected in output, f"the toolchain's own words ({expected}): {output}"


class TestThePluginsTheHostLists:
    def test_the_program_needs_exactly_azure_native_and_random(self, hosted: MakeHosted) -> None:
        stack = hosted(PROJECT_DIR)
        assert stack.resource_plugins() == {"azure-native", "random"}, (
            "requirements.txt installs only what the program needs: a Deployments runner would fetch any other"
        )

    def test_only_the_deployments_program_needs_pulumiservice(self, hosted: MakeHosted) -> None:
        stack = hosted(PROJECT_DIR / "deployments", stack="example")
        assert stack.resource_plugins() == {"pulumiservice"}, "deployments/ has a requirements.txt of its own"
