"""The real-engine suite: the real Pulumi CLI (built from the Go module proxy, or the user's) runs the real
program against the Azure emulator in a throwaway backend. A machine with neither Go nor a `pulumi` CLI fails
here with what to install: this suite never skips."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from vnet2vnet.emulator import azure
from vnet2vnet.emulator.arm_http import ArmServer
from vnet2vnet.emulator.store import Store
from vnet2vnet.pulumi_cli import PulumiCli, PulumiCliMissingError, find_cli
from vnet2vnet.rehearse import Rehearsal, change_counts

PROJECT_DIR = Path(__file__).resolve().parents[2]
# The last release before the real-engine fixes of issue 12 (what existing stacks were built with).
LAST_RELEASE = "655742f"
# The last commit before issue 15 restructured the option model and the components: plans must not move.
BEFORE_RESTRUCTURE = "8b5e3ff"


@pytest.fixture(scope="session")
def pulumi_cli() -> PulumiCli:
    try:
        return find_cli(build=True)
    except PulumiCliMissingError as missing:
        pytest.fail(f"the real-engine suite needs a Pulumi CLI: {missing}", pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def python_language_host() -> Path:
    """Our Python language host (tools/pulumi/build-test-tool.sh python-host): every rehearsal here runs the program as
    `pulumi up` does, through it, unless a test asks for the inline mode."""
    from vnet2vnet.emulator.python_host import HOST_VARIABLE, configured_python_host

    found = configured_python_host()
    if found is None or not found.is_file():
        pytest.fail(
            f"set {HOST_VARIABLE} (make engine-tests does, from tools/pulumi/build-test-tool.sh python-host)",
            pytrace=False,
        )
    return found


class EngineStack:
    """One stack of a project in a sandbox: the real CLI, the emulator, a throwaway backend."""

    def __init__(self, rehearsal: Rehearsal) -> None:
        self.rehearsal = rehearsal
        rehearsal.prepare()

    @property
    def work_dir(self) -> Path:
        return self.rehearsal.work_dir

    @property
    def store(self) -> Store:
        return self.rehearsal.store

    def run(self, operation: str, phase: str | None = None, **extra: Any) -> dict[str, Any]:
        return self.rehearsal.operation(operation, phase or operation, **extra)

    def ok(self, operation: str, phase: str | None = None, **extra: Any) -> dict[str, int]:
        """Run an operation that must succeed; its change counts."""
        result = self.run(operation, phase, **extra)
        log = Path(result["log"]).read_text()[-4000:]
        assert "error" not in result, f"{operation} failed: {result.get('error')}\n{log}"
        return change_counts(result.get("changes"))

    def edit_config(self, edit: Callable[[dict[str, Any]], None]) -> None:
        """Change the scratch stack file's `config:` (the user's file is never touched)."""
        path = self.work_dir / f"Pulumi.{self.rehearsal.stack}.yaml"
        document = yaml.safe_load(path.read_text()) or {}
        edit(document.setdefault("config", {}))
        path.write_text(yaml.safe_dump(document, sort_keys=False))

    def azure(self) -> dict[str, Any]:
        return self.store.read()

    def connections(self) -> list[dict[str, Any]]:
        state = self.azure()
        return sorted(azure.of_type(state, azure.CONNECTION), key=lambda record: record["name"])

    def statuses(self) -> dict[str, str]:
        """Each connection's status once none is still Connecting (a few emulated minutes after its write)."""
        state = self.rehearsal.settled_links()
        return {
            record["name"]: azure.connection_status(state, record)
            for record in sorted(azure.of_type(state, azure.CONNECTION), key=lambda r: r["name"])
        }

    def conflicts(self, phase: str | None = None) -> list[dict[str, Any]]:
        return [c for c in self.azure()["conflicts"] if phase is None or c.get("phase") == phase]

    def state_on_disk(self) -> dict[str, Any]:
        """The stack's state file as the backend stores it (secrets encrypted), not as an export shows it."""
        (path,) = self.rehearsal.sandbox.backend.glob(f".pulumi/stacks/*/{self.rehearsal.stack}.json")
        return dict(json.loads(path.read_text())["checkpoint"]["latest"])

    def urn_of(self, deployment: dict[str, Any], type_suffix: str, name: str) -> str:
        (urn,) = [
            r["urn"] for r in deployment["resources"] if r["type"].endswith(type_suffix) and r["urn"].endswith(name)
        ]
        return str(urn)


