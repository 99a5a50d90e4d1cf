"""The wheel, as a consumer installs it (issue 27): a project that has none of this repository, whose
requirements.txt names the wheel, gets a new virtualenv from the language host's own `pip install`, and its
program (examples/python-two-pairs) goes through a rehearsal on the real engine against the emulator."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from tests.support import build_wheel
from vnet2vnet.pulumi_cli import PulumiCli
from vnet2vnet.rehearse import Rehearsal

from .conftest import PROJECT_DIR


def consumer_requirements(wheel: Path, constraints: Path) -> str:
    """The wheel by path and content hash (pip checks it), its dependencies at the versions this repository pins."""
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    return f"vnet2vnet @ {wheel.as_uri()}#sha256={digest}\n-c {constraints}\n"


def pins(*files: Path) -> str:
    lines = [line.strip() for path in files for line in path.read_text().splitlines()]
    return "".join(f"{line}\n" for line in lines if "==" in line and not line.startswith("#"))


def test_a_consumer_of_the_wheel_rehearses_through_the_language_host(tmp_path: Path, pulumi_cli: PulumiCli) -> None:
    wheel = build_wheel(tmp_path / "build")
    consumer = tmp_path / "consumer"
    shutil.copytree(PROJECT_DIR / "examples" / "python-two-pairs", consumer)
    constraints = tmp_path / "constraints.txt"
    constraints.write_text(pins(PROJECT_DIR / "requirements.txt", PROJECT_DIR / "requirements-dev.txt"))
    (consumer / "requirements.txt").write_text(consumer_requirements(wheel, constraints))
    assert not (consumer / "vnet2vnet").exists() and not (consumer / "components").exists()

    # A new virtualenv for this wheel, in this test's folder: never one left in the cache by another build.
    rehearsal = Rehearsal(
        consumer, "dev", pulumi_cli, tmp_path / "sandbox", ours=False, venv_cache=tmp_path / "venvs", say=print
    )
    report = rehearsal.run()

    assert report["program_run"] == "language host", report["notes"]
    venv = Path(rehearsal.work_dir / "venv").resolve()
    assert venv.is_relative_to(tmp_path / "venvs"), f"the consumer's own new venv: {venv}"
    installed = list(venv.glob("lib/python*/site-packages/vnet2vnet/__init__.py"))
    assert installed, "the language host's pip install put the wheel into the consumer's venv"
    assert report["ok"], f"the consumer's rehearsal: {report['problems']}\n{report['notes']}"
    assert report["built"].get("azure-native:network:VirtualNetworkGateway") == 4, report["built"]
    steps = {step["name"]: step["changes"] for step in report["steps"]}
    assert steps["up"].get("create") and steps["destroy"].get("delete"), steps
