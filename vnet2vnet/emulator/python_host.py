"""The real CLI's own path for a Python program in a rehearsal: `pulumi up` starts a Python language host, which
checks the project's virtualenv, lists its plugins from the installed packages and runs `__main__.py` through the
SDK's runner in a fresh process.

The host is the real one when it comes with the user's CLI, else the test host built here
(`tools/pulumi/build-test-tool.sh python-host`, `$VNET2VNET_PYTHON_HOST`). Either is placed only beside the
rehearsal's own hard link (or copy) of the CLI inside its sandbox, never beside the shared CLI or on PATH: the
CLI looks for a language host beside its resolved executable (sdk/go/common/workspace/plugins.go
`GetPluginPath`), so a symlink would find the shared CLI's folder instead. The program's virtualenv is built once
per requirements file by the host's own `pip install` (`pulumi install --no-plugins`) and linked into each
rehearsal's copy of the project.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from vnet2vnet.pulumi_cli import PulumiCli, cache_dir

HOST_VARIABLE = "VNET2VNET_PYTHON_HOST"
# The YAML language host (tools/pulumi-yaml/build.sh), for YAML projects such as examples/yaml.
YAML_HOST_VARIABLE = "VNET2VNET_YAML_HOST"


class PythonHostError(RuntimeError):
    """The program's virtualenv could not be built (the host's own words)."""


def configured_python_host() -> Path | None:
    """`$VNET2VNET_PYTHON_HOST` (the test host `make rehearse` and `make engine-tests` build), or None."""
    value = os.environ.get(HOST_VARIABLE)
    return Path(value) if value else None


def configured_yaml_host() -> Path | None:
    """`$VNET2VNET_YAML_HOST` (built by tools/pulumi-yaml/build.sh), or None."""
    value = os.environ.get(YAML_HOST_VARIABLE)
    return Path(value) if value else None


def _runtime(project_dir: Path) -> Any:
    try:
        document = yaml.safe_load((project_dir / "Pulumi.yaml").read_text()) or {}
    except (OSError, yaml.YAMLError):
        return None
    return document.get("runtime") if isinstance(document, dict) else None


def runtime_name(project_dir: Path) -> str:
    """Pulumi.yaml's runtime (`runtime: yaml` or `runtime: {name: python, ...}`), "" when unreadable."""
    runtime = _runtime(project_dir)
    name = runtime.get("name") if isinstance(runtime, dict) else runtime
    return name if isinstance(name, str) else ""


def runtime_options(project_dir: Path) -> dict[str, Any]:
    """Pulumi.yaml's `runtime.options` (empty for `runtime: python` or an unreadable file)."""
    runtime = _runtime(project_dir)
    options = runtime.get("options") if isinstance(runtime, dict) else None
    return dict(options) if isinstance(options, dict) else {}


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system: a copy (it must not be a symlink)
        shutil.copy2(source, target)


def sandbox_cli(bin_dir: Path, cli: PulumiCli, hosts: Mapping[str, Path]) -> PulumiCli:
    """The CLI hard-linked into `bin_dir` with the language hosts beside it (runtime name -> host)."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    _link_or_copy(Path(cli.path).resolve(), bin_dir / "pulumi")
    for runtime, host in hosts.items():
        _link_or_copy(host.resolve(), bin_dir / f"pulumi-language-{runtime}")
    return PulumiCli(str(bin_dir / "pulumi"), "sandbox")


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # parallel test workers build each venv once
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def program_venv(requirements: Path, cli: PulumiCli, env: Mapping[str, str], cache: Path | None = None) -> Path:
    """A virtualenv with `requirements` installed by the language host's own `pip install -r requirements.txt`,
    built once per requirements file (and Python) in `cache` (by default ours, `program-venvs`) and reused."""
    key = hashlib.sha256(requirements.read_bytes() + sys.version.encode()).hexdigest()[:16]
    folder = (cache or cache_dir() / "program-venvs") / key
    done = folder / ".built"
    with _locked(folder.with_suffix(".lock")):
        if done.is_file():
            return folder / "venv"
        shutil.rmtree(folder, ignore_errors=True)  # a half-built venv of ours from an interrupted build
        folder.mkdir(parents=True)
        (folder / "Pulumi.yaml").write_text(
            "name: program-venv\nruntime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: venv\n"
        )
        shutil.copyfile(requirements, folder / "requirements.txt")
        completed = subprocess.run(
            [cli.path, "install", "--no-plugins", "--non-interactive"],
            cwd=folder, env=dict(env), capture_output=True, text=True, check=False,
        )  # fmt: skip
        if completed.returncode != 0:
            raise PythonHostError(
                f"`pulumi install` of {requirements} failed: {(completed.stderr or completed.stdout).strip()[-2000:]}"
            )
        done.touch()
    return folder / "venv"


def link_venv(work_dir: Path, virtualenv: str, venv: Path) -> None:
    """The project copy's `virtualenv` folder as a link to the built venv (the copy never holds one)."""
    target = work_dir / virtualenv
    if target.is_symlink() or target.exists():
        raise PythonHostError(f"{target} exists in the rehearsal's copy of the project")
    target.symlink_to(venv, target_is_directory=True)
