"""A throwaway Pulumi home with the two stand-in plugins installed, and the environment every real-engine run here
uses: a local file backend, a passphrase secrets provider, no update checks, no plugin downloads, no ambient
plugins. Nothing touches the user's ~/.pulumi.
"""

from __future__ import annotations

import io
import shlex
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

from vnet2vnet.emulator.provider import AZURE_NATIVE_VERSION, RANDOM_VERSION, SPEC_DIR_VARIABLE
from vnet2vnet.emulator.store import STATE_VARIABLE

STAND_INS = {"azure-native": AZURE_NATIVE_VERSION, "random": RANDOM_VERSION}
REHEARSAL_PASSPHRASE = "vnet2vnet-rehearsal"  # protects only the throwaway backend's test secrets


@dataclass(frozen=True)
class Sandbox:
    root: Path

    @property
    def pulumi_home(self) -> Path:
        return self.root / "pulumi-home"

    @property
    def backend(self) -> Path:
        return self.root / "backend"

    @property
    def emulator_state(self) -> Path:
        return self.root / "azure.json"

    def environment(self, spec_dir: Path | None) -> dict[str, str]:
        env = {
            "PULUMI_HOME": str(self.pulumi_home),
            "PULUMI_BACKEND_URL": f"file://{self.backend}",
            "PULUMI_CONFIG_PASSPHRASE": REHEARSAL_PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_DISABLE_REGISTRY_RESOLVE": "true",
            "PULUMI_IGNORE_AMBIENT_PLUGINS": "true",
            STATE_VARIABLE: str(self.emulator_state),
        }
        if spec_dir is not None:
            env[SPEC_DIR_VARIABLE] = str(spec_dir)
        return env


def _launcher(name: str) -> bytes:
    """The plugin executable: this Python, this package, refusing to run without a rehearsal's state file."""
    python = shlex.quote(sys.executable)
    return (
        "#!/bin/sh\n"
        f"# vnet2vnet's Azure emulator standing in for the {name} provider. Rehearsals only.\n"
        f'exec {python} -m vnet2vnet.emulator.provider {name} "$@"\n'
    ).encode()


def install_stand_ins(sandbox: Sandbox, cli: str, env: dict[str, str]) -> None:
    """`pulumi plugin install resource NAME VERSION --file TARBALL` for each stand-in, into the sandbox's home."""
    sandbox.backend.mkdir(parents=True, exist_ok=True)
    for name, version in STAND_INS.items():
        tarball = sandbox.root / f"pulumi-resource-{name}-v{version}.tar.gz"
        with tarfile.open(tarball, "w:gz") as archive:
            launcher = _launcher(name)
            info = tarfile.TarInfo(f"pulumi-resource-{name}")
            info.size, info.mode = len(launcher), 0o755
            archive.addfile(info, io.BytesIO(launcher))
        completed = subprocess.run(
            [cli, "plugin", "install", "resource", name, version, "--file", str(tarball)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            raise RuntimeError(
                f"`pulumi plugin install resource {name} {version} --file ...` failed: "
                f"{completed.stderr.strip() or completed.stdout.strip()}"
            )