@pytest.fixture
def engine_stack(tmp_path: Path, pulumi_cli: PulumiCli) -> Callable[..., EngineStack]:
    def make(
        stack: str = "dev",
        project_dir: Path = PROJECT_DIR,
        seed: Path | None = None,
        faults: tuple[str, ...] = (),
        inline: bool = False,
    ) -> EngineStack:
        """A sandboxed stack; `faults` (YAML flow mappings of the seed file's `faults`) write a seed file;
        `inline` runs the program in the rehearsal's own process (to see which vnet2vnet it imported)."""
        root = tmp_path / f"sandbox-{stack}"
        if faults:
            seed = tmp_path / f"faults-{stack}.yaml"
            seed.write_text("faults:\n" + "".join(f"  - {fault}\n" for fault in faults))
        return EngineStack(
            Rehearsal(project_dir, stack, pulumi_cli, root, seed_file=seed, say=lambda _: None, inline=inline)
        )

    return make


def arm_process_env(server: ArmServer) -> dict[str, str]:
    """What a `vnet2vnet` process needs to read the emulated Azure as it reads Azure: a service principal's test
    credentials (never the user's) through the ordinary ARM_* route, the endpoints, and the CA to trust."""
    return {
        "ARM_CLIENT_ID": "00000000-0000-4000-8000-00000000c11e",
        "ARM_CLIENT_SECRET": "rehearsal-only-secret",
        "ARM_TENANT_ID": "00000000-0000-4000-8000-0000000e7a27",
        "ARM_SUBSCRIPTION_ID": azure.DEFAULT_SUBSCRIPTION,
        "ARM_DISABLE_INSTANCE_DISCOVERY": "true",
        "VNET2VNET_ARM_URL": server.base_url,
        "VNET2VNET_LOGIN_URL": server.base_url,
        "REQUESTS_CA_BUNDLE": server.ca_bundle,
    }


def hand_built_seed(
    builder: EngineStack, deployment: dict[str, Any], seed: Path, drop: tuple[str, ...] = ()
) -> dict[str, str]:
    """What `builder` built, as a seed file of resources that exist already, and our resource names -> their Azure
    IDs, from its `deployment`. Each resource is as Azure returns it (its GET answer, server defaults and generated
    values included, without what is read-only, its path parameters or the `drop`ped keys), not as the program
    sent it: an adoption must cope with what a real GET brings in."""
    resources = []
    state = builder.azure()
    for record in state["resources"].values():
        path = azure.path_values(record["type"], record["id"]) or {}
        read_only = azure.read_only_for(record["type"])
        answer = azure.answer(state, record)
        inputs = {k: v for k, v in answer.items() if k not in path and k not in drop and k not in read_only}
        address = {"ipAddress": answer["ipAddress"]} if record["type"] == azure.PUBLIC_IP else {}
        resources.append(
            {"id": record["id"], "type": record["type"], "location": record.get("location"), "inputs": inputs} | address
        )
    seed.write_text(yaml.safe_dump({"resources": resources}))
    names = {
        str(r["urn"]).rsplit("::", 1)[-1]: str(r["id"])
        for r in deployment["resources"]
        if r.get("custom") and str(r["type"]).startswith("azure-native:")
    }
    assert len(names) == len(resources), "every Azure resource of the hand-built network has a name of its own"
    return names


def write_project(directory: Path, program: str, stack: str, config: dict[str, Any], name: str = "second") -> Path:
    """A Pulumi project of its own: Pulumi.yaml, one stack file and its `__main__.py`."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
    (directory / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}))
    (directory / "__main__.py").write_text(program)
    return directory


def last_release(destination: Path, commit: str = LAST_RELEASE) -> Path:
    """The project as a past commit (by default the last release) shipped it, from this repository's history."""
    destination.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(PROJECT_DIR), "archive", commit], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(destination)], input=archive, check=True)
    return destination


def replace_program(work_dir: Path, source: Path, stack: str) -> None:
    """Swap a sandbox's program for another version, keeping its stack file (and the stack's salt in it)."""
    from vnet2vnet.project_copy import copy_project

    stack_file = work_dir / f"Pulumi.{stack}.yaml"
    kept = stack_file.read_text()
    shutil.rmtree(work_dir)  # the sandbox's own copy
    copy_project(source, work_dir)
    stack_file.write_text(kept)
